"""The messages a stream sends, each serialised once per version and audience.

Shapes (every message is one JSON text frame)::

    DM:      {"type": "snapshot", "version": n, "state": {...}}
             {"type": "event", "version": n, "state": {...}, "event": {...}}
    players: {"type": "snapshot", "seq": s, "state": {..., "seq": s}}
             {"type": "event", "seq": s, "state": {..., "seq": s}}
    both:    {"type": "ping"}

``state`` is, for the DM, exactly what ``GET /api/encounters/{id}`` answers, and its
``event`` is ``{"seq", "type", "text", "reminders", "undo_of"}``. For the players it is
:func:`app.encounters.projection.player_view` at the link's own ``seq``: no encounter
version (its gaps would count the changes they cannot see) and no event (its text may
name a hidden creature). The players get a frame only for a version whose event changed
what they see (``player_seq`` set on it), so the count, order and timing of their
frames follow exactly what is on their screen.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic_core import to_json

from app.encounters.projection import dm_json, player_view
from app.encounters.state import EncounterState
from app.realtime.repository import LoggedEvent

Audience = Literal["dm", "player"]
AUDIENCES: tuple[Audience, ...] = ("dm", "player")
PING = '{"type":"ping"}'


def dm_state_json(state: EncounterState, campaign_id: str) -> str:
    """What ``GET /api/encounters/{id}`` and the actions answer (the same serialiser)."""
    return dm_json(state, campaign_id)


def player_state_json(state: EncounterState, seq: int) -> str:
    return to_json(player_view(state, seq)).decode()


class Frame:
    """One version of an encounter as the streams send it. Each message is serialised
    on first use, then reused by every socket, snapshot and replay.

    ``player_seq`` is the encounter's count of changes the players saw, as of this
    version; a player-view link made when it was ``share_seq`` numbers this frame
    ``player_seq - share_seq``."""

    __slots__ = (
        "_messages", "_model", "campaign_id", "compacted", "event", "player_seq", "state",
        "version",
    )  # fmt: skip

    def __init__(
        self,
        *,
        version: int,
        state: dict[str, Any] | str | EncounterState,
        campaign_id: str,
        event: LoggedEvent | None,
        player_seq: int,
    ) -> None:
        self.version = version
        self.state: dict[str, Any] | str | EncounterState | None = state
        self.campaign_id = campaign_id
        self.event = event
        self.player_seq = player_seq
        self.compacted = False
        self._messages: dict[tuple[str, Audience, int], str] = {}
        # The state as a model, parsed on first use; dropped again by compact().
        self._model = state if isinstance(state, EncounterState) else None

    @property
    def seen(self) -> bool:
        """Whether the players saw this version's change (they get a frame for it)."""
        return self.event is not None and self.event.player_seq is not None

    def _state(self) -> EncounterState:
        """The state as a model (stored JSON is validated once, on first use)."""
        if self._model is None:
            if self.state is None or isinstance(self.state, EncounterState):
                raise RuntimeError(f"frame {self.version} was compacted: its state is gone")
            if isinstance(self.state, str):
                self._model = EncounterState.model_validate_json(self.state)
            else:
                self._model = EncounterState.model_validate(self.state)
        return self._model

    def compact(self) -> None:
        """Keep only the live messages already made (called once a newer version
        exists): the parsed state, the stored JSON, the DM's state text and the snapshots
        go. Snapshots are made from the newest frame only, and the replay buffers keep
        up to :data:`app.realtime.hub.REPLAY_FRAMES` older frames per encounter in every
        worker, so an older frame is kept only for replays. A message it never made
        cannot be made any more (:meth:`renders`): a replay that needs one gets a
        snapshot instead."""
        self.compacted = True
        self._model = None
        self.state = None
        live = "snapshot" if self.event is None else "event"
        self._messages = {k: v for k, v in self._messages.items() if k[0] == live}

    def _live_key(self, audience: Audience, seq: int) -> tuple[str, Audience, int]:
        return ("snapshot" if self.event is None else "event", audience, seq)

    def renders(self, audience: Audience, seq: int = 0) -> bool:
        """Whether this frame can still give its live message (always, unless compacted
        before it was made)."""
        return not self.compacted or self._live_key(audience, seq) in self._messages

    def _dm_state(self) -> str:
        key: tuple[str, Audience, int] = ("state", "dm", 0)
        text = self._messages.get(key)
        if text is None:
            text = self._messages[key] = dm_state_json(self._state(), self.campaign_id)
        return text

    def size(self) -> int:
        """Bytes this frame holds as text (its serialised messages, or the stored JSON
        not yet parsed): what keeping it for replays costs, roughly."""
        held = sum(len(m) for m in self._messages.values())
        return held + (len(self.state) if isinstance(self.state, str) else 0)

    def cached(self, audience: Audience, seq: int = 0) -> bool:
        """Whether its live message is made already (a replay of it costs nothing)."""
        return self._live_key(audience, seq) in self._messages

    def snapshot(self, audience: Audience, seq: int = 0) -> str:
        """The full state; for players at the link's ``seq``."""
        key = ("snapshot", audience, seq)
        text = self._messages.get(key)
        if text is None:
            if audience == "dm":
                state = self._dm_state()
                text = f'{{"type":"snapshot","version":{self.version},"state":{state}}}'
            else:
                state = player_state_json(self._state(), seq)
                text = f'{{"type":"snapshot","seq":{seq},"state":{state}}}'
            self._messages[key] = text
        return text

    def event_message(self, audience: Audience, seq: int = 0) -> str:
        """The live message for this version (a snapshot if the log has no event)."""
        if self.event is None:
            return self.snapshot(audience, seq)
        key = ("event", audience, seq)
        text = self._messages.get(key)
        if text is None:
            if audience == "dm":
                state = self._dm_state()
                event = to_json(self.event.as_dict()).decode()
                text = (
                    f'{{"type":"event","version":{self.version},"state":{state},"event":{event}}}'
                )
            else:
                state = player_state_json(self._state(), seq)
                text = f'{{"type":"event","seq":{seq},"state":{state}}}'
            self._messages[key] = text
        return text
