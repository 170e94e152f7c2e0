"""`manage.py import_qdc PATH --project SLUG`: add a .qdc or .csv codebook to a study's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.refi_qda import commands
from insights.refi_qda.codebook_csv import codebook_import_csv
from insights.refi_qda.importer import codebook_import_qdc
from insights.refi_qda.reader import ImportFileError


class Command(BaseCommand):
    help = (
        "Add the codes of a REFI-QDA codebook (.qdc) or a CSV codebook (.csv) to a study's "
        "codebook. Codes the study already has (same name, ignoring case) are left as they "
        "are. All or nothing: a file that cannot be read adds no code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH")
        parser.add_argument("--project", required=True, metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        project = commands.study(options["project"])
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        importer = codebook_import_csv if path.suffix.lower() == ".csv" else codebook_import_qdc
        try:
            result = importer(project=project, data=path.read_bytes(), filename=path.name)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        for line in result.summary.lines:
            self.stdout.write(line)
