"""The Content-Security-Policy and the markup it allows: no inline script, style or handler.

The policy (settings.SECURE_CSP) allows scripts and styles from our own origin only. Every
page of the app is rendered here for a lead (who sees the most: forms, the coding panel) and
its markup checked; tests/browser/test_csp.py checks that a real browser reports nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests import test_permissions
from tests.test_permissions import ACCESS, url_for

world = test_permissions.world  # the fixture: one of everything, for every page

TAG = re.compile(r"<(?!!--)[^>]+>")
INLINE_ATTRIBUTE = re.compile(r"\s(style|on[a-z]+)\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
ROOT = Path(__file__).resolve().parent.parent

PAGES = sorted(name for name, rules in ACCESS.items() if any(r.method == "get" for r in rules))


def inline_code(html: str) -> list[str]:
    """Every piece of markup the policy would block."""
    found = [tag for tag in TAG.findall(html) if INLINE_ATTRIBUTE.search(tag)]
    found += re.findall(r"<style\b[^>]*>", html, re.IGNORECASE)
    for attributes in SCRIPT_TAG.findall(html):
        # json_script's data blocks are never executed, so script-src does not apply to them.
        if "src=" not in attributes and 'type="application/json"' not in attributes:
            found.append(f"<script{attributes}>")
    return found


@pytest.mark.parametrize("name", PAGES)
def test_no_page_has_inline_script_or_style(name: str, lead_client: Client, world: dict) -> None:
    response = lead_client.get(url_for(name, world))
    assert response.status_code == 200, name
    if response.streaming or not response["Content-Type"].startswith("text/html"):
        return  # a file download, not a page
    assert inline_code(response.content.decode()) == [], name


def test_every_response_carries_the_policy(client: Client) -> None:
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_the_log_in_and_admin_pages_have_no_inline_code(client: Client, staff) -> None:
    assert inline_code(client.get(reverse("login")).content.decode()) == []
    client.force_login(staff)
    assert inline_code(client.get(reverse("admin:index")).content.decode()) == []


@pytest.mark.parametrize(
    "path", sorted([*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/**/*.js")])
)
def test_no_template_or_script_writes_inline_code(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        assert inline_code(text) == [], path
    else:
        # A script may set a property through the CSSOM, never a style or handler attribute.
        assert not re.search(r"setAttribute\(\s*[\"'](style|on\w+)", text), path
        assert ".cssText" not in text and "insertAdjacentHTML" not in text, path
