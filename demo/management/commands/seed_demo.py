"""`manage.py seed_demo`: load the demo data set once; later runs only print the accounts.

demo.evidence loads studies, people, sessions, transcripts and field notes, demo.analysis
adds the codebooks and codings, all in one transaction.

Index updates are suspended during the load and the search index is rebuilt once after it:
one rebuild costs a fraction of an index commit per transcript, note and batch of highlights
(and it covers the field notes, which the demo bulk-creates without save signals).
"""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.analysis import load_demo
from demo.evidence import DEMO_ACCOUNTS, DEMO_PASSWORD, LEAD_USERNAME
from insights.models import Recommendation, Theme
from insights.reports import report_build, report_publish
from insights.search import scheduling
from insights.themes import ThemeError
from insights.themes.aggregate import themes_aggregate
from insights.themes.curation import theme_confirm
from insights.themes.recommendations import RecommendationFields, recommendation_update
from interviews.models import Enrollment, Membership, ResearchProject

# The demo lead confirms this many of the strongest candidates per stage and publishes a
# first report, so stakeholders have findings to read; the other candidates wait for curation.
CONFIRMED_PER_STAGE = 2


class Command(BaseCommand):
    help = (
        "Load the demo studies, participants, transcripts, codebooks, codings and accounts "
        f"(password “{DEMO_PASSWORD}”). Does nothing when they are already loaded."
    )
    # `make run` calls this on every start right after `migrate`, which has just run the
    # checks; skipping them keeps a no-op run well under a second.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Load even with DEBUG off. The demo accounts have a published password.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates accounts whose password is published, so it runs only with "
                "DEBUG on. Pass --allow-without-debug to load it anyway."
            )
        verbose = options["verbosity"] >= 2
        with scheduling.suspended():
            summary = load_demo(stdout=self.stdout if verbose else None)
        if summary.already_loaded:
            self.stdout.write("Demo data already loaded.")
        else:
            states = ", ".join(
                f"{count} {Enrollment.Status(status).label.lower()}"
                for status, count in summary.enrollments_by_status.items()
            )
            made = ", ".join(f"{count} {name}" for name, count in summary.counts.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo data in {summary.seconds:.1f} s: {summary.projects} "
                    f"studies, {summary.participants} participants, {summary.consents} consent "
                    f"records, {summary.enrollments} enrollments ({states}), "
                    f"{summary.sessions} sessions, {made}."
                )
            )
            for note in summary.notes:
                self.stdout.write(self.style.WARNING(note))
            self._rebuild_search_index(verbose=verbose)
            self._aggregate_themes()
        self.stdout.write("Demo accounts:")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(
                f"  {account.username:<10} password {DEMO_PASSWORD}   ({account.description})"
            )

    def _aggregate_themes(self) -> None:
        """Candidate themes for each coded study, so the themes page has something to curate.

        The same service as the page's "Aggregate themes" button, run here in-process.
        """
        started = time.monotonic()
        studies = candidates = 0
        for project in ResearchProject.objects.order_by("slug"):
            try:
                summary = themes_aggregate(project=project)
            except ThemeError:
                continue  # not coded: nothing to aggregate
            studies += 1
            candidates += summary.new_candidates
            self._publish_first_report(project)
        self.stdout.write(
            f"Aggregated themes in {time.monotonic() - started:.1f} s: {candidates} candidate "
            f"themes in {studies} studies, the strongest {CONFIRMED_PER_STAGE} per stage "
            "confirmed and a first report published in each."
        )

    def _publish_first_report(self, project: ResearchProject) -> None:
        """As the demo lead: confirm the strongest candidates of each stage, propose the job's
        draft recommendations that rest on them, then build and publish report #1, all through
        the same services as the pages."""
        lead = User.objects.filter(
            username=LEAD_USERNAME,
            memberships__project=project,
            memberships__role=Membership.Role.LEAD,
        ).first()
        if lead is None:
            return
        per_stage: dict[int | None, int] = {}
        for theme in Theme.objects.filter(project=project, status=Theme.Status.CANDIDATE):
            taken = per_stage.get(theme.stage_id, 0)  # strongest first: the model's ordering
            if taken < CONFIRMED_PER_STAGE:
                theme_confirm(theme=theme, by=lead, version=theme.version)
                per_stage[theme.stage_id] = taken + 1
        drafts = Recommendation.objects.filter(
            project=project,
            status=Recommendation.Status.DRAFT,
            themes__status=Theme.Status.CONFIRMED,
        ).distinct()
        for draft in drafts:
            recommendation_update(
                recommendation=draft,
                by=lead,
                version=draft.version,
                fields=RecommendationFields(
                    statement=draft.statement,
                    themes=list(draft.themes.all()),
                    stage=draft.stage,
                    owning_team=draft.owning_team,
                    impact=draft.impact,
                    effort=draft.effort,
                    status=Recommendation.Status.PROPOSED,
                ),
            )
        report_publish(report=report_build(project=project, by=lead), by=lead)

    def _rebuild_search_index(self, *, verbose: bool) -> None:
        started = time.monotonic()
        try:
            call_command("rebuild_index", stdout=self.stdout if verbose else StringIO())
        except CommandError as error:
            # The data is committed; only search lags behind. Say how to catch up.
            self.stdout.write(
                self.style.WARNING(
                    f"The search index was not rebuilt ({error}). Run `manage.py rebuild_index`."
                )
            )
            return
        self.stdout.write(f"Rebuilt the search index in {time.monotonic() - started:.1f} s.")
