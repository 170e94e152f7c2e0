"""The API docs (Swagger UI served from our origin) render under the Content-Security-Policy."""

from __future__ import annotations

import pytest

from tests.browser.test_csp import LISTEN
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_api_docs_render_every_operation_with_no_policy_violation(logged_in_page) -> None:  # noqa: ANN001
    page = logged_in_page(make_user("lena"))
    page.add_init_script(LISTEN)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto("/api/v1/docs/")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/highlights/" in path for path in paths)
    assert page.evaluate("window.__violations") == []
    assert [e for e in errors if "Content Security Policy" in e] == []


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1366, 768)])
def test_a_token_is_made_shown_once_and_revoked_on_the_profile_page(
    logged_in_page, tmp_path, width: int, height: int
) -> None:  # noqa: ANN001
    page = logged_in_page(make_user("lena"))
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/profile/tokens/")
    page.get_by_label("Name").fill("Looker dashboard")
    page.get_by_role("button", name="Make token").click()
    token = page.locator(".token-value").inner_text()
    assert token.startswith("cxr_")
    # The token fits the page: no sideways scrolling at this size.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=tmp_path / f"tokens-{width}.png", full_page=True)
    page.goto("/profile/tokens/")
    assert token not in page.content()
    page.get_by_role("button", name="Revoke").click()
    assert "No tokens yet" in page.content()
