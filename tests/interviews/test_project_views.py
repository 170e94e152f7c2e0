"""Study pages: the list, a study's page and pipeline, members, attributes, sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from interviews.models import (
    AttributeValue,
    Enrollment,
    EnrollmentEvent,
    Membership,
    ProjectAttribute,
    ResearchProject,
    Session,
)
from tests.factories import (
    coding_of,
    make_consent,
    make_enrollment,
    make_participant,
    make_project,
    make_session,
)

Status = Enrollment.Status


def test_project_list_shows_only_my_studies_with_progress(
    researcher_client: Client, project: ResearchProject, researcher
) -> None:
    make_project("Someone else's study")
    project.target_interviews = 4
    project.save()
    for _ in range(2):
        make_enrollment(project, status=Status.COMPLETED)
    make_enrollment(project, status=Status.SCHEDULED)

    response = researcher_client.get(reverse("interviews:project-list"))

    body = response.content.decode()
    assert "Premium to Ultimate up-tier" in body
    assert "Someone else&#x27;s study" not in body
    assert "2 of 4" in body
    assert 'max="100" value="50"' in body


def test_project_list_query_count_does_not_grow_with_studies(
    researcher_client: Client, researcher, django_assert_max_num_queries
) -> None:
    for _ in range(6):
        study = make_project(members={researcher: Membership.Role.RESEARCHER})
        make_enrollment(study, status=Status.COMPLETED)
    # session, user, is-researcher check, the annotated project list
    with django_assert_max_num_queries(5):
        response = researcher_client.get(reverse("interviews:project-list"))
    assert response.status_code == 200


def test_empty_project_list_tells_a_newcomer_what_to_do(outsider_client: Client, staff) -> None:
    body = outsider_client.get(reverse("interviews:project-list")).content.decode()
    assert "You are not a member of any study" in body

    staff_client = Client()
    staff_client.force_login(staff)
    body = staff_client.get(reverse("interviews:project-list")).content.decode()
    assert "Create your first study" in body


def test_researcher_creates_a_study_and_becomes_its_lead(
    researcher_client: Client, researcher, project
) -> None:
    response = researcher_client.post(
        reverse("interviews:project-create"),
        {
            "title": "Multi-year lands with migration",
            "status": "backlog",
            "segment": "large",
            "lens": "customer",
            "target_interviews": 10,
            "quarter": "FY27-Q2",
        },
    )
    created = ResearchProject.objects.get(title="Multi-year lands with migration")
    assert response.status_code == 302
    assert created.slug == "multi-year-lands-with-migration"
    assert created.memberships.get().user == researcher
    assert created.memberships.get().role == Membership.Role.LEAD


def test_study_form_rejects_a_bad_quarter_and_saves_nothing(lead_client: Client, project) -> None:
    response = lead_client.post(
        reverse("interviews:project-edit", args=[project.slug]),
        {
            "title": "X",
            "slug": project.slug,
            "status": "backlog",
            "segment": "large",
            "lens": "customer",
            "target_interviews": 10,
            "quarter": "Q3 2026",
        },
    )
    assert response.status_code == 200
    assert "Write the quarter as FY27-Q1." in response.content.decode()
    project.refresh_from_db()
    assert project.title == "Premium to Ultimate up-tier"


def test_project_page_shows_funnel_counts_and_pipeline(
    researcher_client: Client, project: ResearchProject, django_assert_max_num_queries
) -> None:
    for status in (Status.IDENTIFIED, Status.IDENTIFIED, Status.CONTACTED, Status.COMPLETED):
        make_enrollment(project, status=status)
    make_session(project, participants=[make_participant()])

    # session, user, project with the role, counts, board, sessions, prefetch participants,
    # interviewers
    with django_assert_max_num_queries(9):
        response = researcher_client.get(project.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200
    assert "Recruitment funnel" in body
    assert "1</strong> of 10 interviews completed" in body
    assert 'id="pipeline"' in body
    assert body.count('name="to_status"') == 4 - 0  # every non-final card has a move form


def test_project_page_query_count_does_not_grow_with_enrollments(
    researcher_client: Client, project: ResearchProject, django_assert_num_queries
) -> None:
    make_enrollment(project)
    make_session(project, participants=[make_participant()])
    # session, user, project with the role, counts, board, sessions (with coding sums),
    # participants
    with django_assert_num_queries(7) as few:
        researcher_client.get(project.get_absolute_url())
    for _ in range(15):
        make_enrollment(project, status=Status.SCREENED)
        make_session(project, participants=[make_participant()])
    with django_assert_num_queries(len(few.captured_queries)):
        researcher_client.get(project.get_absolute_url())


def test_viewer_sees_counts_but_not_the_pipeline_board(viewer_client: Client, project) -> None:
    make_enrollment(project, status=Status.CONTACTED)
    body = viewer_client.get(project.get_absolute_url()).content.decode()
    assert "Recruitment funnel" in body
    assert 'id="pipeline"' not in body


def test_move_through_the_ui_and_read_the_refusal(
    researcher_client: Client, project: ResearchProject
) -> None:
    participant = make_participant()
    enrollment = make_enrollment(project, participant)
    url = reverse("interviews:enrollment-move", args=[project.slug, enrollment.pk])

    response = researcher_client.post(url, {"to_status": "completed"}, follow=True)
    assert "cannot move from identified to completed" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == Status.IDENTIFIED

    response = researcher_client.post(url, {"to_status": "contacted"}, follow=True)
    assert "moved from identified to contacted" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == Status.CONTACTED


def test_cooldown_override_from_the_enrollment_page(
    researcher_client: Client, project: ResearchProject, researcher
) -> None:
    participant = make_participant(last_contacted_on=dt.date.today() - dt.timedelta(days=10))
    enrollment = make_enrollment(project, participant)
    detail = reverse("interviews:enrollment-detail", args=[project.slug, enrollment.pk])
    move = reverse("interviews:enrollment-move", args=[project.slug, enrollment.pk])

    page = researcher_client.get(detail).content.decode()
    assert "needs a reason" in page
    assert "last contacted 10 days ago" in page

    refused = researcher_client.post(move, {"to_status": "contacted"}, follow=True)
    assert "Give a reason to override" in refused.content.decode()
    assert EnrollmentEvent.objects.count() == 0

    researcher_client.post(
        move,
        {"to_status": "contacted", "override_reason": "Champion asked us", "next": "enrollment"},
    )
    event = EnrollmentEvent.objects.get()
    assert event.override_reason == "Champion asked us"
    assert event.by == researcher
    page = researcher_client.get(detail).content.decode()
    assert "Champion asked us" in page


def test_bad_move_form_is_refused(researcher_client: Client, project) -> None:
    enrollment = make_enrollment(project)
    url = reverse("interviews:enrollment-move", args=[project.slug, enrollment.pk])
    response = researcher_client.post(url, {"to_status": "promoted"}, follow=True)
    assert "Choose a pipeline state" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == Status.IDENTIFIED


def test_enrollment_of_another_project_is_404(researcher_client: Client, project) -> None:
    other_enrollment = make_enrollment(make_project())
    url = reverse("interviews:enrollment-move", args=[project.slug, other_enrollment.pk])
    assert researcher_client.post(url, {"to_status": "contacted"}).status_code == 404


def test_enroll_participants_from_the_pool(researcher_client: Client, project) -> None:
    first, second = make_participant(), make_participant()
    make_enrollment(project, make_participant())
    response = researcher_client.post(
        reverse("interviews:enrollment-add", args=[project.slug]),
        {"participants": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    assert set(project.enrollments.values_list("participant", flat=True)) >= {first.pk, second.pk}
    assert project.enrollments.count() == 3


def test_study_attributes_typed_values_shown_and_saved(
    researcher_client: Client, project: ResearchProject
) -> None:
    researcher_client.post(
        reverse("interviews:attribute-list", args=[project.slug]),
        {
            "label": "Relationship to Ultimate",
            "kind": "choice",
            "choices": "considered, bought, down-tiered",
        },
    )
    researcher_client.post(
        reverse("interviews:attribute-list", args=[project.slug]),
        {"label": "Seats purchased", "kind": "number"},
    )
    relationship = ProjectAttribute.objects.get(key="relationship_to_ultimate")
    assert relationship.choices == ["considered", "bought", "down-tiered"]
    enrollment = make_enrollment(project)
    url = reverse("interviews:enrollment-detail", args=[project.slug, enrollment.pk])

    bad = researcher_client.post(url, {"attr_seats_purchased": "lots", "incentive": ""})
    assert bad.status_code == 200
    assert AttributeValue.objects.count() == 0

    researcher_client.post(
        url, {"attr_relationship_to_ultimate": "bought", "attr_seats_purchased": "250"}
    )
    values = {v.attribute.key: v.value for v in AttributeValue.objects.select_related("attribute")}
    assert values == {"relationship_to_ultimate": "bought", "seats_purchased": 250.0}


def test_choice_attribute_needs_choices(researcher_client: Client, project) -> None:
    response = researcher_client.post(
        reverse("interviews:attribute-list", args=[project.slug]),
        {"label": "Plan", "kind": "choice", "choices": ""},
    )
    assert "List at least one choice" in response.content.decode()
    assert not ProjectAttribute.objects.exists()


def test_lead_manages_members_but_keeps_one_lead(
    lead_client: Client, project: ResearchProject, lead, outsider
) -> None:
    url = reverse("interviews:project-members", args=[project.slug])
    lead_client.post(url, {"username": "outsider", "role": "viewer"})
    assert project.memberships.get(user=outsider).role == Membership.Role.VIEWER

    unknown = lead_client.post(url, {"username": "nobody", "role": "viewer"})
    assert "No active user is called" in unknown.content.decode()

    own = project.memberships.get(user=lead)
    response = lead_client.post(
        reverse("interviews:member-remove", args=[project.slug, own.pk]), follow=True
    )
    assert "needs at least one lead" in response.content.decode()
    assert project.memberships.filter(user=lead).exists()


def test_a_study_title_with_a_right_to_left_override_is_refused(
    lead_client: Client, project
) -> None:
    response = lead_client.post(
        reverse("interviews:project-edit", args=[project.slug]),
        {
            "title": "Up-tier \u202eFDP.exe",
            "slug": project.slug,
            "status": "backlog",
            "segment": "large",
            "lens": "customer",
            "target_interviews": 10,
            "quarter": "FY27-Q2",
        },
    )
    assert response.status_code == 200
    assert "text-direction control U+202E" in response.content.decode()
    project.refresh_from_db()
    assert project.title == "Premium to Ultimate up-tier"


def test_a_session_title_with_an_isolate_is_refused(
    researcher_client: Client, project: ResearchProject, researcher
) -> None:
    response = researcher_client.post(
        reverse("interviews:session-create", args=[project.slug]),
        {
            "title": "Kick-off \u2066x\u2069",
            "kind": "interview",
            "mode": "video",
            "scheduled_at": "2026-11-02T10:00",
            "duration_minutes": 60,
            "interviewers": [researcher.pk],
        },
    )
    assert response.status_code == 200
    assert "text-direction control U+2066" in response.content.decode()
    assert not project.sessions.exists()


def test_session_create_limits_participants_to_the_study(
    researcher_client: Client, project: ResearchProject, researcher
) -> None:
    inside = make_participant()
    make_enrollment(project, inside)
    outside = make_participant()
    url = reverse("interviews:session-create", args=[project.slug])
    data = {
        "title": "Kick-off",
        "kind": "interview",
        "mode": "video",
        "scheduled_at": "2026-11-02T10:00",
        "duration_minutes": 60,
        "interviewers": [researcher.pk],
    }

    refused = researcher_client.post(url, {**data, "participants": [outside.pk]})
    assert refused.status_code == 200
    assert not Session.objects.exists()

    researcher_client.post(url, {**data, "participants": [inside.pk]})
    session = Session.objects.get()
    assert list(session.participants.all()) == [inside]
    detail = researcher_client.get(session.get_absolute_url()).content.decode()
    assert inside.pseudonym in detail


def test_completing_an_interview_needs_consent_then_works(
    researcher_client: Client, project: ResearchProject
) -> None:
    participant = make_participant()
    enrollment = make_enrollment(project, participant, status=Status.SCHEDULED)
    make_session(project, participants=[participant])
    url = reverse("interviews:enrollment-move", args=[project.slug, enrollment.pk])
    refused = researcher_client.post(url, {"to_status": "completed"}, follow=True)
    assert "record consent before marking the interview completed" in refused.content.decode()
    make_consent(participant)
    researcher_client.post(url, {"to_status": "completed"})
    enrollment.refresh_from_db()
    assert enrollment.status == Status.COMPLETED


@pytest.mark.parametrize("path", ["/studies/uptier/", "/participants/"])
def test_pages_use_the_shared_layout(researcher_client: Client, project, path: str) -> None:
    body = researcher_client.get(path).content.decode()
    assert 'class="site-nav"' in body
    assert "/static/css/app.css" in body


def test_a_decline_can_carry_a_note(researcher_client: Client, project: ResearchProject) -> None:
    enrollment = make_enrollment(project, status=Status.CONTACTED)
    researcher_client.post(
        reverse("interviews:enrollment-move", args=[project.slug, enrollment.pk]),
        {"to_status": "declined", "note": "Busy with their renewal", "next": "enrollment"},
    )
    assert EnrollmentEvent.objects.get().note == "Busy with their renewal"
    page = researcher_client.get(
        reverse("interviews:enrollment-detail", args=[project.slug, enrollment.pk])
    ).content.decode()
    assert "Busy with their renewal" in page


def edit_data(project: ResearchProject, **changes: Any) -> dict[str, object]:
    data = {
        "title": project.title,
        "slug": project.slug,
        "status": project.status,
        "segment": project.segment,
        "lens": project.lens,
        "target_interviews": project.target_interviews,
    }
    return {**data, **changes}


def test_the_study_form_no_longer_sets_blind_coding(
    lead_client: Client, project: ResearchProject
) -> None:
    """Blind coding is the analysis app's: switched on its agreement page, not here."""
    url = reverse("interviews:project-edit", args=[project.slug])
    assert "blind_coding" not in lead_client.get(url).content.decode()
    response = lead_client.post(url, edit_data(project, blind_coding="on"))
    assert response.status_code == 302
    assert coding_of(project) == (False, False)
