"""A long transcript is read in parts of TURNS_PER_PAGE turns; links to a turn find its part."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights.coding import HighlightFields, highlight_create
from insights.models import Code
from insights.views import reader
from interviews.models import Membership, ResearchProject, Transcript
from tests.factories import make_participant, make_session, make_transcript, make_user

# Seven turns: parts of two turns make four parts, the last with one turn.
TEXT = "\n\n".join(
    f"{speaker}: Turn {number} says something about {topic}."
    for number, (speaker, topic) in enumerate(
        [
            ("Sam Rivera", "onboarding"),
            ("Ada Lovelace", "SAML"),
            ("Sam Rivera", "pricing"),
            ("Ada Lovelace", "procurement"),
            ("Sam Rivera", "renewal"),
            ("Ada Lovelace", "migration"),
            ("Sam Rivera", "support"),
        ],
        start=1,
    )
)


@pytest.fixture(autouse=True)
def two_turns_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "TURNS_PER_PAGE", 2)


@pytest.fixture
def transcript(project: ResearchProject) -> Transcript:
    session = make_session(project, participants=[make_participant(name="Ada Lovelace")])
    return make_transcript(session, filename="ada.txt", data=TEXT.encode())


def url(transcript: Transcript, query: str = "") -> str:
    base = reverse(
        "insights:transcript-detail",
        args=[transcript.session.project.slug, transcript.session_id, transcript.pk],
    )
    return f"{base}?{query}" if query else base


def turn_ids(client: Client, address: str) -> list[int]:
    response = client.get(address)
    assert response.status_code == 200
    return [row[0].pk for row in response.context["rows"]]


def test_the_reader_shows_one_part_and_links_to_the_next(researcher_client, transcript) -> None:
    ids = list(transcript.utterances.order_by("position").values_list("pk", flat=True))
    assert len(ids) == 7

    response = researcher_client.get(url(transcript))
    assert [row[0].pk for row in response.context["rows"]] == ids[:2]
    html = response.content.decode()
    assert "Turns 1–2 of 7" in html
    assert 'href="?page=2" rel="next"' in html
    assert f'id="u-{ids[2]}"' not in html
    assert 'data-turn-pages="4"' in html

    assert turn_ids(researcher_client, url(transcript, "page=2")) == ids[2:4]
    assert turn_ids(researcher_client, url(transcript, "page=4")) == ids[6:]


def test_a_link_to_a_turn_opens_the_part_that_holds_it(researcher_client, transcript) -> None:
    ids = list(transcript.utterances.order_by("position").values_list("pk", flat=True))
    assert turn_ids(researcher_client, url(transcript, f"at={ids[5]}")) == ids[4:6]
    assert turn_ids(researcher_client, url(transcript, f"at={ids[0]}")) == ids[:2]


@pytest.mark.parametrize("query", ["page=99", "page=0", "page=two", "at=999999", "at=-1"])
def test_a_part_that_does_not_exist_shows_the_nearest(researcher_client, transcript, query) -> None:
    ids = turn_ids(researcher_client, url(transcript, query))
    assert len(ids) in (1, 2)  # the first part, or the last for a page past the end


def test_the_toolbar_counts_the_whole_transcript(researcher_client, researcher, transcript) -> None:
    project = transcript.session.project
    for needle in ("Turn 2 says", "Turn 6 says"):
        start = transcript.text.index(needle)
        highlight_create(
            project=project,
            coder=researcher,
            start=start,
            end=start + len(needle),
            fields=HighlightFields(),
            transcript=transcript,
        )
    response = researcher_client.get(url(transcript))
    assert response.context["highlight_count"] == 2
    assert response.context["coded_percent"] == round(100 * 2 / 7)
    assert len(response.context["highlights"]) == 1  # the coding panel gets this part's


def test_every_part_takes_as_many_queries(
    researcher_client, transcript, django_assert_max_num_queries, django_assert_num_queries
) -> None:
    """Session, user, the door (2), transcript, speakers, this part's turns, its highlights
    (none here: one query; their codings are one more), redactions, the whole transcript's
    highlight count and coded turns, the coding panel's stages and codes, the consent
    clearance."""
    with django_assert_max_num_queries(17) as first:
        researcher_client.get(url(transcript, "page=1"))
    with django_assert_num_queries(len(first.captured_queries)):
        researcher_client.get(url(transcript, "page=3"))


def test_a_coded_part_takes_one_query_more_than_an_uncoded_one(
    researcher_client, researcher, transcript, django_assert_num_queries
) -> None:
    """Its highlights come in one query with their stages and coders, their codings with
    their codes in one more, however many highlights, codings and coders there are."""
    project = transcript.session.project
    codes = [Code.objects.create(project=project, name=name) for name in ("SSO", "Pricing")]
    other = make_user("other-coder")
    Membership.objects.create(project=project, user=other, role=Membership.Role.RESEARCHER)
    for coder, needle in [(researcher, "Turn 1 says"), (other, "says something about")]:
        start = transcript.text.index(needle)
        highlight_create(
            project=project,
            coder=coder,
            start=start,
            end=start + len(needle),
            fields=HighlightFields(codes=codes),
            transcript=transcript,
        )
    uncoded = CaptureQueriesContext(connection)
    with uncoded:
        researcher_client.get(url(transcript, "page=3"))
    with django_assert_num_queries(len(uncoded.captured_queries) + 1):
        response = researcher_client.get(url(transcript, "page=1"))
    panel = response.context["highlights"]
    assert sorted(h["codes"] for h in panel.values()) == [["SSO", "Pricing"]] * 2
    assert sorted(h["coder"] for h in panel.values()) == ["other-coder", researcher.username]


def test_a_short_transcript_is_one_part_without_page_links(
    researcher_client, transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "TURNS_PER_PAGE", 250)
    response = researcher_client.get(url(transcript, "page=2"))
    assert len(response.context["rows"]) == 7
    assert "data-turn-pages" not in response.content.decode()
    assert "Turns 1" not in response.content.decode()


def test_each_turn_shows_its_speaker_its_time_and_its_codable_text(
    researcher_client, project
) -> None:
    """What coding.js reads: the fragment's id and its start in UTF-16 units (the emoji
    counts two); a turn without a time links to itself with "#"; labels are escaped."""
    session = make_session(project)
    text = "Sam Rivera: Hi 👋 there.\n\nJo O'Neil: Fine."
    transcript = make_transcript(session, filename="chat.txt", data=text.encode())
    first, second = transcript.utterances.order_by("position")
    html = researcher_client.get(url(transcript)).content.decode()
    for turn, speaker, start16, shown in [
        (first, "Sam Rivera", 0, "Hi 👋 there."),
        (second, "Jo O&#x27;Neil", 14, "Fine."),
    ]:
        assert (
            f'<div class="utterance" id="u-{turn.pk}"><div class="utterance-meta">'
            f'<span class="speaker">{speaker}</span> <a class="time" href="#u-{turn.pk}" '
            f'aria-label="Link to this turn">#</a></div><p class="utterance-text codable" '
            f'data-fragment="u-{turn.pk}" data-start16="{start16}">{shown}</p></div>\n'
        ) in html

    timed = make_transcript(make_session(project))  # tests.factories.ZOOM_VTT
    html = researcher_client.get(url(timed)).content.decode()
    turn = timed.utterances.order_by("position")[1]
    assert f'<a class="time" href="#u-{turn.pk}">00:05</a></div>' in html
