"""The one reader of personal data (name, e-mail, company, job title).

Leads and researchers (and staff) may read it; each read is written to the audit
log. Everyone else gets None and sees only the pseudonym and the open profile.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser, User

from interviews.access import is_researcher_anywhere
from interviews.audit import audit, audit_many
from interviews.models import AuditEvent, Participant, ParticipantIdentity, ResearchProject

AnyUser = User | AnonymousUser


def can_see_pii(user: AnyUser) -> bool:
    return is_researcher_anywhere(user)


def read_identity(
    user: AnyUser,
    participant: Participant,
    *,
    purpose: str,
    project: ResearchProject | None = None,
) -> ParticipantIdentity | None:
    if not can_see_pii(user):
        return None
    identity = ParticipantIdentity.objects.filter(participant=participant).first()
    if identity is not None:
        audit(
            user,
            AuditEvent.Action.PII_VIEWED,
            participant=participant,
            project=project,
            detail=purpose,
        )
    return identity


def read_identities(
    user: AnyUser,
    participants: Sequence[Participant],
    *,
    purpose: str,
    project: ResearchProject | None = None,
) -> dict[int, ParticipantIdentity]:
    """Identities for a page of participants, in one query, audited together."""
    if not participants or not can_see_pii(user):
        return {}
    identities = {
        identity.participant_id: identity
        for identity in ParticipantIdentity.objects.filter(participant__in=participants)
    }
    audit_many(
        user,
        AuditEvent.Action.PII_VIEWED,
        participants=[p for p in participants if p.pk in identities],
        project=project,
        detail=purpose,
    )
    return identities
