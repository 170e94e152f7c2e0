"""Recommendations: what the study proposes, resting on themes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from insights.models import (
    Level,
    Recommendation,
    Stage,
    Theme,
)
from insights.themes import (
    MAX_STATEMENT_LENGTH,
    ThemeError,
)
from insights.themes.curation import write_if_unchanged
from interviews.models import ResearchProject

# --- Recommendations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationFields:
    statement: str
    themes: Sequence[Theme] = ()
    stage: Stage | None = None
    owning_team: str = ""
    impact: str = ""
    effort: str = ""
    status: str = Recommendation.Status.PROPOSED


def _check_recommendation(project: ResearchProject, fields: RecommendationFields) -> str:
    statement = fields.statement.strip()
    if not statement:
        raise ThemeError("Write what should be done.")
    if len(statement) > MAX_STATEMENT_LENGTH:
        raise ThemeError(f"Keep a recommendation under {MAX_STATEMENT_LENGTH} characters.")
    if any(theme.project_id != project.pk for theme in fields.themes):
        raise ThemeError("A recommendation can rest only on this study's themes.")
    if fields.stage is not None and fields.stage.framework_id != project.framework_id:
        raise ThemeError(f"The stage “{fields.stage}” is not in this study's journey framework.")
    if fields.impact and fields.impact not in Level.values:
        raise ThemeError("Impact is low, medium or high.")
    if fields.effort and fields.effort not in Level.values:
        raise ThemeError("Effort is low, medium or high.")
    if fields.status not in Recommendation.Status.values:
        raise ThemeError("Choose one of the listed statuses.")
    return statement


@transaction.atomic
def recommendation_create(
    *, project: ResearchProject, by: User, fields: RecommendationFields
) -> Recommendation:
    statement = _check_recommendation(project, fields)
    team = fields.owning_team.strip() or (fields.stage.owning_team if fields.stage else "")
    recommendation = Recommendation.objects.create(
        project=project,
        statement=statement,
        stage=fields.stage,
        owning_team=team,
        impact=fields.impact,
        effort=fields.effort,
        status=fields.status,
        created_by=by,
    )
    recommendation.themes.set(fields.themes)
    return recommendation


@transaction.atomic
def recommendation_update(
    *,
    recommendation: Recommendation,
    by: User,
    version: int,
    fields: RecommendationFields,
) -> Recommendation:
    statement = _check_recommendation(recommendation.project, fields)
    write_if_unchanged(
        Recommendation,
        recommendation.pk,
        version=version,
        what="recommendation",
        statement=statement,
        stage=fields.stage,
        owning_team=fields.owning_team.strip(),
        impact=fields.impact,
        effort=fields.effort,
        status=fields.status,
        edited_by=by,
        edited_at=timezone.now(),
    )
    recommendation.refresh_from_db()
    recommendation.themes.set(fields.themes)
    return recommendation
