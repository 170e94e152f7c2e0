"""A researcher redacts a spoken name in the reader, codes past an erased one, and undoes one."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from insights.models import Highlight, JourneyFramework
from interviews.models import Membership, Redaction
from tests.browser.test_coding import QUOTE, TRANSCRIPT, select_text
from tests.factories import make_participant, make_project, make_session, make_transcript, make_user

pytestmark = [
    pytest.mark.timeout(300),  # a browser or a worker starts, and pages load
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def shipped_frameworks() -> None:
    ship = importlib.import_module("insights.migrations.0002_ship_journey_frameworks")
    ship.ship_frameworks(django_apps, None)


@pytest.fixture
def reader(logged_in_page):  # noqa: ANN001, ANN201
    researcher = make_user("rita")
    project = make_project(
        members={researcher: Membership.Role.RESEARCHER},
        framework=JourneyFramework.objects.get(slug="cx-journey"),
    )
    session = make_session(project, participants=[make_participant(name="Ada Lovelace")])
    transcript = make_transcript(session, filename="ada.txt", data=TRANSCRIPT.encode())
    page = logged_in_page(researcher)
    return page, transcript


def test_redact_a_selection_and_undo_it(reader) -> None:  # noqa: ANN001
    page, transcript = reader
    page.goto(transcript.get_absolute_url())
    select_text(page, "IdP")
    page.locator("#coding-panel").wait_for(state="visible")
    page.select_option("#coding-redact-kind", value="company")
    page.click("[data-role=redact-button]")
    span = page.locator("span.redaction")
    span.wait_for()
    assert span.inner_text() == "IdP"  # the research team still reads it
    redaction = Redaction.objects.get()
    assert (transcript.text[redaction.start : redaction.end], redaction.kind) == ("IdP", "company")

    page.on("dialog", lambda dialog: dialog.accept())
    span.click()
    span.wait_for(state="detached")
    assert not Redaction.objects.exists()


def test_selection_offsets_count_an_erased_span_by_its_length(reader) -> None:  # noqa: ANN001
    page, transcript = reader
    # Erasure's placeholder "[name]" stands for 11 UTF-16 units ("Honestly 👍") before the quote.
    start = transcript.text.index("Honestly")
    Redaction.objects.create(
        transcript=transcript, start=start, end=start + len("Honestly 👍"), permanent=True
    )
    page.goto(transcript.get_absolute_url())
    assert page.locator("span.redacted").inner_text() == "[name]"
    select_text(page, QUOTE)
    page.locator("#coding-panel").wait_for(state="visible")
    page.click("[data-role=save]")
    page.locator("mark.hl").first.wait_for()
    assert Highlight.objects.get().text == QUOTE
