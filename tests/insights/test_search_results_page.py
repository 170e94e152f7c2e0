"""results_page, called without a request: facets, chips and pages as the search page shows them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from insights.search.base import Filters, SearchResults, SearchTimeout
from insights.search.page import FACET_VALUES_SHOWN, PER_PAGE, results_page
from interviews.models import ResearchProject

pytestmark = pytest.mark.django_db


class StubBackend:
    """Answers every search with the same facet counts and `total` hits, no hit rows."""

    def __init__(self, facets: dict[str, dict[str, int]], total: int = 0) -> None:
        self.facets, self.total = facets, total
        self.offsets: list[int] = []

    def search(self, query: Any, *, offset: int = 0, **kwargs: Any) -> SearchResults:
        self.offsets.append(offset)
        return SearchResults(hits=[], total=self.total, facets=self.facets)


def stub(monkeypatch: pytest.MonkeyPatch, backend: object) -> None:
    monkeypatch.setattr("insights.search.service.get_backend", lambda: backend)


def test_a_facet_lists_its_top_values_and_keeps_an_active_one_beyond_them(
    monkeypatch: pytest.MonkeyPatch, researcher: User, project: ResearchProject
) -> None:
    codes = {f"code-{n:02d}": 100 - n for n in range(FACET_VALUES_SHOWN + 3)}
    stub(monkeypatch, StubBackend({"code": codes}))
    last = f"code-{FACET_VALUES_SHOWN + 2:02d}"
    shown = results_page("sso", user=researcher, chosen=Filters(values={"code": (last,)}), page=1)
    [group] = shown.groups
    assert [v.value for v in group.values] == [*list(codes)[:FACET_VALUES_SHOWN], last]
    assert group.more == 3
    assert [v.active for v in group.values][-1] is True
    assert [(chip.facet_label, chip.label) for chip in shown.chips] == [("Code", last)]
    assert shown.chips[0].remove_url == "?q=sso"
    assert shown.kept_filters == [("code", last)]


def test_a_page_past_the_last_shows_the_last(
    monkeypatch: pytest.MonkeyPatch, researcher: User, project: ResearchProject
) -> None:
    backend = StubBackend({}, total=2 * PER_PAGE + 1)
    stub(monkeypatch, backend)
    shown = results_page("sso", user=researcher, chosen=Filters(), page=9)
    assert (shown.page, shown.num_pages) == (3, 3)
    assert backend.offsets == [8 * PER_PAGE, 2 * PER_PAGE]
    assert (shown.previous_url, shown.next_url) == ("?q=sso&page=2", "")


def test_a_search_stopped_at_its_time_limit_is_an_empty_page_that_says_so(
    monkeypatch: pytest.MonkeyPatch, researcher: User, project: ResearchProject
) -> None:
    class Slow:
        def search(self, *args: Any, **kwargs: Any) -> SearchResults:
            raise SearchTimeout

    stub(monkeypatch, Slow())
    shown = results_page("sso", user=researcher, chosen=Filters(), page=4)
    assert shown.timed_out
    assert (shown.rows, shown.groups, shown.num_pages) == ([], [], 1)
