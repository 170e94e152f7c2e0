"""insights 0019 copies a study's blind coding and a transcript's coverage count out of
interviews before interviews 0009 drops the columns, and copies them back on the way down."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from insights.models import CodingSettings, TranscriptCoverage
from interviews.models import ResearchProject
from tests.factories import make_project, make_session, make_transcript

BEFORE = [("insights", "0018_search_entry_coder"), ("interviews", "0008_audit_append_only")]


def migrate(targets: list[tuple[str, str]] | None = None) -> MigrationExecutor:
    """Migrate to targets (None: the latest) and return the executor, its graph fresh."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_values_survive_the_move_and_the_way_back(project: ResearchProject) -> None:
    plain = make_project("Plain study")
    coded = make_transcript(make_session(project), filename="coded.vtt")
    uncoded = make_transcript(make_session(plain), filename="uncoded.vtt")

    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    OldProject = old.get_model("interviews", "ResearchProject")  # noqa: N806
    OldTranscript = old.get_model("interviews", "Transcript")  # noqa: N806
    OldProject.objects.filter(pk=project.pk).update(blind_coding=True, codings_revealed=True)
    OldTranscript.objects.filter(pk=coded.pk).update(coded_utterance_count=3)

    migrate()

    assert list(
        CodingSettings.objects.values_list("project_id", "blind_coding", "codings_revealed")
    ) == [(project.pk, True, True)]
    assert list(
        TranscriptCoverage.objects.values_list("transcript_id", "coded_utterance_count")
    ) == [(coded.pk, 3)]
    # No row means the defaults: not blind, nothing coded.
    assert not CodingSettings.objects.filter(project=plain).exists()
    assert not TranscriptCoverage.objects.filter(transcript=uncoded).exists()

    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    OldProject = old.get_model("interviews", "ResearchProject")  # noqa: N806
    OldTranscript = old.get_model("interviews", "Transcript")  # noqa: N806
    assert sorted(OldProject.objects.values_list("pk", "blind_coding", "codings_revealed")) == [
        (project.pk, True, True),
        (plain.pk, False, False),
    ]
    assert sorted(OldTranscript.objects.values_list("pk", "coded_utterance_count")) == [
        (coded.pk, 3),
        (uncoded.pk, 0),
    ]

    migrate()
