"""The search outbox: every committed change leaves index work that nothing can lose.

A change writes an IndexOutbox row in its own transaction; the task published on commit
settles it. When publishing fails (a broker that refuses connections, or one that accepts
and never answers) the save still returns, the row stays, and draining it indexes the
document. The broker tests publish for real, to a port on 127.0.0.1 where nothing listens
or where a tiny server in this test accepts and never answers; there is no timing assert:
the save runs in a thread that must finish within a generous join timeout.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager

import pytest
from celery import Celery
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from cxresearch.celery import app as celery_app
from insights import tasks
from insights.coding import HighlightFields, highlight_create
from insights.models import Highlight, IndexOutbox
from insights.search import indexing, scheduling
from insights.search.backends import get_backend, reset_backend
from insights.search.base import Filters, IndexBusy
from insights.search.query import parse_query
from insights.search.whoosh.backend import WhooshBackend
from interviews.models import FieldNote, ResearchProject, Session, Transcript
from tests.factories import make_session, make_transcript

Committed = Callable[[], AbstractContextManager[list[Callable[[], object]]]]
Published = list[tuple[str, tuple[object, ...], list[int]]]

# Generous: a save that waits on a silent broker without timeouts never returns at all.
SAVE_GUARD_SECONDS = 60


@pytest.fixture(autouse=True)
def whoosh(settings: Settings) -> None:
    settings.SEARCH_BACKEND = "whoosh"
    reset_backend()


@pytest.fixture(autouse=True)
def eager() -> Iterator[None]:
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


@pytest.fixture
def committed(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Committed:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Published:
    """Record the tasks published, with the outbox rows each settles, instead of running them."""
    calls: Published = []
    for name in (
        "index_transcript",
        "index_field_note",
        "index_highlight",
        "index_highlights",
        "remove_documents",
    ):

        def delay(*args: object, _name: str = name, outbox: Sequence[int] = ()) -> None:
            calls.append((_name, args, list(outbox)))

        monkeypatch.setattr(getattr(tasks, name), "delay", delay)
    return calls


@pytest.fixture
def session(project: ResearchProject) -> Session:
    return make_session(project)


def found(words: str) -> set[str]:
    results = get_backend().search(
        parse_query(words),
        project_ids=list(ResearchProject.objects.values_list("pk", flat=True)),
        filters=Filters(),
        limit=100,
    )
    return {hit.doc_id for hit in results.hits}


def outbox() -> list[tuple[str, int]]:
    return list(IndexOutbox.objects.order_by("pk").values_list("source", "source_id"))


# --- Written with the change, settled by the task ----------------------------------------------


def test_a_change_writes_its_outbox_row_and_the_task_settles_it(
    session: Session, published: Published, committed: Committed
) -> None:
    with committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")
        note.save()  # the same source twice in one transaction: one row
    (row,) = IndexOutbox.objects.all()
    assert (row.source, row.source_id, row.attempts) == ("field_note", note.pk, 0)
    assert published == [("index_field_note", (note.pk,), [row.pk])]

    tasks.index_field_note(note.pk, outbox=[row.pk])
    assert outbox() == []
    assert found("badge") == {f"field_note:{note.pk}"}


def test_a_rolled_back_change_leaves_no_row(session: Session, committed: Committed) -> None:
    with committed():
        try:
            with transaction.atomic():
                FieldNote.objects.create(session=session, text="Never saved")
                raise RuntimeError
        except RuntimeError:
            pass
    assert outbox() == []


def test_a_source_written_again_after_a_rolled_back_savepoint_keeps_its_row(
    session: Session, published: Published, committed: Committed
) -> None:
    with committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")
    IndexOutbox.objects.all().delete()
    published.clear()
    with committed():
        FieldNote.objects.filter(pk=note.pk).update(text="Badge reader jams on Mondays.")
        try:
            with transaction.atomic():
                note.save()  # its outbox row is rolled back with the savepoint
                raise RuntimeError
        except RuntimeError:
            pass
        note.save()  # so this save writes the row again
    (row,) = IndexOutbox.objects.all()
    assert published == [("index_field_note", (note.pk,), [row.pk])]


def test_a_deleted_transcript_keeps_the_documents_to_remove_in_its_row(
    session: Session, committed: Committed
) -> None:
    with committed():
        transcript = make_transcript(session)
    utterance_docs = {
        f"utterance:{pk}" for pk in transcript.utterances.values_list("pk", flat=True)
    }
    assert utterance_docs <= found("SAML OR procurement OR SSO")
    transcript_id = transcript.pk
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WhooshBackend, "remove", busy)
        with committed():
            transcript.delete()
    # Its speakers' deletes also asked for the transcript to be reindexed: that row waits too.
    rows = IndexOutbox.objects.filter(source="transcript", source_id=transcript_id)
    assert [set(row.removals) for row in rows if row.removals] == [utterance_docs]

    call_command("rebuild_index", "--pending", stdout=io.StringIO())
    assert outbox() == []
    assert found("SAML OR procurement OR SSO") == set()


def busy(self: WhooshBackend, *args: object) -> None:
    raise IndexBusy("Another process is writing to the index.")


def test_an_inline_task_that_fails_leaves_its_row_for_the_drain(
    session: Session, monkeypatch: pytest.MonkeyPatch, committed: Committed
) -> None:
    monkeypatch.setattr(WhooshBackend, "index", busy)
    with committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")
    assert outbox() == [("field_note", note.pk)]

    monkeypatch.undo()
    out = io.StringIO()
    call_command("rebuild_index", "--pending", stdout=out)
    assert "Indexed the pending changes of 1 outbox row." in out.getvalue()
    assert outbox() == []
    assert found("badge") == {f"field_note:{note.pk}"}


def test_the_drain_counts_attempts_and_goes_on_past_a_failure(
    session: Session, published: Published, monkeypatch: pytest.MonkeyPatch, committed: Committed
) -> None:
    with committed():
        good = FieldNote.objects.create(session=session, text="Badge reader jams.")
        bad = FieldNote.objects.create(session=session, text="Printer is slow.")
    real = indexing.reindex_field_note

    def reindex(note_id: int) -> int:
        if note_id == bad.pk:
            raise IndexBusy("locked")
        return real(note_id)

    monkeypatch.setattr(indexing, "reindex_field_note", reindex)
    with pytest.raises(CommandError, match="1 row failed again and stay in the outbox"):
        call_command("rebuild_index", "--pending", stdout=io.StringIO())
    row = IndexOutbox.objects.get()
    assert (row.source_id, row.attempts, row.last_error) == (bad.pk, 1, "IndexBusy: locked")
    assert found("badge") == {f"field_note:{good.pk}"}

    assert tasks.drain_index_outbox() == {"done": 0, "failed": 0}  # too young for the beat
    assert indexing.drain_outbox().failed == 1
    assert IndexOutbox.objects.get().attempts == 2


def test_the_drain_runs_on_the_search_queue_every_minute(settings: Settings) -> None:
    route = celery_app.amqp.router.route({}, "insights.tasks.drain_index_outbox")
    assert route["queue"].name == "search"
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["insights.tasks.drain_index_outbox"] == 60.0


# --- With a broker: one drain for a burst of changes ------------------------------------------


@pytest.fixture
def with_broker(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Publish as a deployment with a broker does; record each drain asked for."""
    celery_app.conf.task_always_eager = False
    indexing.release_drain_claim()
    asked: list[dict[str, object]] = []
    monkeypatch.setattr(tasks.index_pending, "apply_async", lambda **options: asked.append(options))
    return asked


def test_a_burst_of_changes_asks_for_one_drain_which_indexes_them_all(
    session: Session, with_broker: list[dict[str, object]], committed: Committed
) -> None:
    with committed():
        badge = FieldNote.objects.create(session=session, text="Badge reader jams.")
    with committed():
        printer = FieldNote.objects.create(session=session, text="Printer is slow.")
    assert with_broker == [{"countdown": indexing.DRAIN_DELAY_SECONDS}]
    assert outbox() == [("field_note", badge.pk), ("field_note", printer.pk)]

    assert tasks.index_pending() == {"done": 2, "failed": 0}
    assert outbox() == []
    assert found("badge OR printer") == {f"field_note:{badge.pk}", f"field_note:{printer.pk}"}

    # The drain began: the next change asks for one of its own.
    with committed():
        FieldNote.objects.create(session=session, text="Lift is out of order.")
    assert len(with_broker) == 2


def test_the_drain_asked_for_leaves_rows_that_failed_before_to_the_periodic_drain(
    session: Session, with_broker: list[dict[str, object]], committed: Committed
) -> None:
    with committed():
        failed = FieldNote.objects.create(session=session, text="Badge reader jams.")
    IndexOutbox.objects.update(attempts=1, last_error="IndexBusy: locked")
    with committed():
        fresh = FieldNote.objects.create(session=session, text="Printer is slow.")

    assert tasks.index_pending() == {"done": 1, "failed": 0}
    assert outbox() == [("field_note", failed.pk)]
    assert found("badge OR printer") == {f"field_note:{fresh.pk}"}


def test_a_drain_that_could_not_be_asked_for_is_asked_for_by_a_later_change(
    session: Session,
    with_broker: list[dict[str, object]],
    committed: Committed,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def unreachable(**options: object) -> None:
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(tasks.index_pending, "apply_async", unreachable)
    with caplog.at_level(logging.ERROR, logger="insights.search"), committed():
        note = FieldNote.objects.create(session=session, text="Badge reader jams.")
    assert "could not queue the index work of 1 change(s)" in caplog.text
    assert outbox() == [("field_note", note.pk)]

    # The claim was given back: once publishing resumes, the next change asks.
    scheduling.resume_publishing()
    monkeypatch.setattr(
        tasks.index_pending, "apply_async", lambda **options: with_broker.append(options)
    )
    with committed():
        FieldNote.objects.create(session=session, text="Printer is slow.")
    assert with_broker == [{"countdown": indexing.DRAIN_DELAY_SECONDS}]


# --- A broker that fails --------------------------------------------------------------------------


class SilentBroker:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.server.accept()
            except OSError:
                return
            self.accepted.append(client)

    def close(self) -> None:
        self.server.close()
        for client in self.accepted:
            client.close()


def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


@pytest.fixture
def silent_broker() -> Iterator[SilentBroker]:
    broker = SilentBroker()
    yield broker
    broker.close()


@pytest.fixture
def broker_app() -> Iterator[Callable[[str], Celery]]:
    """Make a non-eager app, configured like the real one (timeouts included), for a broker."""
    apps: list[Celery] = []

    def make(url: str) -> Celery:
        app = Celery("cxresearch-broker-test", set_as_current=False)
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.conf.update(broker_url=url, task_always_eager=False)
        import insights.tasks  # noqa: F401 - registers the shared tasks on the new app

        indexing.release_drain_claim()  # one left by another test would hold the publish

        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def save_highlight_in_a_thread(
    app: Celery, transcript: Transcript, coder: User, start: int
) -> Highlight:
    """Code a span in another thread (its own connection and commit, `app` its current Celery
    app, to which the signal handlers publish); fail if it hangs."""
    saved: list[Highlight] = []
    errors: list[BaseException] = []

    def save() -> None:
        app.set_current()  # per thread
        try:
            saved.append(
                highlight_create(
                    project=transcript.session.project,
                    coder=coder,
                    start=start,
                    end=start + 5,
                    fields=HighlightFields(),
                    transcript=transcript,
                )
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=save, daemon=True)
    thread.start()
    thread.join(SAVE_GUARD_SECONDS)
    assert not thread.is_alive(), "the save is still waiting for the broker"
    assert not errors, errors
    return saved[0]


broker_test = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@broker_test
@pytest.mark.parametrize("broker", ["refusing", "silent"])
def test_a_failing_broker_never_holds_a_save_and_the_outbox_keeps_the_work(
    broker: str,
    session: Session,
    lead: User,
    silent_broker: SilentBroker,
    broker_app: Callable[[str], Celery],
    caplog: pytest.LogCaptureFixture,
) -> None:
    transcript = make_transcript(session)
    IndexOutbox.objects.all().delete()
    port = silent_broker.port if broker == "silent" else refused_port()
    app = broker_app(f"redis://127.0.0.1:{port}/0")
    with caplog.at_level(logging.ERROR, logger="insights.search"):
        highlight = save_highlight_in_a_thread(app, transcript, lead, start=0)

    assert Highlight.objects.filter(pk=highlight.pk).exists()
    assert "could not queue the index work of 1 change(s)" in caplog.text
    assert outbox() == [("highlight", highlight.pk)]
    assert f"highlight:{highlight.pk}" not in found("thanks")

    call_command("rebuild_index", "--pending", stdout=io.StringIO())
    assert outbox() == []
    assert f"highlight:{highlight.pk}" in found("thanks")


@broker_test
def test_after_a_silent_broker_later_saves_do_not_wait_for_it(
    session: Session,
    lead: User,
    silent_broker: SilentBroker,
    broker_app: Callable[[str], Celery],
) -> None:
    transcript = make_transcript(session)
    IndexOutbox.objects.all().delete()
    app = broker_app(f"redis://127.0.0.1:{silent_broker.port}/0")
    first = save_highlight_in_a_thread(app, transcript, lead, start=0)
    connections_after_first = len(silent_broker.accepted)
    second = save_highlight_in_a_thread(app, transcript, lead, start=10)

    assert connections_after_first >= 1
    assert len(silent_broker.accepted) == connections_after_first  # publishing was paused
    assert outbox() == [("highlight", first.pk), ("highlight", second.pk)]
