"""Participant import: row errors and files that are not what they claim, refused with
messages that name the row or the file, writing nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from interviews.importers import participants as importer
from interviews.importers.participants import (
    ImportFileError,
    read_rows,
)
from tests.interviews.participant_import.helpers import (
    HEADER,
    csv_file,
    db_counts,
    import_url,
    preview,
    stored_uploads,
    xlsx_file,
)

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
