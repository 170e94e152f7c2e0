"""How big each benchmark repository is, and how many times each measurement runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    projects: int
    participants: int
    interviews: int  # sessions, each with one transcript
    words: int  # across every transcript, the long one included
    long_transcript_words: int  # the one the reader benchmark opens
    highlights: int  # on transcripts; field notes get a few more
    codes_per_project: int
    researchers: int
    repetitions: int  # timed runs of each measurement
    warmup: int
    rebuild_repetitions: int  # the index rebuild is slow at scale; it gets fewer runs


SCALES = {
    scale.name: scale
    for scale in (
        # For the smoke test: seconds, not minutes.
        Scale("tiny", 2, 12, 5, 8_000, 2_000, 60, 12, 2, 3, 1, 1),
        Scale("small", 4, 80, 100, 500_000, 40_000, 10_000, 60, 4, 15, 3, 1),
        Scale("large", 20, 400, 2_000, 10_000_000, 40_000, 200_000, 60, 10, 20, 3, 1),
    )
}
