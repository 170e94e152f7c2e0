"""Files a request stores for a job to read (uploads waiting to be imported).

Each batch gets a folder of its own under UPLOAD_ROOT, named in the job's parameters; the job
deletes its files when it is done with them. A worker killed for good, or a job never run,
leaves them behind: the daily storage cleanup (jobs.retention.job_uploads_delete) deletes any
upload older than UPLOAD_GRACE that no queued or running job names. Uploads may carry names
(file names, transcripts, whole studies), so none is kept longer than its job needs it.
"""

from __future__ import annotations

import datetime as dt
import uuid

UPLOAD_ROOT = "job-uploads"
# Where transcript uploads were stored before they moved under UPLOAD_ROOT: swept alike.
LEGACY_UPLOAD_ROOTS = ("transcript-uploads",)
UPLOAD_GRACE = dt.timedelta(days=1)


def upload_folder(kind: str) -> str:
    """A new folder for one batch of a job kind's uploads."""
    return f"{UPLOAD_ROOT}/{kind}/{uuid.uuid4().hex}"
