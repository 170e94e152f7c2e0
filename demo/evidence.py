"""The demo data set that `manage.py seed_demo` loads (and `make run` calls on every start).

Four studies of a CX journey-research plan, sixty fictional participants with consent records,
enrollments in every pipeline state, the sessions held so far, their transcripts and field
notes. Everything is written out in tables (people.py, studies.py, voices.py, guides.py,
notes.py), dated relative to DEMO_TODAY and chosen by hashes, so every load is identical.

The load is a list of steps run in order inside one transaction. Each step reads what earlier
steps made from the DemoContext and adds its own rows: accounts, studies, people, the pipeline,
sessions, then a transcript for every completed session, written as the file a real tool
would have produced (Zoom and Teams .vtt, Otter and Rev .txt, .md, .srt, a chat log) and
imported through the real importer, and the researchers' field notes.

Codebooks and codings are the analysis, so they are not steps here: demo.analysis passes its
own steps to load_demo(then=...), and `manage.py seed_demo` (demo/management/commands) loads
everything in one transaction.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from demo.accounts import (
    ADMIN_USERNAME,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    LEAD_USERNAME,
    RESEARCHER_USERNAME,
    VIEWER_USERNAME,
    DemoAccount,
    load_accounts,
)
from demo.context import DEMO_TODAY, DemoContext, Writer
from demo.notes import load_field_notes
from demo.people import backdate_participants, load_people, withdraw_consents
from demo.studies import MARKER_SLUG, load_enrollments, load_sessions, load_studies
from demo.transcripts import load_transcripts
from interviews.models import ConsentRecord, Enrollment, ResearchProject

__all__ = [
    "ADMIN_USERNAME",
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DEMO_TODAY",
    "DEMO_USERNAMES",
    "LEAD_USERNAME",
    "LOADERS",
    "MARKER_SLUG",
    "RESEARCHER_USERNAME",
    "VIEWER_USERNAME",
    "DemoAccount",
    "DemoContext",
    "DemoSummary",
    "Loader",
    "is_loaded",
    "load_demo",
]

Loader = Callable[[DemoContext], None]

# Run in this order; each step may use what the steps before it created.
LOADERS: tuple[Loader, ...] = (
    load_accounts,
    load_studies,  # before people: some consents cover one study only
    load_people,  # participants and their consent records
    load_sessions,  # one per completed enrollment, plus the upcoming ones
    load_enrollments,  # every pipeline move, replayed in date order (completing needs a session)
    withdraw_consents,  # after the replay: see its docstring
    backdate_participants,
    load_transcripts,  # one per completed session, through the real importer
    load_field_notes,
    # Codebooks and codings: demo.analysis, passed in as load_demo(then=...).
)


@dataclass(frozen=True)
class DemoSummary:
    already_loaded: bool
    seconds: float = 0.0
    projects: int = 0
    participants: int = 0
    enrollments_by_status: dict[str, int] = field(default_factory=dict)
    sessions: int = 0
    consents: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # what later steps made, by name
    notes: tuple[str, ...] = ()

    @property
    def enrollments(self) -> int:
        return sum(self.enrollments_by_status.values())


def is_loaded() -> bool:
    """The demo is loaded exactly when its first study exists: the load is one transaction."""
    return ResearchProject.objects.filter(slug=MARKER_SLUG).exists()


def load_demo(stdout: Writer | None = None, *, then: Sequence[Loader] = ()) -> DemoSummary:
    """Load the demo data set unless it is already there; a second call changes nothing.

    `then` are further steps (demo.analysis's codebooks and codings) run after LOADERS in the
    same transaction, so a failure in any step leaves nothing behind.
    """
    if is_loaded():
        return DemoSummary(already_loaded=True)
    started = time.monotonic()
    ctx = DemoContext(stdout=stdout)
    with transaction.atomic():
        for step in (*LOADERS, *then):
            step(ctx)
    by_status = Counter(
        Enrollment.objects.filter(project__in=ctx.projects.values()).values_list(
            "status", flat=True
        )
    )
    return DemoSummary(
        already_loaded=False,
        seconds=time.monotonic() - started,
        projects=len(ctx.projects),
        participants=len(ctx.participants),
        enrollments_by_status={status: by_status[status] for status in Enrollment.Status.values},
        sessions=len(ctx.sessions),
        consents=ConsentRecord.objects.filter(participant__in=ctx.participants.values()).count(),
        counts=dict(ctx.counts),
        notes=tuple(ctx.notes),
    )
