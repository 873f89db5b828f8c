"""A frame older than the newest drops its parsed state (the replay buffers keep up to 64
frames per encounter per worker) and still renders every message the same."""

from __future__ import annotations

from app.encounters.state import Combatant, EncounterState
from app.realtime.frames import Frame
from app.realtime.repository import LoggedEvent


def _frame() -> Frame:
    state = EncounterState(
        id="e1",
        name="Crypt",
        status="active",
        round=1,
        combatants=[Combatant(id=f"c{i}", name=f"Ghoul {i}", max_hp=22, hp=15) for i in range(3)],
        order=["c0", "c1", "c2"],
        turn="c0",
    )
    event = LoggedEvent(
        seq=5, type="damage", text="Ghoul 0 takes 7.", reminders=[], undo_of=None, player_seq=3
    )
    return Frame(
        version=5,
        state=state.model_dump_json(),
        campaign_id="camp",
        event=event,
        player_seq=3,
    )


def test_a_compacted_frame_renders_the_same_messages() -> None:
    kept, compacted = _frame(), _frame()
    assert compacted.event_message("dm") == kept.event_message("dm")
    compacted.compact()
    assert compacted._model is None  # only the text is held now
    for audience, seq in (("dm", 0), ("player", 3), ("player", 1)):
        assert compacted.event_message(audience, seq) == kept.event_message(audience, seq)
        assert compacted.snapshot(audience, seq) == kept.snapshot(audience, seq)
