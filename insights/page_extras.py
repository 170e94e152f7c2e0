"""The analysis app's links and figures on the evidence pages (settings.STUDY_PAGE_EXTRAS):
the evidence app renders what it is handed, without naming this app."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse

from interviews.access import ProjectAccess
from interviews.models import Session
from interviews.page_extras import PageLink


class AnalysisPages:
    def project_joins(self) -> Sequence[str]:
        # Blind coding (insights.visibility) is read on most of the analysis pages.
        return ["coding_settings"]

    def study_list_links(
        self, user: User | AnonymousUser, *, can_create: bool
    ) -> Sequence[PageLink]:
        if not can_create:
            return []
        return [PageLink("Import .qdpx", reverse("insights:project-import-qdpx"))]

    def study_links(self, access: ProjectAccess) -> Sequence[PageLink]:
        slug = access.project.slug
        links = [
            PageLink("Codebook", reverse("insights:codebook", args=[slug])),
            PageLink("Quotes", reverse("insights:quote-list", args=[slug])),
            PageLink("Agreement", reverse("insights:agreement", args=[slug])),
        ]
        if access.can_edit:
            links += [
                PageLink("Dashboard", reverse("insights:project-dashboard", args=[slug])),
                PageLink("Themes", reverse("insights:theme-list", args=[slug])),
            ]
        links.append(PageLink("Reports", reverse("insights:report-list", args=[slug])))
        return links

    def field_note_links(self, access: ProjectAccess, session: Session) -> Sequence[PageLink]:
        label = "Code these notes" if access.can_edit else "Read with codings"
        url = reverse("insights:session-notes", args=[access.project.slug, session.pk])
        return [PageLink(label, url)]

    def transcript_coded_utterances(self) -> str | None:
        return "coverage__coded_utterance_count"  # TranscriptCoverage, kept by insights.coding
