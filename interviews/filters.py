"""Filters for the participant directory, including a study's own attributes."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from interviews.models import (
    CompanySize,
    Deployment,
    Enrollment,
    Participant,
    ProjectAttribute,
    Region,
    ResearchProject,
    Segment,
    Tier,
)


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    kind = django_filters.ChoiceFilter(choices=Participant.Kind.choices, empty_label="Any kind")
    segment = django_filters.ChoiceFilter(choices=Segment.choices, empty_label="Any segment")
    region = django_filters.ChoiceFilter(choices=Region.choices, empty_label="Any region")
    tier = django_filters.ChoiceFilter(choices=Tier.choices, empty_label="Any tier")
    deployment = django_filters.ChoiceFilter(
        choices=Deployment.choices, empty_label="Any deployment"
    )
    company_size = django_filters.ChoiceFilter(choices=CompanySize.choices, empty_label="Any size")
    persona = django_filters.CharFilter(lookup_expr="icontains", label="Persona / role")
    status = django_filters.ChoiceFilter(
        choices=Enrollment.Status.choices,
        empty_label="Any state",
        method="filter_status",
        label="Pipeline state",
    )

    class Meta:
        model = Participant
        fields: list[str] = []

    def __init__(
        self,
        data: dict[str, str] | None,
        queryset: QuerySet[Participant],
        *,
        project: ResearchProject | None,
        attributes: list[ProjectAttribute],
        search_pii: bool,
    ) -> None:
        super().__init__(data, queryset=queryset)
        self.project = project
        self.attributes = attributes
        self.search_pii = search_pii
        if project is None:
            del self.filters["status"]
        for attribute in attributes:
            self.filters[f"attr_{attribute.key}"] = _attribute_filter(attribute)

    def filter_search(
        self, queryset: QuerySet[Participant], name: str, value: str
    ) -> QuerySet[Participant]:
        query = Q(pseudonym__iexact=value) | Q(persona__icontains=value)
        if self.search_pii:
            query |= (
                Q(identity__name__icontains=value)
                | Q(identity__email__icontains=value)
                | Q(identity__company__icontains=value)
            )
        return queryset.filter(query)

    def filter_status(
        self, queryset: QuerySet[Participant], name: str, value: str
    ) -> QuerySet[Participant]:
        return queryset.filter(enrollments__project=self.project, enrollments__status=value)


def _attribute_filter(attribute: ProjectAttribute) -> django_filters.Filter:
    def by_value(
        queryset: QuerySet[Participant], name: str, value: object
    ) -> QuerySet[Participant]:
        columns: dict[str, str] = {
            ProjectAttribute.Kind.NUMBER: "number_value",
            ProjectAttribute.Kind.DATE: "date_value",
        }
        column = columns.get(attribute.kind, "text_value")
        lookup = "icontains" if attribute.kind == ProjectAttribute.Kind.TEXT else "exact"
        return queryset.filter(
            enrollments__attribute_values__attribute=attribute,
            **{f"enrollments__attribute_values__{column}__{lookup}": value},
        )

    if attribute.kind == ProjectAttribute.Kind.CHOICE:
        return django_filters.ChoiceFilter(
            choices=[(c, c) for c in attribute.choices],
            method=lambda qs, name, value: by_value(qs, name, value),
            label=attribute.label,
            empty_label="Any",
        )
    if attribute.kind == ProjectAttribute.Kind.NUMBER:
        return django_filters.NumberFilter(
            method=lambda qs, name, value: by_value(qs, name, float(value)), label=attribute.label
        )
    if attribute.kind == ProjectAttribute.Kind.DATE:
        return django_filters.DateFilter(
            method=lambda qs, name, value: by_value(qs, name, value),
            label=attribute.label,
            widget=forms.DateInput(attrs={"type": "date"}),
        )
    return django_filters.CharFilter(
        method=lambda qs, name, value: by_value(qs, name, value), label=attribute.label
    )
