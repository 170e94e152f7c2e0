"""The analysis, first half: journey frameworks and stages, codebooks, coded highlights, search
entries and journey maps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from cxresearch.lib.concurrency import VersionedModel

if TYPE_CHECKING:
    from interviews.models import FieldNote, Transcript


class JourneyFramework(models.Model):
    """An ordered set of journey stages that a project codes evidence against."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    framework = models.ForeignKey(JourneyFramework, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    position = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)
    owning_team = models.CharField(max_length=120, blank=True)
    measured_by = models.TextField(
        blank=True, help_text="How progress through this stage is measured."
    )

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "position"], name="stage_unique_position"),
            models.UniqueConstraint(fields=["framework", "slug"], name="stage_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class StageMetric(models.Model):
    """A number a stage's owning team tracks, e.g. days from purchase to first value."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=160)
    owner = models.CharField(max_length=120, blank=True)
    baseline = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=40, blank=True, help_text="e.g. days, %, licences")

    class Meta:
        ordering = ["stage", "name"]

    def __str__(self) -> str:
        return self.name


class StageMetricValue(models.Model):
    """A dated reading of a stage metric for one study: its baseline, or an actual value.

    A data warehouse pushes these through the API (one per metric, kind and date: sending the
    same reading again replaces its value), so a study's journey shows how the number moved.
    """

    class Kind(models.TextChoices):
        BASELINE = "baseline", "Baseline"
        ACTUAL = "actual", "Actual"

    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="metric_values"
    )
    metric = models.ForeignKey(StageMetric, on_delete=models.CASCADE, related_name="values")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.ACTUAL)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    measured_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "metric", "kind", "measured_on"],
                name="stage_metric_value_one_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value} on {self.measured_on}"


class Code(VersionedModel, TagBase):
    """A code of a project's codebook: a django-taggit tag with a hierarchy and a definition.

    Names are unique within a project's codebook, not across projects, so the name and slug
    fields of TagBase are redefined without their global uniqueness. Researchers edit codes
    in forms with optimistic locking (cxresearch.lib.concurrency): `version`, `changed_by`.
    """

    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic"
        PAIN_POINT = "pain_point", "Pain point"
        NEED = "need", "Need"
        DELIGHT = "delight", "Delight"
        WORKAROUND = "workaround", "Workaround"
        QUOTE_WORTHY = "quote_worthy", "Quote-worthy"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, allow_unicode=True)
    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="codes"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TOPIC)
    definition = models.TextField(blank=True)
    inclusion_notes = models.TextField(blank=True, help_text="When to apply this code.")
    exclusion_notes = models.TextField(blank=True, help_text="When not to apply it.")
    colour = models.CharField(
        max_length=7,
        default="#f2c14e",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #f2c14e.")],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    natural_key_fields = ["project", "name"]

    class Meta:
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint("project", Lower("name"), name="code_unique_name_per_project"),
            models.UniqueConstraint(fields=["project", "slug"], name="code_unique_slug"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="code_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A renamed code gets a new slug, so code:"New name" in a search finds it.
        if self.pk is not None and not self._state.adding:
            stored = Code.objects.filter(pk=self.pk).values_list("name", flat=True).first()
            if stored is not None and stored != self.name:
                self.slug = ""
        # TagBase would make the slug unique across every project; per project is enough.
        if not self.slug:
            base = slugify(self.name, allow_unicode=True)[:90] or "code"
            taken = set(
                Code.objects.filter(project_id=self.project_id, slug__startswith=base)
                .exclude(pk=self.pk)
                .values_list("slug", flat=True)
            )
            slug, number = base, 1
            while slug in taken:
                number += 1
                slug = f"{base}-{number}"
            self.slug = slug
        models.Model.save(self, *args, **kwargs)  # skip TagBase.save's global slug search


class Highlight(models.Model):
    """A coded quote: a span of a transcript or a field note, with its stage and codes.

    Offsets count Unicode code points of the source's text, as REFI-QDA does.
    """

    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="highlights"
    )
    transcript = models.ForeignKey(
        "interviews.Transcript",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="highlights",
    )
    field_note = models.ForeignKey(
        "interviews.FieldNote",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="highlights",
    )
    # The utterance the span starts in: its speaker (and so the participant) and time.
    utterance = models.ForeignKey(
        "interviews.Utterance",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="highlights",
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField(help_text="The quoted text as it was when coded.")
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="highlights"
    )
    codes = TaggableManager(  # type: ignore[no-untyped-call]  # django-taggit is untyped
        through="CodedHighlight", blank=True
    )
    sentiment = models.SmallIntegerField(null=True, blank=True)
    pain_severity = models.PositiveSmallIntegerField(null=True, blank=True)
    memo = models.TextField(blank=True)
    # A memo is the coder's working note, for the research team; viewers see it only once a
    # lead shares it (insights.coding.memo_visible).
    memo_shared = models.BooleanField(default=False)
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="highlights"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SENTIMENT_RANGE = range(-2, 3)
    PAIN_SEVERITY_RANGE = range(0, 4)

    class Meta:
        ordering = ["project", "transcript", "field_note", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="highlight_start_before_end"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(transcript__isnull=False, field_note__isnull=True)
                    | models.Q(transcript__isnull=True, field_note__isnull=False)
                ),
                name="highlight_has_one_source",
            ),
            models.CheckConstraint(
                condition=models.Q(sentiment__isnull=True)
                | models.Q(sentiment__gte=-2, sentiment__lte=2),
                name="highlight_sentiment_range",
            ),
            models.CheckConstraint(
                condition=models.Q(pain_severity__isnull=True) | models.Q(pain_severity__lte=3),
                name="highlight_pain_severity_range",
            ),
            # One coder highlights a span once (insights.coding.highlight_get_or_create); two
            # constraints, because a NULL source column would make one never apply.
            models.UniqueConstraint(
                fields=["transcript", "start", "end", "coder"],
                condition=models.Q(transcript__isnull=False),
                name="highlight_unique_transcript_span",
            ),
            models.UniqueConstraint(
                fields=["field_note", "start", "end", "coder"],
                condition=models.Q(field_note__isnull=False),
                name="highlight_unique_note_span",
            ),
        ]
        indexes = [
            # The reader loads a transcript's highlights in order.
            models.Index(fields=["transcript", "start"], name="highlight_transcript_start"),
            # The quote list filters a project's highlights by stage and coder, newest first.
            models.Index(fields=["project", "stage"], name="highlight_project_stage"),
            models.Index(fields=["project", "coder"], name="highlight_project_coder"),
        ]

    def __str__(self) -> str:
        return f"Highlight {self.pk} ({self.start}–{self.end})"

    @property
    def source(self) -> Transcript | FieldNote:
        return self.transcript or self.field_note  # type: ignore[return-value]


class CodedHighlight(TaggedItemBase):
    """One code applied to one highlight, and who applied it."""

    content_object = models.ForeignKey(
        Highlight, on_delete=models.CASCADE, related_name="coded_items"
    )
    # taggit's documented way to use a custom tag model: the through model redefines `tag`.
    tag = models.ForeignKey(  # type: ignore[assignment]
        Code, on_delete=models.CASCADE, related_name="coded_items"
    )
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="coded_highlight_unique"
            ),
        ]
        indexes = [
            # The quote list filters by code.
            models.Index(fields=["tag", "content_object"], name="coded_highlight_tag"),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.content_object_id}"


class SearchEntry(models.Model):
    """One indexed document for the PostgreSQL full-text backend (insights.search.postgres_backend).

    A copy of a SearchDocument, rebuildable from the database at any time. On PostgreSQL,
    migration 0005_search_vector adds a generated tsvector column, `search_vector`, computed
    from `text`, with a GIN index; the model does not declare it because SQLite has no tsvector.
    """

    doc_id = models.CharField(max_length=200, unique=True)  # "<kind>:<pk>"
    kind = models.CharField(max_length=20)
    # No index of its own: the (project, kind) index below starts with project_id.
    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project_slug = models.CharField(max_length=80)
    text = models.TextField()
    url = models.TextField()
    title = models.TextField()
    speaker = models.CharField(max_length=100, blank=True)
    speaker_kind = models.CharField(max_length=20, blank=True)
    stage = models.CharField(max_length=120, blank=True)
    stage_name = models.CharField(max_length=200, blank=True)
    # Lists of strings: jsonb on PostgreSQL, so the search filters with `codes ?| array[...]`
    # and counts codes with jsonb_array_elements_text().
    codes = models.JSONField(default=list, blank=True)
    code_names = models.JSONField(default=list, blank=True)
    # The code names as words: search_vector covers them with `text` (migration
    # search_vector_code_names), so a plain word finds a highlight by its codes.
    code_text = models.TextField(blank=True, default="")
    sentiment = models.SmallIntegerField(null=True, blank=True)
    pain_severity = models.SmallIntegerField(null=True, blank=True)  # ranks with the text
    passage = models.CharField(max_length=100, blank=True, default="")  # found once per passage
    segment = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=20, blank=True)
    tier = models.CharField(max_length=20, blank=True)
    session_date = models.DateField(null=True, blank=True)
    time_ms = models.BigIntegerField(null=True, blank=True)
    # Consent is checked at search time against these (no foreign keys: the index is a copy,
    # and a deleted session's documents are removed with it).
    session_id = models.BigIntegerField(null=True, blank=True)
    speaker_participant_id = models.BigIntegerField(null=True, blank=True)
    # A highlight's coder: blind coding is checked at search time against it.
    coder_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "search entries"
        indexes = [
            # Every search filters by the viewer's projects (project_id = ANY(...)) and the
            # results page often by kind; also serves the project FK's cascade delete.
            models.Index(fields=["project", "kind"], name="search_entry_project_kind"),
        ]

    def __str__(self) -> str:
        return self.doc_id


class JourneyMap(models.Model):
    """A study's current-state or future-state journey map: stages × lanes.

    Lanes that evidence can fill (emotions, pain points, metrics, teams) are computed when
    the map is shown (insights.journey_maps); cells hold what researchers write.
    """

    class State(models.TextChoices):
        CURRENT = "current", "Current state"
        FUTURE = "future", "Future state"

    project = models.ForeignKey(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="journey_maps"
    )
    state = models.CharField(max_length=10, choices=State)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "state"]
        constraints = [
            models.UniqueConstraint(fields=["project", "state"], name="journey_map_unique_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()} map of project {self.project_id}"


class JourneyMapCell(models.Model):
    """What researchers wrote in one lane of one stage of a map."""

    class Lane(models.TextChoices):
        GOALS = "goals", "Customer goals and actions"
        TOUCHPOINTS = "touchpoints", "Touchpoints"
        TEAMS = "teams", "Teams and hand-offs"
        EMOTIONS = "emotions", "Emotions"
        PAIN_POINTS = "pain_points", "Pain points"
        OPPORTUNITIES = "opportunities", "Opportunities"
        METRICS = "metrics", "Metrics"

    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="cells")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    lane = models.CharField(max_length=20, choices=Lane)
    text = models.TextField(blank=True)
    # Optimistic locking: an edit names the version it started from (insights.journey_maps).
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["journey_map", "stage__position", "lane"]
        constraints = [
            models.UniqueConstraint(
                fields=["journey_map", "stage", "lane"], name="journey_map_cell_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lane} at stage {self.stage_id}"


class IndexOutbox(models.Model):
    """Search index work that is owed: a source whose documents must be written or removed.

    A row is written in the same transaction as the change it stands for (insights.search
    .indexing), so committed changes always leave one behind; the task that indexes the source
    deletes it when done. Rows whose task was never published (the broker was down) or that
    failed are drained by `insights.tasks.drain_index_outbox` (Celery beat) or
    `manage.py rebuild_index --pending`.
    """

    class Source(models.TextChoices):
        TRANSCRIPT = "transcript", "Transcript"
        FIELD_NOTE = "field_note", "Field note"
        HIGHLIGHT = "highlight", "Highlight"

    source = models.CharField(max_length=20, choices=Source)
    source_id = models.BigIntegerField()
    # Documents to remove that cannot be found from the id once the source is gone: the
    # utterances of a deleted transcript ("utterance:<pk>").
    removals = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "index outbox"

    def __str__(self) -> str:
        return f"{self.source} {self.source_id}"


class AgreementSnapshot(models.Model):
    """A project's coder agreement as last computed (insights.agreement_snapshots).

    Computing it takes seconds on a large study, so a job does it and the agreement page
    reads this row. One per project: each computation replaces it in one statement.
    """

    project = models.OneToOneField(
        "interviews.ResearchProject", on_delete=models.CASCADE, related_name="agreement_snapshot"
    )
    computed_at = models.DateTimeField()
    job = models.ForeignKey(
        "jobs.BackgroundJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    utterance_count = models.PositiveIntegerField(help_text="Utterances compared.")
    disagreement_count = models.PositiveIntegerField()
    # The figures, names and listed disagreements the page shows; the format is the one
    # insights.agreement_snapshots writes and reads (its FORMAT number is stored inside).
    data = models.JSONField()

    def __str__(self) -> str:
        return f"Agreement of project {self.project_id} at {self.computed_at:%Y-%m-%d %H:%M}"
