"""Who may change a participant's record (interviews.access): the pool is read by researchers of
any study, but someone also enrolled in a study you are not a member of is changed only by a
lead of one of their studies or by staff."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from interviews.access import can_change_participant
from interviews.importers.participants import import_plan_apply, read_rows, validate_rows
from interviews.models import (
    ConsentRecord,
    Enrollment,
    Membership,
    Participant,
    ParticipantIdentity,
    ResearchProject,
)
from tests.factories import (
    make_consent,
    make_enrollment,
    make_participant,
    make_project,
    make_user,
)

pytestmark = pytest.mark.django_db

EDIT = {
    "kind": "customer",
    "persona": "Edited persona",
    "identity-name": "Ada Lovelace",
    "identity-email": "ada@analytical.example",
}


@pytest.fixture
def other_study(lead: User) -> ResearchProject:
    """A study the `researcher` persona is not a member of."""
    return make_project("Renewals", slug="renewals", members={lead: Membership.Role.LEAD})


@pytest.fixture
def shared(project: ResearchProject, other_study: ResearchProject) -> Participant:
    """Enrolled in the researcher's study and in one they are not a member of."""
    participant = make_participant(name="Ada Lovelace", email="ada@analytical.example")
    make_enrollment(project, participant)
    make_enrollment(other_study, participant)
    make_consent(participant)
    return participant


def writes(participant: Participant) -> list[tuple[str, dict[str, str]]]:
    consent = participant.consents.first()
    return [
        (reverse("interviews:participant-edit", args=[participant.pseudonym]), EDIT),
        (
            reverse("interviews:consent-create", args=[participant.pseudonym]),
            {"scope": "internal", "given_on": "2026-01-05"},
        ),
        (
            reverse("interviews:consent-withdraw", args=[participant.pseudonym, consent.pk]),
            {},
        ),
        (
            reverse("interviews:participant-erase", args=[participant.pseudonym]),
            {"confirm": participant.pseudonym},
        ),
    ]


def state(participant: Participant) -> tuple:
    participant.refresh_from_db()
    return (
        participant.persona,
        participant.erased_at,
        ParticipantIdentity.objects.filter(participant=participant).exists(),
        ConsentRecord.objects.filter(participant=participant, withdrawn_on__isnull=True).count(),
        ConsentRecord.objects.filter(participant=participant).count(),
    )


def test_a_researcher_cannot_change_someone_also_in_a_study_they_are_not_in(
    researcher_client: Client, shared: Participant
) -> None:
    before = state(shared)
    for url, data in writes(shared):
        response = researcher_client.post(url, data)
        assert response.status_code == 403, url
    assert researcher_client.get(writes(shared)[0][0]).status_code == 403
    assert state(shared) == before


def test_they_still_read_the_record_and_are_told_why_they_cannot_change_it(
    researcher_client: Client, shared: Participant
) -> None:
    page = researcher_client.get(shared.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200
    assert "ada@analytical.example" in body
    assert "also enrolled in studies you are not a member of" in body
    assert reverse("interviews:participant-edit", args=[shared.pseudonym]) not in body
    assert reverse("interviews:participant-erase", args=[shared.pseudonym]) not in body


@pytest.mark.parametrize("who", ["lead", "staff"])
def test_a_lead_of_one_of_their_studies_or_staff_may_change_them(
    who: str, shared: Participant, request: pytest.FixtureRequest
) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(who))
    for url, data in writes(shared):
        assert client.post(url, data).status_code == 302, url
    shared.refresh_from_db()
    assert shared.erased_at is not None


def test_a_researcher_of_every_one_of_their_studies_may_change_them(
    researcher: User, researcher_client: Client, shared: Participant, other_study
) -> None:
    Membership.objects.create(project=other_study, user=researcher, role="researcher")
    response = researcher_client.post(writes(shared)[0][0], EDIT)
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.persona == "Edited persona"


def test_anyone_in_the_pool_may_be_changed_by_any_researcher(
    researcher_client: Client, project: ResearchProject
) -> None:
    newcomer = make_participant(name="Grace Hopper", email="grace@navy.example")
    url = reverse("interviews:participant-edit", args=[newcomer.pseudonym])
    data = {**EDIT, "identity-name": "Grace Hopper", "identity-email": "grace@navy.example"}
    assert researcher_client.post(url, data).status_code == 302


def test_a_viewer_of_one_of_their_studies_changes_nothing(
    viewer: User, shared: Participant
) -> None:
    assert not can_change_participant(viewer, shared)
    client = Client()
    client.force_login(viewer)
    assert client.post(writes(shared)[0][0], EDIT).status_code == 403


def test_the_rule_in_one_query_per_call(
    researcher: User, shared: Participant, django_assert_num_queries
) -> None:
    researcher._cx_is_researcher_anywhere = True  # type: ignore[attr-defined]  # access.py's cache
    with django_assert_num_queries(1):
        assert not can_change_participant(researcher, shared)
    assert not can_change_participant(make_user("nobody"), shared)


def test_an_import_enrolls_them_but_leaves_their_record_as_it_is(
    researcher: User, project: ResearchProject, shared: Participant
) -> None:
    third = make_project("Pricing", slug="pricing", members={researcher: "researcher"})
    text = "email,persona,company\nada@analytical.example,Renamed by import,Other Corp\n"
    plan = validate_rows(read_rows("people.csv", text.encode()), project=third)

    result = import_plan_apply(plan=plan, project=third, by=researcher)

    shared.refresh_from_db()
    assert shared.persona != "Renamed by import"
    assert ParticipantIdentity.objects.get(participant=shared).company != "Other Corp"
    assert Enrollment.objects.filter(project=third, participant=shared).exists()
    assert result.left_unchanged == (shared.pseudonym,)
    assert "Not updated, because they are also in studies you are not a member of" in (
        result.summary
    )


def test_an_import_page_says_who_was_left_unchanged(
    researcher_client: Client, project: ResearchProject, shared: Participant
) -> None:
    url = reverse("interviews:project-participant-import", args=[project.slug])
    upload = SimpleUploadedFile(
        "people.csv", b"email,persona\nada@analytical.example,Renamed by import\n"
    )
    preview = researcher_client.post(url, {"step": "preview", "file": upload})
    form = preview.context["confirm_form"]
    done = researcher_client.post(url, {"step": "confirm", **form.initial})
    assert done.status_code == 302
    messages = [str(m) for m in get_messages(done.wsgi_request)]
    assert any(shared.pseudonym in message for message in messages)
    shared.refresh_from_db()
    assert shared.persona != "Renamed by import"
