"""Journey frameworks: the stages studies code evidence against, and how each is measured."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import render

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights.models import JourneyFramework, Stage


def framework_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # One query per table: frameworks, their stages in order, the stages' metrics.
    frameworks = JourneyFramework.objects.prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("position").prefetch_related("metrics"))
    )
    return render(request, "insights/framework_list.html", {"frameworks": frameworks})
