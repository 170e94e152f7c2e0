"""Refusals from the services become 400s with their message, and the access door's 403s
keep theirs; everything else as DRF does.

The services (insights.coding, interviews.pipeline, …) explain a refusal in words a user
can act on; the API passes that on as {"detail": "…"} and the request changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from insights.coding import CodingError
from insights.themes import ThemeError
from interviews.pipeline import PipelineError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, CodingError | PipelineError | ThemeError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied) and str(exc):
        # interviews.access says who may do it ("Viewers can read this study but not change
        # it."); DRF would replace that with a generic sentence.
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)
