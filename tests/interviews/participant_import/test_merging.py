"""Participant import: rows that match people already in the pool."""

from __future__ import annotations

from interviews.models import (
    AuditEvent,
    Enrollment,
    ParticipantIdentity,
)
from tests.factories import (
    make_enrollment,
    make_participant,
)
from tests.interviews.participant_import.helpers import (
    confirm,
    csv_file,
    db_counts,
    flashed,
    identity_of,
    import_url,
    preview,
)

# --- Merging ------------------------------------------------------------------------------------


def test_existing_email_is_merged_not_duplicated(researcher_client, project, attributes):
    existing = make_participant(
        name="Ada", email="ada@analytical.example", company="Analytical Engines", tier="premium"
    )
    before = db_counts()
    text = (
        "name,email,company,tier,seats_purchased\n"
        "Ada Lovelace,ADA@Analytical.Example,,Ultimate,40\n"
    )

    response = preview(researcher_client, import_url(project), csv_file(text))

    assert db_counts() == before
    page = response.content.decode()
    assert f"Merge into {existing.pseudonym}" in page
    assert "Updates name, tier" in page

    response = confirm(researcher_client, import_url(project), response)

    assert flashed(response) == [
        "Imported 1 participant: 0 new, 1 merged with existing ones; "
        "1 enrolled in Premium to Ultimate up-tier."
    ]
    after = db_counts()
    assert after["participants"] == before["participants"]
    assert after["identities"] == before["identities"]
    assert after["enrollments"] == before["enrollments"] + 1
    identity = ParticipantIdentity.objects.get(participant=existing)
    assert identity.name == "Ada Lovelace"
    assert identity.company == "Analytical Engines"  # an empty cell never blanks stored data
    assert identity.email == "ada@analytical.example"  # same address, other case: unchanged
    existing.refresh_from_db()
    assert existing.tier == "ultimate"
    assert existing.segment == "large"  # not in the file: kept
    assert (
        "1 merged into study uptier"
        in AuditEvent.objects.get(action=AuditEvent.Action.PARTICIPANTS_IMPORTED).detail
    )


def test_merge_preview_shows_the_pseudonym_not_stored_personal_data(lead_client, project):
    existing = make_participant(name="Stored Secret Name", email="ada@analytical.example")

    response = preview(
        lead_client, import_url(project), csv_file("email,tier\nada@analytical.example,free\n")
    )

    page = response.content.decode()
    assert existing.pseudonym in page
    assert "Stored Secret Name" not in page
    assert "Acme Corp" not in page  # the factory's company


def test_already_enrolled_participant_is_enrolled_once(lead_client, project, attributes):
    existing = make_participant(email="ada@analytical.example")
    enrollment = make_enrollment(project, existing, status=Enrollment.Status.SCHEDULED)
    before = db_counts()

    response = preview(
        lead_client,
        import_url(project),
        csv_file("email,seats_purchased\nada@analytical.example,30\n"),
    )
    assert "Already in this study" in response.content.decode()
    assert response.context["plan"].enroll_count == 0
    response = confirm(lead_client, import_url(project), response)

    assert flashed(response) == [
        "Imported 1 participant: 0 new, 1 merged with existing ones; "
        "0 enrolled in Premium to Ultimate up-tier (1 was already in it)."
    ]
    assert db_counts()["enrollments"] == before["enrollments"]
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.SCHEDULED  # the pipeline state is untouched
    assert enrollment.attribute_values.get().number_value == 30


def test_duplicate_emails_in_one_file_become_one_participant(lead_client, project):
    text = (
        "name,email,company,persona\n"
        "Ada,ada@analytical.example,Old Company,Platform engineer\n"
        "Grace,grace@navy.example,US Navy,\n"
        "Ada Lovelace,ADA@analytical.example,Analytical Engines,\n"
    )
    before = db_counts()

    response = preview(lead_client, import_url(project), csv_file(text))

    plan = response.context["plan"]
    assert plan.new_count == 2
    assert plan.participants[0].rows == (2, 4)
    assert any("Rows 2, 4 have the same e-mail address" in w for w in plan.warnings)
    assert "Rows 2, 4" in response.content.decode()

    confirm(lead_client, import_url(project), response)

    assert db_counts()["participants"] == before["participants"] + 2
    ada = identity_of("ada@analytical.example")
    assert (ada.name, ada.company) == ("Ada Lovelace", "Analytical Engines")  # later row wins
    assert ada.participant.persona == "Platform engineer"  # later row left it empty
    assert Enrollment.objects.filter(participant=ada.participant).count() == 1


def test_rows_without_email_are_new_participants_with_a_warning(lead_client, project):
    make_participant(name="Ada Lovelace", email="ada@analytical.example")
    before = db_counts()

    response = preview(lead_client, import_url(project), csv_file("name\nAda Lovelace\nGrace\n"))

    plan = response.context["plan"]
    assert plan.new_count == 2
    assert any("Rows 2, 3 have no e-mail address" in warning for warning in plan.warnings)
    confirm(lead_client, import_url(project), response)
    assert db_counts()["participants"] == before["participants"] + 2


def test_an_import_sets_do_not_contact_but_never_lifts_it(lead_client, project):
    flagged = make_participant(email="ada@analytical.example", do_not_contact=True)
    other = make_participant(email="grace@navy.example")

    response = preview(
        lead_client,
        import_url(project),
        csv_file("email,do_not_contact\nada@analytical.example,no\ngrace@navy.example,1\n"),
    )
    assert any(
        f"{flagged.pseudonym} is marked do-not-contact" in w
        for w in response.context["plan"].warnings
    )
    assert response.content.decode().count('badge-error">do not contact') == 2
    assert "Updates do not contact" in response.content.decode()
    confirm(lead_client, import_url(project), response)

    flagged.refresh_from_db()
    other.refresh_from_db()
    assert flagged.do_not_contact is True
    assert other.do_not_contact is True


def test_a_participant_added_after_the_preview_is_merged_on_confirm(lead_client, project):
    response = preview(
        lead_client, import_url(project), csv_file("name,email\nAda,ada@analytical.example\n")
    )
    assert response.context["plan"].new_count == 1
    meanwhile = make_participant(name="Ada", email="ada@analytical.example")
    before = db_counts()

    response = confirm(lead_client, import_url(project), response)

    assert response.status_code == 302
    assert "0 new, 1 merged" in flashed(response)[0]
    assert db_counts()["participants"] == before["participants"]
    assert Enrollment.objects.filter(project=project, participant=meanwhile).exists()
