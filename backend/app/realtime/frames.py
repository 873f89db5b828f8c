"""The messages a stream sends, each serialised once per version and audience.

Shapes (every message is one JSON text frame)::

    {"type": "snapshot", "version": n, "state": {...}}
    {"type": "event", "version": n, "state": {...}, "event": {...}}
    {"type": "ping"}

``state`` is, for the DM, exactly what ``GET /api/encounters/{id}`` answers; for the
players, :func:`app.encounters.projection.player_view`. The DM's ``event`` is
``{"seq", "type", "text", "reminders", "undo_of"}``; the players' is only ``{"seq"}``,
since an event's text may name a hidden creature.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic_core import to_json

from app.encounters.projection import player_view
from app.encounters.service import dm_json
from app.encounters.state import EncounterState
from app.realtime.repository import LoggedEvent

Audience = Literal["dm", "player"]
AUDIENCES: tuple[Audience, ...] = ("dm", "player")
PING = '{"type":"ping"}'


def dm_state_json(state: EncounterState, campaign_id: str) -> str:
    """What ``GET /api/encounters/{id}`` and the actions answer (the same serialiser)."""
    return dm_json(state, campaign_id)


def player_state_json(state: EncounterState) -> str:
    return to_json(player_view(state)).decode()


class Frame:
    """One version of an encounter as the streams send it. Each audience's state is
    serialised on first use, then reused by every socket, snapshot and event message."""

    __slots__ = ("_messages", "_states", "campaign_id", "event", "state", "version")

    def __init__(
        self,
        *,
        version: int,
        state: dict[str, Any] | str | EncounterState,
        campaign_id: str,
        event: LoggedEvent | None,
    ) -> None:
        self.version = version
        self.state = state
        self.campaign_id = campaign_id
        self.event = event
        self._states: dict[Audience, str] = {}
        self._messages: dict[tuple[str, Audience], str] = {}

    def _state(self) -> EncounterState:
        """The state as a model (stored JSON is validated once, on first use)."""
        if isinstance(self.state, str):
            self.state = EncounterState.model_validate_json(self.state)
        elif not isinstance(self.state, EncounterState):
            self.state = EncounterState.model_validate(self.state)
        return self.state

    def state_json(self, audience: Audience) -> str:
        text = self._states.get(audience)
        if text is None:
            state = self._state()
            if audience == "dm":
                text = dm_state_json(state, self.campaign_id)
            else:
                text = player_state_json(state)
            self._states[audience] = text
        return text

    def snapshot(self, audience: Audience) -> str:
        key = ("snapshot", audience)
        text = self._messages.get(key)
        if text is None:
            text = (
                f'{{"type":"snapshot","version":{self.version},'
                f'"state":{self.state_json(audience)}}}'
            )
            self._messages[key] = text
        return text

    def event_message(self, audience: Audience) -> str:
        """The live message for this version (a snapshot if the log has no event)."""
        if self.event is None:
            return self.snapshot(audience)
        key = ("event", audience)
        text = self._messages.get(key)
        if text is None:
            if audience == "dm":
                event = to_json(self.event.as_dict()).decode()
            else:
                event = f'{{"seq":{self.event.seq}}}'
            text = (
                f'{{"type":"event","version":{self.version},'
                f'"state":{self.state_json(audience)},"event":{event}}}'
            )
            self._messages[key] = text
        return text
