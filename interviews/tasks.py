"""Background jobs of the evidence side. Each task is thin: it takes a job's id, runs a service.

They run on the default queue, as BackgroundJob rows users can follow (see jobs.runner).
"""

from __future__ import annotations

from celery import shared_task

from interviews import transcript_uploads
from jobs.runner import JobTask, run_job


@shared_task(base=JobTask, bind=True)
def import_transcripts(self: JobTask, job_id: int) -> None:
    """Import the files of a bulk transcript upload, one by one."""
    run_job(self, job_id, transcript_uploads.uploads_import_job)
