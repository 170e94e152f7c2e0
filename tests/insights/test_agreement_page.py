"""The agreement page: figures for two coders of one transcript, disagreements, blind coding.

The page shows the project's last computed snapshot; tests compute it with the service the
job runs (insights.agreement_snapshots). Computing through the page: test_agreement_jobs.py.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from insights.agreement_snapshots import agreement_snapshot_compute
from insights.coding import (
    HighlightFields,
    code_get_or_create,
    highlight_get_or_create,
    highlight_update,
)
from insights.models import Code, CodingSettings
from interviews.models import AuditEvent, Membership, ResearchProject, Transcript, Utterance
from tests.factories import (
    coding_of,
    make_session,
    make_transcript,
    make_user,
    set_blind_coding,
)

SIX_TURNS = b"""Interviewer: How did the SSO rollout go?
Ada: SAML took three weeks because our IdP team was busy.
Interviewer: What did that cost you?
Ada: Two sprints of the platform team, honestly.
Interviewer: Anything else about the renewal?
Ada: The licence true-up surprised procurement.
"""


def _transcript(project: ResearchProject, name: str = "six.txt") -> Transcript:
    return make_transcript(make_session(project), filename=name, data=SIX_TURNS)


def _utterances(transcript: Transcript) -> list[Utterance]:
    return list(transcript.utterances.order_by("position"))


def _code(
    project: ResearchProject, coder: User, transcript: Transcript, first: int, last: int, code: Code
) -> None:
    """`code` applied by `coder` to utterances first..last (0-based, inclusive): a new
    highlight, or the coder's highlight of that span already (one per coder and span)."""
    utterances = _utterances(transcript)
    highlight, created = highlight_get_or_create(
        project=project,
        coder=coder,
        start=utterances[first].start,
        end=utterances[last].end,
        fields=HighlightFields(codes=[code]),
        transcript=transcript,
    )
    if not created:
        codes = [item.tag for item in highlight.coded_items.select_related("tag")]
        highlight_update(
            highlight=highlight, by=coder, fields=HighlightFields(codes=[*codes, code])
        )


@pytest.fixture
def double_coded(project: ResearchProject, lead: User, researcher: User) -> Transcript:
    """The worked example of tests/insights/test_agreement.py on a real transcript.

    Lead applies "SSO pain" to turns 1–3, researcher to turns 2–4; turns 5–6 are uncoded.
    All six turns: kappa = 1/3, alpha = 7/18 ≈ 0.389.
    Coded turns 1–4: kappa = −1/3, alpha = −1/6 ≈ −0.167.
    """
    transcript = _transcript(project)
    assert len(_utterances(transcript)) == 6
    code, _ = code_get_or_create(project=project, name="SSO pain", by=lead)
    _code(project, lead, transcript, 0, 2, code)
    _code(project, researcher, transcript, 1, 3, code)
    agreement_snapshot_compute(project=project)
    return transcript


def _url(project: ResearchProject) -> str:
    return reverse("insights:agreement", args=[project.slug])


def test_page_shows_kappa_and_alpha_on_both_bases(
    lead_client: Client, project: ResearchProject, double_coded: Transcript
) -> None:
    response = lead_client.get(_url(project))

    assert response.status_code == 200
    page = response.content.decode()
    assert "All utterances (uncoded text included — inflates agreement)" in page
    assert "Utterances someone coded" in page
    assert "lead – researcher" in page
    assert ">0.333<" in page  # kappa over all six turns
    assert ">−0.333<" in page  # kappa over the four coded turns
    assert ">0.389<" in page  # alpha over all turns
    assert ">−0.167<" in page  # alpha over coded turns
    assert "SSO pain" in page
    assert "Landis" in page and "0.667" in page


def test_coders_appear_by_display_name(
    lead_client: Client, project: ResearchProject, lead: User, researcher: User
) -> None:
    lead.first_name, lead.last_name = "Grace", "Hopper"
    lead.save(update_fields=["first_name", "last_name"])
    transcript = _transcript(project)
    code, _ = code_get_or_create(project=project, name="SSO pain", by=lead)
    _code(project, lead, transcript, 0, 0, code)
    _code(project, researcher, transcript, 1, 1, code)
    agreement_snapshot_compute(project=project)
    page = lead_client.get(_url(project)).content.decode()
    assert "Grace Hopper – researcher" in page  # a coder with no full name keeps the username
    assert "coded by Grace Hopper, researcher" in page
    assert "lead – " not in page


def test_each_figure_says_how_many_units_it_rests_on(
    lead_client: Client, project: ResearchProject, lead: User, researcher: User
) -> None:
    """Both coders apply "Cost" to the same single utterance and nothing else."""
    transcript = _transcript(project)
    cost, _ = code_get_or_create(project=project, name="Cost", by=lead)
    _code(project, lead, transcript, 3, 3, cost)
    _code(project, researcher, transcript, 3, 3, cost)
    agreement_snapshot_compute(project=project)
    page = lead_client.get(_url(project)).content.decode()
    cost_row = page[page.index('<th scope="row">Cost</th>') :].split("</tr>", 1)[0]
    assert '<div class="muted small">1 utterance</div>' in cost_row  # coded: the one utterance
    assert '<div class="muted small">6 utterances</div>' in cost_row  # all six turns
    assert '<div class="muted small">6 utterance–code pairs</div>' in page  # pooled: 6 × 1
    assert '<td class="num">1 utterance<div><span class="badge badge-warn">too few to judge' in (
        cost_row
    )
    assert ">Items<" not in page and " compared</div>" not in page


def test_kappa_and_alpha_share_one_colour_scale() -> None:
    from insights.views.agreement import _alpha, _kappa

    # 0.700 is "substantial" kappa and "tentative" alpha: one colour for one value.
    assert _kappa(0.7, "").badge == _alpha(0.7, "").badge == "badge-warn"
    assert _kappa(0.7, "").band == "substantial"
    assert _kappa(0.5, "").badge == _alpha(0.5, "").badge == "badge-error"
    assert _kappa(0.9, "").badge == _alpha(0.9, "").badge == "badge-ok"
    assert _kappa(None, "").badge == _alpha(None, "").badge == ""


def test_disagreements_link_to_the_utterance(
    viewer_client: Client, project: ResearchProject, double_coded: Transcript
) -> None:
    first, _, _, fourth, *_ = _utterances(double_coded)
    transcript_url = reverse(
        "insights:transcript-detail", args=[project.slug, double_coded.session_id, double_coded.pk]
    )

    response = viewer_client.get(_url(project))

    assert response.status_code == 200  # viewers may read the figures
    page = response.content.decode()
    assert f'href="{transcript_url}#u-{first.pk}"' in page
    assert f'href="{transcript_url}#u-{fourth.pk}"' in page
    assert page.count("#u-") == 2  # turns 2–3 agree, 5–6 nobody coded


def test_empty_state_until_two_coders_share_a_transcript(
    researcher_client: Client, project: ResearchProject, lead: User
) -> None:
    transcript = _transcript(project)
    code, _ = code_get_or_create(project=project, name="SSO pain", by=lead)
    _code(project, lead, transcript, 0, 1, code)
    agreement_snapshot_compute(project=project)

    response = researcher_client.get(_url(project))

    assert response.status_code == 200
    page = response.content.decode()
    assert "No transcript has two coders yet" in page
    assert "Ask a second researcher to code a transcript" in page
    assert "from 0 utterances" in page
    assert "Reveal all codings" not in page  # not the lead


def test_outsider_gets_404(
    outsider_client: Client, project: ResearchProject, double_coded: Transcript
) -> None:
    assert outsider_client.get(_url(project)).status_code == 404


def test_blind_coding_hides_disagreements_from_researchers_only(
    researcher_client: Client,
    lead_client: Client,
    project: ResearchProject,
    double_coded: Transcript,
) -> None:
    set_blind_coding(project)

    researcher_page = researcher_client.get(_url(project)).content.decode()
    lead_page = lead_client.get(_url(project)).content.decode()

    assert "#u-" not in researcher_page
    assert "appears once the lead reveals" in researcher_page
    assert ">0.333<" in researcher_page  # the figures themselves stay visible
    assert "#u-" in lead_page
    assert "Reveal all codings" in lead_page


def _blind_url(project: ResearchProject) -> str:
    return reverse("insights:blind-coding", args=[project.slug])


def test_a_study_without_coding_settings_is_not_blind(
    lead_client: Client, project: ResearchProject
) -> None:
    body = lead_client.get(_url(project)).content.decode()
    assert "Turn on blind coding" in body
    assert 'value="off"' not in body
    assert not CodingSettings.objects.filter(project=project).exists()


def test_lead_turns_blind_coding_on(lead_client: Client, project: ResearchProject) -> None:
    response = lead_client.post(_blind_url(project), {"action": "on"}, follow=True)

    assert coding_of(project) == (True, False)
    assert response.redirect_chain[-1][0] == _url(project)
    body = response.content.decode()
    assert "Blind coding is on" in body
    assert "Reveal all codings" in body and 'value="off"' in body


def test_lead_reveals_all_codings(lead_client: Client, project: ResearchProject) -> None:
    set_blind_coding(project)

    response = lead_client.post(_blind_url(project), {"action": "reveal"}, follow=True)

    assert coding_of(project) == (True, True)
    assert response.redirect_chain[-1][0] == _url(project)
    assert "All codings revealed" in response.content.decode()
    assert "Hide others' codings again" in response.content.decode()


def test_revealing_twice_changes_nothing(lead_client: Client, project: ResearchProject) -> None:
    before = set_blind_coding(project, codings_revealed=True).updated_at

    response = lead_client.post(_blind_url(project), {"action": "reveal"}, follow=True)

    assert "already visible" in response.content.decode()
    assert CodingSettings.objects.get(project=project).updated_at == before


def test_lead_hides_codings_again(lead_client: Client, project: ResearchProject) -> None:
    set_blind_coding(project, codings_revealed=True)

    lead_client.post(_blind_url(project), {"action": "on"})

    assert coding_of(project) == (True, False)


def test_hiding_twice_changes_nothing(lead_client: Client, project: ResearchProject) -> None:
    before = set_blind_coding(project).updated_at

    response = lead_client.post(_blind_url(project), {"action": "on"}, follow=True)

    assert "already hidden" in response.content.decode()
    assert CodingSettings.objects.get(project=project).updated_at == before


def test_lead_turns_blind_coding_off(lead_client: Client, project: ResearchProject) -> None:
    set_blind_coding(project)

    response = lead_client.post(_blind_url(project), {"action": "off"}, follow=True)

    assert coding_of(project) == (False, False)
    assert "Blind coding is off" in response.content.decode()
    response = lead_client.post(_blind_url(project), {"action": "off"}, follow=True)
    assert "already off" in response.content.decode()


def test_an_unknown_action_changes_nothing(lead_client: Client, project: ResearchProject) -> None:
    set_blind_coding(project)

    response = lead_client.post(_blind_url(project), {"action": "maybe"}, follow=True)

    assert "Choose to turn blind coding on" in response.content.decode()
    assert coding_of(project) == (True, False)


@pytest.mark.parametrize("persona", ["researcher", "viewer"])
def test_only_the_lead_may_switch_blind_coding(
    persona: str, project: ResearchProject, request: pytest.FixtureRequest
) -> None:
    set_blind_coding(project)
    client: Client = request.getfixturevalue(f"{persona}_client")

    for action in ("on", "reveal", "off"):
        assert client.post(_blind_url(project), {"action": action}).status_code == 403
    assert 'value="reveal"' not in client.get(_url(project)).content.decode()

    assert coding_of(project) == (True, False)


def test_outsider_cannot_reveal(outsider_client: Client, project: ResearchProject) -> None:
    set_blind_coding(project)
    assert outsider_client.post(_blind_url(project), {"action": "reveal"}).status_code == 404
    assert coding_of(project) == (True, False)


def test_switching_needs_post(lead_client: Client, project: ResearchProject) -> None:
    assert lead_client.get(_blind_url(project)).status_code == 405


# The page's queries, whatever the number of transcripts, coders, codes and highlights:
#   1. the session            2. the user                (login)
#   3. the project, with the user's role                 (get_project_for_member)
#   4. the agreement snapshot
#   5. the coders' names
#   6. the latest agreement job, with who started it
PAGE_QUERIES = 6


def test_query_count_does_not_grow_with_highlights(
    lead_client: Client,
    project: ResearchProject,
    lead: User,
    researcher: User,
    double_coded: Transcript,
    django_assert_num_queries,
) -> None:
    with django_assert_num_queries(PAGE_QUERIES):
        small = lead_client.get(_url(project))
    assert small.status_code == 200

    third = make_user("third")
    Membership.objects.create(project=project, user=third, role=Membership.Role.RESEARCHER)
    codes = [code_get_or_create(project=project, name=n, by=lead)[0] for n in ("Cost", "Renewal")]
    for name in ("second.txt", "third.txt"):
        transcript = _transcript(project, name)
        for coder, first in ((lead, 0), (researcher, 1), (third, 2)):
            for code in codes:
                _code(project, coder, transcript, first, first + 2, code)
                _code(project, coder, transcript, 5, 5, code)
    agreement_snapshot_compute(project=project)

    with django_assert_num_queries(PAGE_QUERIES):
        response = lead_client.get(_url(project))
    assert response.status_code == 200
    page = response.content.decode()
    assert "lead – third" in page and "researcher – third" in page
    assert "Cost" in page and "Renewal" in page


def test_the_admin_lists_and_changes_a_studys_coding_settings(
    admin_client: Client, project: ResearchProject
) -> None:
    coding = set_blind_coding(project)
    changelist = admin_client.get(reverse("admin:insights_codingsettings_changelist"))
    assert changelist.status_code == 200
    assert project.title in changelist.content.decode()
    change = reverse("admin:insights_codingsettings_change", args=[coding.pk])
    response = admin_client.post(
        change, {"project": project.pk, "blind_coding": "on", "codings_revealed": "on"}
    )
    assert response.status_code == 302
    assert coding_of(project) == (True, True)


def test_each_blind_coding_change_is_in_the_audit_log_and_a_repeat_is_not(
    lead_client: Client, lead: User, project: ResearchProject
) -> None:
    for action in ("on", "reveal", "reveal", "off"):
        lead_client.post(_blind_url(project), {"action": action})

    events = AuditEvent.objects.filter(
        project=project, action=AuditEvent.Action.BLIND_CODING_CHANGED
    ).order_by("id")
    assert [(event.user_id, event.detail) for event in events] == [
        (lead.pk, "Turn blind coding on (hide others' codings)"),
        (lead.pk, "Reveal everyone's codings"),
        (lead.pk, "Turn blind coding off"),
    ]
