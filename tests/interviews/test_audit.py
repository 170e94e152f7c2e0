"""The audit log: append-only, written wherever personal data is read, searched, exported or
changed, and whenever something is published, a membership changes, a recruitment rule is
overridden or evidence is deleted; shown to a study's leads and, read-only, to admins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from insights.codebook import code_delete, code_merge
from insights.coding import HighlightFields, code_get_or_create, highlight_create, highlight_delete
from interviews import services
from interviews.audit import audit, audit_export, audit_publication
from interviews.models import (
    AuditEvent,
    Enrollment,
    FieldNote,
    Membership,
    Participant,
    ParticipantIdentity,
    ResearchProject,
)
from interviews.models.audit import AuditLogIsAppendOnly
from tests.factories import (
    make_consent,
    make_enrollment,
    make_participant,
    make_project,
    make_session,
    make_transcript,
    make_user,
)

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def ada(project: ResearchProject) -> Participant:
    participant = make_participant(name="Ada Lovelace", email="ada@analytical.example")
    make_enrollment(project, participant)
    return participant


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def staff_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


# --- Append-only --------------------------------------------------------------------------------


def test_an_event_cannot_be_changed_or_deleted(researcher: User) -> None:
    event = audit(researcher, Action.PII_VIEWED, detail="participant page")
    event.detail = "nothing happened"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(detail="nothing happened")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).detail == "participant page"


def test_deleting_the_user_keeps_their_events_and_name(ada: Participant) -> None:
    leaving = make_user("leaving")
    audit(leaving, Action.PII_VIEWED, participant=ada)
    leaving.delete()
    (event,) = events(Action.PII_VIEWED)
    assert (event.user_id, event.username, event.participant_id) == (None, "leaving", ada.pk)


def test_the_admin_shows_the_log_and_allows_no_change(
    staff_client: Client, researcher: User
) -> None:
    event = audit(researcher, Action.PII_VIEWED, detail="participant page")
    changelist = reverse("admin:interviews_auditevent_changelist")
    change = reverse("admin:interviews_auditevent_change", args=[event.pk])
    delete = reverse("admin:interviews_auditevent_delete", args=[event.pk])

    listing = staff_client.get(changelist)
    assert listing.status_code == 200
    assert "participant page" in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert staff_client.get(reverse("admin:interviews_auditevent_add")).status_code == 403
    assert staff_client.post(change, {"detail": "edited"}).status_code == 403
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    bulk = staff_client.post(
        changelist, {"action": "delete_selected", "_selected_action": event.pk}
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.get(pk=event.pk).detail == "participant page"


# --- Reading, searching, changing personal data -------------------------------------------------


def test_opening_the_participant_edit_form_is_audited(
    researcher_client: Client, researcher: User, ada: Participant
) -> None:
    response = researcher_client.get(reverse("interviews:participant-edit", args=[ada.pseudonym]))
    assert "ada@analytical.example" in response.content.decode()
    (event,) = events(Action.PII_VIEWED)
    assert (event.user, event.participant, event.detail) == (
        researcher,
        ada,
        "participant edit form",
    )


def test_changing_personal_data_records_which_fields_not_their_values(
    researcher_client: Client, ada: Participant
) -> None:
    url = reverse("interviews:participant-edit", args=[ada.pseudonym])
    data = {
        "kind": "customer",
        "persona": "DevOps lead",
        "segment": "large",
        "region": "emea",
        "tier": "premium",
        "identity-name": "Ada Lovelace",
        "identity-email": "ada@engines.example",
        "identity-company": "Acme Corp",
        "identity-job_title": "DevOps lead",
    }
    response = researcher_client.post(url, data)
    assert response.status_code == 302
    (event,) = events(Action.PII_CHANGED)
    assert (event.participant, event.detail) == (ada, "changed email")
    assert "engines" not in event.detail


def test_a_directory_search_records_its_term(
    researcher_client: Client, researcher: User, ada: Participant
) -> None:
    researcher_client.get(reverse("interviews:participant-list"), {"q": "Lovelace"})
    (event,) = events(Action.PII_SEARCHED)
    assert (event.user, event.detail) == (researcher, "participant directory: Lovelace")


def test_a_directory_without_a_search_or_by_a_viewer_records_no_search(
    researcher_client: Client, viewer_client: Client, ada: Participant
) -> None:
    researcher_client.get(reverse("interviews:participant-list"))
    viewer_client.get(reverse("interviews:participant-list"), {"q": "Lovelace"})
    assert events(Action.PII_SEARCHED) == []


def test_reading_personal_data_in_the_admin_is_audited(
    staff_client: Client, admin_user: User, ada: Participant
) -> None:
    page = staff_client.get(reverse("admin:interviews_participant_change", args=[ada.pk]))
    assert "ada@analytical.example" in page.content.decode()
    identities = staff_client.get(reverse("admin:interviews_participantidentity_changelist"))
    assert "ada@analytical.example" in identities.content.decode()
    staff_client.get(reverse("admin:interviews_participant_changelist"), {"q": "analytical"})

    viewed = events(Action.PII_VIEWED)
    assert [(e.user, e.participant, e.detail) for e in viewed] == [
        (admin_user, ada, "admin"),
        (admin_user, ada, "admin list"),
    ]
    (search,) = events(Action.PII_SEARCHED)
    assert search.detail == "admin participants: analytical"


# --- Exports, publication (helpers other modules call) ------------------------------------------


def test_exports_and_publications_are_recorded(project: ResearchProject, lead: User) -> None:
    audit_export(lead, project=project, what="quotes spreadsheet", rows=1200, personal_data=False)
    audit_export(lead, project=project, what="participants", rows=3, personal_data=True)
    audit_publication(lead, project=project, what="report “Onboarding, FY27-Q1”")

    assert [e.detail for e in events(Action.EXPORTED)] == ["quotes spreadsheet: 1,200 rows"]
    assert [e.detail for e in events(Action.PII_EXPORTED)] == ["participants: 3 rows"]
    assert [e.detail for e in events(Action.PUBLISHED)] == ["report “Onboarding, FY27-Q1”"]


# --- Memberships ------------------------------------------------------------------------------


def test_member_changes_on_the_members_page_are_recorded(
    lead_client: Client, project: ResearchProject, outsider: User
) -> None:
    members = reverse("interviews:project-members", args=[project.slug])
    lead_client.post(members, {"username": "outsider", "role": "viewer"})
    lead_client.post(members, {"username": "outsider", "role": "researcher"})
    lead_client.post(members, {"username": "outsider", "role": "researcher"})  # no change
    membership = Membership.objects.get(project=project, user=outsider)
    lead_client.post(reverse("interviews:member-remove", args=[project.slug, membership.pk]))

    assert [e.detail for e in events(Action.MEMBERSHIP_CHANGED)] == [
        "outsider: added as Viewer",
        "outsider: Viewer → Researcher",
        "outsider: removed (was Researcher)",
    ]
    assert {e.project_id for e in events(Action.MEMBERSHIP_CHANGED)} == {project.pk}


def test_starting_a_study_records_its_first_lead(researcher_client: Client, project) -> None:
    data = {
        "title": "Renewals",
        "slug": "renewals",
        "status": "backlog",
        "segment": "cross",
        "lens": "customer",
        "target_interviews": 8,
    }
    assert researcher_client.post(reverse("interviews:project-create"), data).status_code == 302
    (event,) = events(Action.MEMBERSHIP_CHANGED)
    assert event.detail == "researcher: added as Lead"


def test_member_changes_in_the_admin_are_recorded(
    staff_client: Client, project: ResearchProject, outsider: User
) -> None:
    add = reverse("admin:interviews_membership_add")
    staff_client.post(add, {"project": project.pk, "user": outsider.pk, "role": "viewer"})
    membership = Membership.objects.get(project=project, user=outsider)
    change = reverse("admin:interviews_membership_change", args=[membership.pk])
    staff_client.post(change, {"project": project.pk, "user": outsider.pk, "role": "lead"})
    delete = reverse("admin:interviews_membership_delete", args=[membership.pk])
    staff_client.post(delete, {"post": "yes"})

    assert [e.detail for e in events(Action.MEMBERSHIP_CHANGED)] == [
        "outsider: added as Viewer",
        "outsider: now Lead",
        "outsider: removed (was Lead)",
    ]


# --- Overrides ------------------------------------------------------------------------------


def test_overriding_a_recruitment_rule_is_recorded(
    project: ResearchProject, researcher: User
) -> None:
    participant = make_participant()
    make_consent(participant)
    participant.last_contacted_on = timezone.localdate() - dt.timedelta(days=5)
    participant.save()
    enrollment = make_enrollment(project, participant)

    services.enrollment_move(
        enrollment=enrollment,
        to_status=Enrollment.Status.CONTACTED,
        by=researcher,
        override_reason="Their account team asked us to.",
    )

    (event,) = events(Action.RULE_OVERRIDDEN)
    assert (event.user, event.project, event.participant) == (researcher, project, participant)
    assert event.detail == "identified → contacted. Reason: Their account team asked us to."


# --- Deletions ------------------------------------------------------------------------------


def test_deleting_evidence_is_recorded(
    project: ResearchProject, lead: User, researcher_client: Client
) -> None:
    session = make_session(project)
    transcript = make_transcript(session)
    sso, _ = code_get_or_create(project=project, name="SSO", by=lead)
    saml, _ = code_get_or_create(project=project, name="SAML", by=lead)
    billing, _ = code_get_or_create(project=project, name="Billing", by=lead)
    highlight = highlight_create(
        project=project,
        coder=lead,
        start=0,
        end=8,
        fields=HighlightFields(codes=[sso]),
        transcript=transcript,
    )
    highlight_id = highlight.pk
    note = FieldNote.objects.create(session=session, text="Badge reader jams.")

    code_merge(source=saml, target=sso, by=lead)
    code_delete(code=billing, by=lead, confirm_uses=None)
    highlight_delete(highlight=highlight, by=lead)
    researcher_client.post(
        reverse("interviews:fieldnote-delete", args=[project.slug, session.pk, note.pk])
    )
    researcher_client.post(
        reverse("interviews:transcript-delete", args=[project.slug, session.pk, transcript.pk])
    )

    details = {
        e.action: e.detail for e in AuditEvent.objects.filter(project=project).order_by("id")
    }
    assert details[Action.CODE_MERGED] == (
        "“SAML” merged into “SSO”: 0 highlights moved, 0 duplicates dropped"
    )
    assert details[Action.CODE_DELETED] == "“Billing”, used by 0 highlights"
    assert details[Action.HIGHLIGHT_DELETED] == (
        f"highlight {highlight_id} of transcript {transcript.pk}, 0–8, coded by lead"
    )
    assert details[Action.FIELD_NOTE_DELETED] == (
        f"observation note {note.pk} of session {session.pk}"
    )
    assert details[Action.TRANSCRIPT_DELETED] == (
        f"“Interview” of session {session.pk}, 0 highlights"
    )


def test_erasure_is_recorded(researcher_client: Client, researcher: User, ada) -> None:
    url = reverse("interviews:participant-erase", args=[ada.pseudonym])
    researcher_client.post(url, {"confirm": ada.pseudonym})
    (event,) = events(Action.PII_ERASED)
    assert (event.user, event.participant) == (researcher, ada)
    assert not ParticipantIdentity.objects.filter(participant=ada).exists()


# --- The study's audit page, for leads --------------------------------------------------------


def audit_url(project: ResearchProject, **params: Any) -> str:
    url = reverse("interviews:project-audit", args=[project.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_the_lead_sees_the_study_events_and_reads_of_its_participants(
    lead_client: Client, project: ResearchProject, researcher: User, ada: Participant
) -> None:
    elsewhere = make_project(slug="elsewhere")
    stranger = make_participant(name="Grace Hopper")
    audit(researcher, Action.CODE_DELETED, project=project, detail="“SSO”, used by 2 highlights")
    audit(researcher, Action.PII_VIEWED, participant=ada, detail="participant page")
    audit(researcher, Action.CODE_DELETED, project=elsewhere, detail="another study's code")
    audit(researcher, Action.PII_VIEWED, participant=stranger, detail="not in this study")
    audit(researcher, Action.PII_SEARCHED, detail="participant directory: Lovelace")

    page = lead_client.get(audit_url(project)).content.decode()

    assert "“SSO”, used by 2 highlights" in page
    assert "participant page" in page and ada.pseudonym in page
    for hidden in ("another study's code", "not in this study", "Lovelace"):
        assert hidden not in page


def test_the_audit_page_filters_by_action_and_pages(
    lead_client: Client,
    project: ResearchProject,
    researcher: User,
    django_assert_max_num_queries,
) -> None:
    for number in range(60):
        audit(researcher, Action.HIGHLIGHT_DELETED, project=project, detail=f"highlight {number}")
    audit(researcher, Action.CODE_DELETED, project=project, detail="“SSO”, used by 0 highlights")

    with django_assert_max_num_queries(8):
        first = lead_client.get(audit_url(project, action="highlight_deleted"))
    with django_assert_max_num_queries(8):
        second = lead_client.get(audit_url(project, action="highlight_deleted", page=2))

    assert first.context["page"].paginator.count == 60
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10
    assert "“SSO”" not in first.content.decode() + second.content.decode()
    assert 'href="?action=highlight_deleted&amp;page=2"' in first.content.decode()
    everything = lead_client.get(audit_url(project, action="not-an-action"))
    assert everything.context["page"].paginator.count == 61


def test_only_leads_reach_the_audit_page(
    researcher_client: Client, viewer_client: Client, outsider_client: Client, project
) -> None:
    assert researcher_client.get(audit_url(project)).status_code == 403
    assert viewer_client.get(audit_url(project)).status_code == 403
    assert outsider_client.get(audit_url(project)).status_code == 404


def test_the_study_page_links_leads_to_the_audit_log(
    lead_client: Client, researcher_client: Client, project
) -> None:
    assert audit_url(project) in lead_client.get(project.get_absolute_url()).content.decode()
    assert (
        audit_url(project) not in researcher_client.get(project.get_absolute_url()).content.decode()
    )
