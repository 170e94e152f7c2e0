"""What the demo loaders share: the fixed demo date, and the rows each step has created so far."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from django.contrib.auth.models import User

from interviews.models import (
    ConsentRecord,
    Enrollment,
    FieldNote,
    Participant,
    ProjectAttribute,
    ResearchProject,
    Session,
    Transcript,
)

# Every date in the demo is written relative to this day, so two loads produce the same data
# whatever the clock says. Fiscal year FY27 runs from February 2026 to January 2027.
DEMO_TODAY = dt.date(2026, 11, 20)


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def moment(on: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(on.year, on.month, on.day, hour, minute, tzinfo=dt.UTC)


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


@dataclass
class DemoContext:
    """The rows made so far, keyed the way the tables in people.py and studies.py name them.

    A later loader reads what it needs from here, e.g.
    `for enrollment, session in ctx.completed_sessions(): ...`; the transcripts and field
    notes steps add theirs, which demo.analysis codes.
    """

    stdout: Writer | None = None
    users: dict[str, User] = field(default_factory=dict)  # by username
    participants: dict[str, Participant] = field(default_factory=dict)  # by people.py key
    consents: dict[str, ConsentRecord] = field(default_factory=dict)  # by people.py key
    projects: dict[str, ResearchProject] = field(default_factory=dict)  # by slug
    attributes: dict[tuple[str, str], ProjectAttribute] = field(default_factory=dict)  # (slug, key)
    enrollments: dict[tuple[str, str], Enrollment] = field(default_factory=dict)  # (slug, key)
    sessions: dict[tuple[str, str], Session] = field(default_factory=dict)  # (slug, key)
    transcripts: dict[tuple[str, str], Transcript] = field(default_factory=dict)  # (slug, key)
    field_notes: dict[tuple[str, str], list[FieldNote]] = field(default_factory=dict)  # (slug, key)
    # What each step made, for the summary: e.g. {"transcripts": 19, "highlights": 560}.
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        if self.stdout is not None:
            self.stdout.write(f"{line}\n")

    def completed_sessions(self) -> Iterator[tuple[Enrollment, Session]]:
        """Each completed enrollment with its session, in load order."""
        for ref, session in self.sessions.items():
            enrollment = self.enrollments[ref]
            if enrollment.status == Enrollment.Status.COMPLETED:
                yield enrollment, session
