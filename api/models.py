"""Personal API tokens: a user creates one per integration on their profile page.

Only a hash of the token is stored; the token itself is shown once, when it is made. A
token acts as its user, never more: every request still passes interviews.access.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text="What uses it, e.g. “Looker dashboard”.")
    # The first characters of the token, so a user can tell their tokens apart in a log.
    prefix = models.CharField(max_length=12)
    # sha256 of the whole token: tokens are long and random, so a fast hash is enough.
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
