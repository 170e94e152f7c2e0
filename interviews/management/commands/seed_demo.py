"""`manage.py seed_demo`: load the demo data set once; later runs only print the accounts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from interviews.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from interviews.models import Enrollment


class Command(BaseCommand):
    help = (
        "Load the demo studies, participants and accounts (password "
        f"“{DEMO_PASSWORD}”). Does nothing when they are already loaded."
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
        summary = load_demo(stdout=self.stdout if options["verbosity"] >= 2 else None)
        if summary.already_loaded:
            self.stdout.write("Demo data already loaded.")
        else:
            states = ", ".join(
                f"{count} {Enrollment.Status(status).label.lower()}"
                for status, count in summary.enrollments_by_status.items()
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo data in {summary.seconds:.1f} s: {summary.projects} "
                    f"studies, {summary.participants} participants, {summary.consents} consent "
                    f"records, {summary.enrollments} enrollments ({states}), "
                    f"{summary.sessions} sessions."
                )
            )
            for note in summary.notes:
                self.stdout.write(self.style.WARNING(note))
        self.stdout.write("Demo accounts:")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(
                f"  {account.username:<10} password {DEMO_PASSWORD}   ({account.description})"
            )
