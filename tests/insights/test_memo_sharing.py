"""Memos are the research team's working notes: viewers read one only after a lead shares it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from insights.coding import (
    CodingError,
    HighlightFields,
    highlight_create,
    highlight_memo_share,
    highlight_update,
)
from insights.models import Highlight
from interviews.models import AuditEvent, ResearchProject
from tests.factories import make_participant, make_session, make_transcript

pytestmark = pytest.mark.django_db

MEMO = "Ask the IdP team whether SCIM was in scope."


@pytest.fixture
def highlight(project: ResearchProject, researcher: User) -> Highlight:
    # A consented participant, so viewers may read the session at all.
    participant = make_participant(name="Ada Lovelace")
    transcript = make_transcript(make_session(project, participants=[participant]))
    return highlight_create(
        project=project,
        coder=researcher,
        start=0,
        end=8,
        fields=HighlightFields(memo=MEMO),
        transcript=transcript,
    )


def quotes(client: Client, project: ResearchProject) -> str:
    return client.get(reverse("insights:quote-list", args=[project.slug])).content.decode()


def reader(client: Client, highlight: Highlight) -> dict:
    transcript = highlight.transcript
    url = reverse(
        "insights:transcript-detail",
        args=[highlight.project.slug, transcript.session_id, transcript.pk],
    )
    return client.get(url).context["highlights"][str(highlight.pk)]


def share_url(highlight: Highlight) -> str:
    return reverse("insights:highlight-memo-share", args=[highlight.project.slug, highlight.pk])


def test_viewers_do_not_read_memos_the_team_does(
    viewer_client: Client, researcher_client: Client, project, highlight: Highlight
) -> None:
    assert MEMO not in quotes(viewer_client, project)
    assert reader(viewer_client, highlight)["memo"] == ""
    assert MEMO in quotes(researcher_client, project)
    assert reader(researcher_client, highlight)["memo"] == MEMO


def test_a_lead_shares_a_memo_and_viewers_read_it(
    lead_client: Client, viewer_client: Client, lead: User, project, highlight: Highlight
) -> None:
    response = lead_client.post(share_url(highlight), {"shared": "1"})
    assert response.status_code == 302
    highlight.refresh_from_db()
    assert highlight.memo_shared
    assert MEMO in quotes(viewer_client, project)
    assert reader(viewer_client, highlight)["memo"] == MEMO
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMO_SHARED)
    assert (event.user, event.detail) == (
        lead,
        f"memo of highlight {highlight.pk} shared with viewers",
    )

    lead_client.post(share_url(highlight), {"shared": "0"})
    assert MEMO not in quotes(viewer_client, project)


def test_only_a_lead_shares_a_memo(
    researcher_client: Client, researcher: User, highlight: Highlight
) -> None:
    assert researcher_client.post(share_url(highlight), {"shared": "1"}).status_code == 403
    with pytest.raises(CodingError, match="Only the study's lead"):
        highlight_memo_share(highlight=highlight, by=researcher, shared=True)
    highlight.refresh_from_db()
    assert not highlight.memo_shared


def test_the_quote_list_offers_the_toggle_to_leads_only(
    lead_client: Client, researcher_client: Client, project, highlight: Highlight
) -> None:
    assert share_url(highlight) in quotes(lead_client, project)
    assert share_url(highlight) not in quotes(researcher_client, project)


def test_a_researcher_changing_a_shared_memo_unshares_it_a_lead_does_not(
    lead: User, researcher: User, highlight: Highlight
) -> None:
    highlight_memo_share(highlight=highlight, by=lead, shared=True)
    highlight_update(highlight=highlight, by=lead, fields=HighlightFields(memo=MEMO + " Yes."))
    highlight.refresh_from_db()
    assert highlight.memo_shared
    highlight_update(highlight=highlight, by=researcher, fields=HighlightFields(memo="Draft."))
    highlight.refresh_from_db()
    assert not highlight.memo_shared


def test_bad_requests_change_nothing(lead_client: Client, lead: User, highlight: Highlight) -> None:
    for data in ({}, {"shared": "yes"}):
        response = lead_client.post(share_url(highlight), data, follow=True)
        assert "Say whether to share the memo" in response.content.decode()
    Highlight.objects.filter(pk=highlight.pk).update(memo="")
    highlight.refresh_from_db()
    with pytest.raises(CodingError, match="no memo to share"):
        highlight_memo_share(highlight=highlight, by=lead, shared=True)
    highlight.refresh_from_db()
    assert not highlight.memo_shared
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MEMO_SHARED).exists()


def test_the_toggle_returns_only_to_this_site(
    lead_client: Client, project, highlight: Highlight
) -> None:
    away = lead_client.post(share_url(highlight), {"shared": "1", "next": "https://evil.example/"})
    assert away["Location"] == reverse("insights:quote-list", args=[project.slug])
    back = f"{reverse('insights:quote-list', args=[project.slug])}?stage=onboarding"
    home = lead_client.post(share_url(highlight), {"shared": "0", "next": back})
    assert home["Location"] == back
