"""`manage.py export_qdc SLUG --output codes.qdc`: a study's codebook as REFI-QDA or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.models import Code
from insights.refi_qda import commands, export, rows
from insights.refi_qda.codebook_csv import codebook_csv


class Command(BaseCommand):
    help = (
        "Write a study's codebook to a REFI-QDA codebook file (.qdc), or to CSV (one row per "
        "code: path, description, colour) when the output name ends in .csv."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", metavar="SLUG", help="The study's short name.")
        parser.add_argument("--output", "-o", required=True, metavar="PATH")

    def handle(self, *args: Any, **options: Any) -> None:
        project = commands.study(options["project"])
        path = Path(options["output"])
        if path.suffix.lower() == ".csv":
            data = codebook_csv(list(Code.objects.filter(project=project)))
        else:
            try:
                data = export.codebook_qdc(rows.codebook_rows(project=project))
            except export.ExportError as error:
                raise CommandError(str(error)) from None
        path.write_bytes(data)
        self.stdout.write(f"Wrote the codebook of “{project}” to {path}.")
