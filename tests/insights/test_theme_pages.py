"""The themes and recommendations pages: listing, curating through the forms, stale edits,
bad input, and a query count that does not grow with the number of themes.

Coding as in tests/insights/test_themes.py, plus two SSO quotes at Purchase so that two
candidates exist: "SSO + SAML" at Onboarding and "SSO" at Purchase.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from insights.models import EvidenceSummary, Recommendation, Theme, ThemeCode, ThemeQuote
from insights.themes.aggregate import themes_aggregate
from interviews.models import ResearchProject
from tests.insights.evidence import EvidenceStudy, build_study, code_quotes, stage_named


@pytest.fixture
def study(project: ResearchProject, lead: User) -> EvidenceStudy:
    study = build_study(project, lead)
    study.quotes = code_quotes(study)  # type: ignore[attr-defined]
    for who in ("Ada", "Cleo"):
        study.quote(who, 2, stage="purchase", codes=("SSO",))
    themes_aggregate(project=project)
    return study


def onboarding(study: EvidenceStudy) -> Theme:
    return Theme.objects.get(project=study.project, stage=stage_named("onboarding"))


def purchase(study: EvidenceStudy) -> Theme:
    return Theme.objects.get(project=study.project, stage=stage_named("purchase"))


def url(name: str, theme: Theme) -> str:
    return reverse(f"insights:{name}", args=[theme.project.slug, theme.pk])


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_list_shows_themes_by_stage_with_coverage_and_handoffs(
    study: EvidenceStudy, researcher_client: Client, django_assert_max_num_queries: Any
) -> None:
    address = reverse("insights:theme-list", args=[study.project.slug])
    # session, user, project with the role, summary, latest job, themes, their codes, stages.
    with django_assert_max_num_queries(9):
        response = researcher_client.get(address)
    page = response.content.decode()
    assert [g.name for g in response.context["groups"]] == ["Purchase", "Onboarding"]
    assert "SSO + SAML" in page
    assert "3 of 4 participants (2 of 2 large self-managed" in page
    assert "Sales → Customer Success (Purchase → Onboarding)" in page
    # More themes, same queries.
    for number in range(3):
        theme = Theme.objects.create(project=study.project, name=f"Extra {number}")
        ThemeCode.objects.create(theme=theme, code=study.codes["Pricing"])
    with django_assert_max_num_queries(10):
        researcher_client.get(address)


def test_the_lists_counts_are_of_every_stages_themes(
    study: EvidenceStudy, researcher_client: Client
) -> None:
    Theme.objects.filter(pk=onboarding(study).pk).update(status=Theme.Status.CONFIRMED)
    Theme.objects.create(project=study.project, name="Rejected one", status=Theme.Status.REJECTED)

    response = researcher_client.get(reverse("insights:theme-list", args=[study.project.slug]))

    # Onboarding's theme, Purchase's candidate, and one with no stage.
    assert response.context["counts"] == {
        Theme.Status.CONFIRMED: 1,
        Theme.Status.CANDIDATE: 1,
        Theme.Status.REJECTED: 1,
        Theme.Status.MERGED: 0,
    }
    assert "1 confirmed, 1 candidate, 1 rejected, 0 merged." in response.content.decode()


def test_a_rerun_that_changed_no_figure_still_dates_them_to_the_rerun(
    study: EvidenceStudy, researcher_client: Client
) -> None:
    theme = onboarding(study)
    now = timezone.now()
    Theme.objects.filter(pk=theme.pk).update(strength_at=now - dt.timedelta(hours=1))
    EvidenceSummary.objects.filter(project=study.project).update(computed_at=now)

    response = researcher_client.get(url("theme-detail", theme))

    assert "Figures from the aggregation 0\xa0minutes ago; unchanged for 1\xa0hour." in (
        response.content.decode()
    )


def test_a_merged_themes_figures_are_dated_to_their_last_measure() -> None:
    measured, later = timezone.now() - dt.timedelta(days=2), timezone.now()
    theme = Theme(strength_at=measured, status=Theme.Status.MERGED)
    assert theme.measured_at(later) == measured
    theme.status = Theme.Status.REJECTED  # still measured by each run
    assert theme.measured_at(later) == later
    assert Theme(strength_at=None).measured_at(later) is None  # never measured yet


def test_confirm_and_rename_through_the_page(
    study: EvidenceStudy, researcher_client: Client, researcher: User
) -> None:
    theme = onboarding(study)
    response = researcher_client.post(
        url("theme-confirm", theme), {"version": theme.version}, follow=True
    )
    assert "“SSO + SAML” is confirmed: reports will show it." in messages_of(response)
    theme.refresh_from_db()
    response = researcher_client.post(
        url("theme-rename", theme),
        {"version": theme.version, "name": "  SSO setup   takes weeks "},
        follow=True,
    )
    theme.refresh_from_db()
    assert (theme.name, theme.status, theme.edited_by) == (
        "SSO setup takes weeks",
        "confirmed",
        researcher,
    )


def test_a_stale_form_is_refused_with_a_clear_message(
    study: EvidenceStudy, researcher_client: Client, lead_client: Client
) -> None:
    theme = onboarding(study)
    seen = theme.version
    lead_client.post(url("theme-summary", theme), {"version": seen, "summary": "The lead's"})
    response = researcher_client.post(
        url("theme-summary", theme), {"version": seen, "summary": "Mine"}, follow=True
    )
    assert any("Someone else changed this theme" in m for m in messages_of(response))
    theme.refresh_from_db()
    assert (theme.summary, theme.version) == ("The lead's", seen + 1)


def test_a_form_without_its_version_changes_nothing(
    study: EvidenceStudy, researcher_client: Client
) -> None:
    theme = onboarding(study)
    response = researcher_client.post(url("theme-confirm", theme), {}, follow=True)
    assert "The page is out of date: reload it and try again." in messages_of(response)
    theme.refresh_from_db()
    assert theme.status == "candidate"


def test_the_theme_page_lists_its_evidence_and_picks(
    study: EvidenceStudy, researcher_client: Client, django_assert_max_num_queries: Any
) -> None:
    theme = onboarding(study)
    with django_assert_max_num_queries(30):
        response = researcher_client.get(url("theme-detail", theme))
    rows = response.context["evidence"]
    assert [row.highlight.pk for row in rows[:3]] == list(
        ThemeQuote.objects.filter(theme=theme).values_list("highlight_id", flat=True)
    )
    assert len(rows) == 4
    page = response.content.decode()
    assert "Sales → Customer Success (Purchase → Onboarding)" in page
    assert "2 of 2" in page  # large segment reached


@pytest.mark.parametrize("reverse", [False, True])
def test_pick_quotes_through_the_page(
    study: EvidenceStudy, researcher_client: Client, reverse: bool
) -> None:
    theme = onboarding(study)
    picks = [study.quotes["cleo0"].pk, study.quotes["ada1"].pk]  # type: ignore[attr-defined]
    if reverse:  # the order sent is the order kept, whichever it is
        picks.reverse()
    researcher_client.post(
        url("theme-quotes", theme), {"version": theme.version, "highlights": picks}
    )
    theme.refresh_from_db()
    assert theme.quotes_picked
    assert (
        list(
            ThemeQuote.objects.filter(theme=theme)
            .order_by("position")
            .values_list("highlight_id", flat=True)
        )
        == picks
    )


def test_a_quote_from_elsewhere_cannot_be_picked(
    study: EvidenceStudy, researcher_client: Client
) -> None:
    theme = onboarding(study)
    before = list(ThemeQuote.objects.filter(theme=theme).values_list("highlight_id", flat=True))
    stranger = study.quotes["dev1"].pk  # type: ignore[attr-defined]
    response = researcher_client.post(
        url("theme-quotes", theme),
        {"version": theme.version, "highlights": [stranger]},
        follow=True,
    )
    assert "Pick quotes listed on this page." in messages_of(response)
    assert list(ThemeQuote.objects.filter(theme=theme).values_list("highlight_id", flat=True)) == (
        before
    )


def test_split_through_the_page_opens_the_new_theme(
    study: EvidenceStudy, researcher_client: Client
) -> None:
    theme = onboarding(study)
    response = researcher_client.post(
        url("theme-split", theme),
        {"version": theme.version, "codes": [study.codes["SAML"].pk], "name": "SAML metadata"},
    )
    part = Theme.objects.get(name="SAML metadata")
    assert response["Location"] == url("theme-detail", part)


def test_merge_needs_the_same_stage(study: EvidenceStudy, researcher_client: Client) -> None:
    theme, other = onboarding(study), purchase(study)
    response = researcher_client.post(
        url("theme-merge", theme),
        {"version": theme.version, "others": [other.pk], f"version_{other.pk}": other.version},
        follow=True,
    )
    assert any("is at another stage" in m for m in messages_of(response))
    other.refresh_from_db()
    assert other.status == "candidate"


def test_merge_through_the_page(study: EvidenceStudy, researcher_client: Client) -> None:
    theme = onboarding(study)
    other = Theme.objects.create(
        project=study.project, stage=theme.stage, name="SAML again", status="confirmed"
    )
    ThemeCode.objects.create(theme=other, code=study.codes["Pricing"])
    researcher_client.post(
        url("theme-merge", theme),
        {"version": theme.version, "others": [other.pk], f"version_{other.pk}": other.version},
    )
    other.refresh_from_db()
    assert (other.status, other.merged_into) == ("merged", theme)
    assert set(theme.codes.values_list("name", flat=True)) == {"SSO", "SAML", "Pricing"}


def test_recommendations_are_listed_created_and_edited(
    study: EvidenceStudy, researcher_client: Client, django_assert_max_num_queries: Any
) -> None:
    theme = onboarding(study)
    slug = study.project.slug
    with django_assert_max_num_queries(10):
        listing = researcher_client.get(reverse("insights:recommendation-list", args=[slug]))
    assert "Machine draft" in listing.content.decode()
    response = researcher_client.post(
        reverse("insights:recommendation-create", args=[slug]),
        {
            "statement": "Ship an SSO setup checklist with the order.",
            "themes": [theme.pk],
            "stage": theme.stage_id,
            "impact": "high",
            "effort": "low",
            "status": "proposed",
        },
    )
    assert response.status_code == 302
    rec = Recommendation.objects.get(statement__startswith="Ship")
    assert (rec.owning_team, list(rec.themes.all())) == ("Customer Success", [theme])

    edit = reverse("insights:recommendation-edit", args=[slug, rec.pk])
    data = {"statement": "Ship it sooner.", "status": "accepted", "version": rec.version}
    assert researcher_client.post(edit, data).status_code == 302
    stale = researcher_client.post(edit, {**data, "statement": "Late edit"})
    assert stale.status_code == 200
    assert "Someone else changed this recommendation" in stale.content.decode()
    rec.refresh_from_db()
    assert (rec.statement, rec.status, rec.version) == ("Ship it sooner.", "accepted", 2)


def test_a_blank_recommendation_is_refused(study: EvidenceStudy, researcher_client: Client) -> None:
    before = Recommendation.objects.count()
    response = researcher_client.post(
        reverse("insights:recommendation-create", args=[study.project.slug]),
        {"statement": "   ", "status": "proposed"},
    )
    assert response.status_code == 200
    assert Recommendation.objects.count() == before
