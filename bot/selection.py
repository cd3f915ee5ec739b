"""Choosing the kindness of the day: no repeats until everything has been shown.

The choice is deterministic: the same scope, date and history always give the
same story, so two processes (or a retry after a crash) agree. What was chosen
is recorded by the store; this module only decides.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from datetime import date

__all__ = ["choose", "seeded"]

# Random probes before falling back to listing every candidate; the fallback
# only runs near the end of a cycle, when most items have been shown.
_PROBES = 32


def seeded(scope: str, day: date, kind: str, cycle: int) -> random.Random:
    """A random generator fixed by what is being chosen (string seeds hash stably)."""
    return random.Random(f"{scope}|{day.isoformat()}|{kind}|{cycle}")  # noqa: S311 - reproducible on purpose


def choose(
    items: Sequence[str],
    shown: Collection[str],
    rng: random.Random,
    avoid: Collection[str] = (),
) -> str | None:
    """Pick one of ``items`` not in ``shown``, preferring ones not in ``avoid``.

    ``items`` is every available key in a stable order. Returns ``None`` when
    everything has been shown (the caller then starts a new cycle).
    """
    if not items:
        return None
    for _ in range(_PROBES):
        candidate = items[rng.randrange(len(items))]
        if candidate not in shown and candidate not in avoid:
            return candidate
    fresh = [item for item in items if item not in shown]
    if not fresh:
        return None
    preferred = [item for item in fresh if item not in avoid] or fresh
    return preferred[rng.randrange(len(preferred))]


def cycle_start_avoid(previous_cycle: Sequence[str], available: int) -> set[str]:
    """What the first pick of a new cycle should avoid.

    Not the first story of the previous cycle, so the new cycle's order differs,
    and (when there are enough stories) not the one shown the day before.
    """
    if not previous_cycle or available < 2:
        return set()
    avoid = {previous_cycle[0]}
    if available >= 3:
        avoid.add(previous_cycle[-1])
    return avoid
