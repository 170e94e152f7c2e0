"""Search over utterances, field notes and highlights. The one way into the index.

    results = search("sso stage:onboarding", user=request.user)

The backend (Whoosh files under var/, or PostgreSQL full text for several web servers) is
chosen by settings.SEARCH_BACKEND; nothing outside this package imports whoosh.
"""

from __future__ import annotations

from insights.search.base import (
    FACETS,
    Filters,
    Kind,
    Query,
    SearchBackend,
    SearchDocument,
    SearchHit,
    SearchResults,
)

__all__ = [
    "FACETS",
    "Filters",
    "Kind",
    "Query",
    "SearchBackend",
    "SearchDocument",
    "SearchHit",
    "SearchResults",
]
