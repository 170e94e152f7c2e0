"""Jobs end to end through Redis and a real Celery worker (tests/workers.py), as deployed.

A page starts a job; its on_commit hook publishes the task to Redis; the worker, in its own
thread with its own database connection, claims the job row, does the work and records the
outcome, which the job's status URL then reports.
"""

from __future__ import annotations

import threading

import pytest
from celery import Celery
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import AgreementSnapshot
from interviews.models import ResearchProject, Transcript
from jobs.models import BackgroundJob
from tests.factories import make_session, make_transcript
from tests.interviews.importing import ZOOM, upload
from tests.workers import RanTasks, wait_until

pytestmark = [
    pytest.mark.timeout(300),  # a browser or a worker starts, and pages load
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def finished(job_id: int) -> bool:
    return not BackgroundJob.objects.get(pk=job_id).is_active


def test_a_bulk_upload_is_imported_by_the_worker(
    celery_worker: Celery,
    ran_tasks: RanTasks,
    lead_client: Client,
    project: ResearchProject,
) -> None:
    files = [upload("zoom.vtt", ZOOM), upload("broken.srt", b"1\n00:00:01,000 --> 00:00")]

    response = lead_client.post(
        reverse("interviews:transcript-import", args=[project.slug]), {"files": files}
    )

    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    wait_until(lambda: finished(job.pk), "finished the import job")
    status = lead_client.get(reverse("jobs:job-status", args=[job.pk])).json()
    assert (status["state"], status["progress"]) == ("done", 100)
    assert status["message"] == "Imported 1, already imported 0, refused 1."
    assert [(i["label"], i["outcome"]) for i in status["items"]] == [
        ("zoom.vtt", "done"),
        ("broken.srt", "refused"),
    ]
    assert status["items"][0]["url"] == Transcript.objects.get().get_absolute_url()
    assert status["items"][1]["message"].startswith("broken.srt: ")

    jobs_ran = [(name, queue, thread) for name, queue, thread in ran_tasks if "import" in name]
    # A transient error (SQLite's "table is locked" on a busy machine) makes the runner retry
    # the task: a second run, on the same queue, is the retry working, not a duplicate job.
    assert jobs_ran
    assert {(name, queue) for name, queue, _thread in jobs_ran} == {
        ("interviews.tasks.import_transcripts", "celery")
    }
    assert threading.get_ident() not in {thread for *_, thread in jobs_ran}  # in the worker
    assert Transcript.objects.count() == 1  # retried, still imported once


@pytest.fixture
def double_coded(project: ResearchProject, lead: User, researcher: User) -> Transcript:
    """A transcript two coders coded; asked for before the worker, its indexing runs inline."""
    transcript = make_transcript(make_session(project), data=ZOOM)
    code, _ = code_get_or_create(project=project, name="SSO pain", by=lead)
    for coder in (lead, researcher):
        highlight_create(
            project=project,
            coder=coder,
            start=0,
            end=20,
            fields=HighlightFields(codes=[code]),
            transcript=transcript,
        )
    return transcript


def test_agreement_is_computed_by_the_worker(
    double_coded: Transcript,
    celery_worker: Celery,
    lead_client: Client,
    project: ResearchProject,
) -> None:
    transcript = double_coded
    lead_client.post(reverse("insights:agreement-recompute", args=[project.slug]))

    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.COMPUTE_AGREEMENT)
    wait_until(lambda: finished(job.pk), "finished computing agreement")
    job.refresh_from_db()
    assert job.state == BackgroundJob.State.DONE, job.error
    snapshot = AgreementSnapshot.objects.get(project=project)
    assert snapshot.job == job
    assert snapshot.utterance_count == transcript.utterances.count()
    page = lead_client.get(reverse("insights:agreement", args=[project.slug])).content.decode()
    assert f"from {snapshot.utterance_count} utterances" in page
