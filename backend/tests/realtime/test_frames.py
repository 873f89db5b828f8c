"""A frame older than the newest keeps only the live messages it made (the replay buffers
keep up to 64 frames per encounter per worker), and renders them the same."""

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


def test_a_compacted_frame_keeps_only_the_live_messages_it_made() -> None:
    kept, compacted = _frame(), _frame()
    made = [("dm", 0), ("player", 3)]
    for audience, seq in made:
        assert compacted.event_message(audience, seq) == kept.event_message(audience, seq)
    compacted.snapshot("dm")
    before = compacted.size()
    compacted.compact()
    # Only text, and only the live messages: no parsed state, stored JSON or snapshot.
    assert compacted._model is None and compacted.state is None
    assert compacted.size() == sum(len(kept.event_message(a, s)) for a, s in made) < before
    for audience, seq in made:
        assert compacted.renders(audience, seq) and compacted.cached(audience, seq)
        assert compacted.event_message(audience, seq) == kept.event_message(audience, seq)
    # A message it never made cannot be made now: a replay needing it gets a snapshot.
    assert not compacted.renders("player", 1)
    assert kept.renders("player", 1) and not kept.cached("player", 1)
