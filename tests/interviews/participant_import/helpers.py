"""Helpers for the participant import tests: upload files, the preview and confirm steps,
and counts of what the database holds."""

from __future__ import annotations

import io

from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from interviews.importers.participants import (
    UPLOAD_DIR,
)
from interviews.models import (
    AttributeValue,
    AuditEvent,
    Enrollment,
    Participant,
    ParticipantIdentity,
    ResearchProject,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = "name,email,company,job_title,segment,region,tier"


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
