"""A request budget per token, or per signed-in user for the browser's session.

Counters live in the shared cache (Redis, or the database cache), so every web server
counts against the same budget. The rates are settings.API_RATE_PER_TOKEN and _PER_USER.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.views import APIView


class PerTokenThrottle(SimpleRateThrottle):
    def __init__(self) -> None:
        # The rate depends on how the request signed in: chosen in allow_request.
        pass

    def allow_request(self, request: Request, view: APIView) -> bool:
        if isinstance(request.auth, ApiToken):
            self.scope, self.rate = "token", settings.API_RATE_PER_TOKEN
        else:
            self.scope, self.rate = "user", settings.API_RATE_PER_USER
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
