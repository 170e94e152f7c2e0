"""`manage.py backup --output DIR`: database and media in one archive (cxresearch.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cxresearch.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write the database and the media files into one .tar.gz archive in DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, metavar="DIR")

    def handle(self, *args: Any, output: Path, **options: Any) -> None:
        try:
            result = backup(output_dir=output)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        for name in result.missing_files:
            self.stderr.write(f"Not in storage, so not in the archive: {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {result.path} ({result.rows:,} rows, {result.files:,} files)."
            )
        )
