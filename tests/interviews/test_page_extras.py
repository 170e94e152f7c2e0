"""The evidence pages render the analysis links and coded counts they are handed by the
providers in settings.STUDY_PAGE_EXTRAS, and stand on their own without any."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse

from insights.coding import HighlightFields, highlight_create
from interviews.models import FieldNote, ResearchProject
from tests.factories import make_session, make_transcript


def _links(body: str, *labels: str) -> list[str]:
    return [label for label in labels if f">{label}</a>" in body]


ANALYSIS_LINKS = ("Codebook", "Quotes", "Agreement", "Dashboard", "Themes", "Reports")


def test_the_study_page_shows_the_analysis_links_each_member_may_use(
    lead_client: Client, viewer_client: Client, project: ResearchProject
) -> None:
    url = project.get_absolute_url()
    assert _links(lead_client.get(url).content.decode(), *ANALYSIS_LINKS) == list(ANALYSIS_LINKS)
    assert _links(viewer_client.get(url).content.decode(), *ANALYSIS_LINKS) == [
        "Codebook",
        "Quotes",
        "Agreement",
        "Reports",
    ]
    body = lead_client.get(url).content.decode()
    assert f'href="{reverse("insights:codebook", args=[project.slug])}"' in body


def test_the_studies_list_offers_the_qdpx_import_to_researchers_only(
    researcher_client: Client, viewer_client: Client, project: ResearchProject
) -> None:
    url = reverse("interviews:project-list")
    assert _links(researcher_client.get(url).content.decode(), "Import .qdpx") == ["Import .qdpx"]
    assert _links(viewer_client.get(url).content.decode(), "Import .qdpx") == []


def test_the_session_page_links_its_notes_and_counts_coded_turns(
    researcher_client: Client, project: ResearchProject, researcher: User
) -> None:
    session = make_session(project)
    transcript = make_transcript(session)
    FieldNote.objects.create(session=session, text="Badge reader jams.")
    first = transcript.utterances.order_by("position").first()
    assert first is not None
    highlight_create(
        project=project,
        coder=researcher,
        start=first.start,
        end=first.end,
        fields=HighlightFields(),
        transcript=transcript,
    )
    coded = round(100 / transcript.utterance_count)

    body = researcher_client.get(session.get_absolute_url()).content.decode()
    assert _links(body, "Code these notes") == ["Code these notes"]
    assert f'value="{coded}"' in body
    project_page = researcher_client.get(project.get_absolute_url()).content.decode()
    assert f"{coded}% of {transcript.utterance_count} turns" in project_page


@override_settings(STUDY_PAGE_EXTRAS=[])
def test_without_providers_the_evidence_pages_stand_alone(
    lead_client: Client, project: ResearchProject
) -> None:
    session = make_session(project)
    transcript = make_transcript(session)
    FieldNote.objects.create(session=session, text="Badge reader jams.")

    study = lead_client.get(project.get_absolute_url())
    listing = lead_client.get(reverse("interviews:project-list"))
    session_page = lead_client.get(session.get_absolute_url())

    assert {study.status_code, listing.status_code, session_page.status_code} == {200}
    assert _links(study.content.decode(), *ANALYSIS_LINKS) == []
    assert _links(listing.content.decode(), "Import .qdpx") == []
    assert _links(session_page.content.decode(), "Code these notes") == []
    assert f"{transcript.utterance_count} turns" in study.content.decode()
    assert 'aria-label="Turns coded"' not in session_page.content.decode()
