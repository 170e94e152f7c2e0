"""Signal handlers that keep the search index current (connected by InsightsConfig.ready).

Each handler only says which source changed; insights.search.scheduling queues the work once
the transaction commits. Bulk writes (bulk_create, QuerySet.update) send no signals: the
transcript import and the coding services save a Transcript or Highlight row in the same
transaction, which covers the rows they bulk-create.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from insights.models import Code, CodedHighlight, Highlight, Stage
from insights.search import indexing, scheduling
from insights.search.base import Kind
from insights.search.documents import doc_id
from insights.search.indexing import FIELD_NOTE, HIGHLIGHT, TRANSCRIPT
from interviews.models import (
    FieldNote,
    Participant,
    Redaction,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
)

# Fields that documents copy: a save that names none of them in update_fields changes nothing.
PARTICIPANT_FIELDS = frozenset({"pseudonym", "segment", "region", "tier"})
PROJECT_FIELDS = frozenset({"title", "slug"})


def _touches(update_fields: frozenset[str] | None, fields: frozenset[str]) -> bool:
    return update_fields is None or bool(fields & update_fields)


# --- Sources ------------------------------------------------------------------------------------


@receiver(post_save, sender=Transcript, dispatch_uid="search_transcript_saved")
def transcript_saved(instance: Transcript, using: str, **kwargs: Any) -> None:
    scheduling.schedule_index(TRANSCRIPT, [instance.pk], using=using)


@receiver(pre_delete, sender=Transcript, dispatch_uid="search_transcript_deleting")
def transcript_deleting(instance: Transcript, using: str, **kwargs: Any) -> None:
    # Utterance documents are not grouped by transcript in the index: list them while they exist.
    doc_ids = indexing.utterance_doc_ids(instance.pk)
    scheduling.schedule_removal(TRANSCRIPT, instance.pk, doc_ids, using=using)


@receiver(post_save, sender=FieldNote, dispatch_uid="search_field_note_saved")
def field_note_saved(instance: FieldNote, using: str, **kwargs: Any) -> None:
    scheduling.schedule_index(FIELD_NOTE, [instance.pk], using=using)


@receiver(post_delete, sender=FieldNote, dispatch_uid="search_field_note_deleted")
def field_note_deleted(instance: FieldNote, using: str, **kwargs: Any) -> None:
    doc_ids = [doc_id(Kind.FIELD_NOTE, instance.pk)]
    scheduling.schedule_removal(FIELD_NOTE, instance.pk, doc_ids, using=using)


@receiver(post_save, sender=Highlight, dispatch_uid="search_highlight_saved")
def highlight_saved(instance: Highlight, using: str, **kwargs: Any) -> None:
    scheduling.schedule_index(HIGHLIGHT, [instance.pk], using=using)


@receiver(post_delete, sender=Highlight, dispatch_uid="search_highlight_deleted")
def highlight_deleted(instance: Highlight, using: str, **kwargs: Any) -> None:
    doc_ids = [doc_id(Kind.HIGHLIGHT, instance.pk)]
    scheduling.schedule_removal(HIGHLIGHT, instance.pk, doc_ids, using=using)


# --- What documents copy from other rows --------------------------------------------------------


@receiver(post_save, sender=CodedHighlight, dispatch_uid="search_coding_saved")
@receiver(post_delete, sender=CodedHighlight, dispatch_uid="search_coding_deleted")
def coding_changed(instance: CodedHighlight, using: str, **kwargs: Any) -> None:
    scheduling.schedule_index(HIGHLIGHT, [instance.content_object_id], using=using)


@receiver(post_save, sender=Speaker, dispatch_uid="search_speaker_saved")
@receiver(post_delete, sender=Speaker, dispatch_uid="search_speaker_deleted")
def speaker_changed(instance: Speaker, using: str, **kwargs: Any) -> None:
    # A label mapped to another participant changes the speaker of every turn and highlight.
    scheduling.schedule_index(TRANSCRIPT, [instance.transcript_id], using=using)


@receiver(post_save, sender=Redaction, dispatch_uid="search_redaction_saved")
@receiver(post_delete, sender=Redaction, dispatch_uid="search_redaction_deleted")
def redaction_changed(instance: Redaction, using: str, **kwargs: Any) -> None:
    # Documents hold the redacted text: the placeholder instead of the span.
    if instance.transcript_id is not None:
        scheduling.schedule_index(TRANSCRIPT, [instance.transcript_id], using=using)
    elif instance.field_note_id is not None:
        scheduling.schedule_index(FIELD_NOTE, [instance.field_note_id], using=using)


@receiver(post_save, sender=Code, dispatch_uid="search_code_saved")
@receiver(pre_delete, sender=Code, dispatch_uid="search_code_deleting")
def code_changed(instance: Code, using: str, created: bool = False, **kwargs: Any) -> None:
    # Renamed, merged into (code_merge moves codings with update() and then saves the
    # target), or deleted: its highlights carry its slug and name.
    if not created:
        ids = indexing.highlight_ids(coded_items__tag_id=instance.pk)
        scheduling.schedule_index(HIGHLIGHT, ids, using=using)


@receiver(post_save, sender=Stage, dispatch_uid="search_stage_saved")
def stage_saved(instance: Stage, using: str, created: bool, **kwargs: Any) -> None:
    if not created:
        scheduling.schedule_index(
            HIGHLIGHT, indexing.highlight_ids(stage_id=instance.pk), using=using
        )


@receiver(post_save, sender=Participant, dispatch_uid="search_participant_saved")
@receiver(pre_delete, sender=Participant, dispatch_uid="search_participant_deleting")
def participant_changed(
    instance: Participant,
    using: str,
    created: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    # Their pseudonym and facets are on every turn they speak and every note of their sessions.
    if not created and _touches(update_fields, PARTICIPANT_FIELDS):
        transcripts = indexing.transcript_ids(speakers__participant_id=instance.pk)
        scheduling.schedule_index(TRANSCRIPT, transcripts, using=using)
        notes = indexing.field_note_ids(session__participants=instance.pk)
        scheduling.schedule_index(FIELD_NOTE, notes, using=using)


@receiver(post_save, sender=Session, dispatch_uid="search_session_saved")
def session_saved(instance: Session, using: str, created: bool, **kwargs: Any) -> None:
    # The session date is in every title.
    if not created:
        transcripts = indexing.transcript_ids(session_id=instance.pk)
        scheduling.schedule_index(TRANSCRIPT, transcripts, using=using)
        notes = indexing.field_note_ids(session_id=instance.pk)
        scheduling.schedule_index(FIELD_NOTE, notes, using=using)


@receiver(m2m_changed, sender=Session.participants.through, dispatch_uid="search_session_people")
def session_participants_changed(
    instance: Session | Participant,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    using: str,
    **kwargs: Any,
) -> None:
    # Field notes take their facets from the session's first participant.
    if not reverse and action in ("post_add", "post_remove", "post_clear"):
        notes = indexing.field_note_ids(session_id=instance.pk)
    elif reverse and action in ("post_add", "post_remove") and pk_set:
        notes = indexing.field_note_ids(session_id__in=pk_set)
    elif reverse and action == "pre_clear":
        notes = indexing.field_note_ids(session__participants=instance.pk)
    else:
        return
    scheduling.schedule_index(FIELD_NOTE, notes, using=using)


@receiver(pre_save, sender=ResearchProject, dispatch_uid="search_project_saving")
def project_saving(
    instance: ResearchProject, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    # Titles carry the study's title and URLs its slug; most saves change neither.
    if instance.pk and _touches(update_fields, PROJECT_FIELDS):
        before = ResearchProject.objects.filter(pk=instance.pk).values_list("title", "slug")
        instance._search_before = before.first()  # type: ignore[attr-defined]


@receiver(post_save, sender=ResearchProject, dispatch_uid="search_project_saved")
def project_saved(instance: ResearchProject, using: str, **kwargs: Any) -> None:
    before = instance.__dict__.pop("_search_before", None)
    if before is not None and before != (instance.title, instance.slug):
        transcripts = indexing.transcript_ids(session__project_id=instance.pk)
        scheduling.schedule_index(TRANSCRIPT, transcripts, using=using)
        notes = indexing.field_note_ids(session__project_id=instance.pk)
        scheduling.schedule_index(FIELD_NOTE, notes, using=using)
