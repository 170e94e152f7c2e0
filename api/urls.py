"""The API's URLs, all under /api/v1/ (cxresearch/urls.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseBase
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.views import APIView

from api import views

app_name = "api"


def _api(view: type[APIView]) -> Callable[..., HttpResponseBase]:
    # The API signs requests in itself (a token or the session) and answers 401 in JSON;
    # the site's log-in redirect must not catch a token request first.
    return login_not_required(view.as_view())


# /api/v1/projects/<slug>/
project_urls = [
    path("", _api(views.ProjectDetail), name="project-detail"),
    path("sessions/", _api(views.SessionList), name="session-list"),
    path("participants/", _api(views.ParticipantList), name="participant-list"),
    path("enrollments/", _api(views.EnrollmentList), name="enrollment-list"),
    path(
        "enrollments/<int:enrollment_id>/move/",
        _api(views.EnrollmentMove),
        name="enrollment-move",
    ),
    path("codes/", _api(views.CodeList), name="code-list"),
    path("highlights/", _api(views.HighlightList), name="highlight-list"),
    path("highlights/<int:highlight_id>/", _api(views.HighlightDetail), name="highlight-detail"),
    path("themes/", _api(views.ThemeList), name="theme-list"),
    path("recommendations/", _api(views.RecommendationList), name="recommendation-list"),
    path("reports/", _api(views.ReportList), name="report-list"),
    path("reports/<int:number>/", _api(views.ReportDetail), name="report-detail"),
    path("stage-metrics/", _api(views.StageMetricList), name="stage-metric-list"),
    path(
        "stage-metrics/<int:metric_id>/values/",
        _api(views.StageMetricValueList),
        name="stage-metric-values",
    ),
]

urlpatterns = [
    path("schema/", _api(SpectacularAPIView), name="schema"),
    # A page for people: the site's log-in applies, and its scripts come from our origin.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("projects/", _api(views.ProjectList), name="project-list"),
    path("projects/<slug:slug>/", include(project_urls)),
]
