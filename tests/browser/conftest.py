"""Headless Chromium (Debian's, at CHROMIUM_PATH) driven by Playwright against the live server.

In CI a missing browser fails the run; elsewhere the browser tests are skipped with a reason.

Every browser test is django_db(transaction=True, serialized_rollback=True): the live server's
thread reads only committed rows, and the migrations' rows (content types, the journey
framework) must come back after each flush. One transactional test without the serialized
rollback flushes with post_migrate, which re-creates the content types, and the next test's
restore of the serialized rows then fails on them (UNIQUE constraint).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

# Playwright's sync API keeps an event loop running in the test thread for the whole session;
# the ORM calls the tests and fixtures make between browser steps are synchronous and safe.
# (tests/test_settings.py strips this variable from the processes it starts.)
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM}: browser tests must run in CI.")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def logged_in_page(browser, live_server, client):  # noqa: ANN001, ANN201
    """A page whose browser carries the session cookie of whoever `client` logged in."""

    def open_as(user):  # noqa: ANN001, ANN202
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        context = browser.new_context(base_url=live_server.url)
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    return open_as
