"""The search page: ranked evidence across the user's studies, facets that narrow it, pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights.search.base import FACETS
from insights.search.page import results_page
from insights.search.service import MAX_PAGE, clean_filters


@dataclass(frozen=True)
class Example:
    query: str
    meaning: str


EXAMPLES = (
    Example("sso stage:onboarding", "“sso” in the Onboarding stage"),
    Example('"true-up" -renewal', "the phrase “true-up”, without “renewal”"),
    Example("onboard*", "onboard, onboarding, onboarded…"),
    Example("licence OR license", "either spelling"),
    Example("kind:highlight code:pain-point", "coded highlights with one code"),
)


def _page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


@require_GET
def search_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    chosen = clean_filters({facet: request.GET.getlist(facet) for facet in FACETS})
    page = _page_number(request.GET.get("page"))
    shown = results_page(text, user=request.user, chosen=chosen, page=page)
    context = {
        "q": text,
        "results": shown.results,
        "rows": shown.rows,
        "groups": shown.groups,
        "chips": shown.chips,
        "searched": shown.searched,
        "timed_out": shown.timed_out,
        "page": shown.page,
        "num_pages": shown.num_pages,
        "first_number": shown.first_number,
        "last_number": shown.last_number,
        "previous_url": shown.previous_url,
        "next_url": shown.next_url,
        "clear_url": shown.clear_url,
        "kept_filters": shown.kept_filters,
        "examples": EXAMPLES,
    }
    return render(request, "insights/search.html", context)
