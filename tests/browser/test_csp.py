"""A real browser enforces the Content-Security-Policy and reports nothing on any main page.

Violations are caught twice: the securitypolicyviolation events the page fires (listened to by
a script Playwright adds before the page's own, which the policy does not govern) and the
console errors Chromium prints. The coding panel must still work under the policy, and marks
must still get their codes' colours (set through the CSSOM, not a style attribute).
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import Code, Highlight, JourneyFramework
from interviews.models import FieldNote, Membership
from tests.browser.test_coding import TRANSCRIPT, select_text
from tests.factories import (
    make_consent,
    make_enrollment,
    make_participant,
    make_project,
    make_session,
    make_transcript,
    make_user,
)

pytestmark = [
    pytest.mark.timeout(300),  # a browser or a worker starts, and pages load
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""


@pytest.fixture(autouse=True)
def shipped_frameworks() -> None:
    ship = importlib.import_module("insights.migrations.0002_ship_journey_frameworks")
    ship.ship_frameworks(django_apps, None)


@pytest.fixture
def study():  # noqa: ANN201
    lead = make_user("lena", is_staff=True)
    project = make_project(
        "Premium to Ultimate up-tier",
        members={lead: Membership.Role.LEAD},
        framework=JourneyFramework.objects.get(slug="cx-journey"),
    )
    ada = make_participant(name="Ada Lovelace")
    make_enrollment(project, ada)
    make_consent(ada)
    session = make_session(project, participants=[ada], interviewers=[lead])
    transcript = make_transcript(session, filename="ada.txt", data=TRANSCRIPT.encode())
    FieldNote.objects.create(session=session, kind="observation", text="Two SSO tools open")
    code, _ = code_get_or_create(project=project, name="Procurement", by=lead)
    Code.objects.filter(pk=code.pk).update(colour="#5fa8d3")
    start = transcript.text.index("three weeks")
    highlight_create(
        project=project,
        coder=lead,
        start=start,
        end=start + len("three weeks"),
        transcript=transcript,
        fields=HighlightFields(codes=[Code.objects.get(pk=code.pk)]),
    )
    return lead, project, session, transcript, ada


def watched(page):  # noqa: ANN001, ANN201
    """The page, recording CSP violations from events and from the console."""
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return console


def violations(page, console: list[str]) -> list[str]:  # noqa: ANN001
    return [*page.evaluate("window.__violations"), *console]


def test_main_pages_report_no_violation(logged_in_page, study) -> None:  # noqa: ANN001
    lead, project, session, transcript, ada = study
    page = logged_in_page(lead)
    console = watched(page)
    slug = project.slug
    paths = [
        reverse("interviews:project-list"),
        reverse("interviews:project-detail", args=[slug]),
        reverse("interviews:participant-list"),
        reverse("interviews:participant-detail", args=[ada.pseudonym]),
        reverse("interviews:session-detail", args=[slug, session.pk]),
        transcript.get_absolute_url(),
        reverse("insights:session-notes", args=[slug, session.pk]),
        reverse("insights:quote-list", args=[slug]),
        reverse("insights:codebook", args=[slug]),
        reverse("insights:agreement", args=[slug]),
        reverse("insights:framework-list"),
        reverse("insights:search") + "?q=three+weeks",
        reverse("admin:index"),
    ]
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        assert violations(page, console) == [], path


def test_the_log_in_page_reports_no_violation(browser, live_server) -> None:  # noqa: ANN001
    page = browser.new_context(base_url=live_server.url).new_page()
    console = watched(page)
    page.goto(reverse("login"))
    assert violations(page, console) == []


def test_coding_works_under_the_policy_and_marks_keep_their_colours(logged_in_page, study):  # noqa: ANN001
    lead, project, session, transcript, ada = study
    page = logged_in_page(lead)
    console = watched(page)
    page.goto(transcript.get_absolute_url())

    colour = page.evaluate(
        "getComputedStyle(document.querySelector('mark.hl')).getPropertyValue('--mark')"
    )
    assert colour.strip() == "#5fa8d3"

    select_text(page, "SAML setup")
    page.locator("#coding-panel").wait_for(state="visible")
    codes = page.locator("#coding-code-input")
    codes.fill("Procurement")
    codes.press("Enter")
    page.click("[data-role=save]")
    page.wait_for_function("() => document.querySelectorAll('mark.hl').length === 2")

    assert Highlight.objects.count() == 2
    colours = page.evaluate(
        "[...document.querySelectorAll('mark.hl')]"
        ".map((mark) => getComputedStyle(mark).getPropertyValue('--mark').trim())"
    )
    assert colours == ["#5fa8d3", "#5fa8d3"]
    assert violations(page, console) == []
