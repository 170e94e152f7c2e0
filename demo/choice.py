"""Deterministic choices for the demo: a hash of what is being chosen, never the clock.

Stable across loads, machines and Python versions (unlike hash() or an unseeded random), and
independent per key: adding a participant or a topic does not reshuffle anyone else's choices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def stable_hash(*key: object) -> int:
    digest = hashlib.sha256("|".join(map(str, key)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def pick[T](options: Sequence[T], *key: object) -> T:
    """One of `options`, chosen by a hash of `key`."""
    return options[stable_hash(*key) % len(options)]


def chance(percent: int, *key: object) -> bool:
    """True for about `percent` in a hundred keys."""
    return stable_hash(*key) % 100 < percent
