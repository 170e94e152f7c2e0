"""Search the index from a shell: `manage.py search "sso onboarding" --project uptier`.

An administrator's tool: it searches every study (or the one given) without the membership
checks of the search page, and prints score, title, link and a plain-text snippet per hit.
"""

from __future__ import annotations

import html
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.search.backends import get_backend
from insights.search.base import Filters, SearchTimeout
from insights.search.query import normalise_facet_value, parse_query
from interviews.models import ResearchProject

MARK = re.compile(r"</?mark>")
TAG = re.compile(r"<[^>]+>")


def plain_snippet(snippet_html: str) -> str:
    """ "the <mark>SSO</mark> rollout" → "the **SSO** rollout"."""
    return html.unescape(TAG.sub("", MARK.sub("**", snippet_html)))


class Command(BaseCommand):
    help = "Search utterances, field notes and highlights of every study (or of one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "query", help="What to look for, e.g. '\"single sign-on\" stage:adoption'"
        )
        parser.add_argument("--project", metavar="SLUG", help="Only this study.")
        parser.add_argument("--stage", metavar="NAME", help="Only highlights of this stage.")
        parser.add_argument("--limit", type=int, default=20, help="Hits to show (default 20).")

    def handle(
        self,
        *args: Any,
        query: str,
        project: str | None,
        stage: str | None,
        limit: int,
        **options: Any,
    ) -> None:
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        projects = ResearchProject.objects.all()
        if project:
            projects = projects.filter(slug=project)
        project_ids = list(projects.values_list("pk", flat=True))
        if project and not project_ids:
            raise CommandError(f"No study with the slug {project!r}.")

        parsed = parse_query(query)
        extra = Filters()
        if stage:
            slug = normalise_facet_value("stage", stage)
            if not slug:
                raise CommandError(f"{stage!r} is not a stage name.")
            extra = Filters(values={"stage": (slug,)})
        filters = parsed.filters.merged_with(extra)
        if parsed.root is None and not filters.values:
            raise CommandError("Nothing to search for: give some words or a field:value filter.")

        try:
            results = get_backend().search(
                parsed, project_ids=project_ids, filters=filters, offset=0, limit=limit
            )
        except SearchTimeout as timeout:
            raise CommandError(f"{timeout} Try fewer or rarer words, or a filter.") from None
        for note in dict.fromkeys([*parsed.notes, *([results.message] if results.message else [])]):
            self.stdout.write(self.style.WARNING(note))
        for hit in results.hits:
            self.stdout.write(f"{hit.score:7.2f}  {hit.title}")
            self.stdout.write(f"         {hit.url}")
            self.stdout.write(f"         {plain_snippet(hit.snippet_html)}")
        shown = len(results.hits)
        self.stdout.write(f"{shown:,} of {results.total:,} hit{'s' if results.total != 1 else ''}.")
