"""What the API reads and writes, field by field.

Output serializers only shape rows that the selectors already filtered (insights.visibility,
interviews.access, interviews.pii); input serializers check types and sizes, and the
services check the rest (offsets, codebook, pipeline rules) with the pages' own messages.

Each serializer names what it reads (`ModelSerializer[Theme]`, `Serializer[QuoteRow]`); input
serializers are `Serializer[None]`: they only check `data=`, never read an instance.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from insights.coding import MAX_CODES_PER_HIGHLIGHT, MAX_MEMO_LENGTH
from insights.models import (
    Code,
    CodingSettings,
    JourneyFramework,
    Recommendation,
    Report,
    Stage,
    StageMetric,
    StageMetricValue,
    Theme,
)
from insights.quotes import QuoteRow
from insights.reports import MetricSnap, ShownQuote, ShownStage, ShownTheme
from insights.visibility import EvidenceReader
from interviews.models import (
    CompanySize,
    Deployment,
    Enrollment,
    Participant,
    ParticipantIdentity,
    Region,
    ResearchProject,
    Segment,
    Session,
    Tier,
)

# Ids and offsets fit a signed 64-bit integer, the widest column they go into.
MAX_INTEGER = 2**63 - 1


class ProjectSerializer(serializers.ModelSerializer[ResearchProject]):
    role = serializers.SerializerMethodField()
    blind_coding = serializers.SerializerMethodField()
    codings_revealed = serializers.SerializerMethodField()
    framework: serializers.SlugRelatedField[JourneyFramework] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = ResearchProject
        fields = [
            "slug",
            "title",
            "objective",
            "segment",
            "region",
            "quarter",
            "status",
            "lens",
            "target_interviews",
            "framework",
            "blind_coding",
            "codings_revealed",
            "created_at",
            "role",
        ]

    def get_blind_coding(self, project: ResearchProject) -> bool:
        """Whether coders see only their own codings until the lead reveals everyone's."""
        return CodingSettings.of(project).blind_coding

    def get_codings_revealed(self, project: ResearchProject) -> bool:
        """Whether the lead has revealed everyone's codings of a blind study."""
        return CodingSettings.of(project).codings_revealed

    def get_role(self, project: ResearchProject) -> str:
        """Your role in the study: lead, researcher or viewer (staff act as leads)."""
        roles: dict[int, str] = self.context["roles"]
        return roles.get(project.pk, "lead")


class SessionSerializer(serializers.ModelSerializer[Session]):
    participants: serializers.SlugRelatedField[Participant] = serializers.SlugRelatedField(
        slug_field="pseudonym", many=True, read_only=True
    )
    title = serializers.SerializerMethodField()
    shared = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "title",
            "kind",
            "mode",
            "scheduled_at",
            "duration_minutes",
            "participants",
            "shared",
        ]

    def get_title(self, session: Session) -> str:
        """The title the team typed, for the research team; the session's kind and date
        ("Interview on 2026-03-02") for anyone else, since a title may name the person."""
        reader: EvidenceReader = self.context["reader"]
        return reader.session_name(session)

    def get_shared(self, session: Session) -> bool:
        """Whether you may read this session's transcripts and notes (consent audience)."""
        reader: EvidenceReader = self.context["reader"]
        return reader.may_read_session(session.pk)


class IdentitySerializer(serializers.Serializer[ParticipantIdentity]):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    email = serializers.EmailField(allow_blank=True, required=False, default="")
    company = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    job_title = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class EnrollmentSerializer(serializers.ModelSerializer[Enrollment]):
    participant: serializers.SlugRelatedField[Participant] = serializers.SlugRelatedField(
        slug_field="pseudonym", read_only=True
    )

    class Meta:
        model = Enrollment
        fields = ["id", "participant", "status", "status_changed_at", "created_at"]


class ParticipantSerializer(serializers.ModelSerializer[Participant]):
    """A participant of the study: the pseudonym and open profile; personal data only for
    those who may read it (interviews.pii), and null for everyone else."""

    identity = serializers.SerializerMethodField()
    enrollment = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = [
            "pseudonym",
            "kind",
            "persona",
            "segment",
            "region",
            "tier",
            "deployment",
            "company_size",
            "do_not_contact",
            "last_contacted_on",
            "enrollment",
            "identity",
        ]

    @extend_schema_field(IdentitySerializer(allow_null=True))
    def get_identity(self, participant: Participant) -> dict[str, Any] | None:
        identities: dict[int, ParticipantIdentity] = self.context["identities"]
        identity = identities.get(participant.pk)
        return IdentitySerializer(identity).data if identity is not None else None

    @extend_schema_field(EnrollmentSerializer(allow_null=True))
    def get_enrollment(self, participant: Participant) -> dict[str, Any] | None:
        enrollments: dict[int, Enrollment] = self.context["enrollments"]
        enrollment = enrollments.get(participant.pk)
        return EnrollmentSerializer(enrollment).data if enrollment is not None else None


class ParticipantCreateSerializer(serializers.Serializer[None]):
    kind = serializers.ChoiceField(Participant.Kind.choices, default=Participant.Kind.CUSTOMER)
    persona = serializers.CharField(max_length=120, allow_blank=True, default="")
    segment = serializers.ChoiceField(Segment.choices, allow_blank=True, default="")
    region = serializers.ChoiceField(Region.choices, allow_blank=True, default="")
    tier = serializers.ChoiceField(Tier.choices, allow_blank=True, default="")
    deployment = serializers.ChoiceField(Deployment.choices, allow_blank=True, default="")
    company_size = serializers.ChoiceField(CompanySize.choices, allow_blank=True, default="")
    identity = IdentitySerializer(required=False)


class EnrollmentCreateSerializer(serializers.Serializer[None]):
    participant = serializers.CharField(max_length=20, help_text="The pseudonym, e.g. P-014.")


class EnrollmentMoveSerializer(serializers.Serializer[None]):
    to_status = serializers.ChoiceField(Enrollment.Status.choices)
    override_reason = serializers.CharField(max_length=500, allow_blank=True, default="")
    note = serializers.CharField(max_length=1000, allow_blank=True, default="")


# A field named `parent` or `source` is no attribute of the serializer at run time (DRF's
# metaclass moves declared fields into `_declared_fields`), but the stubs take it for
# Field.parent or Field.source: those lines carry an ignore.


class CodeSerializer(serializers.ModelSerializer[Code]):
    parent: serializers.PrimaryKeyRelatedField[Code] = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]  # not Field.parent
        read_only=True, allow_null=True
    )

    class Meta:
        model = Code
        fields = [
            "id",
            "name",
            "parent",
            "kind",
            "colour",
            "definition",
            "inclusion_notes",
            "exclusion_notes",
            "version",
        ]


class CodeCreateSerializer(serializers.Serializer[None]):
    """Checked again by the codebook's own form (insights.forms.CodeForm)."""

    name = serializers.CharField(max_length=100)
    parent = serializers.IntegerField(  # type: ignore[assignment]  # not Field.parent
        required=False, allow_null=True, min_value=1, max_value=MAX_INTEGER
    )
    kind = serializers.ChoiceField(Code.Kind.choices, default=Code.Kind.TOPIC)
    colour = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", default="#f2c14e")
    definition = serializers.CharField(max_length=5000, allow_blank=True, default="")
    inclusion_notes = serializers.CharField(max_length=5000, allow_blank=True, default="")
    exclusion_notes = serializers.CharField(max_length=5000, allow_blank=True, default="")


class HighlightSerializer(serializers.Serializer[QuoteRow]):
    """One row of the quote list (insights.quotes.QuoteRow), as this reader may read it."""

    id = serializers.IntegerField(source="highlight.pk")
    source = serializers.SerializerMethodField()  # type: ignore[assignment]  # not Field.source
    source_id = serializers.SerializerMethodField()
    start = serializers.IntegerField(source="highlight.start")
    end = serializers.IntegerField(source="highlight.end")
    text = serializers.CharField(help_text="Redacted spans read as their placeholder.")
    stage = serializers.SerializerMethodField()
    codes = serializers.SerializerMethodField()
    sentiment = serializers.IntegerField(source="highlight.sentiment", allow_null=True)
    pain_severity = serializers.IntegerField(source="highlight.pain_severity", allow_null=True)
    memo = serializers.CharField(help_text="Empty when you may not read it.")
    participants = serializers.SerializerMethodField()
    speaker_role = serializers.CharField()
    coder = serializers.CharField(source="highlight.coder.get_username")
    created_at = serializers.DateTimeField(source="highlight.created_at")
    url = serializers.CharField(help_text="The quote in its transcript or session, on the site.")
    hidden_from_viewers = serializers.BooleanField()

    def get_source(self, row: QuoteRow) -> str:
        return "transcript" if row.highlight.transcript_id is not None else "field_note"

    def get_source_id(self, row: QuoteRow) -> int:
        source_id = row.highlight.transcript_id or row.highlight.field_note_id
        assert source_id is not None  # a highlight has one source (highlight_has_one_source)
        return source_id

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_stage(self, row: QuoteRow) -> str | None:
        """The stage's slug."""
        stage = row.highlight.stage
        return stage.slug if stage is not None else None

    def get_codes(self, row: QuoteRow) -> list[str]:
        return [chip.name for chip in row.codes]

    def get_participants(self, row: QuoteRow) -> list[str]:
        """Pseudonyms of who said it (transcript) or of the session's participants (note)."""
        return [participant.pseudonym for participant in row.participants]


class HighlightCreateSerializer(serializers.Serializer[None]):
    source = serializers.ChoiceField(["transcript", "field_note"])  # type: ignore[assignment]  # not Field.source
    source_id = serializers.IntegerField(min_value=1, max_value=MAX_INTEGER)
    start = serializers.IntegerField(
        min_value=0, max_value=MAX_INTEGER, help_text="In code points (Python's str indexing)."
    )
    end = serializers.IntegerField(min_value=1, max_value=MAX_INTEGER)
    text = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text="The text you mean to quote: refused if the source differs.",
    )
    stage = serializers.SlugField(required=False, allow_null=True, max_length=120)
    codes = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=MAX_CODES_PER_HIGHLIGHT,
        default=list,
        help_text="Code names; a name not yet in the codebook is added to it.",
    )
    sentiment = serializers.IntegerField(required=False, allow_null=True, min_value=-2, max_value=2)
    pain_severity = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=3
    )
    memo = serializers.CharField(max_length=MAX_MEMO_LENGTH, allow_blank=True, default="")


class HighlightUpdateSerializer(serializers.Serializer[None]):
    """What may change on a highlight (its span stays); a field left out keeps its value."""

    stage = serializers.SlugField(required=False, allow_null=True, max_length=120)
    codes = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=MAX_CODES_PER_HIGHLIGHT,
        required=False,
        help_text="The whole list of code names: codes left out are removed.",
    )
    sentiment = serializers.IntegerField(required=False, allow_null=True, min_value=-2, max_value=2)
    pain_severity = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=3
    )
    memo = serializers.CharField(max_length=MAX_MEMO_LENGTH, allow_blank=True, required=False)


class ThemeSerializer(serializers.ModelSerializer[Theme]):
    stage: serializers.SlugRelatedField[Stage] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    codes: serializers.SlugRelatedField[Code] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )

    class Meta:
        model = Theme
        fields = [
            "id",
            "name",
            "summary",
            "status",
            "stage",
            "codes",
            "is_pain_point",
            "quote_count",
            "participant_count",
            "session_count",
            "participant_share",
            "coverage",
            "mean_sentiment",
            "mean_severity",
            "strength_at",
        ]


class RecommendationSerializer(serializers.ModelSerializer[Recommendation]):
    stage: serializers.SlugRelatedField[Stage] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    themes: serializers.PrimaryKeyRelatedField[Theme] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "statement",
            "stage",
            "owning_team",
            "impact",
            "effort",
            "status",
            "themes",
        ]


class ReportSerializer(serializers.Serializer[Report]):
    number = serializers.IntegerField()
    title = serializers.CharField()
    published_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class ReportQuoteSerializer(serializers.Serializer[ShownQuote]):
    text = serializers.CharField()
    participant = serializers.CharField()
    profile = serializers.CharField()


class ReportThemeSerializer(serializers.Serializer[ShownTheme]):
    name = serializers.CharField(source="theme.name")
    summary = serializers.CharField(source="theme.summary")
    codes = serializers.ListField(child=serializers.CharField(), source="theme.codes")
    pain_point = serializers.BooleanField(source="theme.pain_point")
    quote_count = serializers.IntegerField(source="theme.quotes")
    participant_count = serializers.IntegerField(source="theme.participants")
    session_count = serializers.IntegerField(source="theme.sessions")
    participant_share = serializers.FloatField(source="theme.share")
    mean_sentiment = serializers.FloatField(source="theme.mean_sentiment", allow_null=True)
    mean_severity = serializers.FloatField(source="theme.mean_severity", allow_null=True)
    coverage = serializers.CharField(source="theme.coverage")
    quotes = ReportQuoteSerializer(many=True)
    hidden_quotes = serializers.IntegerField(
        source="hidden", help_text="Quotes of the snapshot you may not read now."
    )


class ReportMetricSerializer(serializers.Serializer[MetricSnap]):
    name = serializers.CharField()
    owner = serializers.CharField()
    baseline = serializers.CharField()
    target = serializers.CharField()
    unit = serializers.CharField()


class ReportStageSerializer(serializers.Serializer[ShownStage]):
    name = serializers.CharField(source="stage.name")
    team = serializers.CharField(source="stage.team")
    themes = ReportThemeSerializer(many=True)
    metrics = ReportMetricSerializer(many=True, source="stage.metrics")


class ShownReport(TypedDict):
    """A published report with the quotes this reader may read now (api.views.ReportDetail)."""

    number: int
    title: str
    published_at: dt.datetime | None
    created_at: dt.datetime
    stages: list[ShownStage]


class ReportDetailSerializer(serializers.Serializer[ShownReport]):
    number = serializers.IntegerField()
    title = serializers.CharField()
    published_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    stages = ReportStageSerializer(many=True)


class StageMetricValueSerializer(serializers.ModelSerializer[StageMetricValue]):
    value = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)

    class Meta:
        model = StageMetricValue
        fields = ["id", "kind", "value", "measured_on", "recorded_at"]
        read_only_fields = ["id", "recorded_at"]
        extra_kwargs = {"kind": {"default": StageMetricValue.Kind.ACTUAL}}
        # The unique constraint is an upsert key here (api.views), not a refusal.
        validators: list[object] = []


class StageMetricSerializer(serializers.ModelSerializer[StageMetric]):
    stage: serializers.SlugRelatedField[Stage] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    baseline = serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    target = serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    latest_actual = serializers.SerializerMethodField()

    class Meta:
        model = StageMetric
        fields = ["id", "stage", "name", "owner", "baseline", "target", "unit", "latest_actual"]

    @extend_schema_field(StageMetricValueSerializer(allow_null=True))
    def get_latest_actual(self, metric: StageMetric) -> dict[str, Any] | None:
        latest: dict[int, StageMetricValue] = self.context["latest"]
        value = latest.get(metric.pk)
        return StageMetricValueSerializer(value).data if value is not None else None
