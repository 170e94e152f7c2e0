"""A study's dashboard, for its research team."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights.dashboard import project_dashboard
from insights.visibility import evidence_reader
from interviews.access import get_project_for_member


def project_dashboard_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    # Unpublished figures: the research team's page (viewers read published reports).
    access = get_project_for_member(request, slug, write=True)
    reader = evidence_reader(project=access.project, user=request.user, role=access.role)
    context = {"access": access, "project": access.project, "dash": project_dashboard(reader)}
    return render(request, "insights/dashboard.html", context)
