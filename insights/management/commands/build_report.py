"""Build a study's next report now, in this process: `manage.py build_report --project SLUG`.

The same service as the reports page's "Build a report" button (insights.reports), run
synchronously. The report is a draft until the study's lead publishes it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.reports import ReportError, report_build
from interviews.models import ResearchProject


class Command(BaseCommand):
    help = "Build a report snapshot of a study's confirmed themes (a draft until published)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", metavar="SLUG", required=True, help="the study's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        project = ResearchProject.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No study with the slug “{options['project']}”.")
        try:
            report = report_build(project=project, by=None)
        except ReportError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Built “{report.title}” (a draft): {report.get_absolute_url()}")
