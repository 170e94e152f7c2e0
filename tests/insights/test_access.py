"""The door for a study's objects: sessions, transcripts and field notes (interviews.access) and
highlights (insights.access). Another study's object is a 404, like another study; a viewer
who would write is refused at the door (403); a highlight the selector hides is a 404."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.test import RequestFactory

from insights.access import get_highlight_for_member, highlight_in_project
from insights.coding import HighlightFields, highlight_create
from insights.models import Highlight
from interviews.access import (
    ProjectAccess,
    get_field_note_for_member,
    get_session_for_member,
    get_transcript_for_member,
)
from interviews.models import FieldNote, Membership, ResearchProject, Transcript
from tests.factories import (
    make_participant,
    make_project,
    make_session,
    make_transcript,
    set_blind_coding,
)

pytestmark = pytest.mark.django_db


def request_by(user: User) -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.fixture
def transcript(project: ResearchProject) -> Transcript:
    return make_transcript(make_session(project))


@pytest.fixture
def other_transcript(lead: User, researcher: User) -> Transcript:
    """A transcript of another study these personas are also members of."""
    other = make_project(
        "Another study",
        slug="another",
        members={lead: Membership.Role.LEAD, researcher: Membership.Role.RESEARCHER},
    )
    return make_transcript(make_session(other))


def quote(transcript: Transcript, coder: User) -> Highlight:
    return highlight_create(
        project=transcript.session.project,
        coder=coder,
        start=0,
        end=10,
        fields=HighlightFields(),
        transcript=transcript,
    )


def test_a_member_gets_the_studys_transcript_with_its_session_and_study(
    lead: User, transcript: Transcript, django_assert_num_queries
) -> None:
    session = transcript.session
    # The project with the user's role (door), the transcript with its session.
    with django_assert_num_queries(2):
        access, found = get_transcript_for_member(
            request_by(lead), "uptier", transcript.pk, session_id=session.pk
        )
        assert found == transcript and found.session.project == access.project


def test_another_studys_objects_are_not_found_through_this_study(
    lead: User, transcript: Transcript, other_transcript: Transcript
) -> None:
    request = request_by(lead)
    other_session = other_transcript.session
    note = FieldNote.objects.create(session=other_session, text="Sticky note on the monitor")
    with pytest.raises(Http404):
        get_transcript_for_member(request, "uptier", other_transcript.pk)
    with pytest.raises(Http404):
        get_session_for_member(request, "uptier", other_session.pk)
    with pytest.raises(Http404):
        get_field_note_for_member(request, "uptier", note.pk)
    # The right study but the wrong session in the URL.
    with pytest.raises(Http404):
        get_transcript_for_member(request, "uptier", transcript.pk, session_id=other_session.pk)
    # Through its own study, each is found.
    assert get_field_note_for_member(request, "another", note.pk)[1] == note


def test_a_viewer_may_read_but_not_write(viewer: User, transcript: Transcript) -> None:
    request = request_by(viewer)
    assert get_transcript_for_member(request, "uptier", transcript.pk)[1] == transcript
    with pytest.raises(PermissionDenied):
        get_transcript_for_member(request, "uptier", transcript.pk, write=True)


def test_an_outsider_finds_nothing(outsider: User, transcript: Transcript) -> None:
    with pytest.raises(Http404):
        get_transcript_for_member(request_by(outsider), "uptier", transcript.pk)


def test_another_studys_highlight_is_not_found(lead: User, other_transcript: Transcript) -> None:
    highlight = quote(other_transcript, lead)
    with pytest.raises(Http404):
        get_highlight_for_member(request_by(lead), "uptier", highlight.pk)
    assert get_highlight_for_member(request_by(lead), "another", highlight.pk)[1] == highlight


def test_a_highlight_hidden_by_blind_coding_is_not_found(
    project: ResearchProject, lead: User, researcher: User, transcript: Transcript
) -> None:
    leads = quote(transcript, lead)
    set_blind_coding(project)
    with pytest.raises(Http404):
        get_highlight_for_member(request_by(researcher), "uptier", leads.pk, write=True)
    set_blind_coding(project, codings_revealed=True)
    access, found = get_highlight_for_member(request_by(researcher), "uptier", leads.pk, write=True)
    assert found == leads and found.project == access.project


def test_a_highlight_a_member_sees_but_may_not_change_is_refused(
    project: ResearchProject, lead: User, viewer: User
) -> None:
    shared = make_transcript(make_session(project, participants=[make_participant()]))
    highlight = quote(shared, lead)  # consent to internal use: viewers read it
    as_viewer = ProjectAccess(project=project, role=Membership.Role.VIEWER)
    assert highlight_in_project(as_viewer, viewer, highlight.pk) == highlight
    with pytest.raises(PermissionDenied):
        highlight_in_project(as_viewer, viewer, highlight.pk, write=True)
