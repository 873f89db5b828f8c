"""Events and the draft a decision is worked out on.

A decision mutates a deep copy of the state (the :class:`Draft`), then the difference
between the old and the new state is stored in the event as a patch. :func:`apply_event`
only replays that patch, so applying an event can never disagree with the decision that
produced it, and it never needs dice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from app.encounters.state import Combatant, EncounterState, TurnChange

if TYPE_CHECKING:
    from app.dice import Roll

# Enough to walk back through a long fight; older turn changes can no longer be undone
# by previous_turn (the service's undo still can).
MAX_TURN_HISTORY = 200

_ENCOUNTER_EXCLUDE = {"combatants", "version", "turn_history", "id"}


class Event(BaseModel):
    """One entry of the encounter's log: what happened, and everything apply needs."""

    model_config = ConfigDict(extra="forbid")

    type: str
    data: dict[str, Any] = Field(default_factory=dict)
    text: str
    reminders: list[str] = Field(default_factory=list)


class Draft:
    """The state being decided on, plus the log lines, reminders and rolls it produced."""

    def __init__(self, state: EncounterState, scratch: EncounterState | None = None) -> None:
        self.before = state
        # The state being worked on must be a copy of its own. A dump and
        # re-validation copies several times faster than deepcopy; a caller holding
        # the stored JSON can hand in a copy parsed from it (``scratch``), cheaper still.
        self.state = (
            scratch if scratch is not None else EncounterState.model_validate(state.model_dump())
        )
        self.lines: list[str] = []
        self.reminders: list[str] = []
        self.rolls: list[dict[str, Any]] = []
        self.data: dict[str, Any] = {}
        self._drop_front = 0
        self._drop_back = 0
        self._pushed: list[TurnChange] = []

    def combatant(self, cid: str) -> Combatant:
        return self.state.combatant(cid)

    def targets(self, ids: list[str]) -> list[Combatant]:
        """The combatants an action names, each once, in the order named."""
        return [self.state.combatant(cid) for cid in dict.fromkeys(ids)]

    def say(self, line: str) -> None:
        self.lines.append(line)

    def remind(self, line: str) -> None:
        if line not in self.reminders:
            self.reminders.append(line)

    def record_roll(self, roll: Roll, **context: Any) -> None:
        self.rolls.append({**context, **roll.as_dict()})

    # Turn history is patched by operations rather than diffed, so an event never
    # carries the whole stack.
    def push_turn_change(self, change: TurnChange) -> None:
        self.state.turn_history.append(change)
        self._pushed.append(change)
        while len(self.state.turn_history) > MAX_TURN_HISTORY:
            self.state.turn_history.pop(0)
            self._drop_front += 1

    def pop_turn_change(self) -> TurnChange:
        change = self.state.turn_history.pop()
        if self._pushed:
            self._pushed.pop()
        else:
            self._drop_back += 1
        return change

    def clear_turn_history(self) -> None:
        self._drop_back = len(self.before.turn_history) - self._drop_front
        self._pushed = []
        self.state.turn_history = []

    def event(self, event_type: str) -> Event:
        data = {**self.data, "rolls": self.rolls, "patch": self.patch()}
        text = " ".join(self.lines) if self.lines else event_type.replace("_", " ").capitalize()
        return Event(type=event_type, data=data, text=text, reminders=list(self.reminders))

    def patch(self) -> dict[str, Any]:
        before, after = self.before, self.state
        patch: dict[str, Any] = {}
        old = before.model_dump(mode="json", exclude=_ENCOUNTER_EXCLUDE)
        new = after.model_dump(mode="json", exclude=_ENCOUNTER_EXCLUDE)
        encounter = {key: value for key, value in new.items() if old[key] != value}
        if encounter:
            patch["encounter"] = encounter

        old_by_id = {c.id: c for c in before.combatants}
        new_ids = {c.id for c in after.combatants}
        removed = [cid for cid in old_by_id if cid not in new_ids]
        added = [c.model_dump(mode="json") for c in after.combatants if c.id not in old_by_id]
        changed: dict[str, dict[str, Any]] = {}
        for combatant in after.combatants:
            previous = old_by_id.get(combatant.id)
            if previous is None or previous == combatant:
                continue
            was = previous.model_dump(mode="json")
            now = combatant.model_dump(mode="json")
            changed[combatant.id] = {k: v for k, v in now.items() if was[k] != v}
        if removed:
            patch["removed"] = removed
        if changed:
            patch["combatants"] = changed
        if added:
            patch["added"] = added
        if self._drop_front or self._drop_back or self._pushed:
            patch["turn_history"] = {
                "drop_front": self._drop_front,
                "drop_back": self._drop_back,
                "push": [c.model_dump(mode="json") for c in self._pushed],
            }
        return patch


def apply_event(state: EncounterState, event: Event) -> EncounterState:
    """Replay an event's patch on a state, returning a new state."""
    patch: dict[str, Any] = event.data.get("patch", {})
    doc = state.model_dump(mode="json")
    removed = set(patch.get("removed", []))
    changed: dict[str, dict[str, Any]] = patch.get("combatants", {})
    combatants = [c for c in doc["combatants"] if c["id"] not in removed]
    for combatant in combatants:
        combatant.update(changed.get(combatant["id"], {}))
    combatants.extend(patch.get("added", []))
    doc["combatants"] = combatants
    doc.update(patch.get("encounter", {}))
    history_ops = patch.get("turn_history")
    if history_ops:
        history: list[Any] = doc["turn_history"]
        end = len(history) - int(history_ops["drop_back"])
        doc["turn_history"] = history[int(history_ops["drop_front"]) : end] + history_ops["push"]
    return EncounterState.model_validate(doc)
