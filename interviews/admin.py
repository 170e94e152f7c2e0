"""The admin. Staff reading personal data here is audited like anywhere else; the audit log
itself is read-only; membership changes are audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse

from interviews.audit import audit, audit_many, audit_membership
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


class MembershipInline(admin.TabularInline[Membership, ResearchProject]):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


class ProjectAttributeInline(admin.TabularInline[ProjectAttribute, ResearchProject]):
    model = ProjectAttribute
    extra = 0


def _audit_membership_saved(
    request: HttpRequest, membership: Membership, *, created: bool, changed: list[str]
) -> None:
    if created:
        what = f"added as {membership.get_role_display()}"
    elif "role" in changed:
        what = f"now {membership.get_role_display()}"
    else:
        return
    audit_membership(request.user, project=membership.project, member=membership.user, change=what)


def _audit_membership_removed(request: HttpRequest, membership: Membership) -> None:
    audit_membership(
        request.user,
        project=membership.project,
        member=membership.user,
        change=f"removed (was {membership.get_role_display()})",
    )


@admin.register(ResearchProject)
class ResearchProjectAdmin(admin.ModelAdmin[ResearchProject]):
    list_display = ["title", "slug", "status", "segment", "region", "quarter", "target_interviews"]
    list_filter = ["status", "segment", "region", "lens", "quarter"]
    search_fields = ["title", "slug", "objective"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["framework"]
    inlines = [MembershipInline, ProjectAttributeInline]

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[ResearchProject],
        formset: BaseInlineFormSet[Any, ResearchProject, Any],
        change: bool,
    ) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        super().save_formset(request, form, formset, change)
        for membership in formset.new_objects:
            _audit_membership_saved(request, membership, created=True, changed=[])
        for membership, fields in formset.changed_objects:
            _audit_membership_saved(request, membership, created=False, changed=fields)
        for membership in formset.deleted_objects:
            _audit_membership_removed(request, membership)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["project", "user", "role"]
    list_filter = ["role", "project"]
    search_fields = ["project__title", "user__username", "user__email"]
    list_select_related = ["project", "user"]
    raw_id_fields = ["project", "user"]

    def save_model(
        self, request: HttpRequest, obj: Membership, form: ModelForm[Membership], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        _audit_membership_saved(request, obj, created=not change, changed=form.changed_data)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        super().delete_model(request, obj)
        _audit_membership_removed(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        memberships = list(queryset.select_related("project", "user"))
        super().delete_queryset(request, queryset)
        for membership in memberships:
            _audit_membership_removed(request, membership)


class ParticipantIdentityInline(admin.StackedInline[ParticipantIdentity, Participant]):
    model = ParticipantIdentity
    can_delete = False


class ConsentInline(admin.TabularInline[ConsentRecord, Participant]):
    model = ConsentRecord
    raw_id_fields = ["project", "recorded_by"]
    extra = 0


class AuditedReadsAdmin[M: Model](admin.ModelAdmin[M]):
    """Audit every admin page that shows personal data, and every search that may match it.

    `participant_of(obj)` gives the participant whose data a change page shows; list pages
    audit their rows when `list_shows_pii`, and a search term whenever one is given.
    """

    list_shows_pii = False

    def participant_of(self, obj: M) -> Participant:
        raise NotImplementedError

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and response.status_code == 200:
            audit(
                request.user,
                AuditEvent.Action.PII_VIEWED,
                participant=self.participant_of(obj),
                detail="admin",
            )
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is None:
            return response
        if changelist.query:
            audit(
                request.user,
                AuditEvent.Action.PII_SEARCHED,
                detail=f"admin {self.model._meta.verbose_name_plural}: {changelist.query}",
            )
        if self.list_shows_pii:
            audit_many(
                request.user,
                AuditEvent.Action.PII_VIEWED,
                participants=[self.participant_of(obj) for obj in changelist.result_list],
                detail="admin list",
            )
        return response


@admin.register(Participant)
class ParticipantAdmin(AuditedReadsAdmin[Participant]):
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

    def participant_of(self, obj: Participant) -> Participant:
        return obj


@admin.register(ParticipantIdentity)
class ParticipantIdentityAdmin(AuditedReadsAdmin[ParticipantIdentity]):
    list_display = ["participant", "name", "email", "company", "job_title"]
    search_fields = ["participant__pseudonym", "name", "email", "company"]
    list_select_related = ["participant"]
    raw_id_fields = ["participant"]
    list_shows_pii = True

    def participant_of(self, obj: ParticipantIdentity) -> Participant:
        return obj.participant


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin[ConsentRecord]):
    list_display = ["participant", "project", "scope", "given_on", "expires_on", "withdrawn_on"]
    list_filter = ["scope"]
    search_fields = ["participant__pseudonym", "note"]
    list_select_related = ["participant", "project"]
    raw_id_fields = ["participant", "project", "recorded_by"]


class EnrollmentEventInline(admin.TabularInline[EnrollmentEvent, Enrollment]):
    model = EnrollmentEvent
    raw_id_fields = ["by"]
    extra = 0


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin[Enrollment]):
    list_display = ["participant", "project", "status", "status_changed_at", "incentive_paid"]
    list_filter = ["status", "incentive_paid", "project"]
    search_fields = ["participant__pseudonym", "project__title"]
    list_select_related = ["participant", "project"]
    raw_id_fields = ["participant", "project"]
    inlines = [EnrollmentEventInline]


@admin.register(EnrollmentEvent)
class EnrollmentEventAdmin(admin.ModelAdmin[EnrollmentEvent]):
    list_display = ["enrollment", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
    search_fields = ["enrollment__participant__pseudonym", "override_reason"]
    list_select_related = ["enrollment__participant", "enrollment__project", "by"]
    raw_id_fields = ["enrollment", "by"]


@admin.register(ProjectAttribute)
class ProjectAttributeAdmin(admin.ModelAdmin[ProjectAttribute]):
    list_display = ["label", "key", "kind", "project"]
    list_filter = ["kind"]
    search_fields = ["label", "key", "project__title"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(AttributeValue)
class AttributeValueAdmin(admin.ModelAdmin[AttributeValue]):
    list_display = ["enrollment", "attribute", "text_value", "number_value", "date_value"]
    search_fields = ["text_value", "attribute__label"]
    list_select_related = ["enrollment__participant", "enrollment__project", "attribute"]
    raw_id_fields = ["enrollment", "attribute"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin[Session]):
    list_display = ["__str__", "project", "kind", "mode", "scheduled_at", "duration_minutes"]
    list_filter = ["kind", "mode", "project"]
    search_fields = ["title", "project__title", "participants__pseudonym"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]
    filter_horizontal = ["participants", "interviewers"]
    date_hierarchy = "scheduled_at"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log is append-only, for staff too."""

    list_display = ["at", "username", "action", "project", "participant", "detail"]
    list_filter = ["action"]
    search_fields = ["username", "participant__pseudonym", "detail"]
    list_select_related = ["project", "participant"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
