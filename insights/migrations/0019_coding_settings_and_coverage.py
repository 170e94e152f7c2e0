"""A study's coding settings and a transcript's coverage count move here from interviews.

The values are copied (non-default ones only: a missing row means the defaults), then
interviews 0009 drops the old columns; this migration runs before it (run_before), so the
evidence app's migrations need not name this app. Reversible: the way back copies them into
the columns that reversing interviews 0009 has put back.
"""

from collections.abc import Iterator
from itertools import islice
from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

BATCH = 1000


def _batches(rows: Iterator[Any]) -> Iterator[list[Any]]:
    while batch := list(islice(rows, BATCH)):
        yield batch


def copy_to_analysis(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ResearchProject = apps.get_model("interviews", "ResearchProject")
    Transcript = apps.get_model("interviews", "Transcript")
    CodingSettings = apps.get_model("insights", "CodingSettings")
    TranscriptCoverage = apps.get_model("insights", "TranscriptCoverage")
    projects = (
        ResearchProject.objects.filter(
            models.Q(blind_coding=True) | models.Q(codings_revealed=True)
        )
        .values_list("pk", "blind_coding", "codings_revealed")
        .iterator(chunk_size=BATCH)
    )
    for batch in _batches(projects):
        CodingSettings.objects.bulk_create(
            CodingSettings(project_id=pk, blind_coding=blind, codings_revealed=revealed)
            for pk, blind, revealed in batch
        )
    transcripts = (
        Transcript.objects.filter(coded_utterance_count__gt=0)
        .values_list("pk", "coded_utterance_count")
        .iterator(chunk_size=BATCH)
    )
    for batch in _batches(transcripts):
        TranscriptCoverage.objects.bulk_create(
            TranscriptCoverage(transcript_id=pk, coded_utterance_count=coded) for pk, coded in batch
        )


def copy_back_to_evidence(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ResearchProject = apps.get_model("interviews", "ResearchProject")
    Transcript = apps.get_model("interviews", "Transcript")
    CodingSettings = apps.get_model("insights", "CodingSettings")
    TranscriptCoverage = apps.get_model("insights", "TranscriptCoverage")
    settings_rows = CodingSettings.objects.values_list(
        "project_id", "blind_coding", "codings_revealed"
    ).iterator(chunk_size=BATCH)
    for batch in _batches(settings_rows):
        ResearchProject.objects.bulk_update(
            [
                ResearchProject(pk=pk, blind_coding=blind, codings_revealed=revealed)
                for pk, blind, revealed in batch
            ],
            ["blind_coding", "codings_revealed"],
        )
    coverage_rows = TranscriptCoverage.objects.values_list(
        "transcript_id", "coded_utterance_count"
    ).iterator(chunk_size=BATCH)
    for batch in _batches(coverage_rows):
        Transcript.objects.bulk_update(
            [Transcript(pk=pk, coded_utterance_count=coded) for pk, coded in batch],
            ["coded_utterance_count"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0018_search_entry_coder"),
        ("interviews", "0008_audit_append_only"),
    ]
    run_before = [("interviews", "0009_remove_coding_state")]

    operations = [
        migrations.CreateModel(
            name="CodingSettings",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="coding_settings",
                        serialize=False,
                        to="interviews.researchproject",
                    ),
                ),
                (
                    "blind_coding",
                    models.BooleanField(
                        default=False,
                        help_text="Coders see only their own codings until the lead reveals everyone's.",
                    ),
                ),
                ("codings_revealed", models.BooleanField(default=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name_plural": "coding settings",
            },
        ),
        migrations.CreateModel(
            name="TranscriptCoverage",
            fields=[
                (
                    "transcript",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="coverage",
                        serialize=False,
                        to="interviews.transcript",
                    ),
                ),
                ("coded_utterance_count", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(copy_to_analysis, copy_back_to_evidence),
    ]
