"""Spreadsheet exports of a study's findings: a workbook (.xlsx) and the quotes as CSV.

A pipeline (STYLE.md, "Exports and imports are pipelines"):

1. `rows` reads the study as the exporter may read it (insights.visibility through
   insights.quotes, the quote list's own selector and filters) and yields plain row values,
   a chunk of highlights at a time.
2. `writer` turns sheets of rows into an openpyxl write-only workbook or a CSV, guarding
   every text cell against formula injection; it never queries.
3. `service` ties them together for the quote list's Export action, the background job that
   builds large exports, and `manage.py export_xlsx`, and writes the audit log.
"""
