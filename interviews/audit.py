"""Writes to the audit log: reading personal data, exporting it, erasing it."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from interviews.models import AuditEvent, Participant, ResearchProject


def audit(
    user: AbstractBaseUser | AnonymousUser,
    action: str,
    *,
    project: ResearchProject | None = None,
    participant: Participant | None = None,
    detail: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        user=user if user.is_authenticated else None,
        action=action,
        project=project,
        participant=participant,
        detail=detail[:300],
    )


def audit_many(
    user: AbstractBaseUser | AnonymousUser,
    action: str,
    *,
    participants: Iterable[Participant],
    project: ResearchProject | None = None,
    detail: str = "",
) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(
            user=user if user.is_authenticated else None,
            action=action,
            project=project,
            participant=participant,
            detail=detail[:300],
        )
        for participant in participants
    )
