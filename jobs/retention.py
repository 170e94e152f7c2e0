"""Files that jobs made (spreadsheet exports) are deleted JOB_RESULT_RETENTION_DAYS after the
job finished, by the daily storage cleanup (interviews.retention.storage_cleanup): an export may
hold quotes and personal data, and nobody needs last month's copy. The job row stays and says
the file is gone. Uploads left behind by jobs that will not read them (jobs.uploads) go too."""

from __future__ import annotations

import datetime as dt
import json
import logging
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cxresearch.lib.storage import files_under, older_than
from jobs.models import BackgroundJob
from jobs.uploads import LEGACY_UPLOAD_ROOTS, UPLOAD_GRACE, UPLOAD_ROOT

log = logging.getLogger("jobs.retention")


def job_results_expire(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete the result files of jobs that finished more than `days` ago (default the
    JOB_RESULT_RETENTION_DAYS setting; 0 keeps them)."""
    days = settings.JOB_RESULT_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    expired = BackgroundJob.objects.filter(finished_at__lt=cutoff).exclude(result_file="")
    count = 0
    for pk, name in expired.values_list("pk", "result_file").iterator():
        # Blank the field first: a file whose delete fails is left over, never a job whose
        # download link points at nothing.
        if BackgroundJob.objects.filter(pk=pk, result_file=name).update(result_file=""):
            default_storage.delete(name)
            count += 1
    if count:
        log.info("Deleted %d job result file(s) older than %d days.", count, days)
    return count


def job_results_withdraw(jobs: QuerySet[BackgroundJob], *, reason: str) -> int:
    """Delete the result files of `jobs` once the surrounding transaction commits, e.g. the
    exports of a study whose participant's personal data was just erased: a file made
    before holds what the erasure took out. Each row keeps `reason` for its download link.

    A job running now is flagged too: what it has read may hold it as well, so the file it
    is about to write is deleted as it is saved (JobContext.result_file_save)."""
    count = 0
    withdrawn = jobs.filter(~Q(result_file="") | Q(state=BackgroundJob.State.RUNNING))
    for job in withdrawn.select_for_update().only("result_file", "result", "state"):
        name = str(job.result_file.name or "")
        job.result = {**job.result, "file_withdrawn": reason}
        job.result_file = ""
        job.save(update_fields=["result_file", "result"])
        if name:
            transaction.on_commit(partial(default_storage.delete, name), robust=True)
            count += 1
    return count


def job_uploads_delete(*, now: dt.datetime | None = None) -> int:
    """Delete uploads older than UPLOAD_GRACE that no queued or running job names in its
    parameters (a job that broke for good, or was never run, left them)."""
    cutoff = (now or timezone.now()) - UPLOAD_GRACE
    waiting = [
        json.dumps(params)
        for params in BackgroundJob.objects.filter(
            state__in=BackgroundJob.ACTIVE_STATES
        ).values_list("params", flat=True)
    ]
    count = 0
    for root in (UPLOAD_ROOT, *LEGACY_UPLOAD_ROOTS):
        for name in files_under(default_storage, root):
            folder = name.rsplit("/", 1)[0]
            if any(folder in params for params in waiting):
                continue
            if older_than(default_storage, name, cutoff):
                default_storage.delete(name)
                count += 1
    if count:
        log.info("Deleted %d upload(s) no job will read.", count)
    return count
