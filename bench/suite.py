"""The rows of the benchmark table, each beside its floor. Run order is the order here.

The search rows (bench.search_rows, imported first) run first: the Whoosh rebuild row builds
the index that later rows update. The run keeps Celery eager, as the embedded set-up does; rows
whose name ends in "+ inline index" measure that (the search index is updated inside the
request), the other write rows queue the index task as a deployment with a broker would, so
they measure the request alone.

To add a row: decorate a setup function with @measurement (see bench.measure), name a floor
registered above it, and return a Trial whose run(i) does one call.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import random
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from bench import formats
from bench import http as bench_http
from bench.measure import (
    Context,
    MaxP95,
    MaxPeakMB,
    MaxRatio,
    SameQueriesAs,
    Trial,
    measurement,
)
from bench.scales import Scale
from bench.search_rows import no_warmup  # importing it registers the search rows, first
from bench.text import Talk
from cxresearch.lib.startup import settle_after_startup
from insights.models import Code, Highlight, Stage
from interviews.models import (
    Membership,
    Participant,
    ParticipantIdentity,
    ResearchProject,
    Session,
    Transcript,
    Utterance,
)

PAGE_P95_MS = 100
ENDPOINT_P95_MS = 10
IMPORT_WORDS = 5_000  # a typical interview: the large scale's mean transcript
PARTICIPANT_PAGE_SIZE = 25  # interviews.views.participants.PAGE_SIZE


# --- Helpers ------------------------------------------------------------------------------------


def _user(ctx: Context) -> User:
    return User.objects.get(pk=ctx.dataset.user_id)


def _client(ctx: Context) -> Client:
    """A browser session of the researcher who is a member of every project."""
    client = Client()
    client.force_login(_user(ctx))
    return client


def _get(client: Client, url: str):  # noqa: ANN202 - a test client response
    # secure=True: the production settings redirect plain HTTP to HTTPS.
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise AssertionError(f"GET {url} answered {response.status_code}")
    return response


def _page(url: Callable[[Context], str]) -> Callable[[Context], Trial]:
    def setup(ctx: Context) -> Trial:
        client, address = _client(ctx), url(ctx)
        return Trial(lambda i: _get(client, address))

    return setup


def _settle(i: int) -> None:
    """Before a write is timed: flush the disk, so no call pays for the previous one's writes.

    An fsync on ext4 waits for other files' dirty data too: a bare INSERT timed right after
    an import that wrote index segments would be charged for them.
    """
    os.sync()


def _index_tasks(*, inline: bool) -> Callable[[], None]:
    """Run the search index's Celery tasks inline (eager, the embedded set-up) or queue them
    (a deployment with a broker: here the in-memory one, never consumed). Returns the undo.

    Rows without "+ inline index" in their name measure the request as a deployment with a
    broker serves it; the "+ inline index" rows add the index update the embedded set-up
    runs inside the request.
    """
    from cxresearch.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = inline

    def restore() -> None:
        app.conf.task_always_eager = before

    return restore


def _project(ctx: Context, number: int = 0) -> ResearchProject:
    return ResearchProject.objects.get(slug=ctx.dataset.project_slugs[number])


# --- Transcript import, per format --------------------------------------------------------------


def _import_files(ctx: Context) -> tuple[dict[str, bytes], Participant]:
    """One ~5,000-word interview in every format, spoken by an existing participant."""
    if "import_files" not in ctx.cache:
        participant = Participant.objects.order_by("pk").first()
        name = ParticipantIdentity.objects.get(participant=participant).name
        rng = random.Random("import")  # noqa: S311 - reproducible
        turns = Talk(rng).interview(
            IMPORT_WORDS, interviewer=_user(ctx).get_full_name(), participant=name
        )
        files = {fmt: write(turns) for fmt, write in formats.WRITERS.items()}
        ctx.cache["import_files"] = (files, participant)
    return ctx.cache["import_files"]  # type: ignore[return-value]


def _parse_floor(fmt: str) -> Callable[[Context], Trial]:
    def setup(ctx: Context) -> Trial:
        from interviews.importers.transcripts import parse_transcript

        files, _participant = _import_files(ctx)
        data, filename = files[fmt], f"interview.{fmt}"
        limit = settings.TRANSCRIPT_MAX_BYTES
        words = len(parse_transcript(filename, data, max_bytes=limit).text.split())
        return Trial(
            lambda i: parse_transcript(filename, data, max_bytes=limit), work=words, before=_settle
        )

    return setup


def _import(fmt: str, *, inline_index: bool = False) -> Callable[[Context], Trial]:
    def setup(ctx: Context) -> Trial:
        from interviews.importers.transcripts import parse_transcript
        from interviews.transcripts import transcript_import

        files, participant = _import_files(ctx)
        data = files[fmt]
        user = _user(ctx)
        words = len(
            parse_transcript(f"x.{fmt}", data, max_bytes=settings.TRANSCRIPT_MAX_BYTES).text.split()
        )
        # A study of its own, deleted afterwards, so the pages measured later are unchanged.
        slug = f"import-bench-{fmt}{'-inline' if inline_index else ''}"
        project = ResearchProject.objects.create(title=f"Import benchmark ({fmt})", slug=slug)
        Membership.objects.create(project=project, user=user, role=Membership.Role.RESEARCHER)
        sessions = []
        for number in range(ctx.calls):
            session = Session.objects.create(
                project=project,
                title=f"Import {number}",
                scheduled_at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC),
            )
            session.participants.add(participant)
            session.interviewers.add(user)
            sessions.append(session)

        def run(i: int) -> None:
            _transcript, created = transcript_import(
                session=sessions[i], filename=f"interview-{i}.{fmt}", data=data, by=user
            )
            assert created

        restore = _index_tasks(inline=inline_index)

        def teardown() -> None:
            restore()
            project.delete()

        return Trial(run, work=words, teardown=teardown, before=_settle)

    return setup


for _fmt in formats.WRITERS:
    measurement(f"floor: parse .{_fmt}", is_floor=True, unit="words/s")(_parse_floor(_fmt))
    measurement(
        f"transcript import .{_fmt}",
        floor=f"floor: parse .{_fmt}",
        unit="words/s",
        targets=(MaxRatio(2),),
    )(_import(_fmt))
    if _fmt == "txt":
        measurement(
            f"transcript import .{_fmt} + inline index",
            floor=f"floor: parse .{_fmt}",
            unit="words/s",
            targets=(MaxRatio(2),),
        )(_import(_fmt, inline_index=True))


# --- Highlight save -----------------------------------------------------------------------------


def _spans(ctx: Context, count: int) -> list[tuple[Transcript, Utterance, int, int]]:
    """Word-aligned spans in participants' answers, across the first project's transcripts.

    Each is new to the bench user, who highlights a span once: a span they already coded
    would give back the existing highlight without writing anything.
    """
    project = _project(ctx)
    transcripts = list(
        Transcript.objects.select_related("session")
        .filter(session__project=project)
        .exclude(pk=ctx.dataset.long_transcript_id)
        .order_by("pk")[:20]
    )
    taken = set(
        Highlight.objects.filter(
            transcript__in=transcripts, coder_id=ctx.dataset.user_id
        ).values_list("transcript_id", "start", "end")
    )
    spans = []
    for number in range(count):
        transcript = transcripts[number % len(transcripts)]
        utterances = list(
            Utterance.objects.filter(transcript=transcript, speaker__participant__isnull=False)
            .only("id", "start", "end", "text")
            .order_by("position")
        )
        while True:
            utterance = ctx.rng.choice(utterances)
            words = utterance.text.split(" ")
            first = ctx.rng.randrange(max(1, len(words) - 10))
            last = min(len(words), first + ctx.rng.randint(5, 30))
            start = utterance.start + len(" ".join(words[:first])) + (1 if first else 0)
            end = utterance.start + len(" ".join(words[:last]))
            if (transcript.pk, start, end) not in taken:
                break
        taken.add((transcript.pk, start, end))
        spans.append((transcript, utterance, start, end))
    return spans


def _codes_and_stage(ctx: Context) -> tuple[list[Code], Stage]:
    project = _project(ctx)
    codes = list(Code.objects.filter(project=project).order_by("pk")[:3])
    stage = Stage.objects.filter(framework_id=project.framework_id).order_by("position")[3]
    return codes, stage


def _search_handler():  # noqa: ANN202
    """The search index's post_save handler for highlights, if the search package is there."""
    try:
        from insights.search import signals
    except ImportError:
        return None
    return signals.highlight_saved


@measurement("floor: Highlight.objects.create", is_floor=True)
def bare_create(ctx: Context) -> Trial:
    """The INSERT alone: the search index's post_save handler is disconnected around each call
    (untimed), since with Celery eager it would reindex inside the call."""
    project, user = _project(ctx), _user(ctx)
    _codes, stage = _codes_and_stage(ctx)
    spans = _spans(ctx, ctx.calls)
    handler = _search_handler()
    uid = "search_highlight_saved"

    def mute(i: int) -> None:
        _settle(i)
        if handler is not None:
            post_save.disconnect(handler, sender=Highlight, dispatch_uid=uid)

    def unmute(i: int) -> None:
        if handler is not None:
            post_save.connect(handler, sender=Highlight, dispatch_uid=uid)

    def run(i: int) -> None:
        transcript, utterance, start, end = spans[i]
        Highlight.objects.create(
            project=project,
            transcript=transcript,
            utterance=utterance,
            start=start,
            end=end,
            text=transcript.text[start:end],
            stage=stage,
            sentiment=-1,
            coder=user,
        )

    return Trial(run, before=mute, after=unmute)


@measurement("highlight save: service", floor="floor: Highlight.objects.create")
def highlight_service(ctx: Context) -> Trial:
    """insights.coding.highlight_create, index update queued."""
    from insights.coding import HighlightFields, highlight_create

    project, user = _project(ctx), _user(ctx)
    codes, stage = _codes_and_stage(ctx)
    spans = _spans(ctx, ctx.calls)

    def run(i: int) -> None:
        transcript, _utterance, start, end = spans[i]
        highlight_create(
            project=project,
            coder=user,
            start=start,
            end=end,
            fields=HighlightFields(stage=stage, codes=codes, sentiment=-1),
            transcript=transcript,
            snapshot=transcript.text[start:end],
        )

    return Trial(run, before=_settle, teardown=_index_tasks(inline=False))


def _highlight_endpoint(*, inline_index: bool) -> Callable[[Context], Trial]:
    def setup(ctx: Context) -> Trial:
        return _post_highlights(ctx, inline_index=inline_index)

    return setup


def _post_highlights(ctx: Context, *, inline_index: bool) -> Trial:
    """POST insights:highlight-create as the coding panel does (three codes, a stage)."""
    project = _project(ctx)
    codes, stage = _codes_and_stage(ctx)
    spans = _spans(ctx, ctx.calls)
    client = _client(ctx)
    url = reverse("insights:highlight-create", args=[project.slug])
    # The text is ASCII-only (bench.text), so UTF-16 offsets equal code-point offsets.
    bodies = [
        json.dumps(
            {
                "source": "transcript",
                "sourceId": transcript.pk,
                "start16": start,
                "end16": end,
                "text": transcript.text[start:end],
                "stage": stage.pk,
                "codes": [code.name for code in codes],
                "sentiment": -1,
            }
        )
        for transcript, _utterance, start, end in spans
    ]

    def run(i: int) -> None:
        response = client.post(url, bodies[i], content_type="application/json", secure=True)
        if response.status_code != 201:
            raise AssertionError(
                f"POST {url} answered {response.status_code}: {response.content!r}"
            )

    return Trial(run, before=_settle, teardown=_index_tasks(inline=inline_index))


measurement(
    "highlight save: POST endpoint",
    floor="floor: Highlight.objects.create",
    targets=(MaxP95(ENDPOINT_P95_MS),),
)(_highlight_endpoint(inline_index=False))
measurement(
    "highlight save: POST endpoint + inline index",
    floor="floor: Highlight.objects.create",
    targets=(MaxP95(ENDPOINT_P95_MS),),
)(_highlight_endpoint(inline_index=True))


# --- Page renders -------------------------------------------------------------------------------

PAGE = (MaxP95(PAGE_P95_MS),)
FLOOR_PAGE = "floor: 50-row page"


@measurement(FLOOR_PAGE, is_floor=True)
def floor_page(ctx: Context) -> Trial:
    """bench.views.floor_page: the same middleware and session, one query, a tiny template."""
    return _page(lambda ctx: reverse("bench-floor"))(ctx)


measurement("page: project", floor=FLOOR_PAGE, targets=PAGE)(
    _page(lambda ctx: reverse("interviews:project-detail", args=[ctx.dataset.project_slugs[0]]))
)


def _directory_middle_page(ctx: Context) -> int:
    pages = -(-ctx.dataset.counts.get("participants", 1) // PARTICIPANT_PAGE_SIZE)
    return max(2, pages // 2)


measurement("page: participant directory, page 1", floor=FLOOR_PAGE, targets=PAGE)(
    _page(lambda ctx: reverse("interviews:participant-list"))
)
measurement(
    "page: participant directory, page n",
    floor=FLOOR_PAGE,
    targets=(*PAGE, SameQueriesAs("page: participant directory, page 1")),
)(
    _page(
        lambda ctx: reverse("interviews:participant-list") + f"?page={_directory_middle_page(ctx)}"
    )
)
measurement("page: participant directory, one study", floor=FLOOR_PAGE, targets=PAGE)(
    _page(lambda ctx: reverse("interviews:participant-list") + f"?study={_project(ctx).slug}")
)


def _quotes(per_page: int) -> Callable[[Context], str]:
    def url(ctx: Context) -> str:
        base = reverse("insights:quote-list", args=[ctx.dataset.project_slugs[0]])
        return f"{base}?stage=onboarding&per_page={per_page}"

    return url


measurement("page: quote list, stage filter, 25 a page", floor=FLOOR_PAGE, targets=PAGE)(
    _page(_quotes(25))
)
measurement(
    "page: quote list, stage filter, 100 a page",
    floor=FLOOR_PAGE,
    targets=(*PAGE, SameQueriesAs("page: quote list, stage filter, 25 a page")),
)(_page(_quotes(100)))


def _reader_url(ctx: Context) -> str:
    transcript = Transcript.objects.select_related("session__project").get(
        pk=ctx.dataset.long_transcript_id
    )
    return reverse(
        "insights:transcript-detail",
        args=[transcript.session.project.slug, transcript.session_id, transcript.pk],
    )


measurement("page: transcript reader (40,000 words)", floor=FLOOR_PAGE, targets=PAGE)(
    _page(_reader_url)
)


# --- REFI-QDA project exchange ------------------------------------------------------------------


def _exchange_repetitions(scale):  # noqa: ANN001, ANN202
    # A whole study per call (a quarter of the repository at small scale): fewer runs.
    return max(3, scale.repetitions // 5)


def _one_warmup(scale):  # noqa: ANN001, ANN202
    return 1


def _study_sources(ctx: Context) -> list[str]:
    """The first study's transcript texts, as the export writes them (read once)."""
    if "qdpx_texts" not in ctx.cache:
        ctx.cache["qdpx_texts"] = list(
            Transcript.objects.filter(session__project=_project(ctx))
            .order_by("pk")
            .values_list("text", flat=True)
        )
    return ctx.cache["qdpx_texts"]  # type: ignore[return-value]


def _study_qdpx(ctx: Context) -> bytes:
    from insights.refi_qda import export, rows

    if "qdpx" not in ctx.cache:
        exported = rows.project_rows(project=_project(ctx), user=_user(ctx))
        ctx.cache["qdpx"] = export.qdpx(exported)
    return ctx.cache["qdpx"]  # type: ignore[return-value]


@measurement(
    "floor: zip a study's transcript texts",
    is_floor=True,
    repetitions=_exchange_repetitions,
    warmup=_one_warmup,
)
def zip_texts(ctx: Context) -> Trial:
    """The bytes a .qdpx must hold anyway: every transcript, deflated into a ZIP."""
    import io
    import zipfile

    texts = _study_sources(ctx)

    def run(i: int) -> None:
        with zipfile.ZipFile(io.BytesIO(), "w", zipfile.ZIP_DEFLATED) as archive:
            for number, text in enumerate(texts):
                archive.writestr(f"sources/{number}.txt", text.encode("utf-8"))

    return Trial(run)


@measurement(
    "REFI-QDA .qdpx export (one study)",
    floor="floor: zip a study's transcript texts",
    targets=(MaxRatio(3),),
    repetitions=_exchange_repetitions,
    warmup=_one_warmup,
)
def qdpx_export(ctx: Context) -> Trial:
    """What the export page does for a researcher: read the rows, write XML and the ZIP."""
    from insights.refi_qda import export, rows

    project, user = _project(ctx), _user(ctx)
    info: dict[str, object] = {}

    def run(i: int) -> None:
        exported = rows.project_rows(project=project, user=user)
        info["bytes"] = len(export.qdpx(exported))
        info["selections"] = sum(len(source.selections) for source in exported.sources)

    return Trial(run, info=info)


# --- Themes and reports -------------------------------------------------------------------------

# The floor: what any aggregation must at least do, one GROUP BY in SQL over every coded
# highlight of the repository, counting quotes and distinct speaking participants per
# (study, stage, code).
EVIDENCE_GROUP_BY = """
    SELECT h.project_id, h.stage_id, c.tag_id, COUNT(*), COUNT(DISTINCT s.participant_id)
    FROM insights_highlight h
    JOIN insights_codedhighlight c ON c.content_object_id = h.id
    LEFT JOIN interviews_utterance u ON u.id = h.utterance_id
    LEFT JOIN interviews_speaker s ON s.id = u.speaker_id
    {where}
    GROUP BY h.project_id, h.stage_id, c.tag_id
"""


def _group_by(where: str = "", params: tuple[Any, ...] = ()) -> Callable[[int], None]:
    sql = EVIDENCE_GROUP_BY.format(where=where)

    def run(i: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


@measurement("floor: SQL GROUP BY stage, code (every study)", is_floor=True)
def evidence_group_by(ctx: Context) -> Trial:
    return Trial(_group_by())


@measurement(
    "theme aggregation: every study",
    floor="floor: SQL GROUP BY stage, code (every study)",
    targets=(MaxRatio(5), MaxP95(2000)),
)
def aggregate_every_study(ctx: Context) -> Trial:
    """insights.themes.aggregate.themes_aggregate for each study in turn, as
    `aggregate_themes --all` does: load, measure each (stage, code), co-occurrence,
    candidates, and the swap. The warm-up calls create the candidates; the timed ones are
    re-runs that update figures."""
    from insights.themes.aggregate import themes_aggregate

    projects = list(ResearchProject.objects.order_by("pk"))
    info: dict[str, object] = {"studies": len(projects)}

    def run(i: int) -> None:
        info["highlights"] = sum(themes_aggregate(project=p).highlights for p in projects)

    return Trial(run, info=info)


@measurement(
    "floor: parse a .qdpx's sources",
    is_floor=True,
    repetitions=_exchange_repetitions,
    warmup=_one_warmup,
)
def parse_qdpx_sources(ctx: Context) -> Trial:
    """The transcript parser over every source of the exported study, as an import runs it."""
    import io
    import zipfile

    from interviews.importers.transcripts.plaintext import parse_txt

    with zipfile.ZipFile(io.BytesIO(_study_qdpx(ctx))) as archive:
        sources = [archive.read(name) for name in archive.namelist() if name.startswith("sources/")]

    def run(i: int) -> None:
        for data in sources:
            parse_txt("source.txt", data)

    return Trial(run)


@measurement(
    "REFI-QDA .qdpx import (one study)",
    floor="floor: parse a .qdpx's sources",
    targets=(MaxRatio(10),),
    repetitions=_exchange_repetitions,
    warmup=_one_warmup,
)
def qdpx_import_row(ctx: Context) -> Trial:
    """insights.refi_qda.importer.qdpx_import of the first study's export: a new study each
    call (deleted afterwards), index updates queued."""
    from insights.refi_qda.importer import qdpx_import

    data, user = _study_qdpx(ctx), _user(ctx)
    created: list[int] = []
    info: dict[str, object] = {"bytes": len(data)}

    def run(i: int) -> None:
        result = qdpx_import(data=data, filename="study.qdpx", by=user)
        created.append(result.project.pk)
        info["created"] = dict(result.summary.created)

    def remove(i: int) -> None:
        # Untimed: the imported study and its participants (who outlive a deleted study), so
        # every call imports into the same repository.
        Participant.objects.filter(enrollments__project_id__in=created).delete()
        ResearchProject.objects.filter(pk__in=created).delete()
        created.clear()

    restore = _index_tasks(inline=False)

    def teardown() -> None:
        restore()
        remove(0)

    return Trial(run, teardown=teardown, before=_settle, after=remove, info=info)


@measurement("floor: SQL GROUP BY stage, code (one study)", is_floor=True)
def evidence_group_by_one(ctx: Context) -> Trial:
    return Trial(_group_by("WHERE h.project_id = %s", (_project(ctx).pk,)))


@measurement(
    "report build: one study",
    floor="floor: SQL GROUP BY stage, code (one study)",
    targets=(MaxP95(2000),),
)
def report_build_one(ctx: Context) -> Trial:
    """insights.reports.report_build for the first study, its candidates all confirmed (the
    reports it builds are deleted afterwards)."""
    from insights.models import Report, Theme
    from insights.reports import report_build
    from insights.themes.aggregate import themes_aggregate

    project = _project(ctx)
    themes_aggregate(project=project)
    Theme.objects.filter(project=project, status=Theme.Status.CANDIDATE).update(
        status=Theme.Status.CONFIRMED
    )
    user = _user(ctx)
    info: dict[str, object] = {}

    def run(i: int) -> None:
        report = report_build(project=project, by=user)
        info["themes"] = sum(len(stage["themes"]) for stage in report.snapshot["stages"])

    def teardown() -> None:
        Report.objects.filter(project=project).delete()

    return Trial(run, teardown=teardown, info=info)


# --- Spreadsheet export -------------------------------------------------------------------------

XLSX_CODER_PREFIX = "bench-xlsx-coder-"
XLSX_PEAK_MB = 150  # issue 11: at 100,000 quotes
XLSX_FLOOR = "floor: openpyxl write-only, the export's own quote cells"


def _xlsx_quotes() -> int:
    """Quotes in the exported study: 100,000, or BENCH_XLSX_QUOTES for a quicker run."""
    return int(os.environ.get("BENCH_XLSX_QUOTES", "100000"))


def _xlsx_repetitions(scale):  # noqa: ANN001, ANN202
    return 3  # 100,000 quotes a call: minutes each


def _xlsx_study(ctx: Context) -> tuple[ResearchProject, list[int]]:
    """The first study grown to _xlsx_quotes() quotes: its highlights (with their codes) copied
    for more coders, as a study with many coders has them. Removed by _xlsx_cleanup."""
    if "xlsx_ids" in ctx.cache:
        return _project(ctx), ctx.cache["xlsx_ids"]  # type: ignore[return-value]
    from insights.models import CodedHighlight

    _xlsx_cleanup()  # what an interrupted run with --reuse left
    project = _project(ctx)
    originals = list(Highlight.objects.filter(project=project).order_by("pk"))
    codings: dict[int, list[int]] = {}
    for highlight_id, tag_id in CodedHighlight.objects.filter(
        content_object__project=project
    ).values_list("content_object_id", "tag_id"):
        codings.setdefault(highlight_id, []).append(tag_id)
    # A coder highlights a span once: each new coder copies each span once.
    spans = list(
        {(h.transcript_id, h.field_note_id, h.start, h.end): h for h in originals}.values()
    )
    missing = _xlsx_quotes() - len(originals)
    with transaction.atomic():
        for n in range(-(-missing // len(spans))):
            coder = User.objects.create(
                username=f"{XLSX_CODER_PREFIX}{n}", first_name="Coder", last_name=str(n)
            )
            batch = spans[: min(len(spans), missing)]
            missing -= len(batch)
            copies: list[Highlight] = []
            for h in batch:
                copy = Highlight(
                    project_id=h.project_id,
                    transcript_id=h.transcript_id,
                    field_note_id=h.field_note_id,
                    utterance_id=h.utterance_id,
                    start=h.start,
                    end=h.end,
                    text=h.text,
                    stage_id=h.stage_id,
                    sentiment=h.sentiment,
                    pain_severity=h.pain_severity,
                    memo=h.memo,
                    coder=coder,
                )
                copy.source_id = h.pk  # type: ignore[attr-defined]
                copies.append(copy)
            Highlight.objects.bulk_create(copies, batch_size=2000)
            CodedHighlight.objects.bulk_create(
                (
                    CodedHighlight(content_object_id=copy.pk, tag_id=tag_id, coder=coder)
                    for copy in copies
                    for tag_id in codings.get(copy.source_id, ())  # type: ignore[attr-defined]
                ),
                batch_size=2000,
            )
    from insights.exports.service import export_highlight_ids
    from insights.visibility import evidence_reader

    ids = export_highlight_ids(evidence_reader(project=project, user=_user(ctx)), {})
    assert len(ids) == _xlsx_quotes(), len(ids)
    ctx.cache["xlsx_ids"] = ids
    return project, ids


def _xlsx_cleanup() -> None:
    """Delete the copied quotes and their coders (raw deletes: nothing else points at them)."""
    coders = list(
        User.objects.filter(username__startswith=XLSX_CODER_PREFIX).values_list("pk", flat=True)
    )
    if not coders:
        return
    marks = ",".join(["%s"] * len(coders))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM insights_codedhighlight WHERE coder_id IN ({marks})", coders)  # noqa: S608
        cursor.execute(f"DELETE FROM insights_highlight WHERE coder_id IN ({marks})", coders)  # noqa: S608
        cursor.execute(f"DELETE FROM auth_user WHERE id IN ({marks})", coders)  # noqa: S608


def _peak_mb(run: Callable[[], object]) -> float:
    """Peak Python memory of one call (tracemalloc: slower, so never on a timed call)."""
    import tracemalloc

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        run()
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    finally:
        tracemalloc.stop()


@measurement(
    XLSX_FLOOR,
    is_floor=True,
    repetitions=_xlsx_repetitions,
    warmup=no_warmup,
)
def bare_openpyxl(ctx: Context) -> Trial:
    """The export's Quotes sheet, its cells prepared beforehand (bench.xlsx_floor): the same
    values, the same styled cells (wrapped text, quote prefixes, number formats), the same
    empty cells left out, appended to a write-only sheet and saved. What any .xlsx of these
    quotes costs; the export's time above it is its reading and row building."""
    import tempfile

    from bench import xlsx_floor
    from insights.exports.rows import ExportOptions, quote_columns, quote_values, study_export
    from insights.visibility import evidence_reader

    project, ids = _xlsx_study(ctx)
    reader = evidence_reader(project=project, user=_user(ctx))
    export = study_export(reader, user=_user(ctx), options=ExportOptions())
    prepared = xlsx_floor.prepare(quote_columns(reader), quote_values(export, ids))
    # The prepared cells live through every call: frozen, the garbage collector does not
    # walk them again and again, as it never walks the export's rows (gone once written).
    settled = gc.get_freeze_count() > 0  # bench.run froze the start-up objects, as a server
    gc.freeze()

    def run(i: int) -> None:
        with tempfile.TemporaryFile() as out:
            xlsx_floor.write(prepared, out)

    def teardown() -> None:
        nonlocal prepared
        del prepared
        gc.unfreeze()  # thaws the start-up objects too: freeze them again, without the cells
        if settled:
            settle_after_startup()
        _xlsx_cleanup()

    info: dict[str, object] = {"rows": len(prepared.rows), "peak_mb": _peak_mb(lambda: run(0))}
    return Trial(run, info=info, teardown=teardown)


@measurement(
    "spreadsheet export of a study (.xlsx, every sheet)",
    floor=XLSX_FLOOR,
    targets=(MaxRatio(1.3), MaxPeakMB(XLSX_PEAK_MB)),
    repetitions=_xlsx_repetitions,
    warmup=no_warmup,
)
def xlsx_export_100k(ctx: Context) -> Trial:
    """What the export job does for the lead: the ids through the quote list's filter, the
    quotes read a chunk at a time through the evidence selector, the workbook with every
    sheet, the audit row. Its peak memory is measured once, in a process of its own."""
    import tempfile

    from insights.exports.rows import ExportOptions
    from insights.exports.service import export_highlight_ids, export_write
    from insights.visibility import evidence_reader

    project, _ids = _xlsx_study(ctx)
    user = _user(ctx)
    added, peak = _export_peak_rss_mb(project, user)
    info: dict[str, object] = {"peak_rss_mb": added, "process_peak_rss_mb": peak}

    def run(i: int) -> None:
        reader = evidence_reader(project=project, user=user)
        ids = export_highlight_ids(reader, {})
        with tempfile.TemporaryFile() as out:
            info["rows"] = export_write(
                reader=reader, user=user, ids=ids, fmt="xlsx", options=ExportOptions(), out=out
            )
            info["bytes"] = out.tell()

    return Trial(run, info=info, teardown=_xlsx_cleanup)


def _export_peak_rss_mb(project: ResearchProject, user: User) -> tuple[float, float]:
    """How far one export raises a fresh process's resident memory at its peak, and that
    process's peak, in MB (bench.export_memory: C allocations count too)."""
    import subprocess
    import sys

    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.export_memory", project.slug, str(user.pk)],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    added, peak = done.stdout.split()[-2:]
    return float(added), float(peak)


# --- Over HTTP, as `make run` serves it ---------------------------------------------------------
# Last: these rows add highlights and sessions through a server process of their own.

HTTP_HIGHLIGHT_P95_MS = 10
HTTP_IMPORT_P95_MS = 30
HTTP_IMPORT_WORDS = 3_000  # the documents of the Taguette comparison (issue 14)


def _http_calls(count: int) -> Callable[[Scale], int]:
    # p95 of a few dozen calls says little: these rows take more than the scale's default.
    return lambda scale: count if scale.name != "tiny" else scale.repetitions


def _http_server(ctx: Context) -> bench_http.Server:
    user = _user(ctx)
    user.set_password(bench_http.PASSWORD)
    user.save(update_fields=["password"])
    return bench_http.start(user.get_username())


def _http_done(ctx: Context, server: bench_http.Server) -> None:
    server.stop()
    user = _user(ctx)
    user.set_unusable_password()
    user.save(update_fields=["password"])


@measurement(
    "HTTP: highlight POST (make run)",
    targets=(MaxP95(HTTP_HIGHLIGHT_P95_MS),),
    repetitions=_http_calls(200),
    warmup=lambda scale: 5,
    count_queries=False,  # the server is another process; the in-process rows count them
)
def http_highlight(ctx: Context) -> Trial:
    """POST insights:highlight-create over a kept-alive connection, as coding.js does."""
    project = _project(ctx)
    codes, stage = _codes_and_stage(ctx)
    spans = _spans(ctx, ctx.calls)
    server = _http_server(ctx)
    url = server.url(reverse("insights:highlight-create", args=[project.slug]))
    bodies = [
        {
            "source": "transcript",
            "sourceId": transcript.pk,
            "start16": start,
            "end16": end,
            "text": transcript.text[start:end],
            "stage": stage.pk,
            "codes": [code.name for code in codes],
            "sentiment": -1,
        }
        for transcript, _utterance, start, end in spans
    ]
    headers = {
        "X-CSRFToken": server.csrf,
        "Referer": server.base + "/",
        "Content-Type": "application/json",
    }
    info: dict[str, object] = {"server": server.kind}

    def run(i: int) -> None:
        response = server.http.post(url, data=json.dumps(bodies[i]), headers=headers, timeout=30)
        if response.status_code != 201:
            raise AssertionError(f"POST {url} answered {response.status_code}: {response.text}")

    return Trial(run, before=_settle, teardown=lambda: _http_done(ctx, server), info=info)


@measurement(
    "HTTP: transcript import, 3,000 words (make run)",
    targets=(MaxP95(HTTP_IMPORT_P95_MS),),
    repetitions=_http_calls(60),
    warmup=lambda scale: 3,
    count_queries=False,
)
def http_import(ctx: Context) -> Trial:
    """POST interviews:transcript-import with one new .txt file a call (each a new session)."""
    user = _user(ctx)
    project = ResearchProject.objects.create(
        title="HTTP import benchmark", slug="http-import-bench"
    )
    Membership.objects.create(project=project, user=user, role=Membership.Role.RESEARCHER)
    # A new document each call: the same bytes twice would be found already imported.
    files = [
        formats.txt(
            Talk(random.Random(f"http-import-{i}")).interview(  # noqa: S311 - reproducible
                HTTP_IMPORT_WORDS, interviewer=user.get_full_name(), participant="Respondent"
            )
        )
        for i in range(ctx.calls)
    ]
    server = _http_server(ctx)
    url = server.url(reverse("interviews:transcript-import", args=[project.slug]))
    headers = {"Referer": server.base + "/"}
    info: dict[str, object] = {"server": server.kind, "words": HTTP_IMPORT_WORDS}

    def run(i: int) -> None:
        response = server.http.post(
            url,
            data={"csrfmiddlewaretoken": server.csrf},
            files={"files": (f"interview-{i}.txt", files[i], "text/plain")},
            headers=headers,
            allow_redirects=False,
            timeout=60,
        )
        if response.status_code != 302 or "/jobs/" in response.headers.get("Location", ""):
            raise AssertionError(f"POST {url} answered {response.status_code}: not imported")

    def teardown() -> None:
        _http_done(ctx, server)
        project.delete()

    return Trial(run, before=_settle, teardown=teardown, info=info)
