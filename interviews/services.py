"""Writes that touch more than one row. Views, commands, tasks and tests all call these."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from interviews import pipeline
from interviews.audit import audit
from interviews.models import (
    AttributeValue,
    AuditEvent,
    ConsentRecord,
    Enrollment,
    EnrollmentEvent,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    ResearchProject,
)

PSEUDONYM_PREFIX = "P-"


def next_pseudonym() -> str:
    numbers = Participant.objects.filter(pseudonym__regex=r"^P-[0-9]+$").aggregate(
        highest=Max(Cast(Substr("pseudonym", 3), output_field=IntegerField()))
    )
    return f"{PSEUDONYM_PREFIX}{(numbers['highest'] or 0) + 1:03d}"


def participant_create(
    *,
    identity: dict[str, str] | None = None,
    **open_fields: object,
) -> Participant:
    """Create a participant with the next free pseudonym and, optionally, their personal data."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                participant = Participant.objects.create(pseudonym=next_pseudonym(), **open_fields)
                if identity and any(identity.values()):
                    ParticipantIdentity.objects.create(participant=participant, **identity)
                return participant
        except IntegrityError:
            # Another request took the same pseudonym; an e-mail clash is re-raised below.
            if identity and identity.get("email"):
                email_taken = ParticipantIdentity.objects.filter(
                    email__iexact=identity["email"]
                ).exists()
                if email_taken:
                    raise
    raise IntegrityError("Could not allocate a pseudonym after 5 attempts.")


def enrollment_create(
    *, project: ResearchProject, participant: Participant, **fields: object
) -> tuple[Enrollment, bool]:
    """Enroll a participant in a study as identified; enrolling twice returns the existing row."""
    return Enrollment.objects.get_or_create(
        project=project, participant=participant, defaults=fields
    )


@transaction.atomic
def enrollment_move(
    *,
    enrollment: Enrollment,
    to_status: str,
    by: AbstractBaseUser | None,
    override_reason: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> EnrollmentEvent:
    """Move an enrollment along the pipeline, or raise PipelineError saying why not.

    1. Lock the enrollment and its participant, so two researchers clicking at once
       cannot both move it (or double-count a no-show).
    2. Check every rule in interviews.pipeline; a governance warning passes only with a reason.
    3. Update the enrollment, the participant's contact history, and record the event.
    """
    today = today or timezone.localdate()
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("participant", "project")
        .get(pk=enrollment.pk)
    )
    participant = Participant.objects.select_for_update().get(pk=enrollment.participant_id)
    enrollment.participant = participant
    consents = list(participant.consents.all())
    check = pipeline.check_move(enrollment, to_status, consents=consents, today=today)
    if check.refusals:
        raise pipeline.PipelineError(" ".join(check.refusals))
    if check.warnings and not override_reason.strip():
        raise pipeline.PipelineError(
            " ".join(check.warnings) + " Give a reason to override this rule."
        )

    from_status = enrollment.status
    enrollment.status = to_status
    enrollment.status_changed_at = timezone.now()
    enrollment.save(update_fields=["status", "status_changed_at"])

    if to_status == Enrollment.Status.CONTACTED:
        participant.last_contacted_on = today
        participant.save(update_fields=["last_contacted_on"])
    elif to_status == Enrollment.Status.NO_SHOW:
        participant.no_show_count += 1
        participant.save(update_fields=["no_show_count"])

    return EnrollmentEvent.objects.create(
        enrollment=enrollment,
        from_status=from_status,
        to_status=to_status,
        by=by,
        overridden_rules="\n".join(check.warnings),
        override_reason=override_reason.strip() if check.warnings else "",
        note=note.strip(),
    )


def consent_record(
    *,
    participant: Participant,
    scope: str,
    given_on: dt.date,
    recorded_by: AbstractBaseUser | None,
    project: ResearchProject | None = None,
    expires_on: dt.date | None = None,
    note: str = "",
) -> ConsentRecord:
    consent = ConsentRecord(
        participant=participant,
        project=project,
        scope=scope,
        given_on=given_on,
        expires_on=expires_on,
        note=note,
        recorded_by=recorded_by,
    )
    consent.full_clean()
    consent.save()
    return consent


def consent_withdraw(*, consent: ConsentRecord, on: dt.date | None = None) -> ConsentRecord:
    """Mark consent as withdrawn; withdrawing twice keeps the first date."""
    if consent.withdrawn_on is None:
        consent.withdrawn_on = max(on or timezone.localdate(), consent.given_on)
        consent.save(update_fields=["withdrawn_on"])
    return consent


def attribute_values_set(*, enrollment: Enrollment, values: dict[ProjectAttribute, object]) -> None:
    """Store typed values for study attributes; an empty value removes the stored one."""
    for attribute, raw in values.items():
        parsed = attribute.parse(raw)
        if parsed is None:
            AttributeValue.objects.filter(enrollment=enrollment, attribute=attribute).delete()
            continue
        value, _created = AttributeValue.objects.get_or_create(
            enrollment=enrollment, attribute=attribute
        )
        value.set_value(parsed)
        value.save()


@transaction.atomic
def participant_erase(*, participant: Participant, by: AbstractBaseUser) -> Participant:
    """Right to erasure: delete personal data, keep the pseudonymous evidence."""
    ParticipantIdentity.objects.filter(participant=participant).delete()
    Enrollment.objects.filter(participant=participant).update(screener_answers="")
    participant.do_not_contact = True
    participant.do_not_contact_reason = "Personal data erased on request"
    participant.erased_at = timezone.now()
    participant.save(update_fields=["do_not_contact", "do_not_contact_reason", "erased_at"])
    audit(by, AuditEvent.Action.PII_ERASED, participant=participant)
    return participant
