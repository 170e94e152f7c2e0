"""Filters for the quote list.

Choices are loaded once per request (stages, codes, participants, coders: one query each)
and the code hierarchy is walked in memory, so the filter bar costs the same whatever is
chosen. Participant facets match a transcript highlight through the speaker it starts with
and a field-note highlight through its session's participants; those use subqueries so a
session with several participants never repeats a highlight.
"""

from __future__ import annotations

from collections.abc import Iterable

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import QueryDict

from insights.models import Code, CodedHighlight, Highlight, Stage
from insights.quotes import order_by_stage, sentiment_label
from interviews.models import (
    Enrollment,
    Participant,
    Region,
    ResearchProject,
    Segment,
    Session,
    Speaker,
)

SENTIMENT_CHOICES = [
    ("negative", "Negative (< 0)"),
    ("positive", "Positive (> 0)"),
    *((str(value), sentiment_label(value)) for value in Highlight.SENTIMENT_RANGE),
]
ORDER_CHOICES = [("newest", "Newest first"), ("stage", "Journey stage")]


class QuoteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search quotes and memos")
    stage = django_filters.ChoiceFilter(choices=[], method="filter_stage", empty_label="Any stage")
    code = django_filters.ChoiceFilter(
        choices=[], method="filter_code", empty_label="Any code", label="Code (and its children)"
    )
    participant = django_filters.ChoiceFilter(
        label="Participant", choices=[], method="filter_participant", empty_label="Anyone"
    )
    segment = django_filters.ChoiceFilter(
        label="Segment", choices=Segment.choices, method="filter_segment", empty_label="Any segment"
    )
    region = django_filters.ChoiceFilter(
        label="Region", choices=Region.choices, method="filter_region", empty_label="Any region"
    )
    sentiment = django_filters.ChoiceFilter(
        choices=SENTIMENT_CHOICES, method="filter_sentiment", empty_label="Any sentiment"
    )
    coder = django_filters.ChoiceFilter(choices=[], method="filter_coder", empty_label="Anyone")
    order = django_filters.ChoiceFilter(
        choices=ORDER_CHOICES, method="filter_order", empty_label=None, label="Order"
    )

    class Meta:
        model = Highlight
        fields: list[str] = []

    def __init__(
        self,
        data: QueryDict | None,
        queryset: QuerySet[Highlight],
        *,
        project: ResearchProject,
    ) -> None:
        super().__init__(data, queryset=queryset)
        self.project = project
        self.stages = (
            list(Stage.objects.filter(framework_id=project.framework_id).order_by("position"))
            if project.framework_id
            else []
        )
        self.codes = list(
            Code.objects.filter(project=project).only("id", "name", "parent_id").order_by("name")
        )
        self.filters["stage"].extra["choices"] = [(s.slug, s.name) for s in self.stages]
        self.filters["code"].extra["choices"] = [
            (str(code.pk), label) for code, label in _tree_order(self.codes)
        ]
        self.filters["participant"].extra["choices"] = [
            (p, p) for p in _project_pseudonyms(project)
        ]
        # Only people whose highlights this member can see: under blind coding a researcher
        # should not learn who else has coded.
        coders = (
            get_user_model()
            .objects.filter(pk__in=queryset.values("coder_id"))
            .only("pk", "username", "first_name", "last_name")
        )
        self.filters["coder"].extra["choices"] = sorted(
            ((str(user.pk), user.get_full_name() or user.get_username()) for user in coders),
            key=lambda choice: choice[1].lower(),
        )

    def filter_search(
        self, queryset: QuerySet[Highlight], name: str, value: str
    ) -> QuerySet[Highlight]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(text__icontains=value) | Q(memo__icontains=value))

    def filter_stage(
        self, queryset: QuerySet[Highlight], name: str, value: str
    ) -> QuerySet[Highlight]:
        return queryset.filter(stage__framework_id=self.project.framework_id, stage__slug=value)

    def filter_code(
        self, queryset: QuerySet[Highlight], name: str, value: str
    ) -> QuerySet[Highlight]:
        ids = _with_descendants(int(value), self.codes)
        return queryset.filter(
            pk__in=CodedHighlight.objects.filter(tag_id__in=ids).values("content_object_id")
        )

    def filter_participant(
        self, queryset: QuerySet[Highlight], name: str, value: str
    ) -> QuerySet[Highlight]:
        return queryset.filter(self._said_by(Q(pseudonym=value)))

    def filter_segment(
        self, queryset: QuerySet[Highlight], name: str, value: str
    ) -> QuerySet[Highlight]:
        return queryset.filter(self._said_by(Q(segment=value)))

    def filter_region(
        self, queryset: QuerySet[Highlight], name: str, value: str
    ) -> QuerySet[Highlight]:
        return queryset.filter(self._said_by(Q(region=value)))

    def filter_sentiment(
        self, queryset: QuerySet[Highlight], name: str, value: str
    ) -> QuerySet[Highlight]:
        if value == "negative":
            return queryset.filter(sentiment__lt=0)
        if value == "positive":
            return queryset.filter(sentiment__gt=0)
        return queryset.filter(sentiment=int(value))

    def filter_coder(
        self, queryset: QuerySet[Highlight], name: str, value: str
    ) -> QuerySet[Highlight]:
        return queryset.filter(coder_id=int(value))

    def filter_order(
        self, queryset: QuerySet[Highlight], name: str, value: str
    ) -> QuerySet[Highlight]:
        return order_by_stage(queryset) if value == "stage" else queryset

    def _said_by(self, who: Q) -> Q:
        """Highlights whose participant matches `who`, from a transcript or a field note."""
        participants = Participant.objects.filter(who).values("pk")
        sessions = Session.objects.filter(
            project=self.project, participants__in=participants
        ).values("pk")
        return Q(utterance__speaker__participant__in=participants) | Q(
            field_note__session__in=sessions
        )


def _tree_order(codes: Iterable[Code]) -> list[tuple[Code, str]]:
    """Codes parent first, children indented under them, each level by name."""
    codes = list(codes)
    ids = {code.pk for code in codes}
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        parent = code.parent_id if code.parent_id in ids else None
        children.setdefault(parent, []).append(code)
    result: list[tuple[Code, str]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for code in children.get(parent, []):
            if code.pk in seen:  # a cycle in bad data must not loop forever
                continue
            seen.add(code.pk)
            result.append((code, "\u2003" * depth + ("› " if depth else "") + code.name))
            walk(code.pk, depth + 1)

    walk(None, 0)
    # Codes caught in a parent cycle have no root; list them rather than hide them.
    result.extend((code, code.name) for code in codes if code.pk not in seen)
    return result


def _with_descendants(code_id: int, codes: Iterable[Code]) -> set[int]:
    children: dict[int, list[int]] = {}
    for code in codes:
        if code.parent_id is not None:
            children.setdefault(code.parent_id, []).append(code.pk)
    found = {code_id}
    pending = [code_id]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _project_pseudonyms(project: ResearchProject) -> list[str]:
    """Everyone in the study: enrolled, in a session, or linked to a transcript's speaker."""
    return list(
        Participant.objects.filter(
            Q(pk__in=Enrollment.objects.filter(project=project).values("participant_id"))
            | Q(
                pk__in=Session.participants.through.objects.filter(session__project=project).values(
                    "participant_id"
                )
            )
            | Q(
                pk__in=Speaker.objects.filter(
                    transcript__session__project=project, participant__isnull=False
                ).values("participant_id")
            )
        )
        .order_by("pseudonym")
        .values_list("pseudonym", flat=True)
    )
