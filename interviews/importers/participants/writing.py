"""Writing an ImportPlan without errors: create the new participants, merge into the existing
ones, enroll them in the study, all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, models, transaction

from interviews import services
from interviews.access import participants_out_of_reach
from interviews.audit import audit
from interviews.importers.participants.columns import IDENTITY_FIELDS, OPEN_FIELDS
from interviews.importers.participants.reading import ParticipantImportError
from interviews.importers.participants.validating import (
    ImportPlan,
    ParticipantValues,
    merge_updates,
)
from interviews.models import (
    AuditEvent,
    Participant,
    ParticipantIdentity,
    ResearchProject,
)


@dataclass(frozen=True)
class ImportResult:
    created: int
    merged: int
    enrolled: int
    project: ResearchProject | None
    # Existing participants whose record the importer may not change (interviews.access):
    # enrolled as the file says, their fields left as they were.
    left_unchanged: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.created + self.merged

    @property
    def summary(self) -> str:
        """E.g. "Imported 42 participants: 39 new, 3 merged with existing ones; 42 enrolled in …"""
        plural = "" if self.total == 1 else "s"
        text = (
            f"Imported {self.total} participant{plural}: {self.created} new, "
            f"{self.merged} merged with existing ones"
        )
        if self.project is not None:
            text += f"; {self.enrolled} enrolled in {self.project.title}"
            if already := self.total - self.enrolled:
                text += f" ({already} {'was' if already == 1 else 'were'} already in it)"
        text += "."
        if self.left_unchanged:
            text += (
                f" Not updated, because they are also in studies you are not a member of: "
                f"{', '.join(self.left_unchanged)}."
            )
        return text


NEW_DO_NOT_CONTACT_REASON = "Marked do-not-contact in a participant import"


def import_plan_apply(
    *, plan: ImportPlan, project: ResearchProject | None, by: User
) -> ImportResult:
    """Write a plan without errors in one transaction, or raise ParticipantImportError."""
    if plan.errors or not plan.participants:
        raise ParticipantImportError("This file has errors; fix them and upload it again.")
    plan_project_id = plan.project.pk if plan.project is not None else None
    if plan_project_id != (project.pk if project is not None else None):
        raise ValueError("The plan was made for another study.")
    try:
        return _apply(plan=plan, project=project, by=by)
    except IntegrityError:
        raise ParticipantImportError(
            "While you were importing, someone else added a participant with one of these "
            "e-mail addresses. Nothing was imported: upload the file again to see what changed."
        ) from None


@transaction.atomic
def _apply(*, plan: ImportPlan, project: ResearchProject | None, by: User) -> ImportResult:
    """1. Lock the participants to merge into, in id order, so two overlapping imports queue.
    2. Create the new participants in one go (services.participants_create_bulk: numbered in
       the file's order); update the existing ones' changed fields only (update_fields).
    3. In a study: enroll each participant once as identified (services.enrollments_create_bulk),
       and set the attribute values the file gives (an empty cell keeps a stored value).
    4. Record one audit event for the import.
    """
    existing_ids = sorted(p.existing_id for p in plan.participants if p.existing_id is not None)
    locked = {
        participant.pk: participant
        for participant in Participant.objects.select_for_update()
        .filter(pk__in=existing_ids)
        .order_by("pk")
    }
    identities = {
        identity.participant_id: identity
        for identity in ParticipantIdentity.objects.select_for_update()
        .filter(participant_id__in=existing_ids)
        .order_by("pk")
    }
    for planned in plan.participants:
        if planned.existing_id is not None and planned.existing_id not in locked:
            raise ParticipantImportError(
                f"{planned.existing_pseudonym} was deleted while you were importing. "
                "Nothing was imported: upload the file again."
            )

    new_participants = services.participants_create_bulk(
        rows=[
            _new_participant_fields(planned.values)
            for planned in plan.participants
            if planned.existing_id is None
        ]
    )
    next_new = iter(new_participants)
    out_of_reach = participants_out_of_reach(by, existing_ids)
    left_unchanged: list[str] = []
    participants: list[Participant] = []  # in the plan's order
    for planned in plan.participants:
        if planned.existing_id is None:
            participants.append(next(next_new))
        else:
            participant = locked[planned.existing_id]
            if participant.pk in out_of_reach:
                if any(merge_updates(participant, identities.get(participant.pk), planned.values)):
                    left_unchanged.append(participant.pseudonym)
            else:
                _merge(participant, identities.get(participant.pk), planned.values)
            participants.append(participant)
    created = len(new_participants)
    merged = len(participants) - created

    enrolled = 0
    if project is not None:
        attributes = {attribute.key: attribute for attribute in plan.attributes}
        enrollments = services.enrollments_create_bulk(project=project, participants=participants)
        # One query for every stored value, so attribute_values_set need not read them per row.
        models.prefetch_related_objects(
            [enrollment for enrollment, _created in enrollments], "attribute_values"
        )
        for planned, (enrollment, was_created) in zip(plan.participants, enrollments, strict=True):
            enrolled += was_created
            if planned.values.attributes:
                services.attribute_values_set(
                    enrollment=enrollment,
                    values={
                        attributes[key]: value for key, value in planned.values.attributes.items()
                    },
                )
    where = f"into study {project.slug}" if project is not None else "into the participant pool"
    audit(
        by,
        AuditEvent.Action.PARTICIPANTS_IMPORTED,
        project=project,
        detail=f"{created} new, {merged} merged {where} from {plan.filename}",
    )
    return ImportResult(
        created=created,
        merged=merged,
        enrolled=enrolled,
        project=project,
        left_unchanged=tuple(left_unchanged),
    )


def _new_participant_fields(values: ParticipantValues) -> tuple[dict[str, object], dict[str, str]]:
    """(open fields, personal data) of a new participant, for services.participants_create_bulk."""
    open_fields: dict[str, object] = {
        name: getattr(values, name) for name in OPEN_FIELDS if getattr(values, name)
    }
    open_fields["do_not_contact"] = bool(values.do_not_contact)
    open_fields["do_not_contact_reason"] = (
        NEW_DO_NOT_CONTACT_REASON if values.do_not_contact else ""
    )
    return open_fields, {name: getattr(values, name) for name in IDENTITY_FIELDS}


def _merge(
    participant: Participant, identity: ParticipantIdentity | None, values: ParticipantValues
) -> None:
    open_updates, identity_updates = merge_updates(participant, identity, values)
    if open_updates:
        for name, value in open_updates.items():
            setattr(participant, name, value)
        if open_updates.get("do_not_contact") and not participant.do_not_contact_reason:
            participant.do_not_contact_reason = NEW_DO_NOT_CONTACT_REASON
            open_updates["do_not_contact_reason"] = participant.do_not_contact_reason
        participant.save(update_fields=list(open_updates))
    if identity_updates:
        if identity is None:
            ParticipantIdentity.objects.create(participant=participant, **identity_updates)
            return
        for name, value in identity_updates.items():
            setattr(identity, name, value)
        identity.save(update_fields=list(identity_updates))
