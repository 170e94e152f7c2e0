"""Journey maps: read (viewers: published maps only), edit a cell, publish, compare."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from cxresearch.lib.payloads import PayloadError, from_form
from insights.journey_maps import (
    EditConflict,
    State,
    journey_cell_update,
    journey_map_get,
    journey_map_publish,
    journey_map_view,
)
from insights.models import JourneyMap, Stage
from insights.visibility import evidence_reader
from interviews.access import ProjectAccess, get_project_for_member


def _state(state: str) -> str:
    if state not in State.values:
        raise Http404("No such map.")
    return state


def _readable_map(access: ProjectAccess, state: str) -> JourneyMap:
    journey_map = journey_map_get(access.project, _state(state))
    if not access.can_edit and journey_map.published_at is None:
        raise Http404("This map is not published.")
    return journey_map


def journey_map(request: AuthenticatedHttpRequest, slug: str, state: str) -> HttpResponse:
    access = get_project_for_member(request, slug)
    return _render(request, access, _readable_map(access, state))


def _render(
    request: AuthenticatedHttpRequest,
    access: ProjectAccess,
    journey_map: JourneyMap,
    conflict: dict[str, object] | None = None,
    status: int = 200,
) -> HttpResponse:
    reader = evidence_reader(project=access.project, user=request.user, role=access.role)
    context = {
        "access": access,
        "project": access.project,
        "view": journey_map_view(reader, journey_map),
        "other_state": State.FUTURE if journey_map.state == State.CURRENT else State.CURRENT,
        "conflict": conflict,
    }
    return render(request, "insights/journey_map.html", context, status=status)


@dataclass(frozen=True, kw_only=True)
class CellEditPayload:
    """One cell's form on the map (templates/insights/journey_map.html)."""

    stage: int
    lane: str
    version: int  # the cell's version the editor started from
    text: str = ""


@require_POST
def journey_cell_edit(request: AuthenticatedHttpRequest, slug: str, state: str) -> HttpResponse:
    access = get_project_for_member(request, slug, write=True)
    journey_map = journey_map_get(access.project, _state(state))
    try:
        edit = from_form(request.POST, CellEditPayload)
    except PayloadError as refusal:
        messages.error(request, f"Nothing saved: {refusal}")
        return redirect("insights:journey-map", slug=slug, state=state)
    stage = get_object_or_404(Stage, pk=edit.stage, framework_id=access.project.framework_id)
    try:
        journey_cell_update(
            journey_map=journey_map,
            stage=stage,
            lane=edit.lane,
            text=edit.text,
            expected_version=edit.version,
            by=request.user,
        )
    except EditConflict as conflict:
        attempt = {"stage": stage.pk, "lane": edit.lane, "text": edit.text}
        messages.error(request, str(conflict))
        return _render(request, access, journey_map, conflict=attempt, status=409)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("insights:journey-map", slug=slug, state=state)
    return redirect(f"{request.path.rsplit('cells/', 1)[0]}#cell-{edit.lane}-{stage.pk}")


@require_POST
def journey_map_publish_view(
    request: AuthenticatedHttpRequest, slug: str, state: str
) -> HttpResponse:
    access = get_project_for_member(request, slug, lead=True)
    journey_map = journey_map_get(access.project, _state(state))
    publish = "unpublish" not in request.POST
    journey_map_publish(journey_map=journey_map, by=request.user, publish=publish)
    messages.success(
        request, "Published: viewers can read this map." if publish else "Taken back from viewers."
    )
    return redirect("insights:journey-map", slug=slug, state=state)


def journey_map_compare(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_project_for_member(request, slug)
    reader = evidence_reader(project=access.project, user=request.user, role=access.role)
    current = journey_map_view(reader, _readable_map(access, State.CURRENT))
    future = journey_map_view(reader, _readable_map(access, State.FUTURE))
    rows = [
        (lane_now, lane_then)
        for lane_now, lane_then in zip(current.lanes, future.lanes, strict=True)
    ]
    context = {"access": access, "project": access.project, "current": current, "rows": rows}
    return render(request, "insights/journey_map_compare.html", context)
