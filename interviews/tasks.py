"""Background jobs of the evidence side. Each task is thin: it takes a job's id, runs a service.

They run on the default queue, as BackgroundJob rows users can follow (see jobs.runner).
"""

from __future__ import annotations

from celery import shared_task

from interviews import retention, transcript_uploads
from jobs.runner import JobTask, run_job


@shared_task
def storage_cleanup() -> dict[str, int]:
    """Daily (settings.CELERY_BEAT_SCHEDULE): orphaned transcript files, abandoned import
    previews, transcript source files past SOURCE_FILE_RETENTION_DAYS and job results (exports)
    past JOB_RESULT_RETENTION_DAYS."""
    result = retention.storage_cleanup()
    return {
        "orphans": result.orphans,
        "previews": result.previews,
        "expired": result.expired,
        "job_results": result.job_results,
    }


@shared_task(base=JobTask, bind=True)
def import_transcripts(self: JobTask, job_id: int) -> None:
    """Import the files of a bulk transcript upload, one by one."""
    run_job(self, job_id, transcript_uploads.uploads_import_job)
