"""The exchange pages: codebook download and upload, study export and import."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from insights.models import Code, Highlight
from interviews.models import AuditEvent, Membership, ResearchProject
from tests.insights.refi_data import tool_qdpx


def test_any_member_downloads_the_codebook(
    coded_project: ResearchProject,
    viewer_client: Client,
) -> None:
    url = reverse("insights:codebook-export", args=[coded_project.slug])
    qdc = viewer_client.get(url)
    assert qdc["Content-Disposition"] == 'attachment; filename="uptier-codebook.qdc"'
    assert b"urn:QDA-XML:codebook:1.0" in qdc.content
    csv = viewer_client.get(url + "?format=csv")
    assert csv["Content-Type"] == "text/csv"
    assert "Onboarding/Setup friction" in csv.content.decode("utf-8-sig")


def test_codebook_page_offers_import_to_leads_only(
    project: ResearchProject, lead_client: Client, researcher_client: Client
) -> None:
    url = reverse("insights:codebook", args=[project.slug])
    assert b"Import codes" in lead_client.get(url).content
    assert b"Import codes" not in researcher_client.get(url).content


def test_lead_imports_a_csv_codebook(project: ResearchProject, lead_client: Client) -> None:
    upload = SimpleUploadedFile("codes.csv", b"Code,Description\nPricing/Seats,Seat counts\n")
    response = lead_client.post(
        reverse("insights:codebook-import", args=[project.slug]), {"file": upload}, follow=True
    )
    assert Code.objects.filter(project=project).count() == 2
    assert "Imported 2 codes." in response.content.decode()


def test_bad_codebook_upload_says_why_and_changes_nothing(
    project: ResearchProject, lead_client: Client
) -> None:
    url = reverse("insights:codebook-import", args=[project.slug])
    for name, data, message in (
        ("codes.qdc", b"<nope", "not well-formed XML"),
        ("codes.pdf", b"%PDF", "Choose a .qdc or .csv or .xml file"),
    ):
        response = lead_client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)
        assert message in response.content.decode()
    assert Code.objects.count() == 0


def test_researcher_exports_the_study(
    coded_project: ResearchProject,
    researcher_client: Client,
    django_assert_max_num_queries,
) -> None:
    url = reverse("insights:project-export-qdpx", args=[coded_project.slug])
    # Session and user, membership (door), membership (blind coding role), highlights,
    # codings, sessions, their participants, transcripts, utterances, field notes,
    # participants, codes (×2), project attributes, attribute values, users.
    with django_assert_max_num_queries(21):
        response = researcher_client.get(url)
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "project.qde" in names and len(names) == 3
    # Every export is in the audit log, without personal data unless names were asked for.
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert event.project == coded_project
    assert event.detail.startswith("REFI-QDA project (.qdpx): ")


def test_export_query_count_does_not_grow_with_the_study(
    coded_project: ResearchProject,
    researcher_client: Client,
    django_assert_num_queries,
) -> None:
    from tests.factories import make_session, make_transcript

    url = reverse("insights:project-export-qdpx", args=[coded_project.slug])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        researcher_client.get(url)
    for _ in range(3):
        make_transcript(make_session(coded_project))
    with CaptureQueriesContext(connection) as after:
        researcher_client.get(url)
    assert len(after) == len(before)


def test_researcher_imports_a_study_and_leads_it(
    project: ResearchProject, researcher_client: Client, researcher
) -> None:
    upload = SimpleUploadedFile("tool.qdpx", tool_qdpx())
    response = researcher_client.post(reverse("insights:project-import-qdpx"), {"file": upload})
    assert response.status_code == 200
    project = ResearchProject.objects.get(title="Tool study")
    assert project.memberships.get(user=researcher).role == Membership.Role.LEAD
    assert Highlight.objects.filter(project=project).count() == 2
    assert (
        "Imported 1 user, 1 code, 1 source, 2 highlights, 2 codings." in response.content.decode()
    )


def test_refused_qdpx_upload_says_why_and_creates_nothing(
    project: ResearchProject, researcher_client: Client
) -> None:
    upload = SimpleUploadedFile("evil.qdpx", b"PK\x03\x04 not really a zip")
    response = researcher_client.post(reverse("insights:project-import-qdpx"), {"file": upload})
    assert response.status_code == 400
    assert "not a .qdpx file" in response.content.decode()
    assert ResearchProject.objects.count() == 1  # the fixture's study only
