"""What another app adds to the evidence pages: links, and a transcript's coded count.

This app never names the analysis app; the project lists the providers in
settings.STUDY_PAGE_EXTRAS (dotted paths to classes with the methods of PageExtras), and the
pages render the links they are handed. With no provider the pages show only the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from interviews.access import ProjectAccess
    from interviews.models import Session


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str


class PageExtras(Protocol):
    def project_joins(self) -> Sequence[str]:
        """Relations of a study the project door joins (select_related) when it loads one, so
        that the provider's pages read them without a query of their own."""
        ...

    def study_list_links(
        self, user: User | AnonymousUser, *, can_create: bool
    ) -> Sequence[PageLink]:
        """Buttons beside "New study" on the list of studies."""
        ...

    def study_links(self, access: ProjectAccess) -> Sequence[PageLink]:
        """Buttons on a study's page, for this member."""
        ...

    def field_note_links(self, access: ProjectAccess, session: Session) -> Sequence[PageLink]:
        """Buttons above a session's field notes (shown when it has some)."""
        ...

    def transcript_coded_utterances(self) -> str | None:
        """The lookup, from a transcript, to how many of its utterances are coded (None: this
        provider does not count them). Pages annotate it, so it costs no query of its own."""
        ...


def page_extras() -> list[PageExtras]:
    providers: list[type[PageExtras]] = [import_string(path) for path in settings.STUDY_PAGE_EXTRAS]
    return [provider() for provider in providers]


def project_joins() -> list[str]:
    return [join for p in page_extras() for join in p.project_joins()]


def study_list_links(user: User | AnonymousUser, *, can_create: bool) -> list[PageLink]:
    return [link for p in page_extras() for link in p.study_list_links(user, can_create=can_create)]


def study_links(access: ProjectAccess) -> list[PageLink]:
    return [link for p in page_extras() for link in p.study_links(access)]


def field_note_links(access: ProjectAccess, session: Session) -> list[PageLink]:
    return [link for p in page_extras() for link in p.field_note_links(access, session)]


def transcript_coded_utterances() -> str | None:
    """The first provider's lookup to a transcript's coded-utterance count, or None."""
    return next(
        (lookup for p in page_extras() if (lookup := p.transcript_coded_utterances())), None
    )
