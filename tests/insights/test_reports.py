"""Reports: the snapshot's content, immutability, changes between reports, publishing, what
each persona reads (consent, redaction, drafts), the job, the command and the page.

The coding is tests.insights.evidence's (see tests/insights/test_themes.py for the table):
one candidate, "SSO + SAML" at Onboarding, 4 quotes from Ada, Ben and Cleo, a hand-off to
Purchase; confirmed here before each report.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from insights.models import Recommendation, Report, ReportIsImmutable, Theme
from insights.reports import (
    GroupFigure,
    ReportError,
    coverage_line,
    report_build,
    report_publish,
)
from insights.themes.aggregate import themes_aggregate
from insights.themes.curation import theme_confirm, theme_reject
from insights.themes.recommendations import RecommendationFields, recommendation_create
from interviews.models import AuditEvent, ConsentRecord, Redaction, ResearchProject
from jobs.models import BackgroundJob
from tests.insights.evidence import EvidenceStudy, build_study, code_quotes, sentence, stage_named


@pytest.fixture
def study(project: ResearchProject, lead: User) -> EvidenceStudy:
    return build_study(project, lead)


@pytest.fixture
def quotes(study: EvidenceStudy) -> dict[str, Any]:
    return code_quotes(study)


def confirm_all(project: ResearchProject, by: User) -> None:
    for theme in Theme.objects.filter(project=project, status=Theme.Status.CANDIDATE):
        theme_confirm(theme=theme, by=by, version=theme.version)


@pytest.fixture
def analysed(study: EvidenceStudy, quotes: dict, lead: User) -> EvidenceStudy:
    themes_aggregate(project=study.project)
    confirm_all(study.project, lead)
    return study


def stage_snap(report: Report, name: str) -> dict:
    return next(stage for stage in report.snapshot["stages"] if stage["name"] == name)


# --- The snapshot -------------------------------------------------------------------------------


def test_a_report_holds_each_stages_themes_with_strength_and_quotes(
    analysed: EvidenceStudy, quotes: dict, lead: User
) -> None:
    report = report_build(project=analysed.project, by=lead)
    assert (report.number, report.status) == (1, "draft")
    onboarding = stage_snap(report, "Onboarding")
    assert onboarding["team"] == "Customer Success"
    [theme] = onboarding["themes"]
    assert theme["name"] == "SSO + SAML"
    assert (theme["quotes"], theme["participants"], theme["sessions"]) == (4, 3, 3)
    assert theme["codes"] == ["SAML", "SSO"]
    assert theme["pain_point"] is True
    # Groups, the largest first: large self-managed 2, then mid-market SaaS 1, SMB SaaS 1.
    assert theme["coverage"] == (
        "3 of 4 participants (2 of 2 large self-managed, 0 of 1 mid-market SaaS, 1 of 1 SMB SaaS)"
    )
    people = analysed.people
    assert [(q["highlight_id"], q["participant"]) for q in theme["representative"]] == [
        (quotes["ada0"].pk, people["Ada"].pseudonym),
        (quotes["ben0"].pk, people["Ben"].pseudonym),
        (quotes["cleo0"].pk, people["Cleo"].pseudonym),
    ]
    assert theme["representative"][0]["text"] == sentence("Ada", 0)
    assert theme["handoff"] == {
        "theme_id": theme["id"],
        "theme": "SSO + SAML",
        "from_stage": "Purchase",
        "to_stage": "Onboarding",
        "from_team": "Sales",
        "to_team": "Customer Success",
    }
    assert onboarding["handoffs"] == [theme["handoff"]]


def test_a_report_has_pain_points_metrics_and_coverage(analysed: EvidenceStudy, lead: User) -> None:
    report = report_build(project=analysed.project, by=lead)
    onboarding = stage_snap(report, "Onboarding")
    assert onboarding["pain_points"] == [
        {"code": "SSO", "quotes": 4, "participants": 3, "mean_severity": 2.667}
    ]
    assert stage_snap(report, "Purchase")["pain_points"] == [
        {"code": "SSO", "quotes": 2, "participants": 2, "mean_severity": None}
    ]
    assert [m["name"] for m in onboarding["metrics"]] == [
        "Days from purchase to first value",
        "Licences activated after 30 days",
    ]
    assert onboarding["metrics"][0] | {"name": ""} == {
        "name": "",
        "owner": "Customer Success",
        "baseline": "38 days",
        "target": "14 days",
        "unit": "days",
    }
    coverage = report.snapshot["coverage"]
    assert (coverage["participants"], coverage["participants_quoted"]) == (4, 4)
    assert coverage["line"] == (
        "4 of 4 participants (2 of 2 large self-managed, 1 of 1 mid-market SaaS, 1 of 1 SMB SaaS)"
    )


def test_a_group_that_is_the_whole_study_is_not_repeated() -> None:
    groups = [
        GroupFigure(label="large self-managed", covered=5, total=7),
        GroupFigure(label="SMB SaaS", covered=0, total=3),
    ]
    assert coverage_line(5, 10, groups) == (
        "5 of 10 participants (5 of 7 large self-managed, 0 of 3 SMB SaaS)"
    )
    assert coverage_line(5, 7, groups[:1]) == "5 of 7 participants"


def test_the_top_three_recommendations_per_stage_leave_drafts_out(
    analysed: EvidenceStudy, lead: User
) -> None:
    onboarding = stage_named("onboarding")
    made = {}
    for statement, status, impact, effort in [
        ("Proposed, high impact, low effort", "proposed", "high", "low"),
        ("Accepted, low impact", "accepted", "low", "high"),
        ("In progress", "in_progress", "", ""),
        ("Proposed, high impact, high effort", "proposed", "high", "high"),
        ("Dropped", "dropped", "high", "low"),
    ]:
        made[statement] = recommendation_create(
            project=analysed.project,
            by=lead,
            fields=RecommendationFields(
                statement=statement, stage=onboarding, status=status, impact=impact, effort=effort
            ),
        )
    report = report_build(project=analysed.project, by=lead)
    recs = stage_snap(report, "Onboarding")["recommendations"]
    # In progress, then accepted, then proposed by impact and effort; the machine's draft
    # (status draft) and the dropped one stay out; the fourth is cut.
    assert [r["statement"] for r in recs] == [
        "In progress",
        "Accepted, low impact",
        "Proposed, high impact, low effort",
    ]
    assert recs[0]["team"] == "Customer Success"


def test_no_report_without_aggregation_or_confirmed_themes(
    study: EvidenceStudy, quotes: dict, lead: User
) -> None:
    with pytest.raises(ReportError, match="Themes have not been aggregated yet"):
        report_build(project=study.project, by=lead)
    themes_aggregate(project=study.project)
    with pytest.raises(ReportError, match="No theme is confirmed yet"):
        report_build(project=study.project, by=lead)
    assert Report.objects.count() == 0


# --- Immutability and changes ------------------------------------------------------------------


def test_a_built_report_never_changes(analysed: EvidenceStudy, lead: User) -> None:
    report = report_build(project=analysed.project, by=lead)
    snapshot = report.snapshot
    theme = Theme.objects.get(project=analysed.project)
    Theme.objects.filter(pk=theme.pk).update(name="Renamed later")
    themes_aggregate(project=analysed.project)
    report.refresh_from_db()
    assert report.snapshot == snapshot
    report.title = "Edited"
    with pytest.raises(ReportIsImmutable):
        report.save()
    with pytest.raises(ReportIsImmutable):
        report.save(update_fields=["snapshot"])


def test_a_new_report_shows_what_changed_since_the_published_one(
    analysed: EvidenceStudy, lead: User
) -> None:
    first = report_publish(report=report_build(project=analysed.project, by=lead), by=lead)
    assert first.snapshot["changes"]["compared_with"] is None
    # Dev joins the Onboarding theme; two more people make SSO at Purchase a new theme.
    analysed.quote("Dev", 2, stage="onboarding", codes=("SSO",))
    analysed.quote("Ada", 2, stage="purchase", codes=("SSO",))
    analysed.quote("Cleo", 2, stage="purchase", codes=("SSO",))
    themes_aggregate(project=analysed.project)
    confirm_all(analysed.project, lead)
    draft = report_build(project=analysed.project, by=lead)
    changes = draft.snapshot["changes"]
    assert changes["compared_with"] == 1
    assert [(c["name"], c["after"]["participants"]) for c in changes["new"]] == [("SSO", 4)]
    assert [
        (c["name"], c["before"]["participants"], c["after"]["participants"])
        for c in changes["stronger"]
    ] == [("SSO + SAML", 3, 4)]
    assert changes["weaker"] == changes["gone"] == []

    # Compared with the published report #1, not the draft #2: what stakeholders last saw.
    onboarding = Theme.objects.get(project=analysed.project, stage=stage_named("onboarding"))
    theme_reject(theme=onboarding, by=lead, version=onboarding.version)
    third = report_build(project=analysed.project, by=lead)
    changes = third.snapshot["changes"]
    assert changes["compared_with"] == 1
    assert [c["name"] for c in changes["gone"]] == ["SSO + SAML"]
    assert [c["name"] for c in changes["new"]] == ["SSO"]


def test_a_weaker_theme_is_reported_as_weaker(
    analysed: EvidenceStudy, quotes: dict, lead: User
) -> None:
    report_publish(report=report_build(project=analysed.project, by=lead), by=lead)
    quotes["cleo0"].delete()
    themes_aggregate(project=analysed.project)
    changes = report_build(project=analysed.project, by=lead).snapshot["changes"]
    assert [
        (c["name"], c["before"]["participants"], c["after"]["participants"])
        for c in changes["weaker"]
    ] == [("SSO + SAML", 3, 2)]


# --- Publishing and reading ----------------------------------------------------------------------


def test_only_the_lead_publishes_and_twice_is_a_no_op(
    analysed: EvidenceStudy, lead: User, researcher: User
) -> None:
    report = report_build(project=analysed.project, by=lead)
    with pytest.raises(ReportError, match="Only the study's lead"):
        report_publish(report=report, by=researcher)
    report.refresh_from_db()
    assert report.status == "draft"
    report_publish(report=report, by=lead)
    published_at = report.published_at
    report_publish(report=report, by=lead)
    report.refresh_from_db()
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.PUBLISHED)
    assert (event.user, event.project, event.detail) == (
        lead,
        analysed.project,
        f"report “{report.title}”",
    )
    assert (report.status, report.published_by, report.published_at) == (
        "published",
        lead,
        published_at,
    )


def test_viewers_see_only_published_reports(
    analysed: EvidenceStudy, lead: User, viewer_client: Client, researcher_client: Client
) -> None:
    draft = report_build(project=analysed.project, by=lead)
    slug = analysed.project.slug
    assert viewer_client.get(draft.get_absolute_url()).status_code == 404
    assert researcher_client.get(draft.get_absolute_url()).status_code == 200
    listing = viewer_client.get(reverse("insights:report-list", args=[slug]))
    assert draft.title not in listing.content.decode()
    report_publish(report=draft, by=lead)
    assert viewer_client.get(draft.get_absolute_url()).status_code == 200
    listing = viewer_client.get(reverse("insights:report-list", args=[slug]))
    assert draft.title in listing.content.decode()


def test_quotes_without_consent_for_viewers_are_left_out_and_counted(
    analysed: EvidenceStudy, lead: User, viewer_client: Client, lead_client: Client
) -> None:
    report = report_publish(report=report_build(project=analysed.project, by=lead), by=lead)
    ConsentRecord.objects.filter(participant=analysed.people["Ada"]).update(
        scope=ConsentRecord.Scope.RESEARCH_TEAM
    )
    as_viewer = viewer_client.get(report.get_absolute_url()).content.decode()
    assert sentence("Ada", 0) not in as_viewer
    assert sentence("Ben", 0) in as_viewer
    assert "1 quote hidden by consent" in as_viewer
    as_lead = lead_client.get(report.get_absolute_url()).content.decode()
    assert sentence("Ada", 0) in as_lead
    assert "hidden by consent" not in as_lead


def test_spoken_names_are_redacted_for_viewers(
    analysed: EvidenceStudy, quotes: dict, lead: User, viewer_client: Client, lead_client: Client
) -> None:
    report = report_publish(report=report_build(project=analysed.project, by=lead), by=lead)
    transcript = analysed.transcripts["Ben"]
    start = transcript.text.index(sentence("Ben", 0)) + len("This is what ")
    Redaction.objects.create(
        transcript=transcript, start=start, end=start + len("Ben"), kind=Redaction.Kind.NAME
    )
    as_viewer = viewer_client.get(report.get_absolute_url()).content.decode()
    assert "This is what [name] said about the rollout, point number 0" in as_viewer
    assert sentence("Ben", 0) not in as_viewer
    assert sentence("Ben", 0) in lead_client.get(report.get_absolute_url()).content.decode()


def test_the_report_page_prints_and_costs_few_queries(
    analysed: EvidenceStudy,
    lead: User,
    viewer_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    for who in ("Ada", "Cleo"):
        analysed.quote(who, 2, stage="purchase", codes=("SSO",))
    analysed.quote("Dev", 2, stage="adoption", codes=("Great docs",))
    analysed.quote("Cleo", 3, stage="adoption", codes=("Great docs",))
    themes_aggregate(project=analysed.project)
    confirm_all(analysed.project, lead)
    report = report_publish(report=report_build(project=analysed.project, by=lead), by=lead)
    assert sum(len(s["themes"]) for s in report.snapshot["stages"]) == 3
    # session, user, project, role, report, the visible quotes (consent clearance: 3),
    # redactions, and the page's own: well under 15 whatever the number of themes.
    with django_assert_max_num_queries(15):
        response = viewer_client.get(report.get_absolute_url())
    page = response.content.decode()
    assert "css/report.css" in page
    assert "Sales → Customer Success at Purchase → Onboarding" in page


# --- The job and the command --------------------------------------------------------------------


def test_the_build_job_makes_one_report_even_if_delivered_twice(
    analysed: EvidenceStudy,
    lead: User,
    lead_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = reverse("insights:report-build", args=[analysed.project.slug])
    with django_capture_on_commit_callbacks(execute=True):
        assert lead_client.post(url).status_code == 302
    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.BUILD_REPORT)
    report = Report.objects.get()
    assert (job.state, job.result_url) == ("done", report.get_absolute_url())
    assert (report.job, report.created_by) == (job, lead)
    assert report_build(project=analysed.project, by=lead, job=job) == report
    assert Report.objects.count() == 1


def test_a_failed_build_shows_its_error(
    study: EvidenceStudy,
    quotes: dict,
    lead_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = reverse("insights:report-build", args=[study.project.slug])
    with django_capture_on_commit_callbacks(execute=True):
        lead_client.post(url)
    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.BUILD_REPORT)
    assert job.state == "failed"
    page = lead_client.get(reverse("insights:report-list", args=[study.project.slug]))
    assert "Themes have not been aggregated yet" in page.content.decode()
    assert Report.objects.count() == 0


def test_command_builds_a_draft(analysed: EvidenceStudy) -> None:
    out = StringIO()
    call_command("build_report", "--project", analysed.project.slug, stdout=out)
    report = Report.objects.get()
    assert report.status == "draft"
    assert report.get_absolute_url() in out.getvalue()


def test_command_explains_why_it_cannot_build(study: EvidenceStudy) -> None:
    with pytest.raises(CommandError, match="Themes have not been aggregated yet"):
        call_command("build_report", "--project", study.project.slug)


def test_recommendation_drafts_stay_out_of_reports(analysed: EvidenceStudy, lead: User) -> None:
    assert Recommendation.objects.filter(status="draft").count() == 1
    report = report_build(project=analysed.project, by=lead)
    assert all(not stage["recommendations"] for stage in report.snapshot["stages"])
