"""Services that write many rows at once: pseudonyms, bulk participants, enrollments, attributes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from interviews import services
from interviews.models import (
    AttributeValue,
    Enrollment,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    ResearchProject,
)
from tests.factories import make_attribute, make_enrollment, make_participant, make_project

pytestmark = pytest.mark.django_db


def with_pseudonyms(*pseudonyms: str) -> None:
    Participant.objects.bulk_create(Participant(pseudonym=pseudonym) for pseudonym in pseudonyms)


def counts() -> dict[str, int]:
    return {
        "participants": Participant.objects.count(),
        "identities": ParticipantIdentity.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "values": AttributeValue.objects.count(),
    }


# --- Pseudonyms ---------------------------------------------------------------------------------


def test_first_pseudonym_is_p_001():
    assert services.next_pseudonym() == "P-001"


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        (("P-001", "P-002", "P-010"), "P-011"),
        (("P-998", "P-999"), "P-1000"),
        # "P-999" sorts after "P-1000" as text; the number is what counts.
        (("P-999", "P-1000", "P-1001"), "P-1002"),
        (("P-12345", "P-999"), "P-12346"),
    ],
)
def test_next_pseudonym_follows_the_highest_number(existing: tuple[str, ...], expected: str):
    with_pseudonyms(*existing)

    assert services.next_pseudonym() == expected


def test_next_pseudonym_ignores_pseudonyms_that_are_not_numbered():
    with_pseudonyms("P-041", "P-9999x", "P-ZZZZZZ", "p-50000", "Q-70000", "P-0007")

    assert services.next_pseudonym() == "P-042"


def test_next_pseudonym_scans_everything_when_the_longest_are_all_odd():
    with_pseudonyms("P-005", *(f"P-LEGACY-{i:02d}" for i in range(25)))

    assert services.next_pseudonym() == "P-006"


def test_next_pseudonym_is_one_query_without_a_regex():
    with_pseudonyms(*(f"P-{n:03d}" for n in range(1, 30)))

    with CaptureQueriesContext(connection) as queries:
        assert services.next_pseudonym() == "P-030"

    assert len(queries) == 1
    assert "REGEXP" not in queries[0]["sql"].upper()
    assert "~" not in queries[0]["sql"]


# --- participants_create_bulk ---------------------------------------------------------------------


def test_bulk_create_numbers_participants_in_order_after_the_highest():
    existing = make_participant()  # P-001

    created = services.participants_create_bulk(
        rows=[
            ({"segment": "large"}, {"name": "Ada Lovelace", "email": "ada@example.com"}),
            ({"kind": Participant.Kind.INTERNAL}, {"name": "", "email": ""}),
            ({"do_not_contact": True}, {"name": "Grace Hopper", "company": "Navy"}),
        ]
    )

    assert existing.pseudonym == "P-001"
    assert [p.pseudonym for p in created] == ["P-002", "P-003", "P-004"]
    assert all(p.pk for p in created)
    stored = {p.pseudonym: p for p in Participant.objects.select_related("identity")}
    assert stored["P-002"].segment == "large"
    assert stored["P-002"].identity.email == "ada@example.com"
    assert stored["P-003"].kind == Participant.Kind.INTERNAL
    assert not ParticipantIdentity.objects.filter(participant__pseudonym="P-003").exists()
    assert stored["P-004"].do_not_contact
    assert stored["P-004"].identity.company == "Navy"


def test_bulk_create_takes_the_same_queries_for_3_and_300_people(django_assert_num_queries):
    def rows(count: int) -> list[tuple[dict[str, object], dict[str, str]]]:
        return [({}, {"email": f"p{i}-{count}@example.com"}) for i in range(count)]

    # 1 SAVEPOINT, 2 the highest pseudonym number, 3 INSERT participants, 4 INSERT identities,
    # 5 RELEASE SAVEPOINT.
    with django_assert_num_queries(5):
        services.participants_create_bulk(rows=rows(3))
    with django_assert_num_queries(5):
        services.participants_create_bulk(rows=rows(300))

    assert Participant.objects.count() == 303


def test_bulk_create_of_nothing_does_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.participants_create_bulk(rows=[]) == []


def test_bulk_create_numbers_the_block_again_when_a_concurrent_create_took_a_number(monkeypatch):
    with_pseudonyms("P-001", "P-002")
    real = services._highest_pseudonym_number
    seen: list[int] = []

    def stale_then_real() -> int:
        # The first read happened before another request inserted P-002.
        seen.append(1 if not seen else real())
        return seen[-1]

    monkeypatch.setattr(services, "_highest_pseudonym_number", stale_then_real)

    created = services.participants_create_bulk(rows=[({}, {}), ({}, {})])

    assert seen == [1, 2]
    assert [p.pseudonym for p in created] == ["P-003", "P-004"]
    assert Participant.objects.count() == 4


def test_bulk_create_gives_up_after_one_retry_and_leaves_nothing(monkeypatch):
    with_pseudonyms("P-001")
    monkeypatch.setattr(services, "_highest_pseudonym_number", lambda: 0)
    before = counts()

    with pytest.raises(IntegrityError):
        services.participants_create_bulk(rows=[({}, {"name": "Ada"})])

    assert counts() == before


def test_bulk_create_refuses_an_e_mail_that_is_taken_and_creates_no_one():
    make_participant(email="ada@example.com")
    before = counts()

    with pytest.raises(IntegrityError):
        services.participants_create_bulk(
            rows=[({}, {"email": "grace@example.com"}), ({}, {"email": "ADA@example.com"})]
        )

    assert counts() == before


# --- enrollments_create_bulk ---------------------------------------------------------------------


def test_enrollments_bulk_enrolls_the_others_and_returns_each_in_order(
    project: ResearchProject, django_assert_num_queries
):
    first, second, third = make_participant(), make_participant(), make_participant()
    already = make_enrollment(project, second, status=Enrollment.Status.CONTACTED)
    make_enrollment(make_project(), first)  # in another study only

    # 1 enrollments of these participants in the study, 2 INSERT the missing ones.
    with django_assert_num_queries(2):
        result = services.enrollments_create_bulk(
            project=project, participants=[first, second, third, first]
        )

    assert [(e.participant_id, created) for e, created in result] == [
        (first.pk, True),
        (second.pk, False),
        (third.pk, True),
        (first.pk, False),
    ]
    assert result[1][0] == already and result[1][0].status == Enrollment.Status.CONTACTED
    assert result[0][0] is result[3][0] and result[0][0].pk
    assert project.enrollments.count() == 3


# --- attribute_values_set -------------------------------------------------------------------------


@pytest.fixture
def study_attributes(project: ResearchProject) -> list[ProjectAttribute]:
    attributes = [make_attribute(project, f"note_{i}") for i in range(8)]
    attributes.append(make_attribute(project, "seats", kind=ProjectAttribute.Kind.NUMBER))
    attributes.append(make_attribute(project, "renewal", kind=ProjectAttribute.Kind.DATE))
    return attributes


def stored_values(enrollment: Enrollment) -> dict[str, object]:
    return {
        value.attribute.key: value.value
        for value in enrollment.attribute_values.select_related("attribute")
    }


def test_attribute_values_for_ten_attributes_take_two_queries(
    project, study_attributes, django_assert_num_queries
):
    enrollment = make_enrollment(project)
    values: dict[ProjectAttribute, object] = {a: f"text {a.key}" for a in study_attributes[:8]}
    values[study_attributes[8]] = "1,250"
    values[study_attributes[9]] = "2026-03-31"

    # 1 the stored values, 2 INSERT the ten new ones.
    with django_assert_num_queries(2):
        services.attribute_values_set(enrollment=enrollment, values=values)

    stored = stored_values(enrollment)
    assert len(stored) == 10
    assert stored["note_0"] == "text note_0"
    assert stored["seats"] == 1250.0
    assert stored["renewal"] == dt.date(2026, 3, 31)


def test_attribute_values_insert_update_delete_and_keep_in_four_queries(
    project, study_attributes, django_assert_num_queries
):
    enrollment = make_enrollment(project)
    note_0, note_1, note_2, note_3, *_rest, seats, renewal = study_attributes
    services.attribute_values_set(
        enrollment=enrollment, values={note_0: "old", note_1: "same", note_2: "gone", seats: 5}
    )

    # 1 the stored values, 2 INSERT, 3 UPDATE the changed ones, 4 DELETE the emptied one.
    with django_assert_num_queries(4):
        services.attribute_values_set(
            enrollment=enrollment,
            values={
                note_0: "new",
                note_1: "same",
                note_2: "  ",
                note_3: "added",
                seats: "6",
                renewal: dt.date(2027, 1, 1),
            },
        )

    assert stored_values(enrollment) == {
        "note_0": "new",
        "note_1": "same",
        "note_3": "added",
        "seats": 6.0,
        "renewal": dt.date(2027, 1, 1),
    }


def test_attribute_values_unchanged_write_nothing(
    project, study_attributes, django_assert_num_queries
):
    enrollment = make_enrollment(project)
    values = {study_attributes[0]: "same", study_attributes[8]: 3}
    services.attribute_values_set(enrollment=enrollment, values=values)

    with django_assert_num_queries(1):
        services.attribute_values_set(enrollment=enrollment, values=values)


def test_attribute_values_use_prefetched_stored_values(
    project, study_attributes, django_assert_num_queries
):
    enrollment = make_enrollment(project)
    services.attribute_values_set(enrollment=enrollment, values={study_attributes[0]: "old"})
    enrollment = Enrollment.objects.prefetch_related("attribute_values").get(pk=enrollment.pk)

    # 1 UPDATE: the stored values were prefetched.
    with django_assert_num_queries(1):
        services.attribute_values_set(enrollment=enrollment, values={study_attributes[0]: "new"})

    assert stored_values(enrollment) == {"note_0": "new"}


def test_attribute_value_that_does_not_parse_writes_nothing(project, study_attributes):
    enrollment = make_enrollment(project)
    before = counts()

    with pytest.raises(ValueError, match="must be a number"):
        services.attribute_values_set(
            enrollment=enrollment,
            values={study_attributes[0]: "fine", study_attributes[8]: "a dozen"},
        )

    assert counts() == before


# --- Studies and participants -------------------------------------------------------------------


def test_project_create_saves_the_study_with_its_lead_and_audits_it() -> None:
    from interviews.models import AuditEvent, Membership
    from tests.factories import make_user

    founder = make_user()
    project = services.project_create(
        project=ResearchProject(title="Renewals", slug="renewals"), lead=founder
    )
    assert ResearchProject.objects.get().pk == project.pk
    assert list(project.memberships.values_list("user", "role")) == [
        (founder.pk, Membership.Role.LEAD)
    ]
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MEMBERSHIP_CHANGED, project=project
    ).exists()


def test_project_create_leaves_nothing_when_the_lead_cannot_be_added(monkeypatch) -> None:
    from interviews.models import Membership
    from tests.factories import make_user

    def refuse(**kwargs: object) -> None:
        raise IntegrityError("no lead")

    monkeypatch.setattr(services, "membership_set", refuse)
    with pytest.raises(IntegrityError):
        services.project_create(
            project=ResearchProject(title="Renewals", slug="renewals"), lead=make_user()
        )
    assert not ResearchProject.objects.exists()
    assert not Membership.objects.exists()


def test_project_create_refuses_a_saved_study() -> None:
    from tests.factories import make_user

    project = make_project()
    with pytest.raises(ValueError, match="saved already"):
        services.project_create(project=project, lead=make_user())
    assert not project.memberships.exists()


def test_participant_update_saves_both_and_records_which_personal_fields_changed() -> None:
    from interviews.models import AuditEvent
    from tests.factories import make_user

    editor = make_user()
    participant = make_participant(name="Ada Lovelace")
    identity = ParticipantIdentity.objects.get(participant=participant)
    participant.persona, identity.name, identity.company = "Buyer", "Ada King", "Analytical"
    services.participant_update(
        participant=participant,
        identity=identity,
        identity_changed=["name", "company"],
        by=editor,
    )
    participant.refresh_from_db()
    assert participant.persona == "Buyer"
    stored = ParticipantIdentity.objects.get(participant=participant)
    assert (stored.name, stored.company) == ("Ada King", "Analytical")
    event = AuditEvent.objects.get(action=AuditEvent.Action.PII_CHANGED)
    assert (event.user, event.participant, event.detail) == (
        editor,
        participant,
        "changed company, name",
    )


def test_participant_update_without_personal_changes_is_not_audited() -> None:
    from interviews.models import AuditEvent
    from tests.factories import make_user

    participant = make_participant()
    identity = ParticipantIdentity.objects.get(participant=participant)
    participant.persona = "Buyer"
    services.participant_update(
        participant=participant, identity=identity, identity_changed=[], by=make_user()
    )
    assert Participant.objects.get().persona == "Buyer"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PII_CHANGED).exists()


def test_participant_update_refuses_someone_elses_personal_data() -> None:
    from tests.factories import make_user

    ada, bob = make_participant(name="Ada"), make_participant(name="Bob")
    bobs = ParticipantIdentity.objects.get(participant=bob)
    bobs.name = "Ada"
    ada.persona = "Changed"
    with pytest.raises(ValueError, match="another participant"):
        services.participant_update(
            participant=ada, identity=bobs, identity_changed=["name"], by=make_user()
        )
    assert ParticipantIdentity.objects.get(participant=bob).name == "Bob"
    assert Participant.objects.get(pk=ada.pk).persona != "Changed"


def test_enrollment_update_saves_the_fields_and_the_values() -> None:
    project = make_project()
    size = make_attribute(project, "team_size", kind=ProjectAttribute.Kind.NUMBER)
    enrollment = make_enrollment(project)
    enrollment.incentive = "Gift card"
    services.enrollment_update(enrollment=enrollment, values={size: "12"})
    enrollment.refresh_from_db()
    assert enrollment.incentive == "Gift card"
    assert [v.value for v in enrollment.attribute_values.all()] == [12.0]


def test_enrollment_update_with_a_refused_value_changes_nothing() -> None:
    project = make_project()
    size = make_attribute(project, "team_size", kind=ProjectAttribute.Kind.NUMBER)
    enrollment = make_enrollment(project)
    enrollment.incentive = "Gift card"
    with pytest.raises(ValueError, match="must be a number"):
        services.enrollment_update(enrollment=enrollment, values={size: "a dozen"})
    assert Enrollment.objects.get(pk=enrollment.pk).incentive == ""
    assert not AttributeValue.objects.exists()
