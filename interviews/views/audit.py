"""A study's audit log, for its leads: who read personal data, exported, published, changed
members, overrode a rule or deleted evidence. Read-only, like the log itself."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews import selectors
from interviews.access import get_project_for_member
from interviews.models import AuditEvent

PAGE_SIZE = 50


def project_audit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug, lead=True)
    action = request.GET.get("action", "")
    if action not in AuditEvent.Action.values:
        action = ""
    events = selectors.project_audit_events(access.project, action=action)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "access": access,
        "project": access.project,
        "page": page,
        "action": action,
        "actions": AuditEvent.Action.choices,
        "query": f"action={action}&" if action else "",
    }
    return render(request, "interviews/project_audit.html", context)
