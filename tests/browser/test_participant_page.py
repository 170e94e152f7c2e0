"""The participant page holds at laptop sizes, a long e-mail address (no hyphen to break at)
included."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from interviews.models import ResearchProject
from tests.factories import make_enrollment, make_participant

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONG_EMAIL = "amara.okonkwofitzgerald@meridianhealthsystemsinternational.example"


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1366, 768)])
def test_the_personal_data_card_holds_a_long_email(
    logged_in_page, project: ResearchProject, lead: User, width: int, height: int
) -> None:
    participant = make_participant(name="Amara Okonkwo", email=LONG_EMAIL)
    make_enrollment(project, participant)
    page = logged_in_page(lead)
    page.set_viewport_size({"width": width, "height": height})

    page.goto(f"/participants/{participant.pseudonym}/")

    assert page.get_by_text(LONG_EMAIL).count() == 1
    sticking_out = page.evaluate(
        """() => [...document.querySelectorAll('.card dl.facts dd')]
            .filter(dd => dd.getBoundingClientRect().right
                > dd.closest('.card').getBoundingClientRect().right + 1)
            .map(dd => dd.textContent.trim())"""
    )
    assert sticking_out == []
