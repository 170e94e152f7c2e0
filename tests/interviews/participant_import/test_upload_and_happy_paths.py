"""Participant import from CSV and xlsx: the upload page, and files that import cleanly
(preview writes nothing, confirm writes all)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.test import Client
from django.urls import reverse

from interviews.importers.participants import (
    read_rows,
    validate_rows,
)
from interviews.models import (
    AttributeValue,
    AuditEvent,
    Enrollment,
    Participant,
    ParticipantIdentity,
)
from tests.interviews.participant_import.helpers import (
    HEADER,
    confirm,
    csv_file,
    db_counts,
    flashed,
    identity_of,
    import_url,
    preview,
    stored_uploads,
    xlsx_file,
)

# --- Upload page and template -------------------------------------------------------------------


def test_upload_page_explains_columns_and_offers_a_template(researcher_client, project, attributes):
    response = researcher_client.get(import_url(project))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="file"' in page
    assert 'accept=".csv,.xlsx' in page
    assert 'enctype="multipart/form-data"' in page
    for column in ("email", "company_size", "do_not_contact", "seats_purchased", "renewal_date"):
        assert f"<code>{column}</code>" in page
    assert "Premium, Ultimate" in page  # the choice attribute's choices
    assert f"{import_url(project)}?template=csv" in page
    assert '<label for="id_file">' in page


def test_template_csv_has_header_and_an_example_that_imports_cleanly(
    researcher_client, project, attributes
):
    response = researcher_client.get(import_url(project) + "?template=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="uptier-participants.csv"' in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")  # Excel on Windows needs the BOM to read UTF-8
    header, example = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:3] == ["name", "email", "company"]
    assert header[-3:] == ["seats_purchased", "current_plan", "renewal_date"]
    assert len(example) == len(header)
    plan = validate_rows(read_rows("template.csv", data), project=project)
    assert plan.errors == ()
    assert plan.new_count == 1


def test_pool_template_has_no_study_columns(researcher_client, project, attributes):
    response = researcher_client.get(import_url() + "?template=csv")

    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "seats_purchased" not in header
    assert header[-1] == "do_not_contact"


# --- The happy paths ----------------------------------------------------------------------------


def test_csv_preview_writes_nothing_and_confirm_imports_everything(
    researcher_client, researcher, project, attributes
):
    text = (
        f"{HEADER},do_not_contact,seats_purchased,current_plan,renewal_date\n"
        "Ada Lovelace,ada@analytical.example,Analytical Engines,CTO,large,emea,premium,no,250,"
        "ultimate,2026-09-30\n"
        "Grace Hopper,grace@navy.example,US Navy,Rear Admiral,smb,amer,free,,12,Premium,\n"
        "Alan Turing,alan@bletchley.example,Bletchley Park,,mid_market,emea,,yes,,,\n"
    )
    before = db_counts()

    response = preview(researcher_client, import_url(project), csv_file(text))

    assert response.status_code == 200
    assert db_counts() == before
    plan = response.context["plan"]
    assert plan.errors == ()
    assert (plan.new_count, plan.merge_count, plan.enroll_count) == (3, 0, 3)
    page = response.content.decode()
    assert "Import 3 participants" in page
    assert "New participant" in page
    assert "ada@analytical.example" in page  # only researchers import, so the file's PII shows
    assert "Seats purchased: 250" in page
    assert len(stored_uploads()) == 1

    response = confirm(researcher_client, import_url(project), response)

    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    assert flashed(response) == [
        "Imported 3 participants: 3 new, 0 merged with existing ones; "
        "3 enrolled in Premium to Ultimate up-tier."
    ]
    after = db_counts()
    assert after["participants"] == before["participants"] + 3
    assert after["identities"] == before["identities"] + 3
    assert after["enrollments"] == before["enrollments"] + 3
    assert after["values"] == before["values"] + 5
    ada = identity_of("ada@analytical.example")
    assert (ada.name, ada.company, ada.job_title) == ("Ada Lovelace", "Analytical Engines", "CTO")
    assert (ada.participant.segment, ada.participant.region, ada.participant.tier) == (
        "large",
        "emea",
        "premium",
    )
    assert ada.participant.kind == Participant.Kind.CUSTOMER
    assert ada.participant.pseudonym.startswith("P-")
    enrollment = Enrollment.objects.get(project=project, participant=ada.participant)
    assert enrollment.status == Enrollment.Status.IDENTIFIED
    values = {
        v.attribute.key: v.value for v in enrollment.attribute_values.select_related("attribute")
    }
    assert values == {
        "seats_purchased": 250.0,
        "current_plan": "Ultimate",  # stored as the attribute spells it
        "renewal_date": dt.date(2026, 9, 30),
    }
    alan = identity_of("alan@bletchley.example").participant
    assert alan.do_not_contact is True
    assert alan.do_not_contact_reason
    event = AuditEvent.objects.get(action=AuditEvent.Action.PARTICIPANTS_IMPORTED)
    assert event.user == researcher
    assert event.project == project
    assert event.detail == "3 new, 0 merged into study uptier from people.csv"
    assert stored_uploads() == set()  # the held file is deleted once imported


def test_xlsx_converts_numbers_and_dates(researcher_client, project, attributes):
    upload = xlsx_file(
        [
            ["Name", "Email", "Seats purchased", "Renewal date", "Current plan", "Company size"],
            [
                "Ada Lovelace",
                "ada@analytical.example",
                250,
                dt.datetime(2026, 9, 30),
                "Ultimate",
                None,
            ],
            [None, None, None, None, None, None],  # an empty row is skipped
            ["Grace Hopper", "grace@navy.example", 12.5, dt.date(2027, 1, 15), None, "5001+"],
        ]
    )

    response = preview(researcher_client, import_url(project), upload)

    plan = response.context["plan"]
    assert plan.errors == ()
    assert [p.rows for p in plan.participants] == [(2,), (4,)]  # the spreadsheet's row numbers
    assert "Excel workbook" in response.content.decode()

    response = confirm(researcher_client, import_url(project), response)

    assert response.status_code == 302
    grace = identity_of("grace@navy.example").participant
    assert grace.company_size == "5001+"
    values = {
        v.attribute.key: v.value
        for v in AttributeValue.objects.filter(enrollment__participant=grace).select_related(
            "attribute"
        )
    }
    assert values == {"seats_purchased": 12.5, "renewal_date": dt.date(2027, 1, 15)}
    ada = identity_of("ada@analytical.example").participant
    assert AttributeValue.objects.get(
        enrollment__participant=ada, attribute=attributes["renewal"]
    ).date_value == dt.date(2026, 9, 30)


def test_xlsx_cells_that_are_numbers_become_text_where_text_is_expected(lead_client, project):
    upload = xlsx_file([["name", "company", "persona"], [12345, 2001.0, True]])

    response = preview(lead_client, import_url(project), upload)
    confirm(lead_client, import_url(project), response)

    identity = ParticipantIdentity.objects.get(name="12345")
    assert identity.company == "2001"  # not "2001.0"


def test_pool_import_adds_to_the_pool_without_enrolling(researcher_client, project):
    before = db_counts()

    response = preview(
        researcher_client, import_url(), csv_file("name,email\nAda,ada@analytical.example\n")
    )
    assert "will be enrolled" not in response.content.decode()
    response = confirm(researcher_client, import_url(), response)

    assert response["Location"] == reverse("interviews:participant-list")
    assert flashed(response) == ["Imported 1 participant: 1 new, 0 merged with existing ones."]
    after = db_counts()
    assert after["participants"] == before["participants"] + 1
    assert after["enrollments"] == before["enrollments"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.PARTICIPANTS_IMPORTED)
    assert event.project is None
    assert "into the participant pool" in event.detail


def test_staff_can_import_into_the_pool(staff):
    client = Client()
    client.force_login(staff)

    response = preview(client, import_url(), csv_file("name\nAda\n"))

    assert response.status_code == 200
    assert response.context["plan"].can_apply
