"""Participant import: who may import, the confirmation token, and the query counts."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interviews import services
from interviews.importers.participants import (
    UPLOAD_DIR,
)
from interviews.models import (
    Membership,
)
from tests.factories import (
    make_enrollment,
    make_participant,
    make_project,
    make_user,
)
from tests.interviews.participant_import.helpers import (
    confirm,
    csv_file,
    db_counts,
    flashed,
    import_url,
    preview,
    stored_uploads,
)

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

    # 1 session, 2 user, 3 project with the membership (access), 4 the study's attributes,
    # 5 existing identities by e-mail (with their participant and "already enrolled"),
    # 6-8 saving the held upload's token in the session (SAVEPOINT, UPDATE, RELEASE).
    with django_assert_max_num_queries(8):
        small = preview(lead_client, import_url(project), csv_file(_rows(3, existing=1)))
    with django_assert_max_num_queries(8):
        large = preview(lead_client, import_url(project), csv_file(_rows(30, existing=10)))

    assert large.context["plan"].merge_count == 10
    assert small.context["plan"].can_apply and large.context["plan"].can_apply

    with CaptureQueriesContext(connection) as small_queries:
        preview(lead_client, import_url(project), csv_file(_rows(3, existing=1)))
    with CaptureQueriesContext(connection) as large_queries:
        preview(lead_client, import_url(project), csv_file(_rows(30, existing=10)))
    assert len(small_queries) == len(large_queries)
