"""Log-in throttling: wrong passwords lock the account and the address, for a while.

The counters live in the real default cache (the database's in the suite, Redis in CI).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from cxresearch.checks import check_throttling_cache
from cxresearch.login import client_address
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed log-in attempts"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ada() -> User:
    return make_user("ada")  # password "pw"


@pytest.fixture
def password_checks() -> Iterator[list[str]]:
    """The usernames whose password Django checked and found wrong."""
    checked: list[str] = []

    def count(sender: object, credentials: dict, **kwargs: Any) -> None:
        checked.append(credentials.get("username", ""))

    user_login_failed.connect(count)
    yield checked
    user_login_failed.disconnect(count)


def log_in(client: Client, username: str, password: str, **extra: Any) -> str:
    response = client.post(reverse("login"), {"username": username, "password": password}, **extra)
    return response.content.decode() if response.status_code == 200 else "logged in"


def test_five_wrong_passwords_lock_the_account_before_any_more_are_checked(
    client: Client, ada: User, password_checks: list[str]
) -> None:
    for _ in range(5):
        assert "Please enter a correct username and password" in log_in(client, "ada", "wrong")
    assert "Log-in is paused: try again in 15 minute(s)" in log_in(client, "ada", "wrong")
    assert LOCKED in log_in(client, "Ada", "pw")  # even the right password, any case
    assert password_checks == ["ada"] * 5
    assert "_auth_user_id" not in client.session


def test_a_locked_account_does_not_lock_another(client: Client, ada: User) -> None:
    make_user("bob")
    for _ in range(5):
        log_in(client, "ada", "wrong")
    assert log_in(client, "bob", "pw") == "logged in"


@override_settings(LOGIN_THROTTLE_ADDRESS_FAILURES=3)
def test_an_address_guessing_across_accounts_is_locked(
    client: Client, ada: User, password_checks: list[str]
) -> None:
    for username in ("root", "admin", "test"):
        log_in(client, username, "guess")
    assert LOCKED in log_in(client, "ada", "pw")
    other_address = log_in(client, "ada", "pw", REMOTE_ADDR="192.0.2.7")
    assert other_address == "logged in"
    assert password_checks == ["root", "admin", "test"]


def test_a_successful_log_in_resets_the_account_counter(client: Client, ada: User) -> None:
    for _ in range(4):
        log_in(client, "ada", "wrong")
    assert log_in(client, "ada", "pw") == "logged in"
    client.logout()
    for _ in range(4):
        log_in(client, "ada", "wrong")
    assert log_in(client, "ada", "pw") == "logged in"


@override_settings(LOGIN_THROTTLE_ADDRESS_FAILURES=6)
def test_a_success_does_not_reset_the_address_counter(client: Client, ada: User) -> None:
    make_user("mallory")
    for _ in range(3):
        log_in(client, "ada", "wrong")
    assert log_in(client, "mallory", "pw") == "logged in"  # their own account, same address
    client.logout()
    for _ in range(3):
        log_in(client, "ada", "wrong")
    assert LOCKED in log_in(client, "ada", "pw")


@override_settings(LOGIN_THROTTLE_MINUTES=0.025)  # 1.5 seconds
def test_the_lock_lifts_by_itself(client: Client, ada: User) -> None:
    for _ in range(5):
        log_in(client, "ada", "wrong")
    assert LOCKED in log_in(client, "ada", "pw")
    time.sleep(2.1)
    assert log_in(client, "ada", "pw") == "logged in"


def test_the_admin_log_in_is_throttled_too(client: Client) -> None:
    make_user("root", is_staff=True)
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "root", "password": "wrong"})
    response = client.post(url, {"username": "root", "password": "pw"})
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("meta", "header", "expected"),
    [
        ({"REMOTE_ADDR": "203.0.113.9"}, "", "203.0.113.9"),
        ({"REMOTE_ADDR": "2001:db8:1:2:3:4:5:6"}, "", "2001:db8:1:2::/64"),
        (
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.9"},
            "HTTP_X_FORWARDED_FOR",
            "203.0.113.9",  # the address the proxy saw, not what the client claimed
        ),
        ({"REMOTE_ADDR": "10.0.0.2"}, "HTTP_X_FORWARDED_FOR", "10.0.0.2"),
    ],
)
def test_the_client_address(meta: dict[str, Any], header: str, expected: str) -> None:
    request = RequestFactory().get("/", **meta)
    with override_settings(CLIENT_ADDRESS_HEADER=header):
        assert client_address(request) == expected


def test_a_per_process_cache_fails_the_deploy_check() -> None:
    assert check_throttling_cache(None) == []
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=locmem):
        (warning,) = check_throttling_cache(None)
    assert warning.id == "cxresearch.W001"
