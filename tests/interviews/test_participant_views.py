"""The participant directory and pages; personal data only for researchers, and audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from interviews import services
from interviews.models import (
    AuditEvent,
    ConsentRecord,
    Enrollment,
    Participant,
    ParticipantIdentity,
)
from tests.factories import (
    make_attribute,
    make_consent,
    make_enrollment,
    make_participant,
    make_project,
    make_session,
)

PII = ("Ada Lovelace", "ada@analytical.example", "Analytical Engines Ltd", "Chief Engineer")


@pytest.fixture
def ada(project) -> Participant:
    participant = make_participant(
        name=PII[0], email=PII[1], company=PII[2], job_title=PII[3], persona="Platform engineer"
    )
    make_enrollment(project, participant, status=Enrollment.Status.COMPLETED)
    make_consent(participant)
    make_session(project, participants=[participant])
    return participant


def viewer_pages(project, participant: Participant) -> list[str]:
    session = project.sessions.get()
    return [
        reverse("interviews:project-list"),
        project.get_absolute_url(),
        reverse("interviews:participant-list"),
        reverse("interviews:participant-list") + f"?study={project.slug}",
        participant.get_absolute_url(),
        session.get_absolute_url(),
        reverse("interviews:project-members", args=[project.slug]),
        reverse("interviews:attribute-list", args=[project.slug]),
    ]


def test_viewer_sees_no_personal_data_anywhere(viewer_client: Client, project, ada) -> None:
    for url in viewer_pages(project, ada):
        response = viewer_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in PII:
            assert secret not in body, (url, secret)
    assert ada.pseudonym in viewer_client.get(ada.get_absolute_url()).content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PII_VIEWED).exists()


def test_viewer_search_by_name_finds_nothing(viewer_client: Client, project, ada) -> None:
    response = viewer_client.get(reverse("interviews:participant-list"), {"q": "Lovelace"})
    assert ada.pseudonym not in response.content.decode()


def test_researcher_sees_personal_data_and_the_read_is_audited(
    researcher_client: Client, researcher, ada
) -> None:
    body = researcher_client.get(ada.get_absolute_url()).content.decode()
    for secret in PII:
        assert secret in body
    event = AuditEvent.objects.get(action=AuditEvent.Action.PII_VIEWED)
    assert (event.user, event.participant, event.detail) == (researcher, ada, "participant page")


def test_researcher_searches_the_pool_by_name(researcher_client: Client, ada) -> None:
    make_participant(name="Grace Hopper")
    response = researcher_client.get(reverse("interviews:participant-list"), {"q": "lovelace"})
    body = response.content.decode()
    assert ada.pseudonym in body
    assert "Grace Hopper" not in body


def test_viewer_cannot_reach_a_participant_outside_their_studies(viewer_client: Client) -> None:
    stranger = make_participant()
    make_enrollment(make_project(), stranger)
    assert viewer_client.get(stranger.get_absolute_url()).status_code == 404
    listing = viewer_client.get(reverse("interviews:participant-list")).content.decode()
    assert stranger.pseudonym not in listing


def test_directory_filters(researcher_client: Client, project) -> None:
    emea = make_participant(region="emea", tier="ultimate", kind="customer", persona="CTO")
    amer = make_participant(region="amer", tier="premium", kind="internal", persona="CSM")
    url = reverse("interviews:participant-list")

    def pseudonyms(**params: str) -> set[str]:
        body = researcher_client.get(url, params).content.decode()
        return {p.pseudonym for p in (emea, amer) if f">{p.pseudonym}</a>" in body}

    assert pseudonyms() == {emea.pseudonym, amer.pseudonym}
    assert pseudonyms(region="emea") == {emea.pseudonym}
    assert pseudonyms(tier="premium") == {amer.pseudonym}
    assert pseudonyms(kind="internal") == {amer.pseudonym}
    assert pseudonyms(persona="ct") == {emea.pseudonym}
    assert pseudonyms(region="apac") == set()
    assert (
        "No participant matches these filters"
        in researcher_client.get(url, {"region": "apac"}).content.decode()
    )


def test_directory_filters_by_study_attribute_and_state(researcher_client: Client, project) -> None:
    attribute = make_attribute(project, "uses_ci_cd", kind="choice", choices=["yes", "no"])
    yes, no = make_participant(), make_participant()
    for participant, value in ((yes, "yes"), (no, "no")):
        enrollment = make_enrollment(project, participant)
        services.attribute_values_set(enrollment=enrollment, values={attribute: value})
    services.enrollment_move(enrollment=no.enrollments.get(), to_status="contacted", by=None)
    url = reverse("interviews:participant-list")

    body = researcher_client.get(url, {"study": project.slug, "attr_uses_ci_cd": "yes"}).content
    assert yes.pseudonym.encode() in body
    assert no.pseudonym.encode() not in body
    assert b"Uses ci cd" in body  # the attribute is a column of the table

    body = researcher_client.get(url, {"study": project.slug, "status": "contacted"}).content
    assert no.pseudonym.encode() in body
    assert yes.pseudonym.encode() not in body


def test_directory_paginates_with_bounded_queries(
    researcher_client: Client, project, django_assert_max_num_queries
) -> None:
    for _ in range(30):
        make_enrollment(project)
    url = reverse("interviews:participant-list")
    # session, user, studies, researcher check x2, count, page, identities, audit insert
    with django_assert_max_num_queries(12):
        first = researcher_client.get(url, {"study": project.slug})
    assert "Page 1 of 2" in first.content.decode()
    second = researcher_client.get(url, {"study": project.slug, "page": 2}).content.decode()
    assert "Page 2 of 2" in second
    with django_assert_max_num_queries(12):
        researcher_client.get(url, {"page": 2})


def test_create_participant_assigns_a_pseudonym_and_refuses_a_taken_email(
    researcher_client: Client, ada
) -> None:
    url = reverse("interviews:participant-create")
    base = {"kind": "customer", "persona": "SRE", "identity-name": "Kim Lee"}
    response = researcher_client.post(url, {**base, "identity-email": "ADA@analytical.example"})
    assert "already has this e-mail address" in response.content.decode()
    assert Participant.objects.count() == 1

    researcher_client.post(url, {**base, "identity-email": "kim@lee.example"})
    created = Participant.objects.exclude(pk=ada.pk).get()
    assert created.pseudonym == "P-002" if ada.pseudonym == "P-001" else created.pseudonym
    assert created.identity.name == "Kim Lee"


def test_a_participant_name_with_a_direction_override_is_refused(
    researcher_client: Client, ada
) -> None:
    response = researcher_client.post(
        reverse("interviews:participant-create"),
        {"kind": "customer", "identity-name": "Kim \u202eeeL", "identity-email": "k@l.example"},
    )
    assert "text-direction control U+202E" in response.content.decode()
    assert Participant.objects.count() == 1


def test_consent_recorded_and_withdrawn_from_the_page(researcher_client: Client, ada) -> None:
    url = reverse("interviews:consent-create", args=[ada.pseudonym])
    bad = researcher_client.post(
        url,
        {"scope": "internal", "given_on": "2026-05-01", "expires_on": "2026-01-01"},
        follow=True,
    )
    assert "Consent not recorded" in bad.content.decode()
    assert ada.consents.count() == 1

    researcher_client.post(url, {"scope": "external", "given_on": "2026-05-01"})
    consent = ada.consents.get(scope=ConsentRecord.Scope.EXTERNAL)
    researcher_client.post(reverse("interviews:consent-withdraw", args=[ada.pseudonym, consent.pk]))
    consent.refresh_from_db()
    assert consent.withdrawn_on is not None


def test_erasure_needs_confirmation_and_keeps_the_pseudonym(
    researcher_client: Client, ada, researcher
) -> None:
    url = reverse("interviews:participant-erase", args=[ada.pseudonym])
    researcher_client.post(url, {"confirm": "yes"})
    assert ParticipantIdentity.objects.filter(participant=ada).exists()

    researcher_client.post(url, {"confirm": ada.pseudonym})
    ada.refresh_from_db()
    assert not ParticipantIdentity.objects.filter(participant=ada).exists()
    assert ada.erased_at is not None and ada.do_not_contact
    assert ada.sessions.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PII_ERASED, user=researcher).exists()
    body = researcher_client.get(ada.get_absolute_url()).content.decode()
    assert "Personal data erased" in body
    assert PII[0] not in body


def test_study_counts_include_only_studies_the_viewer_may_see(viewer_client: Client, ada) -> None:
    make_enrollment(make_project(), ada)  # a study the viewer is not in
    body = viewer_client.get(reverse("interviews:participant-list")).content.decode()
    assert '<td class="num">1</td>' in body
    assert '<td class="num">2</td>' not in body
