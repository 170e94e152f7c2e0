"""The coding panel at laptop sizes: it never covers the selection or its own buttons, it
confirms a save, and selections snap to whole words and say when they span two speakers."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import Highlight, JourneyFramework
from interviews.models import Membership
from tests.factories import make_participant, make_project, make_session, make_transcript, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SIZES = [(1280, 720), (1366, 768)]

FILLER = (
    "We looked at the dashboard every morning and wrote down what the numbers meant for the "
    "week ahead, then compared notes with the platform team before the stand-up."
)
TURNS = [
    ("Sam Rivera", "How did the rollout go?"),
    ("Ada Lovelace", "Honestly the SAML setup took three weeks because our IdP team was busy."),
    ("Sam Rivera", "What happened next?"),
    *[("Ada Lovelace" if n % 2 else "Sam Rivera", f"{FILLER} ({n})") for n in range(1, 13)],
    ("Ada Lovelace", "In the end the billing export was the thing everyone waited for."),
    ("Sam Rivera", "Thanks, that is all."),
]


def transcript_text() -> str:
    return "".join(
        f"{speaker} [00:{n // 60:02d}:{n % 60:02d}]: {text}\n\n"
        for n, (speaker, text) in enumerate(TURNS)
    )


@pytest.fixture(autouse=True)
def shipped_frameworks() -> None:
    """Transactional tests empty every table, the data migration's frameworks included."""
    ship = importlib.import_module("insights.migrations.0002_ship_journey_frameworks")
    ship.ship_frameworks(django_apps, None)


@pytest.fixture
def coding_page(logged_in_page):  # noqa: ANN001, ANN201
    def open_at(width: int, height: int):  # noqa: ANN202
        researcher = make_user("rita")
        project = make_project(
            members={researcher: Membership.Role.RESEARCHER},
            framework=JourneyFramework.objects.get(slug="cx-journey"),
        )
        ada = make_participant(name="Ada Lovelace")
        session = make_session(project, participants=[ada], interviewers=[researcher])
        transcript = make_transcript(session, filename="ada.txt", data=transcript_text().encode())
        page = logged_in_page(researcher)
        page.set_viewport_size({"width": width, "height": height})
        page.goto(transcript.get_absolute_url())
        return page, transcript

    return open_at


def drag(page, first: str, last: str | None = None) -> None:  # noqa: ANN001
    """Drag the mouse from the start of `first` to the end of `last` (or of `first`)."""
    box = page.evaluate(
        """([first, last]) => {
            function find(needle) {
                for (const element of document.querySelectorAll('.utterance-text')) {
                    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
                    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                        const at = node.data.indexOf(needle);
                        if (at < 0) continue;
                        const range = document.createRange();
                        range.setStart(node, at);
                        range.setEnd(node, at + needle.length);
                        element.scrollIntoView({block: 'center'});
                        return range;
                    }
                }
                return null;
            }
            const a = find(first), b = find(last);
            if (!a || !b) return null;
            a.startContainer.parentElement.scrollIntoView({block: 'center'});
            const start = a.getClientRects()[0];
            const endRects = b.getClientRects();
            const end = endRects[endRects.length - 1];
            return {x1: start.left + 1, y1: start.top + start.height / 2,
                    x2: end.right - 1, y2: end.top + end.height / 2};
        }""",
        [first, last or first],
    )
    assert box, f"{first!r} or {last!r} is not on the page"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def geometry(page) -> dict:  # noqa: ANN001
    return page.evaluate(
        """() => {
            const selection = window.getSelection().getRangeAt(0).getBoundingClientRect();
            const panel = document.querySelector('#coding-panel').getBoundingClientRect();
            const save = document.querySelector('[data-role=save]').getBoundingClientRect();
            const box = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
            return {selection: box(selection), panel: box(panel), save: box(save),
                    width: window.innerWidth, height: window.innerHeight};
        }"""
    )


def intersects(a: dict, b: dict) -> bool:
    across = a["left"] < b["right"] and b["left"] < a["right"]
    down = a["top"] < b["bottom"] and b["top"] < a["bottom"]
    return across and down


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("needle", ["SAML setup took three weeks", "the billing export"])
def test_panel_leaves_the_selection_and_its_buttons_in_view(
    coding_page, width: int, height: int, needle: str
) -> None:  # noqa: ANN001
    page, _transcript = coding_page(width, height)
    drag(page, needle)
    page.locator("#coding-panel").wait_for(state="visible")

    seen = geometry(page)
    assert not intersects(seen["selection"], seen["panel"]), seen
    assert seen["panel"]["top"] >= 0, seen  # its title and the quote it codes show too
    save = seen["save"]
    assert save["top"] >= 0 and save["bottom"] <= seen["height"], seen
    assert save["left"] >= 0 and save["right"] <= seen["width"], seen


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_saving_confirms_counts_and_labels_the_mark(coding_page, width: int, height: int) -> None:  # noqa: ANN001
    page, _transcript = coding_page(width, height)
    assert page.locator("#coding-count").inner_text() == "0 highlights"
    drag(page, "SAML setup took three weeks")
    codes = page.locator("#coding-code-input")
    codes.fill("SSO")
    codes.press("Enter")
    codes.fill("Procurement delay")
    codes.press("Enter")
    page.click("[data-role=save]")

    status = page.locator("#coding-status")
    status.wait_for(state="visible")
    assert "Saved “SAML setup took three weeks”: SSO, Procurement delay." in status.inner_text()
    assert page.locator("#coding-count").inner_text() == "1 highlight"
    assert page.locator("#coding-coverage").inner_text() == str(round(100 / len(TURNS)))
    label = page.evaluate(
        "() => getComputedStyle(document.querySelector('mark.hl'), '::after').content"
    )
    assert label == '"SSO, Procurement delay"'
    assert page.locator("mark.hl").first.inner_text() == "SAML setup took three weeks"

    page.locator("mark.hl").first.click()
    page.click("[data-role=delete]")
    page.wait_for_function("() => document.querySelectorAll('mark.hl').length === 0")
    assert page.locator("#coding-count").inner_text() == "0 highlights"
    assert status.inner_text() == "Highlight deleted."


def test_a_selection_starting_mid_word_snaps_to_whole_words(coding_page) -> None:  # noqa: ANN001
    page, _transcript = coding_page(1280, 720)
    drag(page, "AML setup took thr")
    page.locator("#coding-panel").wait_for(state="visible")
    assert page.evaluate("() => window.getSelection().toString()") == "SAML setup took three"
    assert page.locator("[data-role=speakers]").is_hidden()
    page.click("[data-role=save]")
    page.locator("mark.hl").first.wait_for()
    assert Highlight.objects.get().text == "SAML setup took three"


def test_a_selection_across_turns_says_it_spans_two_speakers(coding_page) -> None:  # noqa: ANN001
    page, transcript = coding_page(1280, 720)
    drag(page, "team was bu", "What happ")
    note = page.locator("[data-role=speakers]")
    note.wait_for(state="visible")
    pseudonym = transcript.session.participants.get().pseudonym
    assert note.inner_text() == (
        f"This selection spans 2 speakers ({pseudonym}, Sam Rivera): "
        f"the quote is attributed to {pseudonym}."
    )
    page.click("[data-role=save]")
    page.locator("#coding-status").wait_for(state="visible")
    highlight = Highlight.objects.select_related("utterance").get()
    assert highlight.text.startswith("team was busy.")
    assert highlight.text.endswith("What happened")
    assert "three weeks" in highlight.utterance.text  # attributed to the first speaker


def test_marks_label_their_codes_and_count_repeats(coding_page) -> None:  # noqa: ANN001
    page, transcript = coding_page(1280, 720)
    project = transcript.session.project
    lead = make_user("lena")
    Membership.objects.create(project=project, user=lead, role=Membership.Role.LEAD)
    researcher = project.memberships.get(role=Membership.Role.RESEARCHER).user
    sso, _ = code_get_or_create(project=project, name="SSO", by=lead)
    start = transcript.text.index("three weeks")
    for coder in (lead, researcher):
        highlight_create(
            project=project,
            coder=coder,
            start=start,
            end=start + len("three weeks"),
            fields=HighlightFields(codes=[sso]),
            transcript=transcript,
        )
    page.reload()
    label = page.evaluate(
        "() => getComputedStyle(document.querySelector('mark.hl'), '::after').content"
    )
    assert label == '"SSO ×2"'


def test_a_quote_saved_inside_another_coders_keeps_both_marks_nested(coding_page) -> None:  # noqa: ANN001
    """The answer's re-rendered turn (its marks read alone, insights.marks.source_fragments)
    nests the new mark in the other coder's, and the page's highlights stay editable."""
    page, transcript = coding_page(1280, 720)
    project = transcript.session.project
    lead = make_user("lena")
    Membership.objects.create(project=project, user=lead, role=Membership.Role.LEAD)
    sso, _ = code_get_or_create(project=project, name="SSO", by=lead)
    start = transcript.text.index("the SAML setup took three weeks")
    outer = highlight_create(
        project=project,
        coder=lead,
        start=start,
        end=start + len("the SAML setup took three weeks"),
        fields=HighlightFields(codes=[sso]),
        transcript=transcript,
    )
    page.reload()
    assert page.locator("#coding-count").inner_text() == "1 highlight"

    drag(page, "three weeks")
    codes = page.locator("#coding-code-input")
    codes.fill("Delay")
    codes.press("Enter")
    page.click("[data-role=save]")
    page.locator("#coding-status").wait_for(state="visible")

    inner = Highlight.objects.exclude(pk=outer.pk).get()
    assert page.locator("#coding-count").inner_text() == "2 highlights"
    marks = page.evaluate(
        """() => [...document.querySelectorAll('mark.hl')].map((mark) => ({
            text: mark.textContent, ids: mark.dataset.h, depth: mark.className,
            label: getComputedStyle(mark, '::after').content,
            colour: mark.style.getPropertyValue('--mark')}))"""
    )
    assert [(m["text"], m["ids"], m["depth"], m["label"]) for m in marks] == [
        ("the SAML setup took ", str(outer.pk), "hl depth-1", "none"),
        ("three weeks", f"{outer.pk} {inner.pk}", "hl depth-2", '"SSO | Delay"'),
    ]
    assert marks[0]["colour"] == sso.colour
    assert marks[1]["colour"] == project.codes.get(name="Delay").colour

    page.locator("mark.depth-2").click()
    chooser = page.locator("[data-role=which]")
    chooser.wait_for(state="visible")
    assert chooser.locator("option").all_inner_texts() == ["Delay", "SSO"]
