from django.contrib import admin

from interviews.models import (
    AttributeValue,
    AuditEvent,
    ConsentRecord,
    Enrollment,
    EnrollmentEvent,
    Membership,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    ResearchProject,
    Session,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


class ProjectAttributeInline(admin.TabularInline):
    model = ProjectAttribute
    extra = 0


@admin.register(ResearchProject)
class ResearchProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "segment", "region", "quarter", "target_interviews"]
    list_filter = ["status", "segment", "region", "lens", "quarter"]
    search_fields = ["title", "slug", "objective"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["framework"]
    inlines = [MembershipInline, ProjectAttributeInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "role"]
    list_filter = ["role", "project"]
    search_fields = ["project__title", "user__username", "user__email"]
    list_select_related = ["project", "user"]
    raw_id_fields = ["project", "user"]


class ParticipantIdentityInline(admin.StackedInline):
    model = ParticipantIdentity
    can_delete = False


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    raw_id_fields = ["project", "recorded_by"]
    extra = 0


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "kind", "persona", "segment", "region", "tier", "do_not_contact"]
    list_filter = ["kind", "segment", "region", "tier", "deployment", "do_not_contact"]
    search_fields = [
        "pseudonym",
        "persona",
        "identity__name",
        "identity__email",
        "identity__company",
    ]
    readonly_fields = ["pseudonym", "erased_at"]
    inlines = [ParticipantIdentityInline, ConsentInline]


@admin.register(ParticipantIdentity)
class ParticipantIdentityAdmin(admin.ModelAdmin):
    list_display = ["participant", "name", "email", "company", "job_title"]
    search_fields = ["participant__pseudonym", "name", "email", "company"]
    list_select_related = ["participant"]
    raw_id_fields = ["participant"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["participant", "project", "scope", "given_on", "expires_on", "withdrawn_on"]
    list_filter = ["scope"]
    search_fields = ["participant__pseudonym", "note"]
    list_select_related = ["participant", "project"]
    raw_id_fields = ["participant", "project", "recorded_by"]


class EnrollmentEventInline(admin.TabularInline):
    model = EnrollmentEvent
    raw_id_fields = ["by"]
    extra = 0


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["participant", "project", "status", "status_changed_at", "incentive_paid"]
    list_filter = ["status", "incentive_paid", "project"]
    search_fields = ["participant__pseudonym", "project__title"]
    list_select_related = ["participant", "project"]
    raw_id_fields = ["participant", "project"]
    inlines = [EnrollmentEventInline]


@admin.register(EnrollmentEvent)
class EnrollmentEventAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
    search_fields = ["enrollment__participant__pseudonym", "override_reason"]
    list_select_related = ["enrollment__participant", "enrollment__project", "by"]
    raw_id_fields = ["enrollment", "by"]


@admin.register(ProjectAttribute)
class ProjectAttributeAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "kind", "project"]
    list_filter = ["kind"]
    search_fields = ["label", "key", "project__title"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(AttributeValue)
class AttributeValueAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "attribute", "text_value", "number_value", "date_value"]
    search_fields = ["text_value", "attribute__label"]
    list_select_related = ["enrollment__participant", "enrollment__project", "attribute"]
    raw_id_fields = ["enrollment", "attribute"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "kind", "mode", "scheduled_at", "duration_minutes"]
    list_filter = ["kind", "mode", "project"]
    search_fields = ["title", "project__title", "participants__pseudonym"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]
    filter_horizontal = ["participants", "interviewers"]
    date_hierarchy = "scheduled_at"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "project", "participant", "detail"]
    list_filter = ["action"]
    search_fields = ["user__username", "participant__pseudonym", "detail"]
    list_select_related = ["user", "project", "participant"]
    raw_id_fields = ["user", "project", "participant"]
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
