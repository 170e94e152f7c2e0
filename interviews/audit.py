"""Writing to the audit log (interviews.models.AuditEvent, append-only).

Call these wherever personal data is read, searched or exported, something is published,
someone's access to a study changes, a recruitment rule is overridden, or evidence is deleted:

    audit(user, AuditEvent.Action.HIGHLIGHT_DELETED, project=project, detail="…")
    audit_export(user, project=project, what="quotes spreadsheet", rows=120, personal_data=False)
    audit_publication(user, project=project, what="report “Q3 onboarding”")
    audit_membership(user, project=project, member=alice, change="added as Viewer")

Details are plain words for a lead or an admin, never personal data (names, e-mails); a search
of personal data records its term, which only admins see (the term may be a name).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User

from cxresearch.lib.text import max_length
from interviews.models import AuditEvent, Participant, ResearchProject

# None: no one (a command or a background job acting on its own).
AnyUser = User | AnonymousUser | None
DETAIL_LENGTH = max_length(AuditEvent, "detail")


def _event(
    user: AnyUser,
    action: str,
    *,
    project: ResearchProject | None,
    participant: Participant | None,
    detail: str,
) -> AuditEvent:
    real = user if user is not None and user.is_authenticated else None
    return AuditEvent(
        user=real,
        username=real.get_username() if real is not None else "",
        action=action,
        project=project,
        participant=participant,
        detail=_clip(detail),
    )


def _clip(detail: str) -> str:
    detail = " ".join(detail.split())
    return detail if len(detail) <= DETAIL_LENGTH else detail[: DETAIL_LENGTH - 1] + "…"


def audit(
    user: AnyUser,
    action: str,
    *,
    project: ResearchProject | None = None,
    participant: Participant | None = None,
    detail: str = "",
) -> AuditEvent:
    event = _event(user, action, project=project, participant=participant, detail=detail)
    event.save()
    return event


def audit_many(
    user: AnyUser,
    action: str,
    *,
    participants: Iterable[Participant],
    project: ResearchProject | None = None,
    detail: str = "",
) -> None:
    """One event per participant, in one query (a page of a list)."""
    AuditEvent.objects.bulk_create(
        _event(user, action, project=project, participant=participant, detail=detail)
        for participant in participants
    )


def audit_export(
    user: AnyUser,
    *,
    project: ResearchProject | None,
    what: str,
    rows: int,
    personal_data: bool,
) -> AuditEvent:
    """An export was built: `what` it was (e.g. "quotes spreadsheet", "REFI-QDA project") and
    how many rows it holds. One that includes personal data is recorded as such."""
    action = AuditEvent.Action.PII_EXPORTED if personal_data else AuditEvent.Action.EXPORTED
    return audit(user, action, project=project, detail=f"{what}: {rows:,} rows")


def audit_publication(user: AnyUser, *, project: ResearchProject | None, what: str) -> AuditEvent:
    """Something became visible beyond the research team, e.g. a report was published."""
    return audit(user, AuditEvent.Action.PUBLISHED, project=project, detail=what)


def audit_membership(
    user: AnyUser, *, project: ResearchProject, member: User, change: str
) -> AuditEvent:
    """Someone's access to a study changed: `change` is e.g. "added as Viewer",
    "Viewer → Researcher" or "removed (was Researcher)"."""
    return audit(
        user,
        AuditEvent.Action.MEMBERSHIP_CHANGED,
        project=project,
        detail=f"{member.get_username()}: {change}",
    )
