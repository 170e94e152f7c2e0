"""One file imported twice at the same moment (a double click on Import, two tabs): it is
imported once, and the other import finds it. PostgreSQL only (tests/races.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from interviews.models import ResearchProject, Session, Transcript
from interviews.transcripts import transcript_import, transcripts_import_as_sessions
from tests.factories import make_session
from tests.interviews.importing import GOOD
from tests.races import THREADS, postgres_only, run_at_once


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_file_imported_as_a_new_session_at_once_makes_one_session(
    project: ResearchProject, lead: User
) -> None:
    outcomes = run_at_once(
        lambda n: transcripts_import_as_sessions(
            project=project, files=[(f"call-{n}.txt", GOOD)], by=lead
        )[0]
    )

    transcript = Transcript.objects.get()
    assert Session.objects.filter(project=project).count() == 1
    assert sorted(outcome.created for outcome in outcomes) == [False] * (THREADS - 1) + [True]
    assert {outcome.transcript.pk for outcome in outcomes} == {transcript.pk}


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_file_imported_into_a_session_at_once_makes_one_transcript(
    project: ResearchProject, lead: User
) -> None:
    session = make_session(project)

    results = run_at_once(
        lambda n: transcript_import(session=session, filename=f"call-{n}.txt", data=GOOD, by=lead)
    )

    assert session.transcripts.count() == 1
    assert sorted(created for _transcript, created in results) == [False] * (THREADS - 1) + [True]
