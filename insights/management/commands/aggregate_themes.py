"""Aggregate themes now, in this process: `manage.py aggregate_themes --project SLUG` or `--all`.

The same service as the page's "Aggregate themes" button
(insights.themes.aggregate.themes_aggregate), run synchronously. Safe to run again at any
time: researchers' decisions are kept.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.themes import ThemeError
from insights.themes.aggregate import themes_aggregate
from interviews.models import ResearchProject


class Command(BaseCommand):
    help = "Recompute evidence strength and propose candidate themes for one study or all."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--project", metavar="SLUG", help="the study's slug")
        which.add_argument("--all", action="store_true", help="every study")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            projects = list(ResearchProject.objects.order_by("slug"))
        else:
            slug = options["project"]
            projects = list(ResearchProject.objects.filter(slug=slug))
            if not projects:
                raise CommandError(f"No study with the slug “{slug}”.")
        for project in projects:
            started = time.monotonic()
            try:
                summary = themes_aggregate(project=project)
            except ThemeError as error:
                if not options["all"]:
                    raise CommandError(str(error)) from error
                self.stdout.write(f"{project.slug}: skipped. {error}")
                continue
            seconds = time.monotonic() - started
            self.stdout.write(f"{project.slug}: {summary.message} ({seconds:.1f} s)")
