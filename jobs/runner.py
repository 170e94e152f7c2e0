"""Starting background jobs and running them inside Celery tasks.

A task of the product is thin: it takes the job's id and hands its work to `run_job`:

    @shared_task(base=JobTask, bind=True)
    def aggregate_themes(self: JobTask, job_id: int) -> None:
        run_job(self, job_id, themes.aggregate_job)

`run_job` claims the row, runs the work with a JobContext for progress, and records the
outcome. The work itself must be idempotent and write its result as a new snapshot swapped
in with one short transaction, so that a worker killed half-way leaves the previous result
intact: with late acknowledgement the broker hands the task out again, the claim sees the
row still RUNNING from the crashed try, and the work runs once more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from celery import Task, current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import User
from django.core.files import File
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from jobs.models import BackgroundJob, JobItem

if TYPE_CHECKING:
    # Only for the annotation: at run time jobs does not import interviews.
    from interviews.models import ResearchProject

logger = logging.getLogger(__name__)

State = BackgroundJob.State

# Worth another try later: the database or the broker is briefly unreachable.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
)
# A job whose worker died this many times (or that failed transiently as often) stops.
MAX_ATTEMPTS = 5
# Progress is written at most this often (seconds): a tight loop must not flood the table.
PROGRESS_INTERVAL = 0.5


class JobError(Exception):
    """The job cannot succeed as asked; the message is shown to the user as-is."""


@dataclass
class JobOutcome:
    """What a finished job leaves: a short summary, a link, a message for the page."""

    summary: Mapping[str, Any] = field(default_factory=dict)
    url: str = ""
    message: str = "Done."


@dataclass
class JobContext:
    job: BackgroundJob
    _last_write: float = 0.0

    @property
    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = self.job.params
        return params

    def progress(self, done: int, total: int, message: str = "") -> None:
        """Record progress as done/total; written at most every PROGRESS_INTERVAL seconds."""
        now = time.monotonic()
        if now - self._last_write < PROGRESS_INTERVAL and done < total:
            return
        self._last_write = now
        percent = 100 if total <= 0 else min(100, int(done * 100 / total))
        fields: dict[str, Any] = {"progress": percent}
        if message:
            fields["message"] = message[:300]
        BackgroundJob.objects.filter(pk=self.job.pk).update(**fields)

    def items(self) -> list[JobItem]:
        return list(self.job.items.order_by("position"))

    def item_done(self, item: JobItem, *, outcome: str, message: str = "", url: str = "") -> None:
        item.outcome, item.message, item.url = outcome, message, url
        item.save(update_fields=["outcome", "message", "url"])

    def result_file_save(
        self, filename: str, content: File[Any], result: Mapping[str, Any]
    ) -> None:
        """Store `content` as the job's file, replacing an earlier try's, with `result` beside it.

        A participant's erasure that commits while the job runs flags its row
        (jobs.retention.job_results_withdraw): what the job read before may hold what was
        erased. Then the new file is deleted at once and the job fails, asking to be run again.
        """
        job = self.job
        field = job.result_file.field
        name = field.storage.save(field.generate_filename(job, filename), content)
        with transaction.atomic():
            locked = BackgroundJob.objects.select_for_update().only("result", "result_file")
            row = locked.get(pk=job.pk)
            withdrawn = row.result.get("file_withdrawn")
            earlier = "" if withdrawn else str(row.result_file.name or "")
            if not withdrawn:
                BackgroundJob.objects.filter(pk=job.pk).update(
                    result_file=name, result=dict(result)
                )
        if withdrawn:
            field.storage.delete(name)
            raise JobError(f"Its file was deleted {withdrawn}. Run it again for a fresh copy.")
        if earlier and earlier != name:
            field.storage.delete(earlier)
        job.result_file.name, job.result = name, dict(result)


# A Celery task of any signature and result.
AnyTask = Task[..., Any]


class JobTask(Task[..., None]):
    """Base class of job tasks: late acknowledgement, retries with backoff for transient errors."""

    acks_late = True
    # A worker lost mid-task (killed, out of memory) gives the message back to the queue.
    reject_on_worker_lost = True
    max_retries = MAX_ATTEMPTS
    retry_backoff_seconds = 2

    def backoff(self) -> int:
        return int(min(300, self.retry_backoff_seconds * 2 ** (self.request.retries or 0)))


def job_start(
    *,
    kind: str,
    task: AnyTask,
    project: ResearchProject | None = None,
    user: User | None = None,
    params: Mapping[str, Any] | None = None,
    items: Sequence[tuple[str, Mapping[str, Any]]] = (),
    private: bool = False,
    unique_params: bool = False,
) -> BackgroundJob:
    """Record a job and queue its task once the surrounding transaction commits.

    Idempotent: while a job of the same kind, project and parameters is queued or running,
    asking again returns that job instead of starting a second one. `unique_params`: no
    other job can have these parameters (they name a folder made for this job), so that
    lookup is skipped. `items` are (label, params) pairs, one per part of the work.
    """
    params = dict(params or {})
    if not unique_params:
        active = BackgroundJob.objects.filter(
            kind=kind, project=project, state__in=BackgroundJob.ACTIVE_STATES, private=private
        )
        if private:
            active = active.filter(started_by=user)
        for job in active:
            if job.params == params:
                return job
    job = BackgroundJob.objects.create(
        kind=kind,
        project=project,
        started_by=user if user is not None and user.is_authenticated else None,
        params=params,
        task_name=task.name,
        private=private,
        message="Waiting for a worker.",
    )
    JobItem.objects.bulk_create(
        JobItem(job=job, position=position, label=label[:300], params=dict(item_params))
        for position, (label, item_params) in enumerate(items, start=1)
    )
    transaction.on_commit(lambda: _enqueue(job.pk, task))
    return job


def jobs_run_in_request() -> bool:
    """Whether a job started in a request has run by the time the request commits: without a
    broker (Celery eager) its task runs at once; with one, a worker takes it later."""
    return bool(current_app.conf.task_always_eager)


def job_retry(job: BackgroundJob) -> BackgroundJob:
    """Queue a failed job again, from the start; its items go back to waiting."""
    task = current_app.tasks.get(job.task_name)
    if job.state != State.FAILED or task is None:
        return job
    # The new run reads the study afresh: an erasure's flag on the old one no longer applies.
    result = {key: value for key, value in job.result.items() if key != "file_withdrawn"}
    with transaction.atomic():
        BackgroundJob.objects.filter(pk=job.pk, state=State.FAILED).update(
            state=State.QUEUED,
            result=result,
            progress=0,
            attempts=0,
            error="",
            message="Waiting for a worker.",
            finished_at=None,
        )
        job.items.update(outcome=JobItem.Outcome.PENDING, message="", url="")
        transaction.on_commit(lambda: _enqueue(job.pk, task))
    job.refresh_from_db()
    return job


def _enqueue(job_id: int, task: AnyTask) -> None:
    try:
        task.delay(job_id)
    except BROKER_ERRORS as error:
        logger.warning("Could not queue job %s: %s", job_id, error)
        _fail(job_id, "The job queue could not be reached. Try again in a minute.")


BROKER_ERRORS: tuple[type[BaseException], ...] = (
    BrokerError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    OSError,
)


def run_job(task: AnyTask, job_id: int, work: Callable[[JobContext], JobOutcome | None]) -> None:
    """Claim the job, run `work`, and record how it ended (see the module docstring).

    A transient error outside the work (claiming the row, recording the outcome) queues the
    task again, as one inside it does: a job left QUEUED by a task that failed to claim it
    would wait for ever, and job_start would hand it back to everyone who asks again.
    """
    try:
        _run_job(task, job_id, work)
    except TRANSIENT_ERRORS as error:
        if task.request.is_eager or (task.request.retries or 0) >= MAX_ATTEMPTS:
            raise
        countdown = task.backoff() if isinstance(task, JobTask) else 5
        raise task.retry(exc=error, countdown=countdown) from error


def _run_job(task: AnyTask, job_id: int, work: Callable[[JobContext], JobOutcome | None]) -> None:
    claimed = BackgroundJob.objects.filter(pk=job_id, state__in=BackgroundJob.ACTIVE_STATES).update(
        state=State.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        message="Running.",
    )
    if claimed != 1:
        return  # finished, failed or deleted: a duplicate delivery has nothing to do
    job = BackgroundJob.objects.select_related("project", "started_by").get(pk=job_id)
    if job.attempts > MAX_ATTEMPTS:
        _fail(job_id, f"The job stopped {MAX_ATTEMPTS} times before it could finish.")
        return
    try:
        outcome = work(JobContext(job)) or JobOutcome()
    except JobError as error:
        _fail(job_id, str(error))
        return
    except TRANSIENT_ERRORS as error:
        retries = task.request.retries or 0
        if task.request.is_eager or retries >= MAX_ATTEMPTS:
            _fail(job_id, f"A service was unavailable ({error.__class__.__name__}). Try again.")
            return
        countdown = task.backoff() if isinstance(task, JobTask) else 5
        BackgroundJob.objects.filter(pk=job_id).update(
            state=State.QUEUED, message=f"A service was unavailable; retrying in {countdown} s."
        )
        raise task.retry(exc=error, countdown=countdown) from error
    except SoftTimeLimitExceeded:
        _fail(job_id, "The job took too long and was stopped.")
        return
    except Exception as error:
        logger.exception("Job %s failed", job_id)
        _fail(job_id, f"Unexpected error ({error.__class__.__name__}). It has been logged.")
        return
    BackgroundJob.objects.filter(pk=job_id).update(
        state=State.DONE,
        progress=100,
        message=outcome.message[:300],
        result=dict(outcome.summary),
        result_url=outcome.url[:300],
        finished_at=timezone.now(),
    )


def _fail(job_id: int, error: str) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        state=State.FAILED, error=error, message="Failed.", finished_at=timezone.now()
    )


def latest_job(*, kind: str, project: ResearchProject) -> BackgroundJob | None:
    return BackgroundJob.objects.filter(kind=kind, project=project, private=False).first()
