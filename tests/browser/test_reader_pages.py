"""A link to a turn on a later part of a long transcript opens that part at the turn."""

from __future__ import annotations

import pytest

from insights.views import reader
from interviews.models import Membership
from tests.factories import make_participant, make_project, make_session, make_transcript, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEXT = "\n\n".join(
    f"{'Sam Rivera' if number % 2 else 'Ada Lovelace'}: Turn {number} of the interview."
    for number in range(1, 8)
)


def test_a_link_to_a_turn_on_a_later_part_lands_on_it(
    logged_in_page, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # noqa: ANN001
    monkeypatch.setattr(reader, "TURNS_PER_PAGE", 2)
    researcher = make_user("rita")
    project = make_project("Up-tier", members={researcher: Membership.Role.RESEARCHER})
    session = make_session(project, participants=[make_participant(name="Ada Lovelace")])
    transcript = make_transcript(session, filename="ada.txt", data=TEXT.encode())
    sixth = transcript.utterances.order_by("position")[5]

    page = logged_in_page(researcher)
    page.set_viewport_size({"width": 1280, "height": 720})
    # The shape of links made before the reader had parts: search hits, quotes, reports.
    page.goto(f"{transcript.get_absolute_url()}#u-{sixth.pk}")
    page.wait_for_url(f"**?at={sixth.pk}#u-{sixth.pk}")
    turn = page.locator(f"#u-{sixth.pk}")
    turn.wait_for()
    assert "Turn 6 of the interview." in turn.inner_text()
    assert page.locator(".turn-pages").first.inner_text().startswith("Turns 5–6 of 7")
    page.screenshot(path=str(tmp_path / "reader-part.png"))

    page.goto(f"{transcript.get_absolute_url()}?page=2#u-999999")  # no such turn: no loop
    page.wait_for_url("**?at=999999#u-999999")
    page.wait_for_load_state()
    assert page.locator(".turn-pages").first.inner_text().startswith("Turns 1–2 of 7")
