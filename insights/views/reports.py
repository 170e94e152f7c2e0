"""Reports: the list, building one (a job), reading one, and publishing it (leads).

Viewers see only published reports: a draft's page is a 404 for them, as if it did not
exist. Every quote a report shows passes insights.reports.visible_quote_texts for the reader.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights import reports, tasks
from insights.models import Report
from insights.reports import ReportError
from interviews.access import ProjectAccess, get_project_for_member
from interviews.models import ResearchProject
from jobs.models import BackgroundJob
from jobs.runner import job_start, latest_job


def _report_or_404(access: ProjectAccess, number: int) -> Report:
    report = (
        Report.objects.filter(project=access.project, number=number)
        .select_related("created_by", "published_by", "compared_with")
        .first()
    )
    if report is None or (not access.can_edit and not report.is_published):
        raise Http404("No such report.")
    return report


def report_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug)
    project = access.project
    context = {
        "access": access,
        "project": project,
        "reports": reports.reports_for(project=project, role=access.role),
        "job": latest_job(kind=BackgroundJob.Kind.BUILD_REPORT, project=project)
        if access.can_edit
        else None,
    }
    return render(request, "insights/report_list.html", context)


@require_POST
def report_build(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    job_start(
        kind=BackgroundJob.Kind.BUILD_REPORT,
        task=tasks.build_report,
        project=access.project,
        user=request.user,
    )
    return redirect("insights:report-list", slug=slug)


def report_detail(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    access = get_project_for_member(request, slug)
    project: ResearchProject = access.project
    report = _report_or_404(access, number)
    snapshot: reports.Snapshot = report.snapshot
    context = {
        "access": access,
        "project": project,
        "report": report,
        "snapshot": snapshot,
        "aggregated_at": reports.aggregated_at(snapshot),
        "stages": reports.shown_stages(report, user=request.user, role=access.role),
    }
    return render(request, "insights/report_detail.html", context)


@require_POST
def report_publish(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    access = get_project_for_member(request, slug, lead=True)
    report = _report_or_404(access, number)
    try:
        was_published = report.is_published
        reports.report_publish(report=report, by=request.user)
    except ReportError as error:
        messages.error(request, str(error))
    else:
        if was_published:
            messages.info(request, f"Report #{report.number} was already published.")
        else:
            messages.success(
                request, f"Report #{report.number} is published: the study's viewers can read it."
            )
    return redirect(report.get_absolute_url())
