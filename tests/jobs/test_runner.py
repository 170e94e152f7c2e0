"""Background jobs: claiming, outcomes, idempotent starts, and who may see a job."""

from __future__ import annotations

from typing import Any

import pytest
from celery import shared_task
from django.contrib.auth.models import User
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from interviews.models import ResearchProject
from jobs.models import BackgroundJob, JobItem
from jobs.runner import JobContext, JobError, JobOutcome, JobTask, job_retry, job_start, run_job
from tests.factories import make_user

Kind = BackgroundJob.Kind
State = BackgroundJob.State

# What the test task does, set per test: a function of the JobContext.
BEHAVIOUR: dict[str, Any] = {}


def _work(context: JobContext) -> JobOutcome | None:
    return BEHAVIOUR["work"](context)


@shared_task(base=JobTask, bind=True, name="tests.jobs.sample_job")
def sample_job(self: JobTask, job_id: int) -> None:
    run_job(self, job_id, _work)


def start(project: ResearchProject, user: User, **kwargs: Any) -> BackgroundJob:
    return job_start(
        kind=Kind.COMPUTE_AGREEMENT, task=sample_job, project=project, user=user, **kwargs
    )


def test_a_job_runs_on_commit_and_records_its_outcome(
    project: ResearchProject, lead: User, django_capture_on_commit_callbacks: Any
) -> None:
    def work(context: JobContext) -> JobOutcome:
        for done in range(1, 4):
            context.progress(done, 3, f"Step {done}")
        return JobOutcome(summary={"steps": 3}, url="/somewhere/", message="All three steps.")

    BEHAVIOUR["work"] = work
    with django_capture_on_commit_callbacks(execute=True):
        job = start(project, lead)
        assert job.state == State.QUEUED
    job.refresh_from_db()
    assert (job.state, job.progress, job.message) == (State.DONE, 100, "All three steps.")
    assert job.result == {"steps": 3}
    assert job.result_url == "/somewhere/"
    assert job.attempts == 1
    assert job.started_at is not None and job.finished_at is not None


def test_a_job_error_fails_the_job_with_its_message(
    project: ResearchProject, lead: User, django_capture_on_commit_callbacks: Any
) -> None:
    def work(context: JobContext) -> None:
        raise JobError("The study has no coded transcripts.")

    BEHAVIOUR["work"] = work
    with django_capture_on_commit_callbacks(execute=True):
        job = start(project, lead)
    job.refresh_from_db()
    assert (job.state, job.error) == (State.FAILED, "The study has no coded transcripts.")


def test_an_unexpected_error_fails_the_job_without_leaking_details(
    project: ResearchProject, lead: User, django_capture_on_commit_callbacks: Any
) -> None:
    def work(context: JobContext) -> None:
        raise KeyError("secret internals")

    BEHAVIOUR["work"] = work
    with django_capture_on_commit_callbacks(execute=True):
        job = start(project, lead)
    job.refresh_from_db()
    assert job.state == State.FAILED
    assert "KeyError" in job.error and "secret internals" not in job.error


def test_a_transient_error_inline_fails_with_try_again(
    project: ResearchProject, lead: User, django_capture_on_commit_callbacks: Any
) -> None:
    def work(context: JobContext) -> None:
        raise OperationalError("server closed the connection")

    BEHAVIOUR["work"] = work
    with django_capture_on_commit_callbacks(execute=True):
        job = start(project, lead)
    job.refresh_from_db()
    assert job.state == State.FAILED
    assert "Try again" in job.error


def test_starting_the_same_job_twice_while_it_waits_returns_the_first(
    project: ResearchProject, lead: User
) -> None:
    first = start(project, lead, params={"a": 1})
    assert start(project, lead, params={"a": 1}) == first
    assert start(project, lead, params={"a": 2}) != first
    assert BackgroundJob.objects.count() == 2


def test_a_duplicate_delivery_of_a_finished_job_does_nothing(
    project: ResearchProject, lead: User
) -> None:
    calls: list[int] = []
    BEHAVIOUR["work"] = lambda context: calls.append(1)
    job = start(project, lead)
    sample_job.delay(job.pk)
    sample_job.delay(job.pk)
    assert calls == [1]
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_job_left_running_by_a_dead_worker_runs_again(
    project: ResearchProject, lead: User
) -> None:
    BEHAVIOUR["work"] = lambda context: JobOutcome(message="Second try worked.")
    job = start(project, lead)
    # A worker claimed it and was killed: the row stays RUNNING and the broker redelivers.
    BackgroundJob.objects.filter(pk=job.pk).update(state=State.RUNNING, attempts=1)
    sample_job.delay(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.message) == (State.DONE, 2, "Second try worked.")


def test_a_job_that_keeps_dying_stops(project: ResearchProject, lead: User) -> None:
    BEHAVIOUR["work"] = lambda context: pytest.fail("must not run again")
    job = start(project, lead)
    BackgroundJob.objects.filter(pk=job.pk).update(state=State.RUNNING, attempts=5)
    sample_job.delay(job.pk)
    job.refresh_from_db()
    assert job.state == State.FAILED and "stopped 5 times" in job.error


def test_a_failed_job_can_be_retried_with_its_items_reset(
    project: ResearchProject, lead: User, django_capture_on_commit_callbacks: Any
) -> None:
    outcomes = iter([JobError("first try fails"), None])

    def work(context: JobContext) -> None:
        for item in context.items():
            context.item_done(item, outcome=JobItem.Outcome.DONE)
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    BEHAVIOUR["work"] = work
    with django_capture_on_commit_callbacks(execute=True):
        job = start(project, lead, items=[("a.txt", {}), ("b.txt", {})])
    job.refresh_from_db()
    assert job.state == State.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job)
    job.refresh_from_db()
    assert job.state == State.DONE
    assert list(job.items.values_list("label", "outcome")) == [("a.txt", "done"), ("b.txt", "done")]


def test_members_see_a_job_and_outsiders_get_404(
    project: ResearchProject,
    lead: User,
    viewer_client: Client,
    outsider_client: Client,
) -> None:
    job = start(project, lead)
    url = reverse("jobs:job-status", args=[job.pk])
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert response.json()["state"] == "queued"
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.get(reverse("jobs:job-detail", args=[job.pk])).status_code == 404


def test_a_private_job_is_its_starters_alone(
    project: ResearchProject, researcher: User, researcher_client: Client, lead_client: Client
) -> None:
    job = start(project, researcher, private=True)
    url = reverse("jobs:job-detail", args=[job.pk])
    assert researcher_client.get(url).status_code == 200
    assert lead_client.get(url).status_code == 404
    staff_client = Client()
    staff_client.force_login(make_user("root", is_staff=True))
    assert staff_client.get(url).status_code == 404


def test_viewers_cannot_retry_a_job(
    project: ResearchProject, lead: User, viewer_client: Client
) -> None:
    job = start(project, lead)
    BackgroundJob.objects.filter(pk=job.pk).update(state=State.FAILED)
    response = viewer_client.post(reverse("jobs:job-retry", args=[job.pk]))
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.state == State.FAILED


def test_the_job_page_shows_progress_and_items(
    project: ResearchProject, lead: User, lead_client: Client
) -> None:
    job = start(project, lead, items=[("interview-p07.vtt", {})])
    response = lead_client.get(reverse("jobs:job-detail", args=[job.pk]))
    html = response.content.decode()
    assert "interview-p07.vtt" in html
    assert 'data-job-status-url="' in html
    assert "<progress" in html
