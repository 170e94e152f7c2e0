"""Field notes: writing, editing and deleting them from the session page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from interviews.models import (
    FieldNote,
    Session,
)
from tests.factories import (
    make_session,
)

# --- Views: field notes -------------------------------------------------------------------------


def note_urls(session: Session, note: FieldNote | None = None) -> dict[str, str]:
    slug = session.project.slug
    urls = {"create": reverse("interviews:fieldnote-create", args=[slug, session.pk])}
    if note is not None:
        urls["edit"] = reverse("interviews:fieldnote-edit", args=[slug, session.pk, note.pk])
        urls["delete"] = reverse("interviews:fieldnote-delete", args=[slug, session.pk, note.pk])
    return urls


def test_field_note_is_added_escaped_and_anchored(
    researcher_client: Client, session: Session, researcher: User
):
    response = researcher_client.post(
        note_urls(session)["create"],
        {"kind": "observation", "text": "Uses <b>two</b> SSO tools", "observed_at": "1:02:03"},
    )

    note = session.field_notes.get()
    assert response.status_code == 302
    assert response["Location"] == f"{session.get_absolute_url()}#note-{note.pk}"
    assert (note.author, note.observed_at_ms) == (researcher, 3_723_000)
    # (Viewers would not see it: the session has no consented participant linked.)
    html = researcher_client.get(session.get_absolute_url()).content.decode()
    assert f'id="note-{note.pk}"' in html
    assert "Uses &lt;b&gt;two&lt;/b&gt; SSO tools" in html and "<b>two</b>" not in html
    assert "at 1:02:03" in html


def test_field_note_is_edited_and_its_time_shown_in_the_form(
    researcher_client: Client, session: Session
):
    note = FieldNote.objects.create(session=session, text="First", observed_at_ms=125_000)
    url = note_urls(session, note)["edit"]
    assert researcher_client.get(url).context["form"]["observed_at"].value() == "2:05"

    response = researcher_client.post(url, {"kind": "quote", "text": "Second", "observed_at": ""})

    note.refresh_from_db()
    assert response.status_code == 302 and response["Location"].endswith(f"#note-{note.pk}")
    assert (note.kind, note.text, note.observed_at_ms) == ("quote", "Second", None)


@pytest.mark.parametrize("bad_time", ["12:75", "1:60:00", "12", "12:", ":30", "a:30", "²:30"])
def test_field_note_with_a_bad_time_is_refused_and_nothing_saved(
    researcher_client: Client, session: Session, bad_time: str
):
    note = FieldNote.objects.create(session=session, text="Keep me", observed_at_ms=1000)

    created = researcher_client.post(
        note_urls(session)["create"], {"kind": "observation", "text": "x", "observed_at": bad_time}
    )
    edited = researcher_client.post(
        note_urls(session, note)["edit"],
        {"kind": "quote", "text": "Changed", "observed_at": bad_time},
    )

    assert (created.status_code, edited.status_code) == (200, 200)
    assert created.context["form"].errors["observed_at"]
    assert edited.context["form"].errors["observed_at"]
    assert list(session.field_notes.values_list("text", "kind", "observed_at_ms")) == [
        ("Keep me", "observation", 1000)
    ]


def test_field_note_time_beyond_what_the_column_holds_is_refused(
    researcher_client: Client, session: Session
):
    # 9,999,999 minutes is about 19 years: more milliseconds than a PostgreSQL integer holds.
    response = researcher_client.post(
        note_urls(session)["create"], {"kind": "quote", "text": "x", "observed_at": "9999999:00"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["observed_at"]
    assert not session.field_notes.exists()


def test_field_note_is_deleted(researcher_client: Client, session: Session):
    note = FieldNote.objects.create(session=session, text="Gone soon")

    response = researcher_client.post(note_urls(session, note)["delete"])

    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert not session.field_notes.exists()


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("outsider", 404)])
def test_viewer_and_outsider_cannot_change_field_notes(
    request: pytest.FixtureRequest, session: Session, persona: str, status: int
):
    client = request.getfixturevalue(f"{persona}_client")
    note = FieldNote.objects.create(session=session, text="Keep me")
    urls = note_urls(session, note)

    responses = [
        client.post(urls["create"], {"kind": "quote", "text": "new"}),
        client.post(urls["edit"], {"kind": "quote", "text": "changed"}),
        client.post(urls["delete"]),
    ]

    assert [r.status_code for r in responses] == [status] * 3
    assert list(session.field_notes.values_list("text", flat=True)) == ["Keep me"]


def test_field_note_of_another_session_is_404(researcher_client: Client, session: Session):
    other = make_session(session.project)
    note = FieldNote.objects.create(session=other, text="Keep me")
    url = reverse("interviews:fieldnote-delete", args=[session.project.slug, session.pk, note.pk])

    assert researcher_client.post(url).status_code == 404
    assert FieldNote.objects.filter(pk=note.pk).exists()
