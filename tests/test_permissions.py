"""Every URL of the app × every persona: who may read, who may write, who gets 404.

The test walks the URLconf, so a new URL without an entry in ACCESS fails here
until someone decides who may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.tokens import token_create
from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import (
    Code,
    CodedHighlight,
    CodingSettings,
    EvidenceSummary,
    Highlight,
    JourneyFramework,
    JourneyMap,
    JourneyMapCell,
    Recommendation,
    Report,
    StageMetric,
    StageMetricValue,
    Theme,
    ThemeCode,
)
from insights.reports import report_build, report_publish
from interviews.models import (
    ConsentRecord,
    Enrollment,
    FieldNote,
    Membership,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    Redaction,
    ResearchProject,
    Session,
    Transcript,
)
from jobs.models import BackgroundJob
from tests.factories import (
    make_attribute,
    make_consent,
    make_enrollment,
    make_participant,
    make_project,
    make_session,
    make_transcript,
    make_user,
)

# What each persona gets. "ok" means a 200 page or a 302 after a successful action.
# "other" is a researcher of another study, not a member of this one.
PERSONAS = ("lead", "researcher", "viewer", "outsider", "other")
READ = {"lead": "ok", "researcher": "ok", "viewer": "ok", "outsider": 404, "other": 404}
WRITE = {"lead": "ok", "researcher": "ok", "viewer": 403, "outsider": 404, "other": 404}
LEAD_ONLY = {"lead": "ok", "researcher": 403, "viewer": 403, "outsider": 404, "other": 404}
# Not scoped to one project: anyone logged in can reach them; writing needs a researcher role.
GLOBAL_READ = {"lead": "ok", "researcher": "ok", "viewer": "ok", "outsider": "ok", "other": "ok"}
POOL_WRITE = {"lead": "ok", "researcher": "ok", "viewer": 403, "outsider": 403, "other": "ok"}
# A participant of this study: researchers of any study read the shared pool, but only this
# study's leads and researchers (or staff) change the record (interviews.access).
PARTICIPANT_READ = {
    "lead": "ok",
    "researcher": "ok",
    "viewer": "ok",
    "outsider": 404,
    "other": "ok",
}
PARTICIPANT_WRITE = {"lead": "ok", "researcher": "ok", "viewer": 403, "outsider": 404, "other": 403}


@dataclass(frozen=True)
class Rule:
    method: str
    expect: Mapping[str, object]


ACCESS: dict[str, list[Rule]] = {
    "interviews:project-list": [Rule("get", GLOBAL_READ)],
    "interviews:project-create": [Rule("get", POOL_WRITE)],
    "interviews:project-detail": [Rule("get", READ)],
    "interviews:project-edit": [Rule("get", WRITE), Rule("post", WRITE)],
    "interviews:project-members": [Rule("get", READ), Rule("post", LEAD_ONLY)],
    "interviews:member-remove": [Rule("post", LEAD_ONLY)],
    "interviews:project-audit": [Rule("get", LEAD_ONLY)],
    "interviews:attribute-list": [Rule("get", READ), Rule("post", WRITE)],
    "interviews:attribute-delete": [Rule("post", WRITE)],
    "interviews:enrollment-add": [Rule("get", WRITE)],
    "interviews:enrollment-detail": [Rule("get", WRITE)],
    "interviews:enrollment-move": [Rule("post", WRITE)],
    "interviews:project-participant-import": [Rule("get", WRITE)],
    "interviews:session-create": [Rule("get", WRITE)],
    "interviews:session-detail": [Rule("get", READ)],
    "interviews:session-edit": [Rule("get", WRITE)],
    "interviews:transcript-upload": [Rule("get", WRITE)],
    "interviews:transcript-import": [Rule("get", WRITE)],
    "interviews:transcript-speakers": [Rule("get", WRITE), Rule("post", WRITE)],
    "interviews:transcript-delete": [Rule("post", WRITE)],
    "interviews:fieldnote-create": [Rule("get", WRITE), Rule("post", WRITE)],
    "interviews:fieldnote-edit": [Rule("get", WRITE), Rule("post", WRITE)],
    "interviews:fieldnote-delete": [Rule("post", WRITE)],
    "interviews:participant-list": [Rule("get", GLOBAL_READ)],
    "interviews:participant-create": [Rule("get", POOL_WRITE)],
    "interviews:participant-import": [Rule("get", POOL_WRITE)],
    # A viewer may read participants of their own studies; an outsider reaches none.
    "interviews:participant-detail": [Rule("get", PARTICIPANT_READ)],
    "interviews:participant-edit": [
        Rule("get", PARTICIPANT_WRITE),
        Rule("post", PARTICIPANT_WRITE),
    ],
    "interviews:participant-enroll": [Rule("post", PARTICIPANT_WRITE)],
    "interviews:consent-create": [Rule("post", PARTICIPANT_WRITE)],
    "interviews:consent-withdraw": [Rule("post", PARTICIPANT_WRITE)],
    "interviews:participant-erase": [Rule("post", PARTICIPANT_WRITE)],
    "insights:framework-list": [Rule("get", GLOBAL_READ)],
    "insights:search": [Rule("get", GLOBAL_READ)],
    "insights:transcript-detail": [Rule("get", READ)],
    "insights:session-notes": [Rule("get", READ)],
    "insights:codebook": [Rule("get", READ)],
    "insights:code-create": [Rule("get", WRITE), Rule("post", WRITE)],
    "insights:code-edit": [Rule("get", WRITE), Rule("post", WRITE)],
    "insights:code-delete": [Rule("get", WRITE), Rule("post", WRITE)],
    "insights:code-merge": [Rule("post", WRITE)],
    "insights:codebook-copy": [Rule("post", WRITE)],
    # Any member may download the codebook; only leads import into it.
    "insights:codebook-export": [Rule("get", READ)],
    "insights:codebook-import": [Rule("post", LEAD_ONLY)],
    # A .qdpx holds the study's transcripts: leads and researchers only.
    "insights:project-export-qdpx": [Rule("post", WRITE)],
    # Importing creates a new study, led by the importer: any researcher, as for a new study.
    "insights:project-import-qdpx": [Rule("get", POOL_WRITE), Rule("post", POOL_WRITE)],
    "insights:quote-list": [Rule("get", READ)],
    # Any member exports the quotes they may read (viewers: pseudonymised, consented).
    "insights:quote-export": [Rule("post", READ)],
    "insights:project-dashboard": [Rule("get", WRITE)],
    "insights:journey-overview": [Rule("get", GLOBAL_READ)],
    # A framework none of your studies uses is not there for you.
    "insights:journey-stage": [Rule("get", READ)],
    "insights:quote-context": [Rule("get", READ)],
    # Viewers read published maps only; the world's maps are published for them.
    "insights:journey-map": [Rule("get", READ)],
    "insights:journey-map-compare": [Rule("get", READ)],
    "insights:journey-cell-edit": [Rule("post", WRITE)],
    "insights:journey-map-publish": [Rule("post", LEAD_ONLY)],
    "insights:agreement": [Rule("get", READ)],
    "insights:agreement-recompute": [Rule("post", WRITE)],
    "insights:blind-coding": [Rule("post", LEAD_ONLY)],
    "insights:highlight-create": [Rule("post", WRITE)],
    "insights:highlight-update": [Rule("post", WRITE)],
    "insights:highlight-delete": [Rule("post", WRITE)],
    "insights:redaction-create": [Rule("post", WRITE)],
    "insights:redaction-delete": [Rule("post", WRITE)],
    "insights:transcript-redactions": [Rule("get", WRITE), Rule("post", WRITE)],
    "insights:note-redactions": [Rule("get", WRITE), Rule("post", WRITE)],
    # Themes and recommendations are the research team's working analysis: viewers get 403
    # even to read them, and read the published reports instead.
    "insights:theme-list": [Rule("get", WRITE)],
    "insights:theme-aggregate": [Rule("post", WRITE)],
    "insights:theme-detail": [Rule("get", WRITE)],
    "insights:theme-confirm": [Rule("post", WRITE)],
    "insights:theme-reject": [Rule("post", WRITE)],
    "insights:theme-rename": [Rule("post", WRITE)],
    "insights:theme-summary": [Rule("post", WRITE)],
    "insights:theme-quotes": [Rule("post", WRITE)],
    "insights:theme-split": [Rule("post", WRITE)],
    "insights:theme-merge": [Rule("post", WRITE)],
    "insights:recommendation-list": [Rule("get", WRITE)],
    "insights:recommendation-create": [Rule("get", WRITE), Rule("post", WRITE)],
    "insights:recommendation-edit": [Rule("get", WRITE), Rule("post", WRITE)],
    # Viewers read published reports (the world's report is published; a draft is a 404 for
    # them, tested in tests/insights/test_report_pages.py); only leads publish.
    "insights:report-list": [Rule("get", READ)],
    "insights:report-build": [Rule("post", WRITE)],
    "insights:report-detail": [Rule("get", READ)],
    "insights:report-publish": [Rule("post", LEAD_ONLY)],
    # A study's (non-private) jobs: members follow them; researchers may run them again.
    "jobs:job-detail": [Rule("get", READ)],
    "jobs:job-status": [Rule("get", READ)],
    "jobs:job-download": [Rule("get", READ)],
    "jobs:job-retry": [Rule("post", WRITE)],
    "insights:highlight-memo-share": [Rule("post", LEAD_ONLY)],
    # Your own API tokens: anyone logged in; a token of someone else is a 404.
    "profile:tokens": [Rule("get", GLOBAL_READ), Rule("post", GLOBAL_READ)],
    "profile:token-revoke": [
        Rule(
            "post", {"lead": "ok", "researcher": 404, "viewer": 404, "outsider": 404, "other": 404}
        )
    ],
    "api:docs": [Rule("get", GLOBAL_READ)],
}

# The API (api/), walked with each persona's personal token (test_api_access below). The
# same doors as the pages: themes and recommendations are the research team's, as there.
API_ACCESS: dict[str, list[Rule]] = {
    "api:schema": [Rule("get", GLOBAL_READ)],
    "api:project-list": [Rule("get", GLOBAL_READ)],
    "api:project-detail": [Rule("get", READ)],
    "api:session-list": [Rule("get", READ)],
    "api:participant-list": [Rule("get", READ), Rule("post", WRITE)],
    "api:enrollment-list": [Rule("get", READ), Rule("post", WRITE)],
    "api:enrollment-move": [Rule("post", WRITE)],
    "api:code-list": [Rule("get", READ), Rule("post", WRITE)],
    "api:highlight-list": [Rule("get", READ), Rule("post", WRITE)],
    "api:highlight-detail": [Rule("get", READ), Rule("patch", WRITE), Rule("delete", WRITE)],
    "api:theme-list": [Rule("get", WRITE)],
    "api:recommendation-list": [Rule("get", WRITE)],
    "api:report-list": [Rule("get", READ)],
    "api:report-detail": [Rule("get", READ)],
    "api:stage-metric-list": [Rule("get", READ)],
    "api:stage-metric-values": [Rule("get", READ), Rule("post", WRITE)],
}


APP_NAMESPACES = ("interviews", "insights", "jobs", "profile", "api")


def app_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace in APP_NAMESPACES and pattern.name:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_has_an_access_rule() -> None:
    assert app_url_names() == set(ACCESS) | set(API_ACCESS)
    assert not set(ACCESS) & set(API_ACCESS)


@pytest.fixture
def world(project: ResearchProject, lead) -> dict[str, Any]:
    participant = make_participant(name="Ada Lovelace", email="ada@analytical.example")
    enrollment = make_enrollment(project, participant, status=Enrollment.Status.IDENTIFIED)
    consent = make_consent(participant)
    attribute = make_attribute(project, "uses_ci_cd", kind="choice", choices=["yes", "no"])
    session = make_session(project, participants=[participant])
    transcript = make_transcript(session)
    note = FieldNote.objects.create(session=session, kind="observation", text="Uses two SSO tools")
    code, _ = code_get_or_create(project=project, name="SSO", by=lead)
    highlight = highlight_create(
        project=project,
        coder=lead,
        start=0,
        end=8,
        fields=HighlightFields(codes=[code], memo="Ask about the IdP team."),
        transcript=transcript,
    )
    redaction = Redaction.objects.create(transcript=transcript, start=20, end=26, created_by=lead)
    viewer_membership = project.memberships.get(role=Membership.Role.VIEWER)
    job = BackgroundJob.objects.create(
        kind=BackgroundJob.Kind.COMPUTE_AGREEMENT,
        project=project,
        started_by=lead,
        state=BackgroundJob.State.DONE,
    )
    job.result_file.save("agreement.txt", ContentFile(b"figures"))
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save(update_fields=["framework"])
    for state in JourneyMap.State:
        JourneyMap.objects.create(project=project, state=state, published_at=timezone.now())
    theme = Theme.objects.create(project=project, name="SSO pain", status=Theme.Status.CONFIRMED)
    ThemeCode.objects.create(theme=theme, code=code)
    recommendation = Recommendation.objects.create(project=project, statement="Ship a checklist")
    EvidenceSummary.objects.create(project=project, participants=1, computed_at=timezone.now())
    report = report_publish(report=report_build(project=project, by=lead), by=lead)
    metric = StageMetric.objects.filter(stage__framework=project.framework).first()
    token, _raw = token_create(user=lead, name="world")
    return {
        "project": project,
        "participant": participant,
        "enrollment": enrollment,
        "consent": consent,
        "attribute": attribute,
        "session": session,
        "transcript": transcript,
        "note": note,
        "code": code,
        "highlight": highlight,
        "redaction": redaction,
        "membership": viewer_membership,
        "job": job,
        "theme": theme,
        "recommendation": recommendation,
        "report": report,
        "metric": metric,
        "token": token,
    }


def url_for(name: str, world: dict) -> str:
    project: ResearchProject = world["project"]
    kwargs_by_name = {
        "slug": project.slug,
        "enrollment_id": world["enrollment"].pk,
        "membership_id": world["membership"].pk,
        "attribute_id": world["attribute"].pk,
        "session_id": world["session"].pk,
        "pseudonym": world["participant"].pseudonym,
        "consent_id": world["consent"].pk,
        "transcript_id": world["transcript"].pk,
        "note_id": world["note"].pk,
        "code_id": world["code"].pk,
        "highlight_id": world["highlight"].pk,
        "redaction_id": world["redaction"].pk,
        "pk": world["job"].pk,
        "theme_id": world["theme"].pk,
        "recommendation_id": world["recommendation"].pk,
        "number": world["report"].number,
        "state": "current",
        "framework_slug": "cx-journey",
        "stage_slug": "onboarding",
        "metric_id": world["metric"].pk,
        "token_id": world["token"].pk,
    }
    pattern = next(p for p in _flat_patterns() if p[1] == name)[0]
    needed = {k: v for k, v in kwargs_by_name.items() if f"<{k}>" in pattern or f":{k}>" in pattern}
    return reverse(name, kwargs=needed)


def _flat_patterns() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(patterns: list, prefix: str, namespace: str | None = None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif pattern.name:
                found.append((prefix + str(pattern.pattern), f"{namespace}:{pattern.name}"))

    walk(get_resolver().url_patterns, "")
    return found


POST_DATA: dict[str, dict[str, Any]] = {
    "interviews:project-edit": {
        "title": "Renamed",
        "slug": "uptier",
        "status": "in_progress",
        "segment": "large",
        "lens": "customer",
        "target_interviews": 10,
    },
    "interviews:project-members": {"username": "outsider", "role": "viewer"},
    "interviews:attribute-list": {"label": "Seats", "key": "seats", "kind": "number"},
    "interviews:enrollment-move": {"to_status": "contacted"},
    "interviews:consent-create": {"scope": "internal", "given_on": "2026-01-05"},
    "interviews:fieldnote-create": {"kind": "observation", "text": "New note"},
    "interviews:fieldnote-edit": {"kind": "quote", "text": "Edited note"},
    "insights:theme-confirm": {"version": 1},
    "insights:theme-reject": {"version": 1},
    "insights:theme-rename": {"version": 1, "name": "Renamed theme"},
    "insights:theme-summary": {"version": 1, "summary": "A new summary"},
    "insights:theme-quotes": {"version": 1},
    "insights:theme-split": {"version": 1, "name": "Part"},
    "insights:theme-merge": {"version": 1},
    "insights:recommendation-create": {"statement": "Do it", "status": "proposed"},
    "insights:recommendation-edit": {"statement": "Edited", "status": "accepted", "version": 1},
    "interviews:participant-edit": {
        "kind": "customer",
        "persona": "Edited persona",
        "identity-name": "Ada Lovelace",
        "identity-email": "ada@analytical.example",
    },
    "insights:highlight-memo-share": {"shared": "1"},
    "profile:tokens": {"name": "Looker"},
}

POST_JSON: dict[str, dict[str, Any]] = {
    "insights:highlight-create": {"source": "transcript", "codes": ["SSO"]},
    "insights:highlight-update": {"codes": ["Pricing"]},
    "insights:highlight-delete": {},
    "insights:redaction-create": {"source": "transcript", "kind": "name"},
    "insights:redaction-delete": {},
}

CASES = [
    (name, rule.method, persona)
    for name, rules in ACCESS.items()
    for rule in rules
    for persona in PERSONAS
]


@pytest.fixture
def other_client(researcher: User) -> Client:
    """A researcher of another study (with its own participants), not a member of this one."""
    other = make_user("other")
    make_project("Another study", slug="another", members={other: Membership.Role.RESEARCHER})
    client = Client()
    client.force_login(other)
    return client


@pytest.mark.parametrize(("name", "method", "persona"), CASES)
def test_access(
    name: str, method: str, persona: str, world: dict, request: pytest.FixtureRequest
) -> None:
    client: Client = request.getfixturevalue(f"{persona}_client")
    expected = next(r for r in ACCESS[name] if r.method == method).expect[persona]
    url = url_for(name, world)
    counts_before = _counts()

    if method == "get":
        response = client.get(url)
    elif name in POST_JSON:
        body = dict(POST_JSON[name])
        if name in ("insights:highlight-create", "insights:redaction-create"):
            body.update(sourceId=world["transcript"].pk, start16=10, end16=20)
        response = client.post(url, body, content_type="application/json")
    else:
        data = dict(POST_DATA.get(name, {}))
        if name == "interviews:participant-erase":
            data["confirm"] = world["participant"].pseudonym
        if name == "insights:journey-cell-edit":
            stage = world["project"].framework.stages.first()
            data.update(stage=stage.pk, lane="goals", version=0, text="Find the SSO settings")
        if name == "insights:transcript-redactions":
            data["span"] = f"{world['transcript'].pk}:0:3:name"
        if name == "insights:note-redactions":
            data["span"] = f"{world['note'].pk}:0:4:other"
        response = client.post(url, data)

    if expected == "ok":
        assert response.status_code in (200, 201, 302), (name, persona, response.status_code)
        if not response.streaming:
            assert b"[invalid name]" not in response.content, "a form field has no label"
    else:
        assert response.status_code == expected, (name, persona, response.status_code)
        if method == "post":
            assert _counts() == counts_before, "a refused request must change nothing"


def _counts() -> tuple:
    return (
        ResearchProject.objects.count(),
        Membership.objects.count(),
        ProjectAttribute.objects.count(),
        Enrollment.objects.filter(status=Enrollment.Status.IDENTIFIED).count(),
        ConsentRecord.objects.filter(withdrawn_on__isnull=True).count(),
        ParticipantIdentity.objects.count(),
        Session.objects.count(),
        ResearchProject.objects.filter(title="Renamed").count(),
        Transcript.objects.count(),
        FieldNote.objects.count(),
        FieldNote.objects.filter(kind="quote").count(),
        Highlight.objects.count(),
        Code.objects.count(),
        CodedHighlight.objects.count(),
        CodingSettings.objects.filter(codings_revealed=True).count(),
        list(Theme.objects.values_list("name", "summary", "status", "version")),
        list(Recommendation.objects.values_list("statement", "status", "version")),
        Report.objects.count(),
        BackgroundJob.objects.count(),
        JourneyMapCell.objects.count(),
        JourneyMap.objects.filter(published_at__isnull=True).count(),
        Participant.objects.filter(persona="Edited persona").count(),
        Participant.objects.filter(erased_at__isnull=False).count(),
        Highlight.objects.filter(memo_shared=True).count(),
        Redaction.objects.count(),
    )


API_POST_JSON: dict[str, dict[str, Any]] = {
    "api:participant-list": {"persona": "Platform admin", "identity": {"name": "Grace Hopper"}},
    "api:enrollment-list": {"participant": "{new_pseudonym}"},
    "api:enrollment-move": {"to_status": "contacted"},
    "api:code-list": {"name": "Pricing"},
    "api:highlight-list": {"source": "transcript", "start": 10, "end": 20, "codes": ["SSO"]},
    "api:highlight-detail": {"codes": ["Pricing"], "sentiment": 1},
    "api:stage-metric-values": {"kind": "actual", "value": "12.5", "measured_on": "2026-11-30"},
}

API_CASES = [
    (name, rule.method, persona)
    for name, rules in API_ACCESS.items()
    for rule in rules
    for persona in PERSONAS
]


@pytest.mark.parametrize(("name", "method", "persona"), API_CASES)
def test_api_access(
    name: str, method: str, persona: str, world: dict, request: pytest.FixtureRequest
) -> None:
    """The API answers each persona's token as the pages answer their session."""
    from tests.api.conftest import token_client

    user = request.getfixturevalue(persona) if persona != "other" else None
    if user is None:
        request.getfixturevalue("other_client")
        user = User.objects.get(username="other")
    client = token_client(user)
    expected = next(r for r in API_ACCESS[name] if r.method == method).expect[persona]
    url = url_for(name, world)
    counts_before = (_counts(), StageMetricValue.objects.count())
    if method == "get":
        response = client.get(url)
    elif method == "delete":
        response = client.delete(url)
    else:
        body = dict(API_POST_JSON[name])
        if name == "api:highlight-list":
            body["source_id"] = world["transcript"].pk
        if name == "api:enrollment-list":
            body["participant"] = make_participant().pseudonym
            counts_before = (_counts(), StageMetricValue.objects.count())
        response = getattr(client, method)(url, body, format="json")
    if expected == "ok":
        assert response.status_code in (200, 201, 204), (name, persona, response.status_code)
    else:
        assert response.status_code == expected, (name, persona, response.status_code)
        assert response.json()["detail"], "a refusal says why"
        if method != "get":
            after = (_counts(), StageMetricValue.objects.count())
            assert after == counts_before, "a refused request must change nothing"


def test_outsider_gets_404_not_403_for_a_project_that_exists(outsider_client: Client) -> None:
    make_project(slug="secret-study")
    existing = outsider_client.get("/studies/secret-study/")
    missing = outsider_client.get("/studies/no-such-study/")
    assert existing.status_code == missing.status_code == 404


def test_anonymous_users_are_sent_to_login(client: Client, project: ResearchProject) -> None:
    response = client.get(project.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_staff_act_as_leads_everywhere(staff, project: ResearchProject) -> None:
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("interviews:project-edit", args=[project.slug])).status_code == 200
