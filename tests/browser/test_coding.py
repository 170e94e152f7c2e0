"""A researcher codes a quote in the transcript reader, then finds it again."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from insights.models import Code, Highlight, JourneyFramework
from interviews.models import Membership
from tests.factories import make_participant, make_project, make_session, make_transcript, make_user

pytestmark = [
    pytest.mark.timeout(300),  # a browser or a worker starts, and pages load
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def shipped_frameworks() -> None:
    """Transactional tests empty every table, the data migration's frameworks included."""
    ship = importlib.import_module("insights.migrations.0002_ship_journey_frameworks")
    ship.ship_frameworks(django_apps, None)


TRANSCRIPT = """Sam Rivera [00:00:01]: How did the rollout go?

Ada Lovelace [00:00:05]: Honestly 👍 the SAML setup took three weeks because our IdP team was busy.

Sam Rivera [00:00:20]: What happened next?
"""
QUOTE = "SAML setup took three weeks"


def select_text(page, needle: str) -> None:  # noqa: ANN001
    """Drag the mouse across `needle` as a person would."""
    box = page.evaluate(
        """(needle) => {
            for (const element of document.querySelectorAll('.utterance-text')) {
                const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    const at = node.data.indexOf(needle);
                    if (at < 0) continue;
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + needle.length);
                    const rects = range.getClientRects();
                    const first = rects[0], last = rects[rects.length - 1];
                    return {x1: first.left + 1, y1: first.top + first.height / 2,
                            x2: last.right - 1, y2: last.top + last.height / 2};
                }
            }
            return null;
        }""",
        needle,
    )
    assert box, f"{needle!r} is not on the page"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def test_code_a_quote_with_a_stage_and_two_codes(logged_in_page) -> None:  # noqa: ANN001
    researcher = make_user("rita")
    project = make_project(
        "Premium to Ultimate up-tier",
        members={researcher: Membership.Role.RESEARCHER},
        framework=JourneyFramework.objects.get(slug="cx-journey"),
    )
    ada = make_participant(name="Ada Lovelace")
    session = make_session(project, participants=[ada], interviewers=[researcher])
    transcript = make_transcript(session, filename="ada.txt", data=TRANSCRIPT.encode())

    page = logged_in_page(researcher)
    page.goto(transcript.get_absolute_url())
    select_text(page, QUOTE)

    panel = page.locator("#coding-panel")
    panel.wait_for(state="visible")
    page.select_option("#coding-stage", label="4. Onboarding")
    codes = page.locator("#coding-code-input")
    codes.fill("SSO")
    codes.press("Enter")
    codes.fill("Procurement delay")
    codes.press("Enter")
    page.check("input[name=sentiment][value='-1']")
    page.click("[data-role=save]")
    page.locator("mark.hl").first.wait_for()
    assert panel.is_hidden()

    highlight = Highlight.objects.get()
    assert highlight.text == QUOTE  # the emoji before it did not shift the offsets
    assert highlight.stage.name == "Onboarding"
    assert sorted(highlight.codes.names()) == ["Procurement delay", "SSO"]
    assert Code.objects.filter(project=project).count() == 2

    page.reload()
    marks = page.locator("mark.hl")
    assert marks.count() == 1
    assert marks.first.inner_text() == QUOTE

    page.goto(f"/studies/{project.slug}/quotes/")
    body = page.locator("main").inner_text()
    assert QUOTE in body
    assert "SSO" in body and "Onboarding" in body
    assert ada.pseudonym in body


def test_edit_and_delete_a_highlight_by_clicking_its_mark(logged_in_page) -> None:  # noqa: ANN001
    researcher = make_user("rita")
    project = make_project(
        members={researcher: Membership.Role.RESEARCHER},
        framework=JourneyFramework.objects.get(slug="cx-journey"),
    )
    session = make_session(project, participants=[make_participant(name="Ada Lovelace")])
    transcript = make_transcript(session, filename="ada.txt", data=TRANSCRIPT.encode())
    page = logged_in_page(researcher)
    page.goto(transcript.get_absolute_url())

    select_text(page, "three weeks")
    page.keyboard.press("5")  # the fifth stage: Adoption
    page.click("[data-role=save]")
    page.locator("mark.hl").first.wait_for()
    assert Highlight.objects.get().stage.name == "Adoption"

    page.locator("mark.hl").first.click()
    page.locator("[data-role=delete]").wait_for(state="visible")
    page.fill("#coding-memo", "Blocked on the IdP team")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("() => document.querySelector('#coding-panel').hidden")
    assert Highlight.objects.get().memo == "Blocked on the IdP team"

    page.locator("mark.hl").first.click()
    page.click("[data-role=delete]")
    page.wait_for_function("() => document.querySelectorAll('mark.hl').length === 0")
    assert not Highlight.objects.exists()
