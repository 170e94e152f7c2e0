"""`manage.py restore ARCHIVE`: load a backup into an empty database (cxresearch.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cxresearch.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into a migrated, empty database, then "
        "rebuild the search index."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="Skip rebuilding the search index (run `manage.py rebuild_index` later).",
        )

    def handle(self, *args: Any, archive: Path, no_index: bool, **options: Any) -> None:
        if not archive.is_file():
            raise CommandError(f"No such file: {archive}")
        try:
            result = restore(archive_path=archive, progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Restored {result.rows:,} rows and {result.files:,} files.")
        )
        if not no_index:
            call_command("rebuild_index", stdout=self.stdout, stderr=self.stderr)
