"""Participant import from CSV and xlsx: upload, preview (writes nothing), confirm (all or none)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from interviews import services
from interviews.importers import participants as importer
from interviews.importers.participants import (
    UPLOAD_DIR,
    ImportFileError,
    read_rows,
    validate_rows,
)
from interviews.models import (
    AttributeValue,
    AuditEvent,
    Enrollment,
    Membership,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    ResearchProject,
)
from tests.factories import (
    make_attribute,
    make_enrollment,
    make_participant,
    make_project,
    make_user,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = "name,email,company,job_title,segment,region,tier"


# --- Helpers ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _empty_upload_storage():
    """default_storage is one InMemoryStorage for the whole run; start each test without uploads."""
    for name in stored_uploads():
        default_storage.delete(f"{UPLOAD_DIR}/{name}")


@pytest.fixture
def attributes(project: ResearchProject) -> dict[str, ProjectAttribute]:
    return {
        "seats": make_attribute(
            project, "seats_purchased", kind=ProjectAttribute.Kind.NUMBER, label="Seats purchased"
        ),
        "plan": make_attribute(
            project,
            "current_plan",
            kind=ProjectAttribute.Kind.CHOICE,
            choices=["Premium", "Ultimate"],
            label="Current plan",
        ),
        "renewal": make_attribute(
            project, "renewal_date", kind=ProjectAttribute.Kind.DATE, label="Renewal date"
        ),
    }


def stored_uploads() -> set[str]:
    try:
        return set(default_storage.listdir(UPLOAD_DIR)[1])
    except FileNotFoundError:
        return set()


def csv_file(text: str, *, name: str = "people.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list[object]], *, name: str = "people.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_TYPE)


def import_url(project: ResearchProject | None = None) -> str:
    if project is None:
        return reverse("interviews:participant-import")
    return reverse("interviews:project-participant-import", args=[project.slug])


def db_counts() -> dict[str, int]:
    return {
        "participants": Participant.objects.count(),
        "identities": ParticipantIdentity.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "values": AttributeValue.objects.count(),
        "imports": AuditEvent.objects.filter(
            action=AuditEvent.Action.PARTICIPANTS_IMPORTED
        ).count(),
    }


def preview(client: Client, url: str, upload: SimpleUploadedFile):  # noqa: ANN201
    return client.post(url, {"step": "preview", "file": upload})


def confirm(client: Client, url: str, response, **overrides: str):  # noqa: ANN001, ANN201
    form = response.context["confirm_form"]
    assert form is not None, "the preview offered no confirmation"
    data = {"step": "confirm", **form.initial, **overrides}
    return client.post(url, data)


def flashed(response) -> list[str]:  # noqa: ANN001
    return [str(message) for message in get_messages(response.wsgi_request)]


def identity_of(email: str) -> ParticipantIdentity:
    return ParticipantIdentity.objects.select_related("participant").get(email__iexact=email)


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


# --- Header and value leniency ------------------------------------------------------------------


def test_headers_match_ignoring_case_spaces_and_aliases(lead_client, project):
    text = (
        "Full Name,E-Mail,Company Name,Job Title,Customer Segment,REGION,Do Not Contact\n"
        "Ada Lovelace,Ada@Analytical.example,Analytical Engines,CTO,Large,EMEA,Yes\n"
    )

    response = preview(lead_client, import_url(project), csv_file(text))
    confirm(lead_client, import_url(project), response)

    ada = identity_of("ada@analytical.example")
    assert (ada.name, ada.company, ada.job_title) == ("Ada Lovelace", "Analytical Engines", "CTO")
    assert ada.participant.segment == "large"
    assert ada.participant.do_not_contact is True


def test_first_and_last_name_columns_make_the_name(lead_client, project):
    text = "First name,Last name,Email\nAda,Lovelace,ada@analytical.example\n"

    response = preview(lead_client, import_url(project), csv_file(text))
    confirm(lead_client, import_url(project), response)

    assert identity_of("ada@analytical.example").name == "Ada Lovelace"


def test_choice_labels_and_values_are_both_accepted(lead_client, project):
    text = (
        "name,kind,segment,region,tier,deployment,company_size\n"
        "A,Internal team member,Mid-Market,latam,Ultimate,Self-managed,"
        '"1,001–5,000 employees"\n'
        "B,customer,mid_market,APAC,premium,SaaS,1-100\n"
        "C,INTERNAL,smb,Emea,free,self managed,101–1000\n"
    )

    response = preview(lead_client, import_url(project), csv_file(text))
    assert response.context["plan"].errors == ()
    confirm(lead_client, import_url(project), response)

    rows = {
        identity.name: identity.participant
        for identity in ParticipantIdentity.objects.select_related("participant")
    }
    a, b, c = rows["A"], rows["B"], rows["C"]
    assert (a.kind, a.segment, a.region, a.tier, a.deployment, a.company_size) == (
        "internal",
        "mid_market",
        "latam",
        "ultimate",
        "self_managed",
        "1001-5000",
    )
    assert (b.kind, b.region, b.deployment, b.company_size) == ("customer", "apac", "saas", "1-100")
    assert (c.kind, c.region, c.deployment, c.company_size) == (
        "internal",
        "emea",
        "self_managed",
        "101-1000",
    )


def test_unknown_columns_are_a_warning_and_ignored(lead_client, project):
    text = "name,email,favourite colour\nAda,ada@analytical.example,teal\n"

    response = preview(lead_client, import_url(project), csv_file(text))

    plan = response.context["plan"]
    assert plan.can_apply
    assert any("favourite colour" in warning for warning in plan.warnings)
    assert "is not a participant field; it is ignored" in response.content.decode()


def test_a_study_attribute_named_like_an_alias_is_the_attribute(lead_client, project):
    make_attribute(project, "plan", kind=ProjectAttribute.Kind.CHOICE, choices=["Gold", "Silver"])

    response = preview(lead_client, import_url(project), csv_file("name,plan\nAda,gold\n"))
    confirm(lead_client, import_url(project), response)

    participant = ParticipantIdentity.objects.get(name="Ada").participant
    assert participant.tier == ""
    assert AttributeValue.objects.get(enrollment__participant=participant).text_value == "Gold"


def test_windows_1252_csv_keeps_accents(lead_client, project):
    text = "name,email,company\nJosé Müller,jose@example.com,Café Crème SàRL\n"

    response = preview(lead_client, import_url(project), csv_file(text, encoding="cp1252"))
    assert "Windows-1252" in response.content.decode()
    confirm(lead_client, import_url(project), response)

    jose = identity_of("jose@example.com")
    assert (jose.name, jose.company) == ("José Müller", "Café Crème SàRL")


def test_utf8_bom_does_not_hide_the_first_header(lead_client, project):
    text = "\ufeffemail,name\nada@analytical.example,Ada\n"

    response = preview(lead_client, import_url(project), csv_file(text))
    confirm(lead_client, import_url(project), response)

    assert identity_of("ada@analytical.example").name == "Ada"


def test_semicolon_separated_csv_from_a_european_excel(lead_client, project, attributes):
    text = (
        "Name;E-mail;Company;Seats purchased\r\n"
        "Ada Lovelace;ada@analytical.example;Analytical Engines, Ltd.;1,250\r\n"
    )

    response = preview(lead_client, import_url(project), csv_file(text, encoding="cp1252"))
    assert "separated by semicolons" in response.content.decode()
    confirm(lead_client, import_url(project), response)

    ada = identity_of("ada@analytical.example")
    assert ada.company == "Analytical Engines, Ltd."
    assert AttributeValue.objects.get(enrollment__participant=ada.participant).number_value == 1250


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


# --- Row errors ---------------------------------------------------------------------------------


def test_invalid_rows_are_listed_and_cannot_be_confirmed(lead_client, project, attributes):
    text = (
        f"{HEADER},do_not_contact,seats_purchased,current_plan,renewal_date\n"
        "Ada,ada@analytical.example,,,large,emea,premium,no,10,Premium,2026-01-01\n"
        "Grace,grace@@navy,,,large,emea,premium,no,,,\n"
        ",,Acme,,,,,,,,\n"
        "Alan,alan@bletchley.example,,,enterprise,Europe,gold,maybe,lots,Platinum,31/12/2026\n"
        'Linus,linus@example.com,,,,,,,"12,5",,\n'
    )
    before = db_counts()

    response = preview(lead_client, import_url(project), csv_file(text))

    assert response.status_code == 200
    assert db_counts() == before
    assert stored_uploads() == set()
    assert response.context["confirm_form"] is None
    page = response.content.decode()
    assert "Fix these rows and upload the file again" in page
    assert "Import " not in page.split("Preview of")[1].split("Upload the corrected file")[0]
    assert 'name="step" value="confirm"' not in page
    messages = [str(error) for error in response.context["plan"].errors]
    assert messages == [
        "Row 3, email: 'grace@@navy' is not a valid e-mail address.",
        "Row 4: needs a name or an e-mail address.",
        "Row 5, segment: 'enterprise' is not one of large, mid_market, smb.",
        "Row 5, region: 'Europe' is not one of amer, emea, apac, latam.",
        "Row 5, tier: 'gold' is not one of free, premium, ultimate.",
        "Row 5, do_not_contact: 'maybe' is not yes or no (true/false and 1/0 work too).",
        "Row 5, seats_purchased: Seats purchased must be a number, not 'lots'.",
        "Row 5, current_plan: Current plan must be one of Premium, Ultimate, not 'Platinum'.",
        "Row 5, renewal_date: Renewal date must be a date like 2026-03-31, not '31/12/2026'.",
        "Row 6, seats_purchased: Seats purchased must be a number written with a decimal point, "
        "like 12.5, not '12,5'.",
    ]
    assert "Row 5, region: &#x27;Europe&#x27; is not one of amer, emea, apac, latam." in page


def test_a_value_too_long_for_its_field_is_a_row_error(lead_client, project):
    before = db_counts()

    response = preview(
        lead_client, import_url(project), csv_file(f"name,company\nAda,{'x' * 201}\n")
    )

    assert [str(e) for e in response.context["plan"].errors] == [
        "Row 2, company: is 201 characters long; at most 200 fit."
    ]
    assert db_counts() == before


def test_direction_controls_in_names_are_row_errors(lead_client, project):
    before = db_counts()
    text = "name,company,persona\nAda \u202eecalevoL,Acme,ok\nBob,\u2066Acme\u2069,ok\n"

    response = preview(lead_client, import_url(project), csv_file(text))

    errors = [str(e) for e in response.context["plan"].errors]
    assert errors[0].startswith("Row 2, name: cannot be imported: it contains the text-direction")
    assert errors[1].startswith("Row 3, company: cannot be imported: it contains the text-direct")
    assert response.context["confirm_form"] is None
    assert db_counts() == before


def test_direction_controls_in_an_xlsx_name_are_row_errors(lead_client, project):
    upload = xlsx_file([["name", "email"], ["\u202eAda", "ada@x.com"]])

    response = preview(lead_client, import_url(project), upload)

    assert "U+202E" in str(response.context["plan"].errors[0])


def test_text_that_cannot_be_stored_is_a_row_error_whatever_the_reader(project):
    # Neither reader lets these through; the row check stands before the database anyway.
    table = importer.ImportTable(
        filename="people.csv",
        headers=("name", "persona"),
        rows=(importer.SourceRow(2, ("Ada", "SRE\ud800")), importer.SourceRow(3, ("B\x00", ""))),
        description="CSV",
    )

    plan = importer.validate_rows(table, project=project)

    assert [str(e) for e in plan.errors] == [
        "Row 2, persona: cannot be imported: it contains an unpaired surrogate "
        "(U+D800–U+DFFF), which is not valid text.",
        "Row 3, name: cannot be imported: it contains a NUL character (U+0000), "
        "which cannot be stored.",
    ]
    assert not plan.can_apply


def test_a_file_without_name_or_email_column_is_refused(lead_client, project):
    before = db_counts()

    response = preview(lead_client, import_url(project), csv_file("company,tier\nAcme,free\n"))

    errors = [str(error) for error in response.context["plan"].errors]
    assert len(errors) == 1
    assert errors[0].startswith("The file needs a name or an email column")
    assert "“company”, “tier”" in errors[0]
    assert response.context["confirm_form"] is None
    assert db_counts() == before


def test_two_columns_for_one_field_are_refused(lead_client, project):
    response = preview(
        lead_client, import_url(project), csv_file("email,E-mail address\na@x.com,b@x.com\n")
    )

    assert [str(e) for e in response.context["plan"].errors] == [
        "Columns “email” and “E-mail address” both hold e-mail; keep one of them."
    ]


# --- Files that are not what they claim ---------------------------------------------------------


def _docx_like_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("people.csv", b"", "The file is empty"),
        ("people.csv", b"\n\n  \n", "The file is empty"),
        ("people.csv", b"name,email\n", "header row but no rows to import"),
        ("people.xlsx", None, "header row but no rows to import"),
        (
            "people.pdf",
            b"%PDF-1.7 ...",
            "Only .csv and .xlsx files can be imported; this is a .pdf",
        ),
        ("photo.png", b"\x89PNG\r\n\x1a\n....", "this is a .png file"),
        ("notes.docx", _docx_like_zip(), "this is a .docx file"),
        ("notes.txt", b"name\nAda\n", "this is a .txt file"),
        ("people", b"name\nAda\n", "this is a file without an extension"),
        ("people.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel .xls file"),
        ("people.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "it looks like a PNG image"),
        ("people.csv", b"%PDF-1.7\n%\xe2\xe3", "it looks like a PDF document"),
        ("people.csv", _docx_like_zip(), "not a CSV file"),
        ("people.csv", b"name,email\nAda\x00\x01\x02,a@x.com\n", "bytes that are not text"),
        ("people.xlsx", b"name,email\nAda,ada@x.com\n", "This is not an Excel workbook"),
        ("people.xlsx", b"\x00\x01garbage\xff" * 50, "This is not an Excel workbook"),
        ("people.xlsx", _docx_like_zip(), "This is not an Excel workbook"),
    ],
)
def test_bad_files_get_a_clear_error_and_change_nothing(lead_client, project, name, data, message):
    if data is None:
        upload = xlsx_file([["name", "email"]], name=name)
    else:
        upload = SimpleUploadedFile(name, data)
    before = db_counts()

    response = preview(lead_client, import_url(project), upload)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in error for error in errors), errors
    assert message.split(";")[0] in response.content.decode().replace("&#x27;", "'")
    assert response.context["plan"] is None
    assert db_counts() == before
    assert stored_uploads() == set()


def test_an_oversized_file_is_refused_with_the_limit_in_mb(lead_client, project, settings):
    settings.PARTICIPANT_IMPORT_MAX_BYTES = 1024 * 1024
    row = "Ada Lovelace,ada@analytical.example,Analytical Engines\n"
    text = "name,email,company\n" + row * (1536 * 1024 // len(row))
    before = db_counts()

    response = preview(lead_client, import_url(project), csv_file(text))

    assert response.context["form"].errors["file"] == [
        "The file is 1.5 MB; files up to 1 MB can be imported. Split it into smaller files."
    ]
    assert db_counts() == before
    assert stored_uploads() == set()


def test_a_file_just_over_the_limit_does_not_say_1_mb_of_1_mb(settings):
    settings.PARTICIPANT_IMPORT_MAX_BYTES = 1024 * 1024

    with pytest.raises(ImportFileError, match="The file is just over 1 MB; files up to 1 MB"):
        read_rows("people.csv", b"x" * (1024 * 1024 + 1))


def test_too_many_rows_are_refused(lead_client, project, settings):
    settings.PARTICIPANT_IMPORT_MAX_ROWS = 3
    text = "name\nA\nB\n\nC\nD\n"
    before = db_counts()

    response = preview(lead_client, import_url(project), csv_file(text))

    assert response.context["form"].errors["file"] == [
        "The file has more than 3 rows; import at most 3 participants at a time. "
        "Split it into smaller files."
    ]
    assert db_counts() == before


def test_exactly_the_row_limit_is_fine(lead_client, project, settings):
    settings.PARTICIPANT_IMPORT_MAX_ROWS = 3

    response = preview(lead_client, import_url(project), csv_file("name\nA\n\nB\nC\n\n"))

    assert response.context["plan"].new_count == 3


def test_no_file_at_all_asks_for_one(lead_client, project):
    response = lead_client.post(import_url(project), {"step": "preview"})

    assert response.context["form"].errors["file"] == ["Choose a .csv or .xlsx file to import."]


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_on_a_project_import(outsider_client, project, method):
    response = getattr(outsider_client, method)(import_url(project))

    assert response.status_code == 404


def test_viewer_cannot_import_into_a_study(viewer_client, project):
    before = db_counts()

    assert viewer_client.get(import_url(project)).status_code == 403
    response = preview(viewer_client, import_url(project), csv_file("name\nAda\n"))

    assert response.status_code == 403
    assert db_counts() == before


def test_viewer_only_user_cannot_import_into_the_pool(viewer_client, project):
    before = db_counts()

    assert viewer_client.get(import_url()).status_code == 403
    assert viewer_client.get(import_url() + "?template=csv").status_code == 403
    response = preview(viewer_client, import_url(), csv_file("name\nAda\n"))

    assert response.status_code == 403
    assert db_counts() == before


def test_outsider_cannot_import_into_the_pool(outsider_client):
    assert outsider_client.get(import_url()).status_code == 403


def test_researcher_in_another_study_can_import_into_the_pool(project):
    other = make_user()
    make_project(members={other: Membership.Role.RESEARCHER})
    client = Client()
    client.force_login(other)

    assert client.get(import_url()).status_code == 200
    assert client.get(import_url(project)).status_code == 404


def test_anonymous_user_is_sent_to_log_in(client, project):
    response = client.get(import_url(project))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- The confirmation token ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "../../etc/passwd",
        "participant-imports/x",
        "not-a-uuid",
        "12345678-1234-1234-1234-123456789012",  # uuid-shaped but not a version 4 uuid
        "",
    ],
)
def test_a_malformed_token_is_refused(lead_client, project, token):
    response = preview(lead_client, import_url(project), csv_file("name\nAda\n"))
    before = db_counts()

    response = confirm(lead_client, import_url(project), response, token=token)

    assert response.status_code == 400
    assert "no longer available" in response.content.decode()
    assert db_counts() == before


def test_an_unknown_token_is_refused(lead_client, project):
    preview(lead_client, import_url(project), csv_file("name\nAda\n"))
    before = db_counts()

    response = lead_client.post(
        import_url(project),
        {
            "step": "confirm",
            "token": "0b5c8f1e-7f4a-4c59-9a3b-2d1e6f7a8b9c",
            "filename": "people.csv",
        },
    )

    assert response.status_code == 400
    assert "The uploaded file is no longer available" in response.content.decode()
    assert db_counts() == before


def test_another_users_token_is_refused(lead_client, researcher_client, project):
    response = preview(researcher_client, import_url(project), csv_file("name\nAda\n"))
    before = db_counts()

    stolen = confirm(lead_client, import_url(project), response)

    assert stolen.status_code == 400
    assert db_counts() == before
    # The owner can still confirm their own upload.
    assert confirm(researcher_client, import_url(project), response).status_code == 302


def test_a_token_from_another_import_target_is_refused(lead_client, project):
    response = preview(lead_client, import_url(), csv_file("name\nAda\n"))
    before = db_counts()

    response = confirm(lead_client, import_url(project), response)

    assert response.status_code == 400
    assert db_counts() == before


def test_a_changed_filename_is_refused(lead_client, project):
    response = preview(lead_client, import_url(project), csv_file("name\nAda\n"))
    before = db_counts()

    response = confirm(lead_client, import_url(project), response, filename="people.xlsx")

    assert response.status_code == 400
    assert db_counts() == before


def test_a_deleted_upload_gives_a_clear_error(lead_client, project):
    response = preview(lead_client, import_url(project), csv_file("name\nAda\n"))
    for name in stored_uploads():
        default_storage.delete(f"{UPLOAD_DIR}/{name}")
    before = db_counts()

    response = confirm(lead_client, import_url(project), response)

    assert response.status_code == 400
    assert "The uploaded file is no longer available" in response.content.decode()
    assert db_counts() == before


def test_confirming_twice_imports_once(lead_client, project):
    response = preview(lead_client, import_url(project), csv_file("name\nAda\n"))
    confirm(lead_client, import_url(project), response)
    before = db_counts()

    again = confirm(lead_client, import_url(project), response)

    assert again.status_code == 302
    assert "This file has already been imported." in flashed(again)
    assert db_counts() == before


def test_cancel_deletes_the_held_file(lead_client, project):
    response = preview(lead_client, import_url(project), csv_file("name\nAda\n"))
    assert len(stored_uploads()) == 1
    before = db_counts()

    cancelled = lead_client.post(
        import_url(project), {"step": "cancel", **response.context["confirm_form"].initial}
    )

    assert cancelled.status_code == 302
    assert stored_uploads() == set()
    assert db_counts() == before
    assert confirm(lead_client, import_url(project), response).status_code == 400


def test_a_session_holds_only_a_few_abandoned_uploads(lead_client, project):
    for _ in range(7):
        preview(lead_client, import_url(project), csv_file("name\nAda\n"))

    assert len(stored_uploads()) == 5


def test_confirm_validates_the_stored_file_again(lead_client, project, attributes):
    response = preview(
        lead_client,
        import_url(project),
        csv_file("name,current_plan\nAda,Premium\n"),
    )
    attributes["plan"].choices = ["Gold"]
    attributes["plan"].save()
    before = db_counts()

    response = confirm(lead_client, import_url(project), response)

    assert response.status_code == 200
    assert [str(e) for e in response.context["plan"].errors] == [
        "Row 2, current_plan: Current plan must be one of Gold, not 'Premium'."
    ]
    assert db_counts() == before
    assert stored_uploads() == set()


def test_a_failure_halfway_leaves_nothing_behind(lead_client, project, attributes, monkeypatch):
    text = "name,seats_purchased\nAda,1\nGrace,2\nAlan,3\n"
    response = preview(lead_client, import_url(project), csv_file(text))
    calls = []

    def fail_on_third(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(**kwargs)

    original = services.attribute_values_set
    monkeypatch.setattr(services, "attribute_values_set", fail_on_third)
    before = db_counts()

    with pytest.raises(RuntimeError):
        confirm(lead_client, import_url(project), response)

    assert db_counts() == before


# --- Query counts -------------------------------------------------------------------------------


def _rows(count: int, *, existing: int) -> str:
    lines = ["name,email,segment,seats_purchased,current_plan"]
    lines += [f"Person {i},person{i}@example.com,large,{i},Premium" for i in range(count)]
    lines += [f"Known {i},known{i}@example.com,smb,{i},Ultimate" for i in range(existing)]
    return "\n".join(lines) + "\n"


def test_preview_queries_do_not_grow_with_the_rows(
    lead_client, project, attributes, django_assert_max_num_queries
):
    for i in range(10):
        participant = make_participant(email=f"known{i}@example.com")
        if i % 2:
            make_enrollment(project, participant)

    # 1 session, 2 user, 3 project, 4 membership (access), 5 the study's attributes,
    # 6 existing identities by e-mail (with their participant and "already enrolled"),
    # 7-9 saving the held upload's token in the session (SAVEPOINT, UPDATE, RELEASE).
    with django_assert_max_num_queries(9):
        small = preview(lead_client, import_url(project), csv_file(_rows(3, existing=1)))
    with django_assert_max_num_queries(9):
        large = preview(lead_client, import_url(project), csv_file(_rows(30, existing=10)))

    assert large.context["plan"].merge_count == 10
    assert small.context["plan"].can_apply and large.context["plan"].can_apply

    with CaptureQueriesContext(connection) as small_queries:
        preview(lead_client, import_url(project), csv_file(_rows(3, existing=1)))
    with CaptureQueriesContext(connection) as large_queries:
        preview(lead_client, import_url(project), csv_file(_rows(30, existing=10)))
    assert len(small_queries) == len(large_queries)


# --- The pipeline without the web ---------------------------------------------------------------


def test_read_rows_keeps_spreadsheet_row_numbers_and_skips_empty_rows():
    table = read_rows("people.csv", b"\n\nname,email\n\nAda,a@x.com\n,\nGrace,g@x.com\n")

    assert table.headers == ("name", "email")
    assert [row.number for row in table.rows] == [5, 7]


def test_read_rows_from_xlsx_reads_only_the_first_sheet():
    workbook = Workbook()
    workbook.active.append(["name"])
    workbook.active.append(["Ada"])
    workbook.create_sheet("Notes").append(["ignore me"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_rows("people.xlsx", buffer.getvalue())

    assert table.headers == ("name",)
    assert [row.cells for row in table.rows] == [("Ada",)]


def test_read_rows_picks_the_delimiter_from_the_header():
    data = b'name;company\n"Lovelace, Ada";"Engines, Ltd"\n'

    table = read_rows("people.csv", data)

    assert table.rows[0].cells == ("Lovelace, Ada", "Engines, Ltd")


def test_read_rows_refuses_a_too_large_file_by_its_bytes(settings):
    settings.PARTICIPANT_IMPORT_MAX_BYTES = 10

    with pytest.raises(ImportFileError, match="files up to 10 bytes can be imported"):
        read_rows("people.csv", b"name\nAda Lovelace\n")


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (None, ""),
        (" Ada ", "Ada"),
        (12.0, "12"),
        (12.5, "12.5"),
        (True, "yes"),
        (dt.datetime(2026, 3, 31), "2026-03-31"),
        (dt.datetime(2026, 3, 31, 9, 30), "2026-03-31 09:30"),
        (dt.date(2026, 3, 31), "2026-03-31"),
    ],
)
def test_cell_text(cell, text):
    assert importer.cell_text(cell) == text


def test_a_workbook_that_unpacks_to_far_more_than_its_size_is_refused(settings):
    settings.PARTICIPANT_IMPORT_MAX_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (40 * 1024 * 1024) + b"</sst>")
    assert len(buffer.getvalue()) < 1024 * 1024

    with pytest.raises(ImportFileError, match="The workbook unpacks to 40 MB"):
        read_rows("people.xlsx", buffer.getvalue())


def test_confirm_queries_grow_only_by_one_insert_of_attribute_values_per_row(
    lead_client, project, attributes
):
    def confirm_queries(count: int, *, tag: str, with_attributes: bool) -> int:
        header = "name,email,segment" + (",seats_purchased,current_plan" if with_attributes else "")
        cells = ",7,Premium" if with_attributes else ""
        lines = [f"P{i},{tag}{i}@example.com,large{cells}" for i in range(count)]
        response = preview(
            lead_client, import_url(project), csv_file("\n".join([header, *lines]) + "\n")
        )
        with CaptureQueriesContext(connection) as queries:
            confirmed = confirm(lead_client, import_url(project), response)
        assert confirmed.status_code == 302
        return len(queries)

    # Participants, identities and enrollments are inserted in one go however many rows there
    # are; the values of each enrollment are one INSERT (services.attribute_values_set, with
    # the stored values prefetched for the whole file).
    assert confirm_queries(3, tag="a", with_attributes=False) == confirm_queries(
        30, tag="b", with_attributes=False
    )
    small = confirm_queries(3, tag="c", with_attributes=True)
    large = confirm_queries(30, tag="d", with_attributes=True)
    assert large - small == 27
    assert Participant.objects.count() == 66
    assert AttributeValue.objects.count() == 66
