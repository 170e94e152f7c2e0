"""Log-in throttling: too many wrong passwords lock the account, and the address, for a while.

    LOGIN_THROTTLE_ACCOUNT_FAILURES = 5     wrong passwords for one username ...
    LOGIN_THROTTLE_ADDRESS_FAILURES = 30    ... or from one address (an office shares one) ...
    LOGIN_THROTTLE_MINUTES = 15             ... lock it this long after the first of them

Each check of a password costs a third of a second of CPU, and nothing stopped a script from
trying thousands. Counters live in Django's default cache, which settings.py points at Redis
(REDIS_URL) or else at the database: both are shared by every gunicorn process and machine,
where a per-process memory cache would give each process its own count (a deploy check,
cxresearch.W001, says so). A counter starts at the first failure and expires with the lock,
so the lock lifts by itself (the page says when); a successful log-in clears the account's
counter but not the address's, or one valid account would let its owner reset the address
between guesses.

A small cache limiter rather than django-axes: axes brings three tables, a middleware and an
authentication backend, and resets every counter of the pair on success; this is the two
counters the log-in needs, on a cache the project has anyway.

A locked request is refused before the password is checked, with a message that says why.
The log-in page and the admin's both use ThrottledAuthenticationForm.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest

LOCKED = (
    "Too many failed log-in attempts. Log-in is paused: try again in {minutes} minute(s), "
    "or ask an administrator to reset your password."
)


def _key(kind: str, value: str) -> str:
    # Hashed: usernames and addresses are personal data, and cache keys are listed in plain.
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def account_key(username: str) -> str:
    return _key("account", username.strip().casefold())


def client_address(request: HttpRequest) -> str:
    """The client's address, from REMOTE_ADDR or the proxy's header (CLIENT_ADDRESS_HEADER).

    Behind a proxy REMOTE_ADDR is the proxy, and every user would share one counter: set
    CLIENT_ADDRESS_HEADER (e.g. HTTP_X_FORWARDED_FOR), whose last address is the one the
    proxy saw. IPv6 addresses count per /64, the block one client usually holds.
    """
    raw: str = request.META.get("REMOTE_ADDR", "")
    if header := settings.CLIENT_ADDRESS_HEADER:
        forwarded = request.META.get(header, "")
        raw = forwarded.split(",")[-1].strip() or raw
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def address_key(request: HttpRequest) -> str:
    return _key("address", client_address(request))


def _counts(keys: list[str]) -> dict[str, tuple[int, float]]:
    """(failures, when the window ends) per key; expired or missing keys are left out."""
    now = time.time()
    return {key: entry for key, entry in cache.get_many(keys).items() if entry[1] > now}


def locked_for(*, username: str, request: HttpRequest | None) -> float:
    """Seconds until log-in is allowed again for this username and address; 0 if it is."""
    limits = {account_key(username): settings.LOGIN_THROTTLE_ACCOUNT_FAILURES}
    if request is not None:
        limits[address_key(request)] = settings.LOGIN_THROTTLE_ADDRESS_FAILURES
    now = time.time()
    waits = [
        until - now
        for key, (failures, until) in _counts(list(limits)).items()
        if failures >= limits[key]
    ]
    return max(waits, default=0.0)


def record_failure(*, username: str, request: HttpRequest | None) -> None:
    """Count a failure; the first one of a window starts it (LOGIN_THROTTLE_MINUTES long).

    get and set rather than incr: the database cache's incr() would reset the expiry. Two
    failures at the same moment may count as one, which a limit can afford.
    """
    keys = [account_key(username)]
    if request is not None:
        keys.append(address_key(request))
    now = time.time()
    current = _counts(keys)
    for key in keys:
        failures, until = current.get(key, (0, now + settings.LOGIN_THROTTLE_MINUTES * 60))
        cache.set(key, (failures + 1, until), timeout=max(until - now, 1))


def record_success(*, username: str) -> None:
    cache.delete(account_key(username))


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing locked accounts and addresses before checking a password."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if username and (wait := locked_for(username=username, request=self.request)):
            raise forms.ValidationError(
                LOCKED.format(minutes=max(1, math.ceil(wait / 60))), code="throttled"
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if username and getattr(error, "code", None) == "invalid_login":
                record_failure(username=username, request=self.request)
            raise
        if username:
            record_success(username=username)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's log-in form (staff only), throttled the same way."""
