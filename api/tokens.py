"""Creating, finding and revoking personal API tokens (api.models.ApiToken)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import User
from django.utils import timezone

from api.models import ApiToken
from cxresearch.lib.text import name_problem

TOKEN_PREFIX = "cxr_"  # noqa: S105 - a marker that says what the string is, not a secret
MAX_TOKENS_PER_USER = 20
# Writing "last used" on every request would make each read a write; once a minute tells
# the user as much.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenError(Exception):
    """A token could not be made; the message says why."""


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for this user: (row, the token itself, to show once and never again)."""
    name = " ".join(name.split())
    if not name:
        raise TokenError("Give the token a name, e.g. the dashboard that will use it.")
    if len(name) > 80:
        raise TokenError("Keep the name under 80 characters.")
    if problem := name_problem(name):
        raise TokenError(f"The name cannot be saved: {problem}.")
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise TokenError(f"You have {MAX_TOKENS_PER_USER} tokens: revoke one you no longer use.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 4], key_hash=_hash(raw)
    )
    return token, raw


def token_user(raw: str) -> tuple[User, ApiToken] | None:
    """The active user a token belongs to, and the token; None for an unknown token."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


def token_revoke(*, user: User, token_id: int) -> bool:
    """Delete one of this user's tokens; False when they have no such token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)
