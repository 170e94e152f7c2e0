"""The project door (interviews.access) for highlights: a highlight is loaded only as the
evidence selector lets this member see it.

    access, highlight = get_highlight_for_member(request, slug, pk, write=True)

Another study's highlight, and one the member may not see (blind coding, consent), is a 404:
never a hint that it exists. With `write`, a viewer gets 403 at the door, and a highlight the
member may see but not change (insights.visibility: EvidenceReader.may_change) 403.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from insights.models import Highlight
from insights.visibility import evidence_reader, visible_highlights
from interviews.access import ProjectAccess, get_project_for_member


def get_highlight_for_member(
    request: HttpRequest, slug: str, pk: int, *, write: bool = False, lead: bool = False
) -> tuple[ProjectAccess, Highlight]:
    access = get_project_for_member(request, slug, write=write, lead=lead)
    return access, highlight_in_project(access, request.user, pk, write=write)


def highlight_in_project(
    access: ProjectAccess, user: User | AnonymousUser, pk: int, *, write: bool = False
) -> Highlight:
    """A highlight of the study this member may see (and with `write` change), its stage and
    source joined."""
    reader = evidence_reader(project=access.project, user=user, role=access.role)
    highlight = (
        visible_highlights(reader)
        .select_related("stage", "transcript__session", "field_note__session")
        .filter(pk=pk)
        .first()
    )
    if highlight is None:
        raise Http404("No such highlight.")
    if write and not reader.may_change(highlight):
        raise PermissionDenied("You may not change this highlight.")
    highlight.project = access.project
    return highlight
