"""Journey maps: a study's current and future state, stages × lanes.

Lanes that evidence can fill are filled from it each time a map is shown, through the
evidence selector, and say so: emotions (mean sentiment of the stage's quotes), pain points
(the stage's most quoted pain-point codes), metrics (the stage's StageMetrics: baseline →
target) and teams (the stage's owning team). Researchers write the rest, and may add notes
under the evidence. Edits use optimistic locking: an edit names the version it started
from, and a stale one is refused with the text someone else saved meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone

from insights.models import Code, CodedHighlight, JourneyMap, JourneyMapCell, Stage, StageMetric
from insights.quotes import SENTIMENT_WORDS
from insights.visibility import EvidenceReader, visible_highlights
from interviews.models import ResearchProject

Lane = JourneyMapCell.Lane
State = JourneyMap.State

# Lanes whose content comes from evidence (researchers may add a note under it).
EVIDENCE_LANES = (Lane.TEAMS, Lane.EMOTIONS, Lane.PAIN_POINTS, Lane.METRICS)
PAIN_POINTS_PER_STAGE = 3
MAX_CELL_LENGTH = 2000


class EditConflict(Exception):
    """Someone saved the cell after this edit began; `cell` holds what they saved."""

    def __init__(self, cell: JourneyMapCell) -> None:
        who = cell.updated_by.get_full_name() or cell.updated_by.username if cell.updated_by else ""
        super().__init__(
            f"{who or 'Someone'} changed this cell while you were editing it. "
            "Their text is shown; copy yours back in if it should replace theirs."
        )
        self.cell = cell


@dataclass(frozen=True)
class EvidenceLine:
    text: str
    url: str = ""


@dataclass
class MapCell:
    stage: Stage
    lane: str
    text: str = ""
    version: int = 0
    evidence: list[EvidenceLine] = field(default_factory=list)


@dataclass(frozen=True)
class MapLane:
    lane: str
    label: str
    from_evidence: bool
    cells: tuple[MapCell, ...]


@dataclass(frozen=True)
class MapView:
    journey_map: JourneyMap
    stages: tuple[Stage, ...]
    lanes: tuple[MapLane, ...]

    @property
    def drafted(self) -> bool:
        """A map counts as drafted once researchers wrote in it."""
        return any(cell.text for lane in self.lanes for cell in lane.cells)


def journey_map_get(project: ResearchProject, state: str) -> JourneyMap:
    journey_map, _ = JourneyMap.objects.get_or_create(project=project, state=state)
    return journey_map


def journey_map_view(reader: EvidenceReader, journey_map: JourneyMap) -> MapView:
    """The map with its evidence lanes filled. Queries: stages, cells, and for the current
    state quotes per stage, pain points per stage and metrics (plus the selector's own)."""
    project = reader.project
    stages = tuple(Stage.objects.filter(framework_id=project.framework_id).order_by("position"))
    written = {
        (cell.stage_id, cell.lane): cell
        for cell in JourneyMapCell.objects.filter(journey_map=journey_map)
    }
    evidence = _evidence(reader, stages, current=journey_map.state == State.CURRENT)
    lanes = []
    for lane in Lane:
        cells = []
        for stage in stages:
            saved = written.get((stage.pk, lane.value))
            cells.append(
                MapCell(
                    stage=stage,
                    lane=lane.value,
                    text=saved.text if saved else "",
                    version=saved.version if saved else 0,
                    evidence=evidence.get((stage.pk, lane.value), []),
                )
            )
        lanes.append(
            MapLane(
                lane=lane.value,
                label=lane.label,
                from_evidence=lane in EVIDENCE_LANES,
                cells=tuple(cells),
            )
        )
    return MapView(journey_map=journey_map, stages=stages, lanes=tuple(lanes))


def _evidence(
    reader: EvidenceReader, stages: tuple[Stage, ...], *, current: bool
) -> dict[tuple[int, str], list[EvidenceLine]]:
    project = reader.project
    lines: dict[tuple[int, str], list[EvidenceLine]] = defaultdict(list)
    for stage in stages:
        if stage.owning_team:
            lines[(stage.pk, Lane.TEAMS)].append(EvidenceLine(f"Owner: {stage.owning_team}"))
    for metric in StageMetric.objects.filter(stage__in=stages).order_by("name"):
        unit = f" {metric.unit}" if metric.unit else ""
        if current:
            text = f"{metric.name}: {_number(metric.baseline)}{unit} today"
        else:
            text = f"{metric.name}: {_number(metric.target)}{unit} target"
        lines[(metric.stage_id, Lane.METRICS)].append(EvidenceLine(text))
    if not current:
        return lines
    highlights = visible_highlights(reader).filter(stage__in=stages)
    quotes_url = reverse("insights:quote-list", args=[project.slug])
    stage_slugs = {stage.pk: stage.slug for stage in stages}
    for row in (
        highlights.order_by()
        .values("stage_id")
        .annotate(mean=Avg("sentiment"), rated=Count("sentiment"))
    ):
        if row["rated"]:
            mean, rated = float(row["mean"]), row["rated"]
            word = mean_sentiment_word(mean)
            lines[(row["stage_id"], Lane.EMOTIONS)].append(
                EvidenceLine(
                    f"{mean:+.1f} ({word}), from {rated} quote{'s' if rated != 1 else ''}",
                    f"{quotes_url}?{urlencode({'stage': stage_slugs[row['stage_id']]})}",
                )
            )
    pains = (
        CodedHighlight.objects.filter(content_object__in=highlights, tag__kind=Code.Kind.PAIN_POINT)
        .values_list("content_object__stage_id", "tag_id", "tag__name")
        .annotate(quotes=Count("content_object_id", distinct=True))
        .order_by()
    )
    by_stage: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for stage_id, code_id, name, quotes in pains:
        by_stage[stage_id].append((quotes, code_id, name))
    for stage_id, found in by_stage.items():
        for quotes, code_id, name in sorted(found, key=lambda f: (-f[0], f[2].lower()))[
            :PAIN_POINTS_PER_STAGE
        ]:
            query = urlencode({"stage": stage_slugs[stage_id], "code": code_id})
            lines[(stage_id, Lane.PAIN_POINTS)].append(
                EvidenceLine(
                    f"{name} ({quotes} quote{'s' if quotes != 1 else ''})", f"{quotes_url}?{query}"
                )
            )
    return lines


def mean_sentiment_word(mean: float) -> str:
    """A mean on the −2..+2 scale in words, by bands half a point wide around each value."""
    bands = ((-1.25, -2), (-0.25, -1), (0.25, 0), (1.25, 1))
    value = next((number for limit, number in bands if mean < limit), 2)
    return SENTIMENT_WORDS[value]


def _number(value: object) -> str:
    if value is None:
        return "—"
    text = f"{value:f}" if not isinstance(value, str) else value
    return text.rstrip("0").rstrip(".") if "." in text else text


def journey_cell_update(
    *,
    journey_map: JourneyMap,
    stage: Stage,
    lane: str,
    text: str,
    expected_version: int,
    by: User,
) -> JourneyMapCell:
    """Save a cell's text if nobody saved it since `expected_version`; else EditConflict.

    The cell row is locked for the check-and-write, so two saves of the same version can't
    both pass.
    """
    if lane not in Lane.values:
        raise ValueError(f"Unknown lane: {lane}")
    if stage.framework_id != journey_map.project.framework_id:
        raise ValueError("That stage is not in this study's journey framework.")
    with transaction.atomic():
        cell, _created = JourneyMapCell.objects.select_for_update().get_or_create(
            journey_map=journey_map, stage=stage, lane=lane
        )
        if cell.version != expected_version:
            raise EditConflict(cell)
        cell.text = text.strip()[:MAX_CELL_LENGTH]
        cell.version += 1
        cell.updated_by = by
        cell.save(update_fields=["text", "version", "updated_by", "updated_at"])
        JourneyMap.objects.filter(pk=journey_map.pk).update(updated_at=timezone.now())
    return cell


def journey_map_publish(*, journey_map: JourneyMap, by: User, publish: bool) -> None:
    """Show the map to the study's viewers, or take it back."""
    journey_map.published_at = timezone.now() if publish else None
    journey_map.published_by = by if publish else None
    journey_map.save(update_fields=["published_at", "published_by", "updated_at"])
