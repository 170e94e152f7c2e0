"""Delete stored files nobody needs: `manage.py storage_cleanup` (see interviews.retention).

The daily Celery beat job does the same; run this from cron where there is no beat.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from interviews.retention import storage_cleanup


class Command(BaseCommand):
    help = (
        "Delete orphaned transcript files, abandoned participant-import previews and transcript "
        "source files older than SOURCE_FILE_RETENTION_DAYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(self.style.SUCCESS(str(storage_cleanup())))
