"""The rules of the game, pure: ``decide(state, action, roller) -> Event`` and
``apply(state, event)`` (:mod:`.engine`), one module per part of the game:

- :mod:`.events`: the event record and the ``Draft`` a rule writes it on;
- :mod:`.health`: damage, healing, temporary hit points, death saves, concentration checks;
- :mod:`.conditions`: conditions and concentration;
- :mod:`.initiative`: rolling, setting and reordering initiative;
- :mod:`.order`: the turn order (ties, groups, the lair);
- :mod:`.turns`: starting combat, passing turns, delaying.

They import nothing but the standard library, pydantic, the encounter's own state and
actions (:mod:`app.encounters.state`, :mod:`app.encounters.actions`) and the
framework-free error tree; ``tests/test_layers.py`` holds them to it.
"""

from app.encounters.rules.engine import (
    MAX_COMBATANTS,
    Internal,
    apply,
    combat_summary,
    decide,
    resolve,
)
from app.encounters.rules.events import Draft, Event

__all__ = [
    "MAX_COMBATANTS",
    "Draft",
    "Event",
    "Internal",
    "apply",
    "combat_summary",
    "decide",
    "resolve",
]
