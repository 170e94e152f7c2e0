from django.contrib import admin

from jobs.models import BackgroundJob, JobItem


class JobItemInline(admin.TabularInline[JobItem, BackgroundJob]):
    model = JobItem
    extra = 0
    readonly_fields = ("position", "label", "outcome", "message")
    fields = readonly_fields


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin[BackgroundJob]):
    list_display = ["id", "kind", "project", "started_by", "state", "progress", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["project", "started_by"]
    raw_id_fields = ["project", "started_by"]
    readonly_fields = ["created_at", "started_at", "finished_at", "attempts", "task_name"]
    inlines = [JobItemInline]
