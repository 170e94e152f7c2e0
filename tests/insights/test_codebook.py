"""The codebook: creating, editing and nesting codes, merging, deleting, copying; frameworks."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from insights.codebook import code_delete, code_merge, codebook_copy
from insights.coding import CodingError, HighlightFields, highlight_create
from insights.models import Code, CodedHighlight, Highlight, JourneyFramework
from interviews.models import Membership, ResearchProject, Transcript
from tests.factories import make_participant, make_project, make_session, make_transcript

# --- helpers ------------------------------------------------------------------------------------


def code(project: ResearchProject, name: str, *, parent: Code | None = None, **fields) -> Code:
    return Code.objects.create(project=project, name=name, parent=parent, **fields)


@pytest.fixture
def transcript(project: ResearchProject, lead: User) -> Transcript:
    session = make_session(project, participants=[make_participant()])
    return make_transcript(session, by=lead)


def highlight(transcript: Transcript, coder: User, words: str, *codes: Code) -> Highlight:
    start = transcript.text.index(words)
    return highlight_create(
        project=transcript.session.project,
        coder=coder,
        start=start,
        end=start + len(words),
        fields=HighlightFields(codes=codes),
        transcript=transcript,
    )


def codings(item: Highlight) -> dict[str, str]:
    """A highlight's codes by name, each with the username of its coder."""
    rows = CodedHighlight.objects.filter(content_object=item).select_related("tag", "coder")
    return {row.tag.name: row.coder.username for row in rows}


def flashed(response) -> list[str]:
    """Unread messages after a response: a redirect not followed leaves earlier ones first."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(name: str, project: ResearchProject, *args: object) -> str:
    return reverse(f"insights:{name}", args=[project.slug, *args])


def code_data(name: str, **fields: Any) -> dict[str, object]:
    return {"name": name, "kind": "topic", "colour": "#f2c14e", **fields}


# --- create, edit, nest -------------------------------------------------------------------------


def test_researcher_adds_a_code_nested_under_another(researcher_client: Client, project) -> None:
    sso = code(project, "Single sign-on")

    response = researcher_client.post(
        url("code-create", project),
        code_data("SAML", parent=sso.pk, kind="pain_point", definition="SAML set-up pain."),
    )

    saml = Code.objects.get(project=project, name="SAML")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#code-{saml.pk}")
    assert saml.parent == sso
    assert saml.kind == Code.Kind.PAIN_POINT
    assert flashed(response) == ["Code “SAML” added to the codebook."]


def test_lead_edits_a_code_and_the_colour_is_normalised(lead_client: Client, project) -> None:
    sso = code(project, "SSO")

    response = lead_client.post(
        url("code-edit", project, sso.pk),
        code_data(
            "  Single   sign-on ",
            colour="2A9D8F",
            definition="Logging in through the company's identity provider.",
            inclusion_notes="SAML, OIDC, SCIM.",
            version=1,
        ),
    )

    assert response.status_code == 302
    sso.refresh_from_db()
    assert sso.name == "Single sign-on"
    assert sso.colour == "#2a9d8f"
    assert sso.inclusion_notes == "SAML, OIDC, SCIM."


def test_new_code_form_prefills_the_parent_from_the_add_sub_code_link(
    researcher_client: Client, project
) -> None:
    sso = code(project, "Single sign-on")
    response = researcher_client.get(url("code-create", project) + f"?parent={sso.pk}")
    assert f'<option value="{sso.pk}" selected>Single sign-on</option>' in response.content.decode()


@pytest.mark.parametrize("name", ["single SIGN-on", "Single sign-on", " single  sign-on "])
def test_duplicate_name_is_refused_ignoring_case_and_nothing_changes(
    researcher_client: Client, project, name: str
) -> None:
    code(project, "Single sign-on")
    licences = code(project, "Licences")

    created = researcher_client.post(url("code-create", project), code_data(name))
    renamed = researcher_client.post(
        url("code-edit", project, licences.pk), code_data(name, version=1)
    )

    for response in (created, renamed):
        assert response.status_code == 200
        assert "This codebook already has a code called" in response.content.decode()
    assert Code.objects.filter(project=project).count() == 2
    licences.refresh_from_db()
    assert licences.name == "Licences"


@pytest.mark.parametrize("name", ["SSO\u202egnp.exe", "\u2067SSO\u2069", "SSO\x00"])
def test_names_with_direction_controls_or_nul_are_refused(
    researcher_client: Client, project, name: str
) -> None:
    response = researcher_client.post(url("code-create", project), code_data(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert "text-direction control" in page or "Null characters are not allowed" in page
    assert not Code.objects.filter(project=project).exists()


def test_same_name_in_another_study_is_fine(researcher_client: Client, project) -> None:
    code(make_project(), "Single sign-on")
    response = researcher_client.post(url("code-create", project), code_data("Single sign-on"))
    assert response.status_code == 302
    assert Code.objects.filter(name="Single sign-on").count() == 2


def test_parent_from_another_study_is_refused(researcher_client: Client, project) -> None:
    elsewhere = code(make_project(), "Billing")

    response = researcher_client.post(
        url("code-create", project), code_data("Invoices", parent=elsewhere.pk)
    )

    assert response.status_code == 200
    assert "Choose a parent code from this study&#x27;s codebook." in response.content.decode()
    assert not Code.objects.filter(name="Invoices").exists()


def test_code_cannot_be_nested_under_itself_or_its_descendants(
    researcher_client: Client, project
) -> None:
    identity = code(project, "Identity")
    sso = code(project, "Single sign-on", parent=identity)
    saml = code(project, "SAML", parent=sso)

    itself = researcher_client.post(
        url("code-edit", project, identity.pk), code_data("Identity", parent=identity.pk, version=1)
    )
    grandchild = researcher_client.post(
        url("code-edit", project, identity.pk), code_data("Identity", parent=saml.pk, version=1)
    )

    assert "A code cannot be its own parent." in itself.content.decode()
    assert "“SAML” is nested under this code" in grandchild.content.decode()
    identity.refresh_from_db()
    assert identity.parent is None
    # The form does not even offer the code's own subtree as parents.
    page = researcher_client.get(url("code-edit", project, sso.pk)).content.decode()
    assert f'<option value="{identity.pk}" selected>Identity</option>' in page
    assert f'value="{saml.pk}"' not in page


@pytest.mark.parametrize("colour", ["red", "#12345", "#ggg000", "javascript:alert(1)"])
def test_invalid_colour_is_refused(researcher_client: Client, project, colour: str) -> None:
    response = researcher_client.post(
        url("code-create", project), code_data("Pricing", colour=colour)
    )
    assert response.status_code == 200
    assert "Use a colour like #f2c14e." in response.content.decode()
    assert not Code.objects.filter(project=project).exists()


# --- merge --------------------------------------------------------------------------------------


def test_merge_moves_every_highlight_keeps_coders_and_drops_only_duplicates(
    project, transcript, lead, researcher
) -> None:
    sso = code(project, "SSO")
    single = code(project, "Single sign-on")
    other = code(project, "Procurement")
    only_source = highlight(transcript, researcher, "SAML took three weeks", sso)
    by_lead = highlight(transcript, lead, "IdP team was busy", sso, other)
    both = highlight(transcript, researcher, "SSO rollout", sso, single)

    result = code_merge(source=sso, target=single, by=lead)

    assert (result.moved, result.duplicates_dropped) == (2, 1)
    assert not Code.objects.filter(pk=sso.pk).exists()
    assert codings(only_source) == {"Single sign-on": "researcher"}
    assert codings(by_lead) == {"Single sign-on": "lead", "Procurement": "lead"}
    assert codings(both) == {"Single sign-on": "researcher"}
    assert Highlight.objects.count() == 3


def test_merge_view_reports_what_moved(researcher_client: Client, project, transcript, lead):
    sso = code(project, "SSO")
    single = code(project, "Single sign-on")
    highlight(transcript, lead, "SAML took three weeks", sso)
    highlight(transcript, lead, "SSO rollout", sso, single)

    response = researcher_client.post(
        url("code-merge", project), {"source": sso.pk, "target": single.pk}
    )

    assert response.status_code == 302
    assert flashed(response) == [
        "Merged “SSO” into “Single sign-on”: 1 highlight moved, 1 duplicate dropped."
    ]
    assert list(Code.objects.filter(project=project)) == [single]


def test_merge_reparents_children_and_lifts_a_target_nested_under_the_source(project, lead) -> None:
    identity = code(project, "Identity")
    auth = code(project, "Authentication", parent=identity)
    sso = code(project, "SSO", parent=auth)
    mfa = code(project, "MFA", parent=auth)
    scim = code(project, "SCIM", parent=sso)

    result = code_merge(source=auth, target=sso, by=lead)

    sso.refresh_from_db()
    mfa.refresh_from_db()
    scim.refresh_from_db()
    assert sso.parent == identity  # took the source's place instead of being orphaned
    assert mfa.parent == sso
    assert scim.parent == sso
    assert result.children_moved == 1


def test_merge_appends_the_source_definition_and_notes(project, lead) -> None:
    sso = code(project, "SSO", definition="Logging in via SAML.", inclusion_notes="Same")
    single = code(project, "Single sign-on", definition="One login for every tool.")
    single.inclusion_notes = "Same"
    single.save()

    code_merge(source=sso, target=single, by=lead)

    single.refresh_from_db()
    assert single.definition == (
        "One login for every tool.\n\nMerged from “SSO”: Logging in via SAML."
    )
    assert single.inclusion_notes == "Same"
    assert single.exclusion_notes == ""


def test_merging_a_code_into_itself_or_across_studies_is_refused(
    researcher_client: Client, project, transcript, lead
) -> None:
    sso = code(project, "SSO")
    highlight(transcript, lead, "SSO rollout", sso)
    elsewhere = code(make_project(members={lead: Membership.Role.LEAD}), "Single sign-on")

    with pytest.raises(CodingError, match="cannot be merged into itself"):
        code_merge(source=sso, target=sso, by=lead)
    with pytest.raises(CodingError, match="same study's codebook"):
        code_merge(source=sso, target=elsewhere, by=lead)
    itself = researcher_client.post(
        url("code-merge", project), {"source": sso.pk, "target": sso.pk}
    )
    across = researcher_client.post(
        url("code-merge", project), {"source": sso.pk, "target": elsewhere.pk}
    )

    assert flashed(itself) == ["Choose two different codes to merge."]
    assert flashed(across)[-1:] == ["Choose a code from this study's codebook."]
    assert Code.objects.count() == 2
    assert CodedHighlight.objects.get().tag == sso


def test_viewer_cannot_merge_through_the_service(project, viewer) -> None:
    sso, single = code(project, "SSO"), code(project, "Single sign-on")
    with pytest.raises(CodingError, match="leads and researchers"):
        code_merge(source=sso, target=single, by=viewer)
    assert Code.objects.count() == 2


# --- delete -------------------------------------------------------------------------------------


def test_unused_code_is_deleted_and_its_children_move_up(
    researcher_client: Client, project
) -> None:
    identity = code(project, "Identity")
    sso = code(project, "SSO", parent=identity)
    saml = code(project, "SAML", parent=sso)

    page = researcher_client.get(url("code-delete", project, sso.pk)).content.decode()
    response = researcher_client.post(url("code-delete", project, sso.pk))

    assert "No highlight uses this code." in page
    assert "will move under “Identity”" in page
    assert response.status_code == 302
    assert flashed(response) == ["Deleted “SSO”. 1 code moved under “Identity”."]
    saml.refresh_from_db()
    assert saml.parent == identity


def test_deleting_a_used_code_without_confirmation_is_refused(
    researcher_client: Client, project, transcript, lead
) -> None:
    sso = code(project, "SSO")
    highlight(transcript, lead, "SSO rollout", sso)
    highlight(transcript, lead, "SAML took three weeks", sso)

    response = researcher_client.post(url("code-delete", project, sso.pk))
    stale = researcher_client.post(url("code-delete", project, sso.pk), {"confirm_uses": "1"})
    with pytest.raises(CodingError, match="used by 2 highlights"):
        code_delete(code=sso, by=lead, confirm_uses=None)

    assert response.status_code == 302
    assert flashed(response) == [
        "“SSO” is used by 2 highlights: confirm that they will lose this code."
    ]
    assert flashed(stale)[-1:] == [
        "“SSO” is now used by 2 highlights, not 1: check again before deleting it."
    ]
    assert Code.objects.filter(pk=sso.pk).exists()
    assert CodedHighlight.objects.filter(tag=sso).count() == 2


def test_confirmed_delete_removes_only_that_code_from_its_highlights(
    researcher_client: Client, project, transcript, lead, researcher
) -> None:
    sso = code(project, "SSO")
    procurement = code(project, "Procurement")
    first = highlight(transcript, lead, "SSO rollout", sso)
    second = highlight(transcript, researcher, "licence true-up", sso, procurement)

    page = researcher_client.get(url("code-delete", project, sso.pk)).content.decode()
    response = researcher_client.post(url("code-delete", project, sso.pk), {"confirm_uses": "2"})

    assert (
        "2 highlights will lose this code;</strong> the highlights themselves and their other "
        "codes stay."
    ) in page
    assert 'name="confirm_uses" value="2"' in page
    assert flashed(response) == ["Deleted “SSO”. 2 highlights no longer carry it."]
    assert not Code.objects.filter(pk=sso.pk).exists()
    assert Highlight.objects.count() == 2
    assert codings(first) == {}
    assert codings(second) == {"Procurement": "researcher"}


# --- copy ---------------------------------------------------------------------------------------


def test_copy_brings_the_hierarchy_and_skips_names_already_there(
    researcher_client: Client, project, researcher, lead
) -> None:
    source = make_project("Onboarding study", members={researcher: Membership.Role.VIEWER})
    identity = code(source, "Identity", colour="#2a9d8f", definition="Who the user is.")
    sso = code(
        source,
        "Single sign-on",
        parent=identity,
        kind=Code.Kind.PAIN_POINT,
        inclusion_notes="SAML, OIDC",
        exclusion_notes="Passwords",
    )
    code(source, "SAML", parent=sso)
    code(source, "Pricing")
    session = make_session(source, participants=[make_participant()])
    highlight(make_transcript(session), lead_in(source, lead), "SSO rollout", sso)
    existing = code(project, "single sign-on")

    response = researcher_client.post(url("codebook-copy", project), {"source": source.pk})

    assert flashed(response) == [
        "Copied 3 codes from “Onboarding study”. Skipped 1 this codebook already has: "
        "Single sign-on."
    ]
    copied = {c.name: c for c in Code.objects.filter(project=project)}
    assert set(copied) == {"Identity", "single sign-on", "SAML", "Pricing"}
    assert copied["Identity"].colour == "#2a9d8f"
    assert copied["Identity"].definition == "Who the user is."
    assert copied["SAML"].parent == existing  # hung under the code already there
    assert copied["Pricing"].parent is None
    assert not Highlight.objects.filter(project=project).exists()
    assert CodedHighlight.objects.filter(tag__project=project).count() == 0


def lead_in(project: ResearchProject, user: User) -> User:
    Membership.objects.get_or_create(project=project, user=user, defaults={"role": "lead"})
    return user


def test_copy_keeps_kinds_notes_and_deep_nesting(project, lead) -> None:
    source = make_project(members={lead: Membership.Role.LEAD})
    a = code(source, "A", kind=Code.Kind.NEED, exclusion_notes="not B")
    b = code(source, "B", parent=a)
    code(source, "C", parent=b, kind=Code.Kind.DELIGHT)

    result = codebook_copy(source_project=source, target_project=project, by=lead)

    assert (result.copied, result.skipped) == (3, ())
    c = Code.objects.get(project=project, name="C")
    assert c.kind == Code.Kind.DELIGHT
    assert c.parent.name == "B"
    assert c.parent.parent.name == "A"
    assert c.parent.parent.exclusion_notes == "not B"
    assert c.parent.parent.kind == Code.Kind.NEED


def test_cannot_copy_from_a_study_the_user_cannot_read(
    researcher_client: Client, project, researcher
) -> None:
    secret = make_project("Secret study")
    code(secret, "Confidential")

    response = researcher_client.post(url("codebook-copy", project), {"source": secret.pk})
    with pytest.raises(CodingError, match="member of"):
        codebook_copy(source_project=secret, target_project=project, by=researcher)

    assert flashed(response) == ["Choose one of your other studies."]
    assert not Code.objects.filter(project=project).exists()
    page = researcher_client.get(url("codebook", project)).content.decode()
    assert "Secret study" not in page


def test_staff_can_copy_from_any_study(staff, project) -> None:
    source = make_project()
    code(source, "Pricing")
    result = codebook_copy(source_project=source, target_project=project, by=staff)
    assert result.copied == 1


# --- the codebook page, permissions -------------------------------------------------------------


def test_codebook_page_shows_the_tree_with_counts(
    researcher_client: Client, project, transcript, lead, researcher
) -> None:
    identity = code(project, "Identity")
    sso = code(project, "Single sign-on", parent=identity, kind=Code.Kind.PAIN_POINT)
    saml = code(project, "SAML", parent=sso, inclusion_notes="Any SAML set-up")
    auditing = code(project, "auditing")
    highlight(transcript, lead, "SSO rollout", sso)
    highlight(transcript, researcher, "SAML took three weeks", sso)

    body = researcher_client.get(url("codebook", project)).content.decode()

    rows = [body.index(f'<tr id="code-{c.pk}"') for c in (auditing, identity, sso, saml)]
    assert rows == sorted(rows)  # roots by name ignoring case, each followed by its subtree
    saml_row = body[rows[3] :]
    assert 'class="code-depth-2"' in saml_row[: saml_row.index("</th>")]
    assert "under Single sign-on)" in saml_row
    assert "<title>#f2c14e</title>" in body
    assert (
        'aria-hidden="true"><title>#f2c14e</title><rect width="1" height="1" fill="#f2c14e"' in body
    )
    assert '<span class="badge badge-error">Pain point</span>' in body
    assert "<summary>When to use it</summary>" in body
    row = body[body.index(f'id="code-{sso.pk}"') :]
    assert '<td class="num">2</td>\n                  <td class="num">2</td>' in row
    assert url("code-edit", project, sso.pk) in body
    assert "Merge two codes" in body


def test_viewer_reads_the_codebook_without_edit_controls(viewer_client: Client, project) -> None:
    sso = code(project, "SSO")
    response = viewer_client.get(url("codebook", project))
    body = response.content.decode()
    assert response.status_code == 200
    assert "SSO" in body
    assert url("code-edit", project, sso.pk) not in body
    assert url("code-create", project) not in body
    assert "Merge two codes" not in body
    assert "Copy from another study" not in body


def _viewer_writes(project: ResearchProject, sso: Code, other: ResearchProject):
    return [
        ("code-create", (), code_data("New")),
        ("code-edit", (sso.pk,), code_data("Renamed")),
        ("code-merge", (), {"source": sso.pk, "target": sso.pk}),
        ("codebook-copy", (), {"source": other.pk}),
        ("code-delete", (sso.pk,), {"confirm_uses": "0"}),
    ]


def test_viewer_posts_get_403_and_change_nothing(viewer_client: Client, project, viewer) -> None:
    sso = code(project, "SSO")
    other = make_project(members={viewer: Membership.Role.LEAD})
    code(other, "Pricing")

    for name, args, data in _viewer_writes(project, sso, other):
        assert viewer_client.post(url(name, project, *args), data).status_code == 403, name
    assert viewer_client.get(url("code-delete", project, sso.pk)).status_code == 403

    assert list(Code.objects.filter(project=project).values_list("name", flat=True)) == ["SSO"]


def test_outsider_gets_404_everywhere_and_changes_nothing(outsider_client: Client, project) -> None:
    sso = code(project, "SSO")
    other = make_project()
    for name, args in [("codebook", ()), ("code-create", ()), ("code-edit", (sso.pk,))]:
        assert outsider_client.get(url(name, project, *args)).status_code == 404, name
    for name, args, data in _viewer_writes(project, sso, other):
        assert outsider_client.post(url(name, project, *args), data).status_code == 404, name
    assert list(Code.objects.filter(project=project).values_list("name", flat=True)) == ["SSO"]


def test_a_code_of_another_study_is_404(researcher_client: Client, project) -> None:
    elsewhere = code(make_project(), "Pricing")
    assert researcher_client.get(url("code-edit", project, elsewhere.pk)).status_code == 404
    assert researcher_client.post(url("code-delete", project, elsewhere.pk)).status_code == 404
    assert Code.objects.filter(pk=elsewhere.pk).exists()


def test_merge_and_copy_only_accept_post(researcher_client: Client, project) -> None:
    assert researcher_client.get(url("code-merge", project)).status_code == 405
    assert researcher_client.get(url("codebook-copy", project)).status_code == 405


def test_empty_codebook_explains_codes_and_offers_a_copy(
    researcher_client: Client, project, researcher
) -> None:
    body = researcher_client.get(url("codebook", project)).content.decode()
    assert "No codes yet" in body
    assert "copy from another study" not in body  # no other study to copy from

    make_project("Onboarding study", members={researcher: Membership.Role.VIEWER})
    body = researcher_client.get(url("codebook", project)).content.decode()
    assert "copy from another study" in body
    assert "Onboarding study" in body


def test_codebook_shows_the_framework_stages_or_how_to_choose_one(
    researcher_client: Client, viewer_client: Client, project
) -> None:
    body = researcher_client.get(url("codebook", project)).content.decode()
    assert "no journey framework yet" in body
    assert reverse("interviews:project-edit", args=[project.slug]) in body
    viewer_body = viewer_client.get(url("codebook", project)).content.decode()
    assert reverse("interviews:project-edit", args=[project.slug]) not in viewer_body

    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    body = researcher_client.get(url("codebook", project)).content.decode()
    assert "<strong>Onboarding</strong>" in body
    assert "Customer Success" in body
    assert "Measured by: Time from purchase to first value." in body
    assert "Days from purchase to first value: 38 → 14 days" in body


def test_codebook_page_query_count_does_not_grow_with_codes(
    researcher_client: Client, project, researcher, lead, transcript, django_assert_num_queries
) -> None:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    make_project(members={researcher: Membership.Role.VIEWER})  # something to copy from

    def fill(count: int) -> None:
        parent = None
        for number in range(Code.objects.count(), count):
            parent = code(project, f"Code {number:02}", parent=parent if number % 3 else None)
            highlight(transcript, lead if number % 2 else researcher, "SSO rollout", parent)

    # session, user, project + framework with the role, codes with their counts and parents,
    # stages, metrics, studies to copy from
    for count in (3, 30):
        fill(count)
        with django_assert_num_queries(7):
            response = researcher_client.get(url("codebook", project))
        assert response.content.decode().count('<tr id="code-') == count


def test_study_page_links_to_the_codebook(viewer_client: Client, project) -> None:
    body = viewer_client.get(project.get_absolute_url()).content.decode()
    assert f'href="{url("codebook", project)}"' in body


# --- frameworks ---------------------------------------------------------------------------------


def test_framework_list_shows_the_shipped_frameworks_with_stages_in_order(
    viewer_client: Client, project, django_assert_num_queries
) -> None:
    # session, user, frameworks, stages, metrics
    with django_assert_num_queries(5):
        response = viewer_client.get(reverse("insights:framework-list"))
    body = response.content.decode()

    for name in (
        "CX journey",
        "Customer-success lifecycle",
        "User adoption journey",
        "Contributor journey",
    ):
        assert f">{name}</h2>" in body
    cx = body[body.index(">CX journey</h2>") :]
    cx = cx[: cx.index("</section>")]
    stages = ["Awareness", "Evaluation", "Purchase", "Onboarding", "Adoption", "Expansion"]
    positions = [cx.index(f"<strong>{stage}</strong>") for stage in stages]
    assert positions == sorted(positions)
    assert "Net revenue retention: 112 → 125 %" in cx
    assert 'aria-current="page">Frameworks</a>' in body
    assert "Administrators define more frameworks" in body


def test_staff_see_a_link_to_define_frameworks_in_the_admin(staff) -> None:
    client = Client()
    client.force_login(staff)
    body = client.get(reverse("insights:framework-list")).content.decode()
    assert reverse("admin:insights_journeyframework_changelist") in body


# --- two people editing one code ----------------------------------------------------------------


def test_the_second_of_two_editors_is_told_and_overwrites_nothing(
    lead_client: Client, researcher_client: Client, project, lead: User
) -> None:
    lead.first_name, lead.last_name = "Lee", "Lead"
    lead.save()
    sso = code(project, "SSO", definition="Logging in once.")
    # Both open the form at version 1; the lead saves first.
    assert (
        'name="version" value="1"'
        in lead_client.get(url("code-edit", project, sso.pk)).content.decode()
    )
    first = lead_client.post(
        url("code-edit", project, sso.pk),
        code_data("Single sign-on", definition="Logging in through the IdP.", version=1),
    )
    second = researcher_client.post(
        url("code-edit", project, sso.pk),
        code_data("SSO", definition="My better definition.", version=1),
    )

    assert first.status_code == 302
    assert second.status_code == 200
    page = second.content.decode()
    assert "Lee Lead changed this code since you opened it" in page
    assert "My better definition." in page  # what the researcher typed, listed
    form = second.context["form"]
    assert form["name"].value() == "Single sign-on"  # the current values fill the form
    assert form["version"].value() == 2
    sso.refresh_from_db()
    assert (sso.name, sso.definition, sso.version) == (
        "Single sign-on",
        "Logging in through the IdP.",
        2,
    )
    assert sso.changed_by == lead

    # Having seen the current values, the researcher saves again, on top of them.
    again = researcher_client.post(
        url("code-edit", project, sso.pk),
        code_data("Single sign-on", definition="My better definition.", version=2),
    )
    assert again.status_code == 302
    sso.refresh_from_db()
    assert (sso.definition, sso.version) == ("My better definition.", 3)


def test_an_edit_without_the_version_opened_is_refused(researcher_client: Client, project) -> None:
    sso = code(project, "SSO")
    for version in (None, "x", 0):
        data = code_data("Renamed") if version is None else code_data("Renamed", version=version)
        response = researcher_client.post(url("code-edit", project, sso.pk), data)
        assert response.status_code == 200
        assert "This form is out of date" in response.content.decode()
    sso.refresh_from_db()
    assert (sso.name, sso.version) == ("SSO", 1)


def test_a_merge_makes_an_open_edit_form_of_the_target_conflict(
    researcher_client: Client, project, lead: User
) -> None:
    sso, saml = code(project, "SSO"), code(project, "SAML", definition="Assertions.")
    code_merge(source=saml, target=sso, by=lead)

    response = researcher_client.post(
        url("code-edit", project, sso.pk), code_data("SSO", version=1)
    )

    assert "lead changed this code since you opened it" in response.content.decode()
    sso.refresh_from_db()
    assert "Merged from “SAML”: Assertions." in sso.definition
