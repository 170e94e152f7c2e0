"""The API docs (Swagger UI served from our origin) render under the Content-Security-Policy."""

from __future__ import annotations

import pytest

from tests.browser.test_csp import LISTEN
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
