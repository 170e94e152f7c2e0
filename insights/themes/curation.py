"""Researchers' curation of themes; every edit takes the version the researcher saw."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from insights.models import (
    Highlight,
    Recommendation,
    Theme,
    ThemeCode,
    ThemeQuote,
)
from insights.themes import (
    MAX_NAME_LENGTH,
    MAX_PICKED_QUOTES,
    MAX_SUMMARY_LENGTH,
    STALE_MESSAGE,
    ThemeError,
)
from insights.themes.aggregate import (
    refresh_theme_figures,
)

# --- Optimistic locking -------------------------------------------------------------------------


def write_if_unchanged(
    model: type[Model], pk: int, *, version: int, what: str, **fields: object
) -> None:
    """Write `fields` to the row only if it is still at `version`, and bump the version.

    One conditional UPDATE, so it holds on every database without a lock; a mismatch
    (someone saved in between) raises ThemeError and writes nothing.
    """
    changed = model._default_manager.filter(pk=pk, version=version).update(
        **fields, version=F("version") + 1
    )
    if changed != 1:
        raise ThemeError(STALE_MESSAGE.format(what=what))


def _edit(theme: Theme, *, by: User, version: int, **fields: object) -> Theme:
    write_if_unchanged(
        Theme,
        theme.pk,
        version=version,
        what="theme",
        edited_by=by,
        edited_at=timezone.now(),
        **fields,
    )
    theme.refresh_from_db()
    return theme


def _require_open(theme: Theme) -> None:
    if theme.status == Theme.Status.MERGED:
        raise ThemeError(f"“{theme.name}” was merged into another theme: edit that one instead.")


# --- Curation -----------------------------------------------------------------------------------


@transaction.atomic
def theme_confirm(*, theme: Theme, by: User, version: int) -> Theme:
    """Confirm a candidate (or a rejected theme): it joins the study's findings."""
    _require_open(theme)
    if theme.status == Theme.Status.CONFIRMED:
        return theme
    return _edit(
        theme,
        by=by,
        version=version,
        status=Theme.Status.CONFIRMED,
        decided_by=by,
        decided_at=timezone.now(),
    )


@transaction.atomic
def theme_reject(*, theme: Theme, by: User, version: int) -> Theme:
    """Reject a theme; later runs never propose it again. Its untouched draft recommendation
    is dropped with it."""
    _require_open(theme)
    if theme.status == Theme.Status.REJECTED:
        return theme
    theme = _edit(
        theme,
        by=by,
        version=version,
        status=Theme.Status.REJECTED,
        decided_by=by,
        decided_at=timezone.now(),
    )
    _drop_untouched_drafts([theme.pk])
    return theme


def _drop_untouched_drafts(theme_ids: Sequence[int]) -> None:
    Recommendation.objects.filter(
        drafted_from__in=theme_ids, status=Recommendation.Status.DRAFT, edited_at__isnull=True
    ).update(status=Recommendation.Status.DROPPED, version=F("version") + 1)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ThemeError("A theme needs a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise ThemeError(f"Keep a theme's name under {MAX_NAME_LENGTH} characters.")
    return name


@transaction.atomic
def theme_rename(*, theme: Theme, by: User, version: int, name: str) -> Theme:
    _require_open(theme)
    name = _clean_name(name)
    if name == theme.name:
        return theme
    return _edit(theme, by=by, version=version, name=name)


@transaction.atomic
def theme_update_summary(*, theme: Theme, by: User, version: int, summary: str) -> Theme:
    _require_open(theme)
    summary = summary.strip()
    if len(summary) > MAX_SUMMARY_LENGTH:
        raise ThemeError(f"Keep the summary under {MAX_SUMMARY_LENGTH} characters.")
    if summary == theme.summary:
        return theme
    return _edit(theme, by=by, version=version, summary=summary)


@transaction.atomic
def theme_merge(
    *,
    into: Theme,
    others: Sequence[Theme],
    by: User,
    versions: Mapping[int, int],
) -> Theme:
    """Merge themes of one stage into `into`: it takes their codes (so their evidence), and
    each of them is kept as "merged into" it, so no later run proposes it again.

    `versions` maps each theme's id to the version the researcher saw.
    """
    others = [theme for theme in others if theme.pk != into.pk]
    if not others:
        raise ThemeError("Choose at least one other theme to merge into this one.")
    for theme in [into, *others]:
        _require_open(theme)
        if theme.project_id != into.project_id:
            raise ThemeError("Themes of another study cannot be merged into this one.")
        if theme.stage_id != into.stage_id:
            raise ThemeError(
                f"“{theme.name}” is at another stage: only themes of one stage can be merged."
            )
        if theme.pk not in versions:
            raise ThemeError(STALE_MESSAGE.format(what="theme"))
    now = timezone.now()
    codes = set(ThemeCode.objects.filter(theme=into).values_list("code_id", flat=True))
    moved = set(ThemeCode.objects.filter(theme__in=others).values_list("code_id", flat=True))
    for theme in others:
        write_if_unchanged(
            Theme,
            theme.pk,
            version=versions[theme.pk],
            what="theme",
            status=Theme.Status.MERGED,
            merged_into=into,
            decided_by=by,
            decided_at=now,
            edited_by=by,
            edited_at=now,
        )
    into = _edit(into, by=by, version=versions[into.pk])
    ThemeCode.objects.bulk_create(ThemeCode(theme=into, code_id=pk) for pk in moved - codes)
    # Recommendations resting on a merged theme now rest on the theme it went into.
    through = Recommendation.themes.through
    resting = set(
        through.objects.filter(theme__in=others).values_list("recommendation_id", flat=True)
    )
    already = set(
        through.objects.filter(theme=into, recommendation_id__in=resting).values_list(
            "recommendation_id", flat=True
        )
    )
    through.objects.bulk_create(
        through(recommendation_id=pk, theme_id=into.pk) for pk in resting - already
    )
    through.objects.filter(theme__in=others).delete()
    _drop_untouched_drafts([theme.pk for theme in others])
    refresh_theme_figures(into)
    return into


@transaction.atomic
def theme_split(
    *,
    theme: Theme,
    by: User,
    version: int,
    code_ids: Iterable[int],
    name: str,
) -> Theme:
    """Move some of a theme's codes to a new theme of the same stage and status; returns it."""
    _require_open(theme)
    name = _clean_name(name)
    current = set(ThemeCode.objects.filter(theme=theme).values_list("code_id", flat=True))
    moving = set(code_ids)
    if not moving:
        raise ThemeError("Choose the codes that go to the new theme.")
    if not moving <= current:
        raise ThemeError("Only this theme's own codes can be split off.")
    if moving == current:
        raise ThemeError("Leave at least one code in this theme: a split needs two parts.")
    theme = _edit(theme, by=by, version=version)
    now = timezone.now()
    part = Theme.objects.create(
        project_id=theme.project_id,
        stage_id=theme.stage_id,
        name=name,
        status=theme.status,
        origin=Theme.Origin.SPLIT,
        decided_by=by if theme.status != Theme.Status.CANDIDATE else None,
        decided_at=now if theme.status != Theme.Status.CANDIDATE else None,
        edited_by=by,
        edited_at=now,
    )
    ThemeCode.objects.filter(theme=theme, code_id__in=moving).update(theme=part)
    # The picked quotes that no longer fit this theme would misrepresent it.
    ThemeQuote.objects.filter(theme=theme).delete()
    Theme.objects.filter(pk=theme.pk).update(quotes_picked=False)
    theme.quotes_picked = False
    refresh_theme_figures(theme)
    refresh_theme_figures(part)
    return part


@transaction.atomic
def theme_pick_quotes(
    *, theme: Theme, by: User, version: int, highlight_ids: Sequence[int]
) -> Theme:
    """Set a theme's representative quotes, in order; an empty list hands the choice back to
    the aggregation job."""
    _require_open(theme)
    wanted = list(dict.fromkeys(highlight_ids))
    if len(wanted) > MAX_PICKED_QUOTES:
        raise ThemeError(f"Pick at most {MAX_PICKED_QUOTES} quotes.")
    if wanted:
        evidence = set(theme_evidence(theme).filter(pk__in=wanted).values_list("pk", flat=True))
        strangers = [pk for pk in wanted if pk not in evidence]
        if strangers:
            raise ThemeError(
                "Pick quotes from this theme's own evidence: a quote at its stage coded with "
                "one of its codes."
            )
    theme = _edit(theme, by=by, version=version, quotes_picked=bool(wanted))
    ThemeQuote.objects.filter(theme=theme).delete()
    if wanted:
        ThemeQuote.objects.bulk_create(
            ThemeQuote(theme=theme, highlight_id=pk, position=position)
            for position, pk in enumerate(wanted, start=1)
        )
    else:
        refresh_theme_figures(theme)
    return theme


def theme_evidence(theme: Theme) -> QuerySet[Highlight]:
    """The highlights a theme rests on: its stage, any of its codes (a QuerySet)."""
    highlights = Highlight.objects.filter(
        project_id=theme.project_id,
        coded_items__tag__in=ThemeCode.objects.filter(theme=theme).values("code_id"),
    )
    if theme.stage_id is None:
        highlights = highlights.filter(stage__isnull=True)
    else:
        highlights = highlights.filter(stage_id=theme.stage_id)
    return highlights.distinct()
