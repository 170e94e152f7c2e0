"""The quote list: filters, blind coding, pseudonyms for viewers, pages, and a fixed query count."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from insights.coding import HighlightFields, code_get_or_create, highlight_create
from insights.models import Code, Highlight, JourneyFramework, Stage
from interviews.models import FieldNote, Participant, ResearchProject, Transcript
from tests.factories import (
    make_enrollment,
    make_participant,
    make_session,
    make_transcript,
    set_blind_coding,
)

ADA_SAYS = "SAML took three weeks"
ADA_ALSO_SAYS = "The licence true-up surprised procurement"
SAM_SAYS = "How did the SSO rollout go?"


@dataclass
class Study:
    project: ResearchProject
    transcript: Transcript
    note: FieldNote
    ada: Participant  # speaks in the transcript (label "Ada Lovelace")
    bob: Participant  # the participant of the contextual inquiry with the field note


@pytest.fixture
def study(project: ResearchProject, lead: User) -> Study:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    ada = make_participant(
        name="Ada Lovelace", company="Analytical Engines Ltd", segment="large", region="emea"
    )
    bob = make_participant(name="Bob Builder", segment="smb", region="apac", tier="free")
    for participant in (ada, bob):
        make_enrollment(project, participant)
    interview = make_session(project, participants=[ada])
    transcript = make_transcript(interview, by=lead)
    inquiry = make_session(project, participants=[bob], kind="contextual_inquiry")
    note = FieldNote.objects.create(
        session=inquiry,
        kind=FieldNote.Kind.OBSERVATION,
        text="The admin keeps licences in a spreadsheet <script>alert(1)</script> by hand.",
        author=lead,
    )
    return Study(project=project, transcript=transcript, note=note, ada=ada, bob=bob)


def stage(slug: str) -> Stage:
    return Stage.objects.get(framework__slug="cx-journey", slug=slug)


def code(study: Study, name: str, *, by: User, parent: Code | None = None) -> Code:
    result, _ = code_get_or_create(project=study.project, name=name, by=by)
    if parent is not None:
        result.parent = parent
        result.save()
    return result


def quote(
    study: Study,
    words: str,
    *,
    by: User,
    note: bool = False,
    stage_slug: str | None = None,
    codes: tuple[Code, ...] = (),
    sentiment: int | None = None,
    pain: int | None = None,
    memo: str = "",
) -> Highlight:
    """A highlight of `words`. A coder highlights a span once, so quoting the same words again
    takes the first longer (or else shorter) span this coder has not highlighted yet."""
    source = study.note if note else study.transcript
    start = source.text.index(words)
    same_source = Q(field_note=study.note) if note else Q(transcript=study.transcript)
    taken = set(Highlight.objects.filter(same_source, coder=by).values_list("start", "end"))
    ends = [*range(start + len(words), len(source.text) + 1), *range(start + len(words), start, -1)]
    end = next(end for end in ends if (start, end) not in taken)
    return highlight_create(
        project=study.project,
        coder=by,
        start=start,
        end=end,
        fields=HighlightFields(
            stage=stage(stage_slug) if stage_slug else None,
            codes=codes,
            sentiment=sentiment,
            pain_severity=pain,
            memo=memo,
        ),
        **({"field_note": study.note} if note else {"transcript": study.transcript}),
    )


def url(study: Study, **params: Any) -> str:
    base = reverse("insights:quote-list", args=[study.project.slug])
    if not params:
        return base
    return base + "?" + "&".join(f"{key}={value}" for key, value in params.items())


def shown(client: Client, address: str) -> set[int]:
    """The ids of the highlights listed on a page."""
    response = client.get(address)
    assert response.status_code == 200
    return {row.highlight.pk for row in response.context["rows"]}


# --- The page -----------------------------------------------------------------------------------


def test_lists_a_quote_with_participant_stage_codes_sentiment_and_link(
    lead_client: Client, study: Study, lead: User
) -> None:
    pain = code(study, "SSO friction", by=lead)
    highlight = quote(
        study,
        ADA_SAYS,
        by=lead,
        stage_slug="onboarding",
        codes=(pain,),
        sentiment=-1,
        pain=2,
        memo="IdP team is the bottleneck",
    )

    response = lead_client.get(url(study))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<blockquote" in html and ADA_SAYS in html
    assert "IdP team is the bottleneck" in html
    assert study.ada.pseudonym in html
    assert "Large · EMEA · Premium" in html
    assert "Onboarding" in html
    assert "SSO friction" in html and 'fill="#f2c14e"' in html
    assert "−1 negative" in html
    assert "2 moderate" in html
    reader = reverse(
        "insights:transcript-detail",
        args=[study.project.slug, study.transcript.session_id, study.transcript.pk],
    )
    assert f'href="{reader}#u-{highlight.utterance_id}"' in html
    assert "Open in transcript" in html
    assert "1 quote" in html


def test_field_note_quote_shows_its_session_participant_and_links_to_the_note(
    lead_client: Client, study: Study, lead: User
) -> None:
    highlight = quote(study, "keeps licences in a spreadsheet", by=lead, note=True)

    response = lead_client.get(url(study))

    (row,) = response.context["rows"]
    assert row.highlight.pk == highlight.pk
    assert [p.pseudonym for p in row.participants] == [study.bob.pseudonym]
    session_page = reverse(
        "interviews:session-detail", args=[study.project.slug, study.note.session_id]
    )
    assert f'href="{session_page}#note-{study.note.pk}"' in response.content.decode()


def test_project_page_links_to_the_quotes(lead_client: Client, study: Study) -> None:
    response = lead_client.get(study.project.get_absolute_url())

    assert f'href="{url(study)}"' in response.content.decode()


def test_outsider_gets_404(outsider_client: Client, study: Study, lead: User) -> None:
    quote(study, ADA_SAYS, by=lead)

    assert outsider_client.get(url(study)).status_code == 404


def test_quote_html_is_escaped(lead_client: Client, study: Study, lead: User) -> None:
    quote(
        study,
        "spreadsheet <script>alert(1)</script>",
        by=lead,
        note=True,
        memo="<b>bold</b> claim",
    )

    html = lead_client.get(url(study)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in html


def test_a_bad_code_colour_never_reaches_the_page(
    lead_client: Client, study: Study, lead: User
) -> None:
    sneaky = code(study, "Sneaky", by=lead)
    # The database does not check colours (forms do), so the page must not trust them.
    Code.objects.filter(pk=sneaky.pk).update(colour="r;}x{y:")
    quote(study, ADA_SAYS, by=lead, codes=(sneaky,))

    html = lead_client.get(url(study)).content.decode()

    assert "r;}x{y:" not in html
    assert 'fill="#c4ccd4"' in html


def test_empty_study_explains_how_to_code(researcher_client: Client, study: Study) -> None:
    html = researcher_client.get(url(study)).content.decode()

    assert "No highlights yet" in html
    assert "open a transcript and select text" in html


def test_no_match_offers_to_clear_the_filters(
    lead_client: Client, study: Study, lead: User
) -> None:
    quote(study, ADA_SAYS, by=lead, sentiment=1)

    html = lead_client.get(url(study, sentiment="negative")).content.decode()

    assert "No quote matches these filters" in html
    assert "Clear the filters" in html
    assert "No highlights yet" not in html


def test_bad_filter_values_are_reported_not_crashed_on(
    lead_client: Client, study: Study, lead: User
) -> None:
    highlight = quote(study, ADA_SAYS, by=lead, stage_slug="onboarding")

    response = lead_client.get(url(study, stage="no-such-stage", code="abc", sentiment="9"))

    assert response.status_code == 200
    assert set(response.context["filter"].errors) == {"stage", "code", "sentiment"}
    # An invalid choice narrows nothing.
    assert {row.highlight.pk for row in response.context["rows"]} == {highlight.pk}


# --- Filters ------------------------------------------------------------------------------------


def test_filter_by_stage(lead_client: Client, study: Study, lead: User) -> None:
    onboarding = quote(study, ADA_SAYS, by=lead, stage_slug="onboarding")
    quote(study, ADA_ALSO_SAYS, by=lead, stage_slug="purchase")
    quote(study, "spreadsheet", by=lead, note=True)

    assert shown(lead_client, url(study, stage="onboarding")) == {onboarding.pk}


def test_filter_by_parent_code_includes_its_children(
    lead_client: Client, study: Study, lead: User
) -> None:
    licensing = code(study, "Licensing", by=lead)
    true_up = code(study, "True-up", by=lead, parent=licensing)
    surprise = code(study, "Surprise bill", by=lead, parent=true_up)
    other = code(study, "SSO", by=lead)
    by_parent = quote(study, "licence", by=lead, codes=(licensing,))
    by_child = quote(study, ADA_ALSO_SAYS, by=lead, codes=(true_up, other))
    by_grandchild = quote(study, "spreadsheet", by=lead, note=True, codes=(surprise,))
    quote(study, ADA_SAYS, by=lead, codes=(other,))

    assert shown(lead_client, url(study, code=licensing.pk)) == {
        by_parent.pk,
        by_child.pk,
        by_grandchild.pk,
    }
    assert shown(lead_client, url(study, code=true_up.pk)) == {by_child.pk, by_grandchild.pk}
    assert shown(lead_client, url(study, code=other.pk)) == {by_child.pk} | {
        h.pk for h in Highlight.objects.filter(text=ADA_SAYS)
    }


def test_code_choices_are_this_studys_codebook_as_a_tree(
    lead_client: Client, study: Study, lead: User
) -> None:
    licensing = code(study, "Licensing", by=lead)
    code(study, "True-up", by=lead, parent=licensing)

    choices = dict(lead_client.get(url(study)).context["filter"].form.fields["code"].choices)

    assert choices[str(licensing.pk)] == "Licensing"
    assert list(choices.values())[1:] == ["Licensing", "\u2003› True-up"]


def test_filter_by_participant_covers_transcripts_and_field_notes(
    lead_client: Client, study: Study, lead: User
) -> None:
    said_by_ada = quote(study, ADA_SAYS, by=lead)
    noted_of_bob = quote(study, "spreadsheet", by=lead, note=True)
    quote(study, SAM_SAYS, by=lead)  # the interviewer: nobody's quote

    assert shown(lead_client, url(study, participant=study.ada.pseudonym)) == {said_by_ada.pk}
    assert shown(lead_client, url(study, participant=study.bob.pseudonym)) == {noted_of_bob.pk}


def test_filter_by_segment_and_region(lead_client: Client, study: Study, lead: User) -> None:
    said_by_ada = quote(study, ADA_SAYS, by=lead)
    noted_of_bob = quote(study, "spreadsheet", by=lead, note=True)

    assert shown(lead_client, url(study, segment="large")) == {said_by_ada.pk}
    assert shown(lead_client, url(study, segment="smb")) == {noted_of_bob.pk}
    assert shown(lead_client, url(study, region="emea")) == {said_by_ada.pk}
    assert shown(lead_client, url(study, region="apac")) == {noted_of_bob.pk}
    assert shown(lead_client, url(study, region="latam")) == set()


def test_a_note_of_a_session_with_two_participants_is_listed_once(
    lead_client: Client, study: Study, lead: User
) -> None:
    carol = make_participant(name="Carol Danvers", segment="smb", region="apac")
    study.note.session.participants.add(carol)
    noted = quote(study, "spreadsheet", by=lead, note=True)

    response = lead_client.get(url(study, segment="smb"))

    assert [row.highlight.pk for row in response.context["rows"]] == [noted.pk]
    assert response.context["page"].paginator.count == 1
    pseudonyms = [p.pseudonym for p in response.context["rows"][0].participants]
    assert pseudonyms == sorted([study.bob.pseudonym, carol.pseudonym])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-2", {"very_negative"}),
        ("-1", {"negative"}),
        ("0", {"neutral"}),
        ("2", {"very_positive"}),
        ("negative", {"very_negative", "negative"}),
        ("positive", {"positive", "very_positive"}),
    ],
)
def test_filter_by_sentiment(
    lead_client: Client, study: Study, lead: User, value: str, expected: set[str]
) -> None:
    memos = {
        "very_negative": -2,
        "negative": -1,
        "neutral": 0,
        "positive": 1,
        "very_positive": 2,
        "unrated": None,
    }
    ids = {
        memo: quote(study, ADA_SAYS, by=lead, sentiment=sentiment, memo=memo).pk
        for memo, sentiment in memos.items()
    }

    assert shown(lead_client, url(study, sentiment=value)) == {ids[m] for m in expected}


def test_filter_by_coder(lead_client: Client, study: Study, lead: User, researcher: User) -> None:
    mine = quote(study, ADA_SAYS, by=lead)
    theirs = quote(study, ADA_SAYS, by=researcher)

    assert shown(lead_client, url(study, coder=researcher.pk)) == {theirs.pk}
    assert shown(lead_client, url(study, coder=lead.pk)) == {mine.pk}


def test_search_looks_in_quote_text_and_memo(lead_client: Client, study: Study, lead: User) -> None:
    in_text = quote(study, ADA_SAYS, by=lead)
    in_memo = quote(study, ADA_ALSO_SAYS, by=lead, memo="Ask finance about SAML costs")
    quote(study, "spreadsheet", by=lead, note=True)

    assert shown(lead_client, url(study, q="saml")) == {in_text.pk, in_memo.pk}


def test_filters_combine(lead_client: Client, study: Study, lead: User) -> None:
    wanted = quote(study, ADA_SAYS, by=lead, stage_slug="onboarding", sentiment=-2)
    quote(study, ADA_SAYS, by=lead, stage_slug="onboarding", sentiment=1)
    quote(study, "spreadsheet", by=lead, note=True, stage_slug="onboarding", sentiment=-2)

    assert shown(
        lead_client, url(study, stage="onboarding", sentiment="negative", segment="large")
    ) == {wanted.pk}


def test_order_by_journey_stage(lead_client: Client, study: Study, lead: User) -> None:
    adoption = quote(study, ADA_SAYS, by=lead, stage_slug="adoption")
    unstaged = quote(study, ADA_SAYS, by=lead)
    awareness = quote(study, ADA_SAYS, by=lead, stage_slug="awareness")

    newest_first = lead_client.get(url(study)).context["rows"]
    by_stage = lead_client.get(url(study, order="stage")).context["rows"]

    assert [r.highlight.pk for r in newest_first] == [awareness.pk, unstaged.pk, adoption.pk]
    assert [r.highlight.pk for r in by_stage] == [awareness.pk, adoption.pk, unstaged.pk]


# --- Who sees what ------------------------------------------------------------------------------


def test_blind_coding_hides_others_highlights_from_a_researcher_until_revealed(
    researcher_client: Client,
    lead_client: Client,
    viewer_client: Client,
    study: Study,
    lead: User,
    researcher: User,
) -> None:
    set_blind_coding(study.project)
    leads = quote(study, ADA_SAYS, by=lead)
    mine = quote(study, ADA_SAYS, by=researcher)

    response = researcher_client.get(url(study))
    assert {row.highlight.pk for row in response.context["rows"]} == {mine.pk}
    assert "Blind coding is on" in response.content.decode()
    # Nor does the coder filter tell the researcher who else has coded.
    assert dict(response.context["filter"].form.fields["coder"].choices).keys() == {
        "",
        str(researcher.pk),
    }
    assert shown(researcher_client, url(study, coder=lead.pk)) == {mine.pk}
    assert shown(lead_client, url(study)) == {leads.pk, mine.pk}
    assert shown(viewer_client, url(study)) == {leads.pk, mine.pk}

    set_blind_coding(study.project, codings_revealed=True)

    response = researcher_client.get(url(study))
    assert {row.highlight.pk for row in response.context["rows"]} == {leads.pk, mine.pk}
    assert "Blind coding is on" not in response.content.decode()


def test_viewer_sees_pseudonym_never_name_company_or_speaker_label(
    viewer_client: Client, study: Study, lead: User
) -> None:
    quote(study, ADA_SAYS, by=lead)
    quote(study, SAM_SAYS, by=lead)  # an unlinked speaker: the label "Sam Rivera" is a name
    quote(study, "spreadsheet", by=lead, note=True)

    html = viewer_client.get(url(study)).content.decode()

    assert study.ada.pseudonym in html
    assert study.bob.pseudonym in html
    for secret in ("Ada Lovelace", "Lovelace", "Analytical Engines", "Sam Rivera", "Bob Builder"):
        assert secret not in html
    assert "@example.com" not in html
    assert "Speaker not linked" in html


# --- Pages and queries --------------------------------------------------------------------------


def seed(study: Study, count: int, *, by: User) -> None:
    """`count` highlights, every third one on the field note, so every page has both kinds."""
    onboarding = code(study, "Onboarding pain", by=by)
    for number in range(count):
        quote(
            study,
            "spreadsheet" if number % 3 == 0 else ADA_SAYS,
            by=by,
            note=number % 3 == 0,
            stage_slug="onboarding",
            codes=(onboarding,),
            sentiment=-1,
        )


def test_pages_of_fifty_keep_the_filters(lead_client: Client, study: Study, lead: User) -> None:
    seed(study, 60, by=lead)

    first = lead_client.get(url(study, stage="onboarding"))
    second = lead_client.get(url(study, stage="onboarding", page=2))

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 10
    assert first.context["page"].paginator.count == 60
    assert {r.highlight.pk for r in first.context["rows"]}.isdisjoint(
        r.highlight.pk for r in second.context["rows"]
    )
    assert 'href="?stage=onboarding&amp;page=2"' in first.content.decode()
    assert 'href="?stage=onboarding&amp;page=1"' in second.content.decode()


@pytest.mark.parametrize(("asked", "size"), [("25", 25), ("100", 100), ("1000", 50), ("x", 50)])
def test_page_size_is_one_of_25_50_100(
    lead_client: Client, study: Study, lead: User, asked: str, size: int
) -> None:
    seed(study, 3, by=lead)

    response = lead_client.get(url(study, per_page=asked))

    assert response.context["page"].paginator.per_page == size


def test_query_count_does_not_grow_with_quotes_or_page_size(
    lead_client: Client,
    study: Study,
    lead: User,
    django_assert_num_queries,
) -> None:
    # 1 session, 2 user, 3 project (+ framework, with the membership role),
    # filter choices: 4 stages, 5 codes, 6 participants, 7 coders;
    # 8 count, 9 the page's ids, 10 those highlights (stage, coder, speaker's participant,
    # transcript, field note and sessions joined), 11 their codes, 12 the field-note sessions'
    # participants; 13 erasure's redactions of the page's sources; the "hidden from viewers"
    # badge: 14 valid consents, 15 the study's sessions with their participants, 16 which of
    # the page's highlights viewers see.
    seed(study, 3, by=lead)
    with django_assert_num_queries(16):
        small = lead_client.get(url(study))
    assert len(small.context["rows"]) == 3

    seed(study, 57, by=lead)
    with django_assert_num_queries(16):
        first = lead_client.get(url(study))
    with django_assert_num_queries(16):
        second = lead_client.get(url(study, page=2))
    with django_assert_num_queries(16):
        everything = lead_client.get(url(study, per_page=100))
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 10
    assert len(everything.context["rows"]) == 60
    # Several highlights of one field note still render each participant once per row.
    assert all(len(row.participants) == 1 for row in everything.context["rows"])


def test_query_count_with_every_filter_set(
    lead_client: Client, study: Study, lead: User, django_assert_num_queries
) -> None:
    seed(study, 6, by=lead)
    onboarding_pain = Code.objects.get(name="Onboarding pain")
    address = url(
        study,
        q="s",
        stage="onboarding",
        code=onboarding_pain.pk,
        participant=study.ada.pseudonym,
        segment="large",
        region="emea",
        sentiment="negative",
        coder=lead.pk,
        order="stage",
    )
    # The same as above: every filter is a WHERE clause or a subquery of the count and page
    # queries, and code descendants come from the codes already loaded for the choices.
    with django_assert_num_queries(15):
        response = lead_client.get(address)
    # Only Ada's transcript quotes are left, so there is no field-note participant query.
    assert len(response.context["rows"]) == 4
    assert not re.search(r"Open field note", response.content.decode())


def test_the_coding_panel_and_the_quote_list_use_the_same_severity_words(
    lead_client: Client, study: Study, lead: User
) -> None:
    from insights.quotes import PAIN_SEVERITY_WORDS, pain_severity_label

    seed(study, 3, by=lead)
    transcript = Highlight.objects.filter(transcript__isnull=False).first().transcript
    reader = reverse(
        "insights:transcript-detail",
        args=[study.project.slug, transcript.session_id, transcript.pk],
    )
    panel = lead_client.get(reader).content.decode()
    for value in PAIN_SEVERITY_WORDS:
        assert f'<option value="{value}">{pain_severity_label(value)}</option>' in panel
    assert "minor" not in panel and "major" not in panel
