"""`manage.py import_qdpx PATH --user NAME`: a REFI-QDA project file becomes a new study."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.refi_qda import commands
from insights.refi_qda.importer import qdpx_import
from insights.refi_qda.reader import ImportFileError


class Command(BaseCommand):
    help = (
        "Import a REFI-QDA project (.qdpx, from NVivo, ATLAS.ti, MAXQDA, QualCoder, …) as a "
        "new study led by USER: its text sources, codebook, coded selections, cases and "
        "notes. All or nothing; the summary lists what could not be taken over."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH")
        parser.add_argument(
            "--user", required=True, metavar="USERNAME", help="Becomes the new study's lead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = commands.user(options["user"])
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            result = qdpx_import(data=path.read_bytes(), filename=path.name, by=user)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created the study “{result.project}” ({result.project.slug}).")
        for line in result.summary.lines:
            self.stdout.write(line)
