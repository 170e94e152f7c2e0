from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from insights.models import CodingSettings, IndexOutbox, JourneyFramework, Stage, StageMetric


class StageInline(admin.TabularInline[Stage, JourneyFramework]):
    model = Stage
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


@admin.register(JourneyFramework)
class JourneyFrameworkAdmin(admin.ModelAdmin[JourneyFramework]):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StageInline]


class StageMetricInline(admin.TabularInline[StageMetric, Stage]):
    model = StageMetric
    extra = 0


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin[Stage]):
    list_display = ["name", "framework", "position", "owning_team"]
    list_filter = ["framework"]
    search_fields = ["name", "owning_team", "measured_by"]
    list_select_related = ["framework"]
    inlines = [StageMetricInline]


@admin.register(StageMetric)
class StageMetricAdmin(admin.ModelAdmin[StageMetric]):
    list_display = ["name", "stage", "owner", "baseline", "target", "unit"]
    search_fields = ["name", "owner", "stage__name"]
    list_select_related = ["stage__framework"]
    raw_id_fields = ["stage"]


@admin.register(CodingSettings)
class CodingSettingsAdmin(admin.ModelAdmin[CodingSettings]):
    """A study's blind coding (its lead switches it on the agreement page). A study without a
    row is not blind."""

    list_display = ["project", "blind_coding", "codings_revealed", "updated_at"]
    list_filter = ["blind_coding", "codings_revealed"]
    search_fields = ["project__title", "project__slug"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(IndexOutbox)
class IndexOutboxAdmin(admin.ModelAdmin[IndexOutbox]):
    """Search index work still owed (see insights.search.indexing); read-only, drained by the
    periodic task or `manage.py rebuild_index --pending`."""

    list_display = ["source", "source_id", "created_at", "attempts", "last_error"]
    list_filter = ["source"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IndexOutbox | None = None) -> bool:
        return False
