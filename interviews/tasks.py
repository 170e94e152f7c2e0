"""Background jobs of the evidence side. Each is thin: it calls a service."""

from __future__ import annotations

from celery import shared_task

from interviews import retention


@shared_task
def storage_cleanup() -> dict[str, int]:
    """Daily (settings.CELERY_BEAT_SCHEDULE): orphaned transcript files, abandoned import
    previews and transcript source files past SOURCE_FILE_RETENTION_DAYS."""
    result = retention.storage_cleanup()
    return {"orphans": result.orphans, "previews": result.previews, "expired": result.expired}
