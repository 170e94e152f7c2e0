"""The quote list: a study's highlights, filtered, a page at a time."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights.exports.service import INLINE_MAX_ROWS
from insights.filters import QuoteFilter
from insights.quotes import quote_rows, quotes_for_project
from insights.visibility import evidence_reader
from interviews.access import get_project_for_member

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
# Query-string keys that do not narrow the list (so they do not count as "filtered").
NOT_FILTERS = {"page", "per_page", "order"}


def _page_size(raw: str | None) -> int:
    try:
        size = int(raw or DEFAULT_PAGE_SIZE)
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def quote_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug)
    project = access.project
    reader = evidence_reader(project=project, user=request.user, role=access.role)
    highlights = quotes_for_project(reader)
    quote_filter = QuoteFilter(request.GET or None, highlights, project=project)
    per_page = _page_size(request.GET.get("per_page"))
    # Page through the ids alone, then load that page with its joins. Sorting every match
    # with its joins reads each match's transcript row, and on SQLite that means walking the
    # transcript's whole text (session_id is stored after it): 50 ms for a 1,700-quote filter.
    ids = quote_filter.qs.prefetch_related(None).values_list("pk", flat=True)
    page = Paginator(ids, per_page).get_page(request.GET.get("page"))
    by_pk = quote_filter.qs.in_bulk(list(page.object_list))
    on_page = [by_pk[pk] for pk in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "access": access,
        "project": project,
        "filter": quote_filter,
        "page": page,
        "rows": quote_rows(reader, on_page),
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "query": query.urlencode(),
        "filtered": any(
            request.GET.get(key, "").strip() for key in request.GET if key not in NOT_FILTERS
        ),
        "only_own": reader.own_codings_only,
        "export_inline_max": INLINE_MAX_ROWS,
    }
    return render(request, "insights/quote_list.html", context)
