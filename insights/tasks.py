"""Background jobs of the analysis. Each task is thin: it takes ids and calls a service.

Jobs users can see (a BackgroundJob row each, see jobs.runner) run on the default queue.

Search tasks run on the "search" queue (settings.CELERY_TASK_ROUTES), which one worker
consumes with concurrency 1 so that only one process writes the Whoosh index:

    celery -A cxresearch worker -Q search --concurrency 1
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import Task, shared_task
from celery.exceptions import Retry
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from insights import agreement_snapshots, reports
from insights.exports import service as exports
from insights.refi_qda import background as refi_qda_jobs
from insights.search import indexing

# The Whoosh backend's lock timeout; importing it loads whoosh, which is always installed.
from insights.search.base import IndexBusy
from insights.themes import aggregate
from jobs.runner import JobTask, run_job

# Worth another try later: the index is locked by another writer, the database or the
# broker is briefly unreachable. Anything else is a bug and fails at once.
TRANSIENT_ERRORS = (IndexBusy, OperationalError, InterfaceError, RedisConnectionError)


class SearchTask(Task[..., Any]):
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = True  # 1 s, 2 s, 4 s … with jitter
    retry_backoff_max = 300
    max_retries = 8

    def retry(self, *args: Any, **kwargs: Any) -> Retry:
        exc = kwargs.get("exc")
        if self.request.is_eager and isinstance(exc, Exception):
            # Inline (no broker) a retry would run again at once, eight times, inside the
            # user's request. Fail now: the caller logs it and a later change or
            # `manage.py rebuild_index` catches up.
            raise exc
        return super().retry(*args, **kwargs)


@shared_task(base=SearchTask)
def index_pending() -> dict[str, int]:
    """Do the index work the outbox holds: what a deployment with a broker runs a moment after
    changes commit (insights.search.scheduling asks for it, once for a burst of changes).

    The claim is released before the outbox is read: a change that commits from now on asks
    for a drain of its own, and one that found the claim taken committed before this read.
    Rows that failed before are left to drain_index_outbox, so one broken source is not tried
    again after every click.
    """
    indexing.release_drain_claim()
    result = indexing.drain_outbox(retry_failed=False)
    return {"done": result.done, "failed": result.failed}


# The tasks below index one change each: the tests, `make dev` and management commands run them
# inline (no broker, no writer), and a worker still takes those queued before an upgrade.
# Each takes the ids of the outbox rows it settles (insights.search.indexing) and deletes them
# once the index holds the change; a task that fails for good leaves them for
# drain_index_outbox.


@shared_task(base=SearchTask)
def index_transcript(transcript_id: int, outbox: Sequence[int] = ()) -> int:
    """Index a transcript's utterances and highlights."""
    count = indexing.reindex_transcript(transcript_id)
    indexing.outbox_settle(outbox)
    return count


@shared_task(base=SearchTask)
def index_field_note(note_id: int, outbox: Sequence[int] = ()) -> int:
    """Index a field note and its highlights, or remove the note's document if it is gone."""
    count = indexing.reindex_field_note(note_id)
    indexing.outbox_settle(outbox)
    return count


@shared_task(base=SearchTask)
def index_highlight(highlight_id: int, outbox: Sequence[int] = ()) -> int:
    count = indexing.reindex_highlights([highlight_id])
    indexing.outbox_settle(outbox)
    return count


@shared_task(base=SearchTask)
def index_highlights(highlight_ids: Sequence[int], outbox: Sequence[int] = ()) -> int:
    """Reindex many highlights at once, e.g. every highlight of a renamed code."""
    count = indexing.reindex_highlights(list(highlight_ids))
    indexing.outbox_settle(outbox)
    return count


@shared_task(base=SearchTask)
def remove_documents(doc_ids: Sequence[str], outbox: Sequence[int] = ()) -> None:
    indexing.remove_documents(list(doc_ids))
    indexing.outbox_settle(outbox)


@shared_task
def drain_index_outbox() -> dict[str, int]:
    """Do the index work left in the outbox: never published (broker down) or failed for good.

    Run by Celery beat (settings.CELERY_BEAT_SCHEDULE) on the search queue; rows younger than
    indexing.DRAIN_GRACE are left to the tasks published for them.
    """
    result = indexing.drain_outbox(older_than=indexing.DRAIN_GRACE)
    return {"done": result.done, "failed": result.failed}


@shared_task(base=JobTask, bind=True)
def compute_agreement(self: JobTask, job_id: int) -> None:
    """Compute a project's coder agreement and replace its snapshot."""
    run_job(self, job_id, agreement_snapshots.agreement_job)


# --- Jobs of the analysis (jobs.runner records their progress and outcome) ---------------------


@shared_task(base=JobTask, bind=True)
def aggregate_themes(self: JobTask, job_id: int) -> None:
    """Recompute a study's evidence strength and propose themes (insights.themes.aggregate)."""
    run_job(self, job_id, aggregate.aggregate_job)


@shared_task(base=JobTask, bind=True)
def build_report(self: JobTask, job_id: int) -> None:
    """Build a study's next report snapshot (insights.reports)."""
    run_job(self, job_id, reports.build_report_job)


@shared_task(base=JobTask, bind=True)
def export_spreadsheet(self: JobTask, job_id: int) -> None:
    """Write a large quotes export to the job's private file (insights.exports.service)."""
    run_job(self, job_id, exports.export_job)


@shared_task(base=JobTask, bind=True)
def export_qdpx(self: JobTask, job_id: int) -> None:
    """Write a large study's .qdpx to the job's private file (insights.refi_qda.background)."""
    run_job(self, job_id, refi_qda_jobs.qdpx_export_job)


@shared_task(base=JobTask, bind=True)
def import_qdpx(self: JobTask, job_id: int) -> None:
    """Import a large uploaded .qdpx as a new study (insights.refi_qda.background)."""
    run_job(self, job_id, refi_qda_jobs.qdpx_import_job)
