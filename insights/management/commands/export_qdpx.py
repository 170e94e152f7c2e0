"""`manage.py export_qdpx SLUG --user NAME --output study.qdpx`: a study as REFI-QDA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.refi_qda import commands, export, rows
from interviews.access import Role, role_in_project


class Command(BaseCommand):
    help = (
        "Write a study to a REFI-QDA project file (.qdpx): transcripts and field notes as "
        "text sources, highlights as coded selections, the codebook, participants as cases "
        "(by pseudonym), memos as notes. It holds what USER may see, as on the pages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", metavar="SLUG")
        parser.add_argument(
            "--user", required=True, metavar="USERNAME", help="A lead or researcher of the study."
        )
        parser.add_argument("--output", "-o", required=True, metavar="PATH")
        parser.add_argument(
            "--with-names",
            action="store_true",
            help="Name participants' cases by their names (audited; researchers only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = commands.study(options["project"])
        user = commands.user(options["user"], project)
        if role_in_project(user, project) not in (Role.LEAD, Role.RESEARCHER):
            raise CommandError(
                f"{user.username} is a viewer of “{project}”; only leads and researchers export it."
            )
        exported = rows.project_rows(
            project=project,
            user=user,
            options=rows.ExportOptions(include_names=options["with_names"]),
        )
        path = Path(options["output"])
        path.write_bytes(export.qdpx(exported))
        rows.audit_project_export(user, project, exported, personal_data=options["with_names"])
        self.stdout.write(
            f"Wrote “{project}” to {path}: {len(exported.sources)} sources, "
            f"{sum(len(s.selections) for s in exported.sources)} coded selections, "
            f"{len(exported.codebook.codes)} codes, {len(exported.cases)} cases."
        )
