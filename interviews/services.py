"""Writes that touch more than one row. Views, commands, tasks and tests all call these."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Max, Q, QuerySet
from django.db.models.functions import Cast, Length, Substr
from django.utils import timezone

from interviews import pipeline
from interviews.audit import audit, audit_membership
from interviews.models import (
    AttributeValue,
    AuditEvent,
    ConsentRecord,
    Enrollment,
    EnrollmentEvent,
    FieldNote,
    Membership,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    ResearchProject,
    Session,
    Transcript,
    Utterance,
)
from interviews.redaction import Identity, mask_identity
from jobs.models import BackgroundJob, JobItem
from jobs.retention import job_results_withdraw

PSEUDONYM_PREFIX = "P-"
_NUMBERED_PSEUDONYM = re.compile(r"P-[0-9]+")
# How many of the longest pseudonyms _highest_pseudonym_number reads: enough to step over a few
# that are not "P-<number>", few enough to cost nothing.
_PSEUDONYM_CANDIDATES = 20


def _pseudonym(number: int) -> str:
    return f"{PSEUDONYM_PREFIX}{number:03d}"


def _highest_pseudonym_number() -> int:
    """The highest number used in a "P-<number>" pseudonym, or 0, in one query.

    Pseudonyms are padded to three digits and no further ("P-007", "P-999", "P-1000"), so of
    two of them the longer has the higher number, and of equal length the one that sorts last.
    The database sorts them that way and hands over the few longest; a regex per row would be
    slow on SQLite, where it runs in Python. Only if none of those few is a "P-<number>" are
    all pseudonyms scanned.
    """
    candidates = list(
        Participant.objects.filter(pseudonym__startswith=PSEUDONYM_PREFIX)
        .order_by(Length("pseudonym").desc(), "-pseudonym")
        .values_list("pseudonym", flat=True)[:_PSEUDONYM_CANDIDATES]
    )
    numbers = [
        int(pseudonym.removeprefix(PSEUDONYM_PREFIX))
        for pseudonym in candidates
        if _NUMBERED_PSEUDONYM.fullmatch(pseudonym)
    ]
    if numbers:
        return max(numbers)
    if len(candidates) < _PSEUDONYM_CANDIDATES:
        return 0
    scanned = Participant.objects.filter(pseudonym__regex=r"^P-[0-9]+$").aggregate(
        highest=Max(Cast(Substr("pseudonym", 3), output_field=IntegerField()))
    )
    return scanned["highest"] or 0


def next_pseudonym() -> str:
    return _pseudonym(_highest_pseudonym_number() + 1)


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


def participants_create_bulk(
    *, rows: Sequence[tuple[Mapping[str, object], Mapping[str, str]]]
) -> list[Participant]:
    """Create participants from (open fields, personal data) pairs, numbered in the given order.

    1. Read the highest pseudonym number once; number the new participants after it.
    2. Insert the participants, then the personal data of those who have any, in batches.

    The unique pseudonym guards against a concurrent create that took some of the same numbers:
    the whole block is then numbered and inserted once more. A second failure, such as an e-mail
    that is already taken, raises IntegrityError.
    """
    if not rows:
        return []
    try:
        with transaction.atomic():
            return _participants_insert(rows)
    except IntegrityError:
        with transaction.atomic():
            return _participants_insert(rows)


def _participants_insert(
    rows: Sequence[tuple[Mapping[str, object], Mapping[str, str]]],
) -> list[Participant]:
    first = _highest_pseudonym_number() + 1
    participants = Participant.objects.bulk_create(
        [
            Participant(pseudonym=_pseudonym(number), **open_fields)
            for number, (open_fields, _identity) in enumerate(rows, start=first)
        ]
    )
    ParticipantIdentity.objects.bulk_create(
        [
            ParticipantIdentity(participant=participant, **identity)
            for participant, (_open_fields, identity) in zip(participants, rows, strict=True)
            if any(identity.values())
        ]
    )
    return participants


def enrollment_create(
    *, project: ResearchProject, participant: Participant, **fields: object
) -> tuple[Enrollment, bool]:
    """Enroll a participant in a study as identified; enrolling twice returns the existing row."""
    return Enrollment.objects.get_or_create(
        project=project, participant=participant, defaults=fields
    )


def enrollments_create_bulk(
    *, project: ResearchProject, participants: Sequence[Participant]
) -> list[tuple[Enrollment, bool]]:
    """enrollment_create for many participants: (enrollment, created) for each, in their order.

    One query finds who is in the study already, and the rest are inserted in batches. Someone
    enrolled by another request in between makes the insert raise IntegrityError.
    """
    enrolled = {
        enrollment.participant_id: enrollment
        for enrollment in Enrollment.objects.filter(project=project, participant__in=participants)
    }
    result: list[tuple[Enrollment, bool]] = []
    new: list[Enrollment] = []
    for participant in participants:
        enrollment = enrolled.get(participant.pk)
        if enrollment is not None:
            result.append((enrollment, False))
            continue
        enrollment = enrolled[participant.pk] = Enrollment(project=project, participant=participant)
        new.append(enrollment)
        result.append((enrollment, True))
    Enrollment.objects.bulk_create(new)
    return result


@transaction.atomic
def enrollment_move(
    *,
    enrollment: Enrollment,
    to_status: str,
    by: User | None,
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
    has_session = Session.objects.filter(
        project_id=enrollment.project_id, participants=participant
    ).exists()
    check = pipeline.check_move(
        enrollment, to_status, consents=consents, today=today, has_session=has_session
    )
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

    event = EnrollmentEvent.objects.create(
        enrollment=enrollment,
        from_status=from_status,
        to_status=to_status,
        by=by,
        overridden_rules="\n".join(check.warnings),
        override_reason=override_reason.strip() if check.warnings else "",
        note=note.strip(),
    )
    if check.warnings and by is not None:
        audit(
            by,
            AuditEvent.Action.RULE_OVERRIDDEN,
            project=enrollment.project,
            participant=participant,
            detail=f"{from_status} → {to_status}. Reason: {event.override_reason}",
        )
    return event


def consent_record(
    *,
    participant: Participant,
    scope: str,
    given_on: dt.date,
    recorded_by: User | None,
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


def attribute_values_set(
    *, enrollment: Enrollment, values: Mapping[ProjectAttribute, object]
) -> None:
    """Store typed values for study attributes; an empty value removes the stored one.

    Every value is parsed (ProjectAttribute.parse raises ValueError) before anything is written.
    However many attributes there are, this takes at most four queries: read the stored values,
    insert the new ones, update the changed ones, delete the emptied ones. The read is skipped
    when the caller prefetched them (prefetch_related_objects(enrollments, "attribute_values"),
    as the participant import does for a whole file); that prefetched list is not updated.
    """
    parsed = {attribute: attribute.parse(raw) for attribute, raw in values.items()}
    if not parsed:
        return
    stored = {value.attribute_id: value for value in enrollment.attribute_values.all()}
    to_create: list[AttributeValue] = []
    to_update: list[AttributeValue] = []
    to_delete: list[int] = []
    for attribute, new in parsed.items():
        value = stored.get(attribute.pk)
        if new is None:
            if value is not None:
                to_delete.append(value.pk)
        elif value is None:
            value = AttributeValue(enrollment=enrollment, attribute=attribute)
            value.set_value(new)
            to_create.append(value)
        elif value.value != new:
            value.set_value(new)
            to_update.append(value)
    with transaction.atomic(savepoint=False):
        AttributeValue.objects.bulk_create(to_create)
        AttributeValue.objects.bulk_update(to_update, ["text_value", "number_value", "date_value"])
        if to_delete:
            AttributeValue.objects.filter(pk__in=to_delete).delete()


def enrollment_update(*, enrollment: Enrollment, values: Mapping[ProjectAttribute, object]) -> None:
    """Save an enrollment's own fields as changed on the instance, and its attribute values.

    Both or neither: a value its attribute refuses (ValueError) leaves the enrollment as it was.
    """
    with transaction.atomic():
        enrollment.save()
        attribute_values_set(enrollment=enrollment, values=values)


@transaction.atomic
def participant_erase(*, participant: Participant, by: User) -> Participant:
    """Right to erasure: remove the person's name wherever it was written; keep the evidence.

    1. Lock the participant and read what erasure looks for: their name (whole, and each
       word of three letters or more), e-mail address and company.
    2. Every transcript where they speak or take part (interviews.redaction.mask_identity):
       - each match in the text is overwritten by a mask of the same length and redacted
         permanently, so offsets hold and everyone reads "[name]"; utterance texts and
         highlight snapshots are cut again from the masked text;
       - speaker labels mapped to them become their pseudonym (merged into a label that
         already is); other labels, the title, the file name and highlight memos have the
         name replaced by the pseudonym (company and e-mail by placeholders);
       - the stored source file (its path holds the file name) is deleted once this commits.
    3. The same for the field notes of their sessions, and the titles of those sessions.
    4. What was written about them in free text: their consent notes, pipeline notes and
       attribute values, and the file names and messages of those transcripts' import jobs.
       The files that jobs of their studies made (exports) are deleted once this commits.
    5. Delete their identity and screener answers, mark them erased and do-not-contact, and
       write the audit log. The saves above reindex the search documents after commit.
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    stored = ParticipantIdentity.objects.filter(participant=participant).first()
    identity = Identity(
        name=stored.name if stored else "",
        email=stored.email if stored else "",
        company=stored.company if stored else "",
    )
    pseudonym = participant.pseudonym
    transcript_ids = Transcript.objects.filter(
        Q(speakers__participant=participant) | Q(session__participants=participant)
    ).values_list("pk", flat=True)
    transcripts = list(
        Transcript.objects.select_for_update().filter(pk__in=list(transcript_ids)).order_by("pk")
    )
    masked = files = 0
    for transcript in transcripts:
        spans = mask_identity(transcript, identity)
        masked += len(spans)
        if spans:
            _recut(transcript.utterances.only("id", "start", "end", "text"), transcript.text)
        _erase_from_highlights(transcript.highlights.all(), transcript.text, identity, pseudonym)
        _relabel_speakers(transcript, participant, identity)
        transcript.title = identity.replaced(transcript.title, pseudonym)[:200]
        transcript.source_filename = identity.replaced(transcript.source_filename, pseudonym)[:255]
        transcript.source_metadata = _replaced_in_json(
            transcript.source_metadata, identity, pseudonym
        )
        if stored_name := transcript.source_file.name:
            files += 1
            storage = transcript.source_file.storage
            transaction.on_commit(partial(storage.delete, stored_name), robust=True)
            transcript.source_file = ""
        transcript.save(
            update_fields=["text", "title", "source_filename", "source_file", "source_metadata"]
        )

    notes = list(
        FieldNote.objects.select_for_update().filter(
            session__in=Session.objects.filter(participants=participant)
        )
    )
    for note in notes:
        spans = mask_identity(note, identity)
        masked += len(spans)
        _erase_from_highlights(note.highlights.all(), note.text, identity, pseudonym)
        if spans:
            note.save(update_fields=["text", "updated_at"])
    for session in Session.objects.filter(
        Q(participants=participant) | Q(transcripts__in=transcripts)
    ).distinct():
        title = identity.replaced(session.title, pseudonym)[:200]
        if title != session.title:
            session.title = title
            session.save(update_fields=["title", "updated_at"])

    _erase_from_records(participant, transcripts, identity, pseudonym)
    ParticipantIdentity.objects.filter(participant=participant).delete()
    Enrollment.objects.filter(participant=participant).update(screener_answers="")
    participant.do_not_contact = True
    participant.do_not_contact_reason = "Personal data erased on request"
    participant.erased_at = timezone.now()
    participant.save(update_fields=["do_not_contact", "do_not_contact_reason", "erased_at"])
    audit(
        by,
        AuditEvent.Action.PII_ERASED,
        participant=participant,
        detail=(
            f"Identity deleted; {masked} span{'s' * (masked != 1)} of text masked in "
            f"{len(transcripts)} transcript{'s' * (len(transcripts) != 1)} and "
            f"{len(notes)} field note{'s' * (len(notes) != 1)}; "
            f"{files} source file{'s' * (files != 1)} deleted."
        ),
    )
    return participant


def field_note_delete(*, note: FieldNote, by: User) -> None:
    """Delete a field note with its highlights; audited."""
    with transaction.atomic():
        audit(
            by,
            AuditEvent.Action.FIELD_NOTE_DELETED,
            project=note.session.project,
            detail=f"{note.get_kind_display().lower()} note {note.pk} of session {note.session_id}",
        )
        note.delete()


# --- Studies and participants ------------------------------------------------------------------


def project_create(*, project: ResearchProject, lead: User) -> ResearchProject:
    """Save a new study (built unsaved, e.g. by ProjectForm) with `lead` as its lead.

    Both or neither: a study is never left without someone who can open it.
    """
    if project.pk is not None:
        raise ValueError("project_create saves a new study; this one is saved already.")
    with transaction.atomic():
        project.save()
        membership_set(project=project, user=lead, role=Membership.Role.LEAD, by=lead)
    return project


def participant_update(
    *,
    participant: Participant,
    identity: ParticipantIdentity,
    identity_changed: Sequence[str],
    by: User,
) -> None:
    """Save a participant's open fields and personal data as changed on the instances.

    A change to personal data is on the record with the names of the fields changed (never
    their values).
    """
    if identity.participant_id != participant.pk:
        raise ValueError("That personal data belongs to another participant.")
    with transaction.atomic():
        participant.save()
        identity.save()
        if identity_changed:
            audit(
                by,
                AuditEvent.Action.PII_CHANGED,
                participant=participant,
                detail=f"changed {', '.join(sorted(identity_changed))}",
            )


# --- Who may see a study -----------------------------------------------------------------------


def membership_set(
    *, project: ResearchProject, user: User, role: str, by: User | None
) -> tuple[Membership, bool]:
    """Give `user` this role in the study, adding them if needed: (membership, created).

    A change is written to the audit log; setting the role someone already has changes nothing.
    """
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(project=project, user=user).first()
        )
        created = membership is None
        if membership is None:
            membership = Membership.objects.create(project=project, user=user, role=role)
            change = f"added as {membership.get_role_display()}"
        elif membership.role != role:
            before = membership.get_role_display()
            membership.role = role
            membership.save(update_fields=["role"])
            change = f"{before} → {membership.get_role_display()}"
        else:
            return membership, False
        audit_membership(by, project=project, member=user, change=change)
    return membership, created


def membership_remove(*, membership: Membership, by: User | None) -> None:
    with transaction.atomic():
        membership.delete()
        audit_membership(
            by,
            project=membership.project,
            member=membership.user,
            change=f"removed (was {membership.get_role_display()})",
        )


def _erase_from_records(
    participant: Participant, transcripts: Sequence[Transcript], identity: Identity, pseudonym: str
) -> None:
    """The name out of the free text written about the person, and out of the import jobs
    of their transcripts (an item's label is the uploaded file's name)."""
    _replace_in(
        ConsentRecord.objects.filter(participant=participant), ["note"], identity, pseudonym
    )
    _replace_in(
        EnrollmentEvent.objects.filter(enrollment__participant=participant),
        ["note", "override_reason"],
        identity,
        pseudonym,
    )
    _replace_in(
        AttributeValue.objects.filter(enrollment__participant=participant),
        ["text_value"],
        identity,
        pseudonym,
    )
    projects = Session.objects.filter(transcripts__in=transcripts).values("project_id")
    jobs = BackgroundJob.objects.filter(
        project__in=projects, kind=BackgroundJob.Kind.IMPORT_TRANSCRIPTS
    )
    _replace_in(jobs, ["message", "error"], identity, pseudonym)
    _replace_in(JobItem.objects.filter(job__in=jobs), ["label", "message"], identity, pseudonym)
    studies = {
        *Enrollment.objects.filter(participant=participant).values_list("project_id", flat=True),
        *Session.objects.filter(
            Q(participants=participant) | Q(transcripts__in=transcripts)
        ).values_list("project_id", flat=True),
    }
    job_results_withdraw(
        BackgroundJob.objects.filter(project__in=studies),
        reason="when a participant's personal data was erased, as it may have held them",
    )


def _replace_in(
    rows: QuerySet[Any], fields: Sequence[str], identity: Identity, pseudonym: str
) -> None:
    """Each row's text fields with the identity replaced (cut to the field's length)."""
    model = rows.model
    limits = {name: model._meta.get_field(name).max_length for name in fields}
    changed = []
    for row in rows.only("pk", *fields):
        before = [getattr(row, name) for name in fields]
        for name, limit in limits.items():
            setattr(row, name, identity.replaced(getattr(row, name), pseudonym)[:limit])
        if [getattr(row, name) for name in fields] != before:
            changed.append(row)
    model.objects.bulk_update(changed, list(fields), batch_size=1000)


def _replaced_in_json(value: Any, identity: Identity, pseudonym: str) -> Any:
    """A JSON value (a transcript's source metadata) with the identity replaced in every text."""
    if isinstance(value, str):
        return identity.replaced(value, pseudonym)
    if isinstance(value, list):
        return [_replaced_in_json(item, identity, pseudonym) for item in value]
    if isinstance(value, dict):
        return {key: _replaced_in_json(item, identity, pseudonym) for key, item in value.items()}
    return value


def _recut(utterances: QuerySet[Utterance], text: str) -> None:
    """Give each utterance the text of its span again, after masking."""
    changed = []
    for utterance in utterances:
        again = text[utterance.start : utterance.end]
        if again != utterance.text:
            utterance.text = again
            changed.append(utterance)
    Utterance.objects.bulk_update(changed, ["text"], batch_size=1000)


def _erase_from_highlights(
    # Highlight rows of the analysis app, which this app does not import: they go untyped.
    highlights: QuerySet[Any],
    text: str,
    identity: Identity,
    pseudonym: str,
) -> None:
    """A masked source's highlights (the analysis app's, reached through the source so that
    this app does not import that one): snapshots cut again, the name taken out of memos."""
    changed = []
    for highlight in highlights.only("id", "start", "end", "text", "memo"):
        quote = text[highlight.start : highlight.end]
        memo = identity.replaced(highlight.memo, pseudonym)
        if (quote, memo) != (highlight.text, highlight.memo):
            highlight.text, highlight.memo = quote, memo
            changed.append(highlight)
    highlights.model.objects.bulk_update(changed, ["text", "memo"], batch_size=1000)


def _relabel_speakers(transcript: Transcript, participant: Participant, identity: Identity) -> None:
    """Labels mapped to the participant become their pseudonym; other labels lose the name.

    A label that becomes one the transcript already has is merged into it: its turns move
    over and it is deleted (labels are unique per transcript).
    """
    speakers = list(transcript.speakers.order_by("position", "pk"))
    by_label = {speaker.label: speaker for speaker in speakers}
    for speaker in speakers:
        if speaker.participant_id == participant.pk:
            label = participant.pseudonym
        else:
            label = identity.replaced(speaker.label, participant.pseudonym)[:120]
        if label == speaker.label:
            continue
        target = by_label.get(label)
        if target is not None and target.pk != speaker.pk:
            Utterance.objects.filter(speaker=speaker).update(speaker=target)
            if target.participant_id is None and target.interviewer_id is None:
                target.participant_id = speaker.participant_id
                target.interviewer_id = speaker.interviewer_id
                target.save(update_fields=["participant", "interviewer"])
            del by_label[speaker.label]
            speaker.delete()
            continue
        del by_label[speaker.label]
        speaker.label = label
        speaker.save(update_fields=["label"])
        by_label[label] = speaker
