"""Search as a user may: their projects only, blind coding respected, repairs explained.

    results = search("sso stage:onboarding", user=request.user, filters=page_filters, page=2)

1. Parse the text (insights.search.query); its field filters join the page's facet filters.
2. Find the projects the user may see (interviews.access.projects_for_user, the one door).
3. Blind coding: a researcher in a study whose codings are blind and not yet revealed finds
   only their own highlights there (insights.visibility.own_codings_only), as on the pages.
   Highlight documents carry their coder, so this is checked at search time (own_codings)
   and revealing needs no reindex.
4. Consent: in a study where the user is not on the research team (a viewer), only evidence
   of sessions whose participants' consent reaches viewers, and only words of a cleared
   speaker, are found (interviews.evidence.consent_clearances, the rule the pages follow).
   Documents carry their session and speaker, so a consent change needs no reindex.
5. Ask the backend and put the query's notes into SearchResults.message, with a note for
   a filter value no visible study has (`stage:onboard`) that names the values there are.

Documents never carry personal data (speakers are pseudonyms) and their texts are indexed
redacted (insights.search.documents), so viewers need no other step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser, User

from insights.models import Code, Stage
from insights.search.backends import get_backend
from insights.search.base import (
    FACETS,
    Cleared,
    Filters,
    Query,
    SearchResults,
)
from insights.search.query import normalise_facet_value, parse_query
from insights.visibility import own_codings_only
from interviews.access import projects_for_user
from interviews.evidence import Audience, audience_for_role, consent_clearances
from interviews.models import Membership, ResearchProject
from interviews.models.choices import Region, Segment, Tier

MAX_PAGE = 100  # page 100 of 20 is the 2,000th hit; nobody reads further, and merging costs more
MAX_VALUES_PER_FACET = 20


def clean_filters(raw: dict[str, Sequence[str]]) -> Filters:
    """Facet values from a query string, normalised like the query language's; junk dropped."""
    values: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        cleaned = [normalise_facet_value(facet, value[:200]) for value in raw.get(facet, ())]
        kept = tuple(dict.fromkeys(value for value in cleaned if value))
        if kept:
            values[facet] = kept[:MAX_VALUES_PER_FACET]
    return Filters(values=values)


def search(
    text: str,
    *,
    user: User | AnonymousUser,
    filters: Filters | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    query = parse_query(text)
    message = " ".join(query.notes)
    merged = query.filters.merged_with(filters or Filters())
    if query.root is None and not merged.values:
        # Nothing typed and nothing picked: no search, the page shows examples.
        return SearchResults(hits=[], total=0, facets={}, message=message)

    project_ids, own_codings, outside_team = _visible_projects(user)
    if not project_ids:
        return SearchResults(hits=[], total=0, facets={}, message=message)
    unknown = unknown_value_notes(merged, project_ids=project_ids)
    if unknown:
        query = dataclasses.replace(query, notes=(*query.notes, *unknown))
        message = " ".join(query.notes)

    # The backend gets the filters once, merged with the query's own.
    bare = dataclasses.replace(query, filters=Filters(), notes=())
    page = min(max(page, 1), MAX_PAGE)
    results = get_backend().search(
        bare,
        project_ids=project_ids,
        filters=merged,
        offset=(page - 1) * per_page,
        limit=per_page,
        cleared=_cleared(outside_team),
        own_codings=own_codings,
    )
    return dataclasses.replace(results, message=_message(query, results.message))


MAX_NAMED_VALUES = 12


def unknown_value_notes(filters: Filters, *, project_ids: Sequence[int]) -> list[str]:
    """A note for each filter value that nothing in these studies can have, naming the values
    that exist (those starting with what was typed first): `stage:onboard` finds nothing,
    silently, otherwise. One query per facet filtered on that the database knows."""
    notes = []
    for facet in ("project", "stage", "code", "segment", "region", "tier"):
        wanted = filters.get(facet)
        if not wanted:
            continue
        known = _known_values(facet, project_ids)
        for value in wanted:
            if value in known:
                continue
            close = sorted(
                known, key=lambda known_value: (not known_value.startswith(value[:4]), known_value)
            )
            named = ", ".join(f"{facet}:{v}" for v in close[:MAX_NAMED_VALUES])
            more = " …" if len(close) > MAX_NAMED_VALUES else ""
            where = "your studies" if facet in ("project", "stage", "code") else "the participants"
            notes.append(
                f"No {FACET_WORDS[facet]} “{value}” in {where}"
                + (f"; try {named}{more}." if close else ".")
            )
    return notes


FACET_WORDS = {
    "project": "study",
    "stage": "stage",
    "code": "code",
    "segment": "segment",
    "region": "region",
    "tier": "tier",
}


def _known_values(facet: str, project_ids: Sequence[int]) -> set[str]:
    if facet == "project":
        return set(
            ResearchProject.objects.filter(pk__in=project_ids).values_list("slug", flat=True)
        )
    if facet == "stage":
        return set(
            Stage.objects.filter(framework__projects__in=project_ids).values_list("slug", flat=True)
        )
    if facet == "code":
        return set(Code.objects.filter(project_id__in=project_ids).values_list("slug", flat=True))
    return set({"segment": Segment, "region": Region, "tier": Tier}[facet].values)


def _visible_projects(
    user: User | AnonymousUser,
) -> tuple[list[int], dict[int, int], list[int]]:
    """(ids of the projects this user may search, {project id: user id} where blind coding
    shows them only their own highlights, ids where the user is outside the research team).

    Two queries: the visible projects, and the user's memberships with their blind-coding
    state. Leads, viewers and staff see every coding; staff act as leads.
    """
    visible = list(projects_for_user(user).order_by("id").values_list("id", flat=True))
    if not visible or isinstance(user, AnonymousUser) or user.is_staff:
        return visible, {}, []
    own_codings: dict[int, int] = {}
    outside_team: set[int] = set()
    memberships = (
        Membership.objects.filter(user_id=user.pk)
        .select_related("project__coding_settings")
        .only(
            "project_id",
            "role",
            "project__coding_settings__blind_coding",
            "project__coding_settings__codings_revealed",
        )
    )
    for membership in memberships:
        if own_codings_only(membership.role, membership.project):
            own_codings[membership.project_id] = user.pk
        elif audience_for_role(membership.role) != Audience.RESEARCH_TEAM:
            outside_team.add(membership.project_id)
    return visible, own_codings, [pk for pk in visible if pk in outside_team]


def _cleared(project_ids: list[int]) -> dict[int, Cleared]:
    """What consent lets viewers find in each of these studies (three queries, or none)."""
    clearances = consent_clearances(project_ids, Audience.INTERNAL)
    return {
        pk: Cleared(
            session_ids=clearance.session_ids,
            participant_ids=frozenset(
                participant
                for participant, reach in clearance.participant_reach.items()
                if reach >= Audience.INTERNAL
            ),
        )
        for pk, clearance in clearances.items()
    }


def _message(query: Query, backend_message: str) -> str:
    """The query's notes first, then anything the backend adds (e.g. "only stop words").

    A backend may repeat the notes of the query it was given; they are not shown twice.
    """
    extra = backend_message
    for note in query.notes:
        extra = extra.replace(note, "")
    return " ".join([*query.notes, *([extra.strip()] if extra.strip() else [])])
