"""Saving the same highlight twice, and many at once: one highlight per coder and span, and a
coverage count that loses no update.

The race tests run threads against PostgreSQL (DATABASE_URL=postgres://…); on SQLite, which
lets one writer in at a time, they are skipped, except in CI with a postgres DATABASE_URL,
where a skip would hide a broken set-up: there they run (and fail).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from insights.coding import (
    HighlightFields,
    code_get_or_create,
    highlight_get_or_create,
)
from insights.models import Highlight, IndexOutbox
from interviews.models import FieldNote, ResearchProject, Transcript
from tests.factories import coded_utterances, make_session, make_transcript
from tests.races import JOIN_SECONDS, THREADS, postgres_only, run_at_once


@pytest.fixture
def transcript(project: ResearchProject) -> Transcript:
    return make_transcript(make_session(project))


def code_span(
    transcript: Transcript, coder: User, start: int, end: int, **fields: Any
) -> tuple[Highlight, bool]:
    return highlight_get_or_create(
        project=transcript.session.project,
        coder=coder,
        start=start,
        end=end,
        fields=HighlightFields(**fields),
        transcript=transcript,
    )


# --- One highlight per coder and span -------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_span_by_the_same_coder_gives_back_the_first_highlight(
    transcript: Transcript, lead: User
) -> None:
    sso, _ = code_get_or_create(project=transcript.session.project, name="SSO", by=lead)
    first, created = code_span(transcript, lead, 0, 8, codes=[sso], memo="first")
    again, created_again = code_span(transcript, lead, 0, 8, memo="second")

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Highlight.objects.count() == 1
    again.refresh_from_db()
    assert again.memo == "first"  # the first save stands, unchanged
    assert list(again.codes.names()) == ["SSO"]


@pytest.mark.django_db
def test_another_coder_or_another_span_is_another_highlight(
    transcript: Transcript, lead: User, researcher: User
) -> None:
    code_span(transcript, lead, 0, 8)
    _theirs, created = code_span(transcript, researcher, 0, 8)
    _longer, created_longer = code_span(transcript, lead, 0, 9)
    assert created and created_longer
    assert Highlight.objects.count() == 3


@pytest.mark.django_db
def test_the_same_span_of_a_field_note_too(project: ResearchProject, lead: User) -> None:
    note = FieldNote.objects.create(session=make_session(project), text="Badge reader jams.")
    made = [
        highlight_get_or_create(
            project=project, coder=lead, start=0, end=5, fields=HighlightFields(), field_note=note
        )
        for _ in range(2)
    ]
    assert [created for _highlight, created in made] == [True, False]
    assert Highlight.objects.filter(field_note=note).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_highlight_of_one_span(
    transcript: Transcript, lead: User
) -> None:
    first, _ = code_span(transcript, lead, 0, 8)
    with pytest.raises(IntegrityError), transaction.atomic():
        Highlight.objects.create(
            project=first.project, transcript=transcript, start=0, end=8, text="x", coder=lead
        )


@pytest.mark.django_db
def test_posting_the_same_selection_twice_answers_200_with_the_first(
    transcript: Transcript, lead_client: Client
) -> None:
    url = reverse("insights:highlight-create", args=[transcript.session.project.slug])
    body = {"source": "transcript", "sourceId": transcript.pk, "start16": 0, "end16": 8}

    first = lead_client.post(url, {**body, "codes": ["SSO"]}, content_type="application/json")
    second = lead_client.post(url, {**body, "codes": ["Pricing"]}, content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["highlight"]["id"] == first.json()["highlight"]["id"]
    assert second.json()["existing"] is True
    assert "already highlighted exactly this text" in second.json()["message"]
    assert second.json()["highlight"]["codes"] == ["SSO"]
    assert Highlight.objects.count() == 1


# --- The migration that folds duplicates made before the constraint ---------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_folds_duplicates_into_the_first_and_keeps_their_codes(
    project: ResearchProject, lead: User
) -> None:
    transcript = make_transcript(make_session(project))
    executor = MigrationExecutor(connection)
    executor.migrate([("insights", "0007_search_outbox")])
    apps = executor.loader.project_state([("insights", "0007_search_outbox")]).apps
    OldHighlight = apps.get_model("insights", "Highlight")  # noqa: N806
    OldCode = apps.get_model("insights", "Code")  # noqa: N806
    OldCoding = apps.get_model("insights", "CodedHighlight")  # noqa: N806
    sso = OldCode.objects.create(project_id=project.pk, name="SSO", slug="sso")
    pricing = OldCode.objects.create(project_id=project.pk, name="Pricing", slug="pricing")
    copies = [
        OldHighlight.objects.create(
            project_id=project.pk,
            transcript_id=transcript.pk,
            start=0,
            end=8,
            text="Thanks f",
            coder_id=lead.pk,
        )
        for _ in range(3)
    ]
    for highlight, code in zip(copies, (sso, sso, pricing), strict=True):
        OldCoding.objects.create(content_object_id=highlight.pk, tag_id=code.pk, coder_id=lead.pk)
    IndexOutbox.objects.all().delete()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    (kept,) = Highlight.objects.all()
    assert kept.pk == copies[0].pk
    assert sorted(kept.codes.names()) == ["Pricing", "SSO"]
    assert sorted(IndexOutbox.objects.values_list("source", "source_id")) == [
        ("highlight", copies[1].pk),
        ("highlight", copies[2].pk),
    ]


# --- Races (PostgreSQL) ---------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twelve_identical_saves_at_once_make_one_highlight(
    transcript: Transcript, lead: User
) -> None:
    results = run_at_once(lambda _n: code_span(transcript, lead, 0, 8))

    ids = {highlight.pk for highlight, _created in results}
    assert len(ids) == 1
    assert sum(created for _highlight, created in results) == 1
    assert Highlight.objects.count() == 1
    assert coded_utterances(transcript) == 1


def wait_for_a_blocked_query() -> None:
    """Poll until some connection waits for a lock (pg_locks is live, whatever the snapshot)."""
    with connection.cursor() as cursor:
        for _poll in range(JOIN_SECONDS * 20):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    pytest.fail("the second coding never waited for the first")


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_coding_of_the_same_transcript_waits_and_counts_the_other(
    transcript: Transcript, lead: User, researcher: User
) -> None:
    """A codes turn 1 and holds its transaction open until B's coding of turn 2 is waiting;
    B must then count A's turn too. Without the transcript lock B counts before A commits,
    waits only to write its count, and overwrites A's with a number that misses A's turn."""
    first, second = transcript.utterances.order_by("position")[:2]
    a_coded = threading.Event()
    errors: list[BaseException] = []

    def coder_a() -> None:
        try:
            with transaction.atomic():
                code_span(transcript, lead, first.start, first.end)
                a_coded.set()
                wait_for_a_blocked_query()
        except BaseException as error:
            errors.append(error)
            a_coded.set()
        finally:
            connection.close()

    def coder_b() -> None:
        try:
            code_span(transcript, researcher, second.start, second.end)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    a = threading.Thread(target=coder_a, daemon=True)
    a.start()
    assert a_coded.wait(JOIN_SECONDS)
    b = threading.Thread(target=coder_b, daemon=True)
    b.start()
    for thread in (a, b):
        thread.join(JOIN_SECONDS)
    assert not a.is_alive() and not b.is_alive(), "a coding is stuck"
    assert not errors, errors

    assert coded_utterances(transcript) == 2


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post_span(client: Client, transcript: Transcript, start: int, end: int) -> Any:
    url = reverse("insights:highlight-create", args=[transcript.session.project.slug])
    body = {"source": "transcript", "sourceId": transcript.pk, "start16": start, "end16": end}
    return client.post(url, body, content_type="application/json")


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twelve_identical_posts_at_once_make_one_highlight(
    transcript: Transcript, lead: User
) -> None:
    """The endpoint reads the transcript with its lock, and the service looks for the same
    span under it: one POST saves, the others answer with that highlight."""
    clients = [_logged_in(lead) for _ in range(THREADS)]
    first = transcript.utterances.order_by("position").first()
    assert first is not None

    responses = run_at_once(lambda n: _post_span(clients[n], transcript, first.start, first.end))

    assert sorted(response.status_code for response in responses) == [200] * 11 + [201]
    assert len({response.json()["highlight"]["id"] for response in responses}) == 1
    assert Highlight.objects.count() == 1
    assert coded_utterances(transcript) == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twelve_identical_api_posts_at_once_make_one_highlight(
    transcript: Transcript, lead: User
) -> None:
    """The API's create reads the transcript with its lock too."""
    clients = [_logged_in(lead) for _ in range(THREADS)]
    first = transcript.utterances.order_by("position").first()
    assert first is not None
    url = reverse("api:highlight-list", args=[transcript.session.project.slug])
    body = {"source": "transcript", "source_id": transcript.pk}
    body |= {"start": first.start, "end": first.end}

    responses = run_at_once(lambda n: clients[n].post(url, body, content_type="application/json"))

    assert sorted(response.status_code for response in responses) == [200] * 11 + [201]
    assert Highlight.objects.count() == 1
    assert coded_utterances(transcript) == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_post_waits_for_another_coding_of_the_transcript_and_counts_it(
    transcript: Transcript, lead: User, researcher: User
) -> None:
    """As the service's own lock above, through the endpoint, whose read of the transcript
    is the lock: B's POST must wait for A's coding and count A's turn too."""
    first, second = transcript.utterances.order_by("position")[:2]
    client = _logged_in(researcher)
    a_coded = threading.Event()
    errors: list[BaseException] = []
    answers: list[int] = []

    def coder_a() -> None:
        try:
            with transaction.atomic():
                code_span(transcript, lead, first.start, first.end)
                a_coded.set()
                wait_for_a_blocked_query()
        except BaseException as error:
            errors.append(error)
            a_coded.set()
        finally:
            connection.close()

    def coder_b() -> None:
        try:
            answers.append(_post_span(client, transcript, second.start, second.end).status_code)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    a = threading.Thread(target=coder_a, daemon=True)
    a.start()
    assert a_coded.wait(JOIN_SECONDS)
    b = threading.Thread(target=coder_b, daemon=True)
    b.start()
    for thread in (a, b):
        thread.join(JOIN_SECONDS)
    assert not a.is_alive() and not b.is_alive(), "a coding is stuck"
    assert not errors, errors

    assert answers == [201]
    assert coded_utterances(transcript) == 2
