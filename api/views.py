"""The REST API, version 1: thin views over the pages' own doors, selectors and services.

Each view starts at interviews.access.get_project_for_member (non-member 404, viewer who
writes 403), reads evidence through insights.visibility and personal data through
interviews.pii, and writes through the same services as the pages, so the rules and the
messages are the same. A token acts as its user, never more.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from insights.coding import (
    HighlightFields,
    codes_get_or_create,
    highlight_delete,
    highlight_get_or_create,
    highlight_update,
)
from insights.filters import QuoteFilter
from insights.forms import CodeForm
from insights.models import (
    Code,
    Highlight,
    Recommendation,
    Report,
    Stage,
    StageMetric,
    StageMetricValue,
    Theme,
)
from insights.quotes import quote_rows, quotes_for_project
from insights.reports import shown_stages
from insights.visibility import EvidenceReader, evidence_reader
from interviews import services
from interviews.access import (
    ProjectAccess,
    field_note_in_project,
    get_participant_for_user,
    get_project_for_member,
    projects_for_user,
    transcript_in_project,
)
from interviews.forms import ParticipantForm, ParticipantIdentityForm
from interviews.models import (
    Enrollment,
    FieldNote,
    Membership,
    Participant,
    Region,
    ResearchProject,
    Segment,
    Session,
    Transcript,
)
from interviews.pii import read_identities


def signed_in_user(request: Request) -> User:
    """The user a request signed in as (a token or the session).

    IsAuthenticated (settings.REST_FRAMEWORK) turns anonymous requests away before any view
    runs; should one get through, it is refused rather than served as nobody.
    """
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


class ApiView(generics.GenericAPIView[Any]):
    """Every view of the API. None uses `queryset` or `get_object()` (each builds its own
    querysets, through the access door), so the model type is Any; serializer_class and
    the paginator describe the answers to the schema."""

    def paged[M: Model](self, queryset: QuerySet[M]) -> list[M]:
        """This request's page of a list (a cursor page, api.pagination)."""
        page = self.paginate_queryset(queryset)
        # Every view has a paginator (DEFAULT_PAGINATION_CLASS) unless it sets none itself.
        assert page is not None, f"{type(self).__name__} has no paginator"
        return page


class ProjectScoped(ApiView):
    """A view under /projects/<slug>/: `self.access()` is the one door to the study."""

    def access(self, *, write: bool = False, lead: bool = False) -> ProjectAccess:
        return get_project_for_member(self.request, self.kwargs["slug"], write=write, lead=lead)

    def reader(self, access: ProjectAccess) -> EvidenceReader:
        return evidence_reader(project=access.project, user=self.request.user, role=access.role)

    def page(self, queryset: QuerySet[Any], **context: Any) -> Response:
        rows = self.paged(queryset)
        serializer = self.get_serializer_class()(rows, many=True, context=context)
        return self.get_paginated_response(serializer.data)


class ProjectScopedList(ListModelMixin, ProjectScoped):
    """A cursor-paged list under /projects/<slug>/ (ListModelMixin tells the schema so)."""


def _invalid(form: Any) -> ValidationError:
    """A form's errors as the API's 400: {"field": ["message", …]}."""
    return ValidationError({field: list(errors) for field, errors in form.errors.items()})


# --- Studies --------------------------------------------------------------------------------


class ProjectList(ListModelMixin, ApiView):
    serializer_class = s.ProjectSerializer

    def get(self, request: Request) -> Response:
        """The studies you are a member of (staff: every study)."""
        user = signed_in_user(request)
        projects = projects_for_user(user).select_related("framework", "coding_settings").distinct()
        page = self.paged(projects)
        # Staff act as leads everywhere (interviews.access), whatever their membership says.
        roles = dict(
            Membership.objects.filter(user=user, project__in=page).values_list("project_id", "role")
            if not user.is_staff
            else []
        )
        data = s.ProjectSerializer(page, many=True, context={"roles": roles}).data
        return self.get_paginated_response(data)


class ProjectDetail(ProjectScoped):
    serializer_class = s.ProjectSerializer

    def get(self, request: Request, slug: str) -> Response:
        access = self.access()
        roles = {access.project.pk: access.role}
        return Response(s.ProjectSerializer(access.project, context={"roles": roles}).data)


class SessionList(ProjectScopedList):
    serializer_class = s.SessionSerializer

    def get(self, request: Request, slug: str) -> Response:
        access = self.access()
        sessions = Session.objects.filter(project=access.project).prefetch_related(
            Prefetch("participants", queryset=Participant.objects.order_by("pseudonym"))
        )
        return self.page(sessions, reader=self.reader(access))


# --- People ---------------------------------------------------------------------------------


class ParticipantList(ProjectScopedList):
    serializer_class = s.ParticipantSerializer

    def get(self, request: Request, slug: str) -> Response:
        """The study's participants. `identity` is null unless you may read personal data
        (leads and researchers); every read of it is audited."""
        access = self.access()
        participants = Participant.objects.filter(enrollments__project=access.project)
        return self._page(access, participants)

    @extend_schema(request=s.ParticipantCreateSerializer, responses={201: s.ParticipantSerializer})
    def post(self, request: Request, slug: str) -> Response:
        """Add a new participant to the pool and enroll them in this study as identified."""
        access = self.access(write=True)
        shape = s.ParticipantCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        identity_data = dict(shape.validated_data.pop("identity", {}))
        form = ParticipantForm(shape.validated_data)
        identity_form = ParticipantIdentityForm(identity_data, prefix=None)
        if not form.is_valid():
            raise _invalid(form)
        if not identity_form.is_valid():
            raise ValidationError({"identity": _invalid(identity_form).detail})
        with transaction.atomic():
            participant = services.participant_create(
                identity=identity_form.cleaned_data, **form.cleaned_data
            )
            services.enrollment_create(project=access.project, participant=participant)
        data = self._serialize(access, [participant])[0]
        return Response(data, status=status.HTTP_201_CREATED)

    def _page(self, access: ProjectAccess, participants: QuerySet[Participant]) -> Response:
        page = self.paged(participants)
        return self.get_paginated_response(self._serialize(access, page))

    def _serialize(self, access: ProjectAccess, page: list[Participant]) -> Any:
        enrollments = {
            e.participant_id: e
            for e in Enrollment.objects.filter(
                project=access.project, participant__in=page
            ).select_related("participant")
        }
        identities = read_identities(
            self.request.user, page, purpose="API participant list", project=access.project
        )
        context = {"identities": identities, "enrollments": enrollments}
        return s.ParticipantSerializer(page, many=True, context=context).data


class EnrollmentList(ProjectScopedList):
    serializer_class = s.EnrollmentSerializer

    def get(self, request: Request, slug: str) -> Response:
        access = self.access()
        enrollments = Enrollment.objects.filter(project=access.project).select_related(
            "participant"
        )
        return self.page(enrollments)

    @extend_schema(
        request=s.EnrollmentCreateSerializer,
        responses={200: s.EnrollmentSerializer, 201: s.EnrollmentSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Enroll someone from the participant pool in this study (once: again returns 200)."""
        access = self.access(write=True)
        shape = s.EnrollmentCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        try:
            participant = get_participant_for_user(request, shape.validated_data["participant"])
        except Http404:
            raise ValidationError({"participant": ["No participant has that pseudonym."]}) from None
        enrollment, created = services.enrollment_create(
            project=access.project, participant=participant
        )
        return Response(
            s.EnrollmentSerializer(enrollment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class EnrollmentMove(ProjectScoped):
    serializer_class = s.EnrollmentSerializer

    @extend_schema(request=s.EnrollmentMoveSerializer, responses={200: s.EnrollmentSerializer})
    def post(self, request: Request, slug: str, enrollment_id: int) -> Response:
        """Move an enrollment along the recruitment pipeline, by the pipeline's rules: a
        rule a lead may override needs an `override_reason`."""
        access = self.access(write=True)
        enrollment = get_object_or_404(Enrollment, pk=enrollment_id, project=access.project)
        shape = s.EnrollmentMoveSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        services.enrollment_move(
            enrollment=enrollment, by=signed_in_user(request), **shape.validated_data
        )
        enrollment.refresh_from_db()
        return Response(s.EnrollmentSerializer(enrollment).data)


# --- Codebook and evidence ------------------------------------------------------------------


class CodeList(ProjectScopedList):
    serializer_class = s.CodeSerializer

    def get(self, request: Request, slug: str) -> Response:
        access = self.access()
        return self.page(Code.objects.filter(project=access.project))

    @extend_schema(request=s.CodeCreateSerializer, responses={201: s.CodeSerializer})
    def post(self, request: Request, slug: str) -> Response:
        """Add a code to the codebook, checked as the codebook page checks it."""
        access = self.access(write=True)
        shape = s.CodeCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = {k: "" if v is None else str(v) for k, v in shape.validated_data.items()}
        codes = list(Code.objects.filter(project=access.project))
        form = CodeForm({**data, "version": "1"}, project=access.project, codes=codes)
        if not form.is_valid():
            raise _invalid(form)
        code = form.save_versioned(by=signed_in_user(request))
        return Response(s.CodeSerializer(code).data, status=status.HTTP_201_CREATED)


QUOTE_FILTERS = [
    OpenApiParameter("q", str, description="Words in the quote or its memo."),
    OpenApiParameter("stage", str, description="A stage slug of the study's framework."),
    OpenApiParameter("code", int, description="A code id: the code and its children."),
    OpenApiParameter("participant", str, description="A pseudonym, e.g. P-014."),
    OpenApiParameter("segment", str, enum=Segment.values),
    OpenApiParameter("region", str, enum=Region.values),
    OpenApiParameter(
        "sentiment",
        str,
        enum=["negative", "positive", "-2", "-1", "0", "1", "2"],
    ),
    OpenApiParameter("coder", int, description="A coder's user id."),
]


class HighlightList(ProjectScopedList):
    serializer_class = s.HighlightSerializer

    @extend_schema(parameters=QUOTE_FILTERS)
    def get(self, request: Request, slug: str) -> Response:
        """The study's quotes you may read, with the quote list's filters; texts redacted and
        consent applied as on the pages (insights.visibility)."""
        access = self.access()
        reader = self.reader(access)
        wanted = request.query_params.copy()
        for key in ("cursor", "page_size", "order"):
            wanted.pop(key, None)
        quote_filter = QuoteFilter(
            wanted or None, quotes_for_project(reader), project=access.project
        )
        if quote_filter.is_bound and not quote_filter.is_valid():
            raise _invalid(quote_filter)
        highlights: QuerySet[Highlight] = quote_filter.qs
        rows = quote_rows(reader, self.paged(highlights))
        data = s.HighlightSerializer(rows, many=True).data  # type: ignore[arg-type]  # stubs: a plain Serializer's many=True takes a list
        return self.get_paginated_response(data)

    @extend_schema(
        request=s.HighlightCreateSerializer,
        responses={200: s.HighlightSerializer, 201: s.HighlightSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Code a span of a transcript or field note (offsets in code points). Coding the
        same span again returns the existing highlight with 200."""
        access = self.access(write=True)
        user = signed_in_user(request)
        shape = s.HighlightCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        stage = _stage(access.project, data.get("stage"))
        with transaction.atomic():
            # The transcript is read with the lock the service takes (one statement for both).
            transcript, note = _source(access, data["source"], data["source_id"])
            codes = codes_get_or_create(project=access.project, names=data["codes"], by=user)
            fields = HighlightFields(
                stage=stage,
                codes=codes,
                sentiment=data.get("sentiment"),
                pain_severity=data.get("pain_severity"),
                memo=data["memo"],
            )
            highlight, created = highlight_get_or_create(
                project=access.project,
                coder=user,
                start=data["start"],
                end=data["end"],
                fields=fields,
                transcript=transcript,
                field_note=note,
                snapshot=data.get("text"),
                transcript_locked=True,
            )
        reader = self.reader(access)
        row = quote_rows(reader, [quotes_for_project(reader).get(pk=highlight.pk)])[0]
        return Response(
            s.HighlightSerializer(row).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class HighlightDetail(ProjectScoped):
    serializer_class = s.HighlightSerializer

    def highlight(self, reader: EvidenceReader) -> Highlight:
        """A highlight this reader may see; under blind coding another's is a 404."""
        return get_object_or_404(quotes_for_project(reader), pk=self.kwargs["highlight_id"])

    def respond(self, reader: EvidenceReader, highlight_id: int) -> Response:
        row = quote_rows(reader, [quotes_for_project(reader).get(pk=highlight_id)])[0]
        return Response(s.HighlightSerializer(row).data)

    def get(self, request: Request, slug: str, highlight_id: int) -> Response:
        reader = self.reader(self.access())
        return self.respond(reader, self.highlight(reader).pk)

    @extend_schema(request=s.HighlightUpdateSerializer, responses={200: s.HighlightSerializer})
    def patch(self, request: Request, slug: str, highlight_id: int) -> Response:
        """Change a highlight's stage, codes, sentiment, pain severity or memo."""
        access = self.access(write=True)
        user = signed_in_user(request)
        reader = self.reader(access)
        highlight = self.highlight(reader)
        shape = s.HighlightUpdateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        stage = _stage(access.project, data["stage"]) if "stage" in data else highlight.stage
        with transaction.atomic():
            if "codes" in data:
                codes = codes_get_or_create(project=access.project, names=data["codes"], by=user)
            else:
                codes = [item.tag for item in highlight.coded_items.all()]
            fields = HighlightFields(
                stage=stage,
                codes=codes,
                sentiment=data.get("sentiment", highlight.sentiment),
                pain_severity=data.get("pain_severity", highlight.pain_severity),
                memo=data.get("memo", highlight.memo),
            )
            highlight_update(highlight=highlight, by=user, fields=fields)
        return self.respond(reader, highlight.pk)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, highlight_id: int) -> Response:
        access = self.access(write=True)
        highlight = self.highlight(self.reader(access))
        highlight_delete(highlight=highlight, by=signed_in_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _source(
    access: ProjectAccess, kind: str, source_id: int
) -> tuple[Transcript | None, FieldNote | None]:
    """The study's transcript or field note to code, through the pages' accessors
    (interviews.access); a transcript is read with its lock, in the caller's transaction."""
    try:
        if kind == "transcript":
            return transcript_in_project(access, source_id, lock=True), None
        return None, field_note_in_project(access, source_id)
    except Http404:
        # As for ids in the path: another study's transcript is not there for this study.
        raise NotFound(f"This study has no {kind.replace('_', ' ')} {source_id}.") from None


def _stage(project: ResearchProject, slug: str | None) -> Stage | None:
    if not slug:
        return None
    stage = Stage.objects.filter(framework_id=project.framework_id, slug=slug).first()
    if stage is None:
        raise ValidationError({"stage": [f"The study's journey framework has no stage “{slug}”."]})
    return stage


# --- Analysis ---------------------------------------------------------------------------------


class ThemeList(ProjectScopedList):
    serializer_class = s.ThemeSerializer

    def get(self, request: Request, slug: str) -> Response:
        """Themes with their strength: the research team's working analysis (viewers read
        published reports instead, as on the pages)."""
        access = self.access(write=True)
        themes = (
            Theme.objects.filter(project=access.project)
            .select_related("stage")
            .prefetch_related(Prefetch("codes", queryset=Code.objects.order_by("name")))
        )
        return self.page(themes)


class RecommendationList(ProjectScopedList):
    serializer_class = s.RecommendationSerializer

    def get(self, request: Request, slug: str) -> Response:
        """Recommendations: the research team's working analysis, as on the pages."""
        access = self.access(write=True)
        recommendations = (
            Recommendation.objects.filter(project=access.project)
            .select_related("stage")
            .prefetch_related("themes")
        )
        return self.page(recommendations)


class ReportList(ProjectScopedList):
    serializer_class = s.ReportSerializer

    def get(self, request: Request, slug: str) -> Response:
        """The study's published reports."""
        access = self.access()
        return self.page(_published(access))


class ReportDetail(ProjectScoped):
    serializer_class = s.ReportDetailSerializer
    pagination_class = None

    def get(self, request: Request, slug: str, number: int) -> Response:
        """A published report: per stage, its themes with strength and the quotes you may
        read now (consent and redaction as of today)."""
        access = self.access()
        report = get_object_or_404(_published(access), number=number)
        data = s.ShownReport(
            number=report.number,
            title=report.title,
            published_at=report.published_at,
            created_at=report.created_at,
            stages=shown_stages(report, user=signed_in_user(request), role=access.role),
        )
        return Response(s.ReportDetailSerializer(data).data)


def _published(access: ProjectAccess) -> QuerySet[Report]:
    return Report.objects.filter(project=access.project, status=Report.Status.PUBLISHED)


# --- Stage metrics ----------------------------------------------------------------------------


class StageMetricList(ProjectScopedList):
    serializer_class = s.StageMetricSerializer

    def get(self, request: Request, slug: str) -> Response:
        """The metrics of the study's journey stages, each with its latest actual value."""
        access = self.access()
        metrics = StageMetric.objects.filter(
            stage__framework_id=access.project.framework_id
        ).select_related("stage")
        page = self.paged(metrics)
        latest: dict[int, StageMetricValue] = {}
        for value in StageMetricValue.objects.filter(
            project=access.project, metric__in=page, kind=StageMetricValue.Kind.ACTUAL
        ).order_by("measured_on", "id"):
            latest[value.metric_id] = value
        data = s.StageMetricSerializer(page, many=True, context={"latest": latest}).data
        return self.get_paginated_response(data)


class StageMetricValueList(ProjectScopedList):
    serializer_class = s.StageMetricValueSerializer

    def metric(self, access: ProjectAccess) -> StageMetric:
        return get_object_or_404(
            StageMetric,
            pk=self.kwargs["metric_id"],
            stage__framework_id=access.project.framework_id,
        )

    def get(self, request: Request, slug: str, metric_id: int) -> Response:
        """The study's dated readings of one metric: baselines and actual values."""
        access = self.access()
        metric = self.metric(access)
        return self.page(StageMetricValue.objects.filter(project=access.project, metric=metric))

    @extend_schema(responses={200: s.StageMetricValueSerializer, 201: s.StageMetricValueSerializer})
    def post(self, request: Request, slug: str, metric_id: int) -> Response:
        """Record a baseline or actual value on a date. Sending the same metric, kind and
        date again replaces the value (200), so a warehouse job can rerun safely."""
        access = self.access(write=True)
        metric = self.metric(access)
        shape = s.StageMetricValueSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        value, created = StageMetricValue.objects.update_or_create(
            project=access.project,
            metric=metric,
            kind=data["kind"],
            measured_on=data["measured_on"],
            defaults={"value": data["value"], "recorded_by": signed_in_user(request)},
        )
        return Response(
            s.StageMetricValueSerializer(value).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
