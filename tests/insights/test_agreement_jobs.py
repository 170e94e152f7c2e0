"""Coder agreement computed by a background job: the snapshot, its age, recomputing it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from insights import agreement_snapshots, tasks
from insights.agreement_snapshots import (
    agreement_snapshot_compute,
    agreement_snapshot_for_project,
)
from insights.coding import code_get_or_create
from insights.models import AgreementSnapshot
from insights.selectors import agreement_for_project
from interviews.models import ResearchProject, Transcript
from jobs.models import BackgroundJob
from jobs.runner import job_start
from tests.insights.test_agreement_page import _code, _transcript, _utterances

State = BackgroundJob.State


@pytest.fixture
def double_coded(project: ResearchProject, lead: User, researcher: User) -> Transcript:
    """Lead codes turns 1–3 "SSO pain", researcher turns 2–4: kappa 1/3 over all six turns."""
    transcript = _transcript(project)
    code, _ = code_get_or_create(project=project, name="SSO pain", by=lead)
    _code(project, lead, transcript, 0, 2, code)
    _code(project, researcher, transcript, 1, 3, code)
    return transcript


def _page(client: Client, project: ResearchProject) -> str:
    response = client.get(reverse("insights:agreement", args=[project.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _recompute_url(project: ResearchProject) -> str:
    return reverse("insights:agreement-recompute", args=[project.slug])


def test_before_any_computation_the_page_says_so_and_offers_to_compute(
    researcher_client: Client, project: ResearchProject, double_coded: Transcript
) -> None:
    page = _page(researcher_client, project)

    assert "have not been computed yet" in page
    assert "Compute agreement" in page
    assert _recompute_url(project) in page
    assert ">0.333<" not in page


def test_researcher_recomputes_and_the_page_shows_the_new_figures(
    researcher_client: Client,
    researcher: User,
    project: ResearchProject,
    double_coded: Transcript,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = researcher_client.post(_recompute_url(project))

    assert response.status_code == 302
    assert response["Location"] == reverse("insights:agreement", args=[project.slug])
    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.COMPUTE_AGREEMENT)
    assert (job.state, job.project, job.started_by) == (State.DONE, project, researcher)
    assert job.message == "Computed from 6 utterances."
    assert job.result == {"utterances": 6, "disagreements": 2}
    snapshot = AgreementSnapshot.objects.get(project=project)
    assert snapshot.job == job
    page = _page(researcher_client, project)
    assert ">0.333<" in page and ">−0.167<" in page
    assert "from 6 utterances" in page
    assert "Recompute" in page
    assert "data-job-status-url" not in page  # a finished job is not followed


def test_the_page_shows_the_age_of_the_last_result(
    lead_client: Client, project: ResearchProject, double_coded: Transcript
) -> None:
    agreement_snapshot_compute(project=project)
    AgreementSnapshot.objects.filter(project=project).update(
        computed_at=timezone.now() - dt.timedelta(minutes=3)
    )

    page = _page(lead_client, project)

    assert "Computed <time" in page
    assert "3\xa0minutes ago</time>, from 6 utterances" in page


def test_recomputing_replaces_the_snapshot_with_the_current_codings(
    project: ResearchProject, lead: User, researcher: User, double_coded: Transcript
) -> None:
    first = agreement_snapshot_compute(project=project)
    code = double_coded.session.project.codes.get(name="SSO pain")
    _code(project, researcher, double_coded, 0, 0, code)  # now both coded turn 1

    second = agreement_snapshot_compute(project=project)

    assert AgreementSnapshot.objects.count() == 1
    assert second.pk == first.pk and second.computed_at > first.computed_at
    assert second.disagreement_count == 1  # only turn 4 is left


def test_the_snapshot_reads_back_as_the_report_it_was_made_from(
    project: ResearchProject, double_coded: Transcript
) -> None:
    agreement_snapshot_compute(project=project)

    stored = agreement_snapshot_for_project(project)

    assert stored is not None
    made_from = agreement_for_project(project)
    first, fourth = _utterances(double_coded)[0].pk, _utterances(double_coded)[3].pk
    # Only the utterances that listed disagreements point at are kept.
    listed = {pk: made_from.utterances[pk] for pk in (first, fourth)}
    assert stored.agreement == replace(made_from, utterances=listed)
    assert (stored.utterance_count, stored.disagreement_count) == (6, 2)


def test_only_the_first_disagreements_are_kept_and_the_rest_counted(
    project: ResearchProject,
    double_coded: Transcript,
    lead_client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agreement_snapshots, "LISTED_DISAGREEMENTS", 1)
    agreement_snapshot_compute(project=project)

    stored = agreement_snapshot_for_project(project)

    assert stored is not None and stored.agreement.report is not None
    [listed] = stored.agreement.report.disagreements
    first_turn = _utterances(double_coded)[0]
    assert listed.unit == first_turn.pk
    assert list(stored.agreement.utterances) == [first_turn.pk]
    page = _page(lead_client, project)
    assert "2 utterance–code pairs where" in page
    assert "and 1 more not listed" in page


def test_a_snapshot_in_an_older_format_counts_as_not_computed(
    lead_client: Client, project: ResearchProject, double_coded: Transcript
) -> None:
    agreement_snapshot_compute(project=project)
    AgreementSnapshot.objects.filter(project=project).update(data={"format": 0})

    assert agreement_snapshot_for_project(project) is None
    assert "have not been computed yet" in _page(lead_client, project)


def test_a_running_computation_is_followed_on_the_page(
    lead_client: Client, lead: User, project: ResearchProject, double_coded: Transcript
) -> None:
    agreement_snapshot_compute(project=project)
    # Started but not yet run: its on_commit hook never fires inside the test's transaction.
    job = job_start(
        kind=BackgroundJob.Kind.COMPUTE_AGREEMENT,
        task=tasks.compute_agreement,
        project=project,
        user=lead,
    )

    page = _page(lead_client, project)

    assert reverse("jobs:job-status", args=[job.pk]) in page
    assert 'data-job-reload="1"' in page
    assert "js/jobs.js" in page
    assert ">0.333<" in page  # the previous figures stay until the new ones are in
    assert "Recompute</button>" not in page


def test_asking_twice_while_it_runs_starts_one_job(
    researcher_client: Client, lead_client: Client, project: ResearchProject
) -> None:
    researcher_client.post(_recompute_url(project))
    lead_client.post(_recompute_url(project))

    assert BackgroundJob.objects.filter(state=State.QUEUED).count() == 1


def test_a_failed_computation_shows_its_error_and_keeps_the_old_figures(
    lead_client: Client,
    project: ResearchProject,
    double_coded: Transcript,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agreement_snapshot_compute(project=project)

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(agreement_snapshots, "agreement_snapshot_compute", broken)
    with django_capture_on_commit_callbacks(execute=True):
        lead_client.post(_recompute_url(project))

    page = _page(lead_client, project)
    assert "Unexpected error (RuntimeError)" in page
    assert ">0.333<" in page
    assert "Recompute</button>" in page


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("outsider", 404)])
def test_viewers_and_outsiders_cannot_recompute(
    request: pytest.FixtureRequest,
    project: ResearchProject,
    double_coded: Transcript,
    persona: str,
    status: int,
) -> None:
    client: Client = request.getfixturevalue(f"{persona}_client")

    assert client.post(_recompute_url(project)).status_code == status

    assert not BackgroundJob.objects.exists()
    assert not AgreementSnapshot.objects.exists()


def test_viewers_see_the_figures_but_no_button(
    viewer_client: Client, project: ResearchProject, double_coded: Transcript
) -> None:
    assert "a researcher or the lead can compute them" in _page(viewer_client, project)
    agreement_snapshot_compute(project=project)

    page = _page(viewer_client, project)

    assert ">0.333<" in page
    assert _recompute_url(project) not in page


def test_recompute_needs_post(researcher_client: Client, project: ResearchProject) -> None:
    assert researcher_client.get(_recompute_url(project)).status_code == 405
    assert not BackgroundJob.objects.exists()
