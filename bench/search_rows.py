"""The search rows of the benchmark table: index rebuilds and queries, each beside its floor.

bench.suite imports this module first, so these rows run before every other: the Whoosh
rebuild row builds the index that the query rows search and later write rows update.

The floors do what the search page needs and nothing more, with each engine's own tools:

- Whoosh: whoosh's QueryParser on the text field and `searcher.search(limit=20,
  optimize=False)`, which scores every match once and counts them in the same pass (with
  optimize=True whoosh skips blocks and then counts the matches again in a second pass), and
  the top 20 hits' stored fields. No project filter, facets, passages or snippets.
- PostgreSQL: one statement over the same GIN index: every match ranked with ts_rank_cd, the
  top 20 by rank with their page fields, and count(*) OVER () for the total. No facets,
  passages, weights or ts_headline.

Every query row must also stay under SEARCH_P95_MS at p95: no search may take over a second.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from bench.measure import Context, MaxP95, MaxRatio, Trial, measurement
from bench.scales import Scale
from interviews.models import ResearchProject

SEARCH_P95_MS = 1_000  # SEARCH_TIME_LIMIT_MS stops a search there


def no_warmup(scale: Scale) -> int:
    return 0


def _rebuild_repetitions(scale: Scale) -> int:
    return scale.rebuild_repetitions


def _search_missing() -> str | None:
    try:
        from insights.search import Filters  # noqa: F401
        from insights.search.documents import all_documents  # noqa: F401
        from insights.search.query import parse_query  # noqa: F401
        from insights.search.whoosh.backend import WhooshBackend  # noqa: F401
    except ImportError as error:
        return f"search: not available ({error})"
    return None


def _postgres_missing() -> str | None:
    if connection.vendor != "postgresql":
        return f"PostgreSQL only (this run is on {connection.vendor})"
    return _search_missing()


def _whoosh(directory: Path | None = None):  # noqa: ANN202 - whoosh stays lazy
    from insights.search.whoosh.backend import WhooshBackend

    return WhooshBackend(directory or Path(settings.SEARCH_INDEX_DIR))


def _postgres():  # noqa: ANN202 - the backend module needs PostgreSQL
    from insights.search.postgres_backend import PostgresBackend

    return PostgresBackend()


def _documents(ctx: Context) -> list:
    """Every search document of the repository, read once per run and shared by the rows."""
    from insights.search.documents import all_documents

    if "documents" not in ctx.cache:
        ctx.cache["documents"] = list(all_documents())
    return ctx.cache["documents"]  # type: ignore[return-value]


# --- Index rebuilds -----------------------------------------------------------------------------


@measurement(
    "floor: raw Whoosh writer",
    is_floor=True,
    needs=_search_missing,
    repetitions=_rebuild_repetitions,
    warmup=no_warmup,
    count_queries=False,
)
def raw_whoosh_writer(ctx: Context) -> Trial:
    """add_document for every document into an empty index, in one commit."""
    documents = _documents(ctx)
    directory = Path(f"{settings.SEARCH_INDEX_DIR}-floor")

    def run(i: int) -> None:
        shutil.rmtree(directory, ignore_errors=True)
        _whoosh(directory).raw_add(documents)

    return Trial(run, teardown=lambda: shutil.rmtree(directory, ignore_errors=True))


@measurement(
    "index rebuild: Whoosh",
    floor="floor: raw Whoosh writer",
    targets=(MaxRatio(1.25),),
    needs=_search_missing,
    repetitions=_rebuild_repetitions,
    warmup=no_warmup,
    count_queries=False,
    paired=False,
)
def whoosh_rebuild(ctx: Context) -> Trial:
    """What `manage.py rebuild_index` does: read every document from the database, write a new
    index beside the live one, swap it in."""
    from insights.search.documents import all_documents

    _documents(ctx)  # the floor's documents: read here too, so both rows see a warm database
    backend = _whoosh()
    return Trial(lambda i: backend.rebuild(all_documents()))


@measurement(
    "floor: bulk INSERT of search entries",
    is_floor=True,
    needs=_postgres_missing,
    repetitions=_rebuild_repetitions,
    warmup=no_warmup,
    count_queries=False,
)
def raw_postgres_insert(ctx: Context) -> Trial:
    """The same rows the rebuild writes, inserted with plain bulk_create into an empty table."""
    from insights.models import SearchEntry
    from insights.search.postgres_backend import _entry

    entries = [_entry(document) for document in _documents(ctx)]

    def run(i: int) -> None:
        with transaction.atomic():
            SearchEntry.objects.all().delete()
            SearchEntry.objects.bulk_create(entries, batch_size=500)
        for entry in entries:
            entry.pk = None

    return Trial(run)


@measurement(
    "index rebuild: PostgreSQL",
    floor="floor: bulk INSERT of search entries",
    needs=_postgres_missing,
    repetitions=_rebuild_repetitions,
    warmup=no_warmup,
    count_queries=False,
    paired=False,
)
def postgres_rebuild(ctx: Context) -> Trial:
    from insights.search.documents import all_documents

    backend = _postgres()
    return Trial(lambda i: backend.rebuild(all_documents()))


# --- Queries ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Search:
    label: str
    text: str  # as typed in the search box; its field filters become Filters
    whoosh: str  # the same for whoosh's own QueryParser
    tsquery: str  # the same for PostgreSQL's to_tsquery (words stemmed by the configuration)
    stage: str = ""  # the floors' stage filter, as the text's stage:… filters the app


SEARCHES = (
    Search("terms", "sso migration", "sso migration", "sso & migration"),
    Search("phrase", '"seat counts"', '"seat counts"', "seat <-> counts"),
    Search(
        "boolean",
        "migration AND (sso OR saml) -pricing",
        # ANDNOT, as the app's translation does: whoosh's AND NOT walks every document.
        "(migration AND (sso OR saml)) ANDNOT pricing",
        "migration & (sso | saml) & !pricing",
    ),
    Search(
        "stage filter",
        "onboarding stage:onboarding",
        "onboarding stage:onboarding",
        "onboarding",
        stage="onboarding",
    ),
)


def _app_search(backend, text: str) -> Trial:  # noqa: ANN001
    """What insights.search.service.search does once it knows the user's projects."""
    from insights.search import Filters
    from insights.search.query import parse_query

    project_ids = list(ResearchProject.objects.order_by("pk").values_list("pk", flat=True))
    info: dict[str, object] = {"query": text}

    def run(i: int) -> None:
        query = parse_query(text)
        results = backend.search(
            dataclasses.replace(query, filters=Filters(), notes=()),
            project_ids=project_ids,
            filters=query.filters,
            limit=20,
        )
        info["matches"] = results.total

    return Trial(run, info=info)


def _register_searches() -> None:
    for search in SEARCHES:

        def raw_whoosh(ctx: Context, search: Search = search) -> Trial:
            backend = _whoosh()
            info: dict[str, object] = {"query": search.whoosh}

            def run(i: int) -> None:
                info["matches"] = backend.raw_search(search.whoosh)

            return Trial(run, info=info)

        def app_whoosh(ctx: Context, search: Search = search) -> Trial:
            backend = _whoosh()
            backend.warm()  # as the served app's writer thread does when the worker starts
            return _app_search(backend, search.text)

        floor = f"floor: Whoosh top 20, {search.label}"
        measurement(floor, is_floor=True, needs=_search_missing)(raw_whoosh)
        measurement(
            f"search Whoosh: {search.label}",
            floor=floor,
            targets=(MaxRatio(1.3), MaxP95(SEARCH_P95_MS)),
            needs=_search_missing,
        )(app_whoosh)


def _register_postgres_searches() -> None:
    for search in SEARCHES:

        def raw_postgres(ctx: Context, search: Search = search) -> Trial:
            backend = _postgres()
            info: dict[str, object] = {"query": search.tsquery}

            def run(i: int) -> None:
                info["matches"] = backend.raw_search(search.tsquery, stage=search.stage)

            return Trial(run, info=info)

        def app_postgres(ctx: Context, search: Search = search) -> Trial:
            return _app_search(_postgres(), search.text)

        floor = f"floor: PostgreSQL ranked top 20, {search.label}"
        measurement(floor, is_floor=True, needs=_postgres_missing)(raw_postgres)
        measurement(
            f"search PostgreSQL: {search.label}",
            floor=floor,
            targets=(MaxRatio(1.3), MaxP95(SEARCH_P95_MS)),
            needs=_postgres_missing,
        )(app_postgres)


_register_searches()
_register_postgres_searches()
