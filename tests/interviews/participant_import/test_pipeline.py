"""The participant import pipeline without the web."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from interviews.importers import participants as importer
from interviews.importers.participants import (
    ImportFileError,
    read_rows,
)
from interviews.models import (
    AttributeValue,
    Participant,
)
from tests.interviews.participant_import.helpers import (
    confirm,
    csv_file,
    import_url,
    preview,
)

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
