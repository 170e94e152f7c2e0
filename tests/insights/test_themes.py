"""The theme aggregation service and job, and researchers' curation, on a hand-coded study.

The coding (tests.insights.evidence; 4 participants, one interview each):

    quote  person  stage       codes        sentiment  severity
    ada0   Ada     onboarding  SSO SAML     −2         3
    ada1   Ada     onboarding  SSO          −1         2
    ben0   Ben     onboarding  SSO SAML     −2         3
    cleo0  Cleo    onboarding  SSO          −1         —
    ben1   Ben     purchase    SSO          −1         —
    dev0   Dev     purchase    SSO          —          —
    dev1   Dev     adoption    Great docs   +2         —

SSO and SAML meet in 2 highlights at Onboarding, which is every SAML quote: they cluster, and
the cluster (4 quotes, 3 of 4 people) is the one candidate. Purchase (Sales) holds 2 SSO quotes
from 2 people next to Onboarding (Customer Success): a hand-off.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights import aggregation
from insights.coding import highlight_delete
from insights.models import (
    CodePair,
    CodeStrength,
    EvidenceSummary,
    Highlight,
    JourneyFramework,
    Recommendation,
    Stage,
    Theme,
    ThemeCode,
    ThemeQuote,
)
from insights.themes import ThemeError, evidence, recommendations
from insights.themes.aggregate import themes_aggregate
from insights.themes.curation import (
    theme_confirm,
    theme_merge,
    theme_pick_quotes,
    theme_reject,
    theme_rename,
    theme_split,
    theme_update_summary,
)
from insights.themes.recommendations import RecommendationFields
from interviews.models import ConsentRecord, FieldNote, ResearchProject, Transcript
from jobs.models import BackgroundJob
from tests.factories import make_project, make_session
from tests.insights.evidence import EvidenceStudy, build_study, code_quotes, stage_named


@pytest.fixture
def study(project: ResearchProject, lead: User) -> EvidenceStudy:
    return build_study(project, lead)


@pytest.fixture
def quotes(study: EvidenceStudy) -> dict[str, Any]:
    return code_quotes(study)


def strengths(project: ResearchProject) -> dict[tuple[str, str], tuple]:
    return {
        (s.stage.slug if s.stage else "", s.code.name): (
            s.quote_count,
            s.participant_count,
            s.session_count,
            s.participant_share,
            s.mean_sentiment,
            s.mean_severity,
        )
        for s in CodeStrength.objects.filter(project=project).select_related("stage", "code")
    }


def the_theme(project: ResearchProject, **filters: Any) -> Theme:
    return Theme.objects.get(project=project, **filters)


def codes_of(theme: Theme) -> set[str]:
    return set(ThemeCode.objects.filter(theme=theme).values_list("code__name", flat=True))


def quote_ids(theme: Theme) -> list[int]:
    return list(
        ThemeQuote.objects.filter(theme=theme)
        .order_by("position")
        .values_list("highlight_id", flat=True)
    )


def everything(project: ResearchProject) -> dict[str, list]:
    """Every row the aggregation writes, as comparable values."""
    return {
        "strengths": sorted(
            CodeStrength.objects.filter(project=project).values_list(
                "stage_id",
                "code_id",
                "quote_count",
                "participant_count",
                "session_count",
                "participant_share",
                "coverage",
                "mean_sentiment",
                "mean_severity",
            ),
            key=repr,
        ),
        "pairs": sorted(
            CodePair.objects.filter(project=project).values_list(
                "stage_id", "first_id", "second_id", "highlights"
            ),
            key=repr,
        ),
        "summary": list(
            EvidenceSummary.objects.filter(project=project).values_list(
                "highlights", "participants", "participants_quoted", "sessions", "totals", "quoted"
            )
        ),
        "themes": list(
            Theme.objects.filter(project=project)
            .order_by("id")
            .values_list(
                "id",
                "name",
                "summary",
                "status",
                "stage_id",
                "proposal_key",
                "quote_count",
                "participant_count",
                "session_count",
                "participant_share",
                "coverage",
                "handoff_stage_id",
                "is_pain_point",
                "version",
                "merged_into_id",
            )
        ),
        "theme_codes": sorted(
            ThemeCode.objects.filter(theme__project=project).values_list("theme_id", "code_id")
        ),
        "quotes": sorted(
            ThemeQuote.objects.filter(theme__project=project).values_list(
                "theme_id", "highlight_id", "position"
            )
        ),
        "recommendations": list(
            Recommendation.objects.filter(project=project)
            .order_by("id")
            .values_list("id", "statement", "status", "drafted_from_id", "version")
        ),
    }


# --- Figures -------------------------------------------------------------------------------------


def test_strength_of_each_stage_and_code(study: EvidenceStudy, quotes: dict) -> None:
    themes_aggregate(project=study.project)
    assert strengths(study.project) == {
        # ada0 ada1 ben0 cleo0: Ada Ben Cleo of 4; sentiment −6/4; severity 8/3.
        ("onboarding", "SSO"): (4, 3, 3, 0.75, -1.5, 2.667),
        # ada0 ben0: Ada Ben; sentiment −4/2; severity 6/2.
        ("onboarding", "SAML"): (2, 2, 2, 0.5, -2.0, 3.0),
        # ben1 dev0: Ben Dev; one sentiment (−1), no severity.
        ("purchase", "SSO"): (2, 2, 2, 0.5, -1.0, None),
        ("adoption", "Great docs"): (1, 1, 1, 0.25, 2.0, None),
    }


def test_a_span_two_coders_highlighted_is_one_quote_with_both_codings(
    study: EvidenceStudy, quotes: dict, researcher: User, staff: User
) -> None:
    # The researcher codes Ada's first sentence again (for agreement), with SSO and Pricing.
    study.quote("Ada", 0, stage="onboarding", codes=("SSO", "Pricing"), by=researcher)
    themes_aggregate(project=study.project)
    figures = strengths(study.project)
    assert figures[("onboarding", "SSO")][:3] == (4, 3, 3), "still four quotes"
    assert figures[("onboarding", "Pricing")][:2] == (1, 1)
    assert EvidenceSummary.objects.get(project=study.project).highlights == 7
    # The same span at another stage (a third coder's view) is another quote.
    study.quote("Ada", 0, stage="purchase", codes=("SSO",), by=staff)
    themes_aggregate(project=study.project)
    assert strengths(study.project)[("purchase", "SSO")][:2] == (3, 3)


def test_evidence_rows_name_each_quotes_session_and_people(
    study: EvidenceStudy, quotes: dict, lead: User
) -> None:
    # A field note's quote speaks for everyone in its session; a transcript's for its speaker.
    session = study.transcripts["Ada"].session
    session.participants.add(study.people["Ben"])
    note = FieldNote.objects.create(session=session, text="Both hesitated at the SSO page.")
    from_note = Highlight.objects.create(
        project=study.project, field_note=note, start=0, end=4, coder=lead
    )
    # A highlight left in a transcript of another study's session (data from before a move)
    # still counts its session.
    elsewhere = make_session(make_project(), participants=[study.people["Dev"]])
    stray = Highlight.objects.create(
        project=study.project,
        transcript=study.transcripts["Dev"],
        start=0,
        end=4,
        coder=lead,
    )
    Transcript.objects.filter(pk=study.transcripts["Dev"].pk).update(session=elsewhere)

    rows = {row.highlight_id: row for row in evidence.load_evidence(study.project).rows}

    ada = quotes["ada0"]
    assert rows[ada.pk].session_id == session.pk
    assert rows[ada.pk].participant_ids == (study.people["Ada"].pk,)
    assert rows[from_note.pk].session_id == session.pk
    assert set(rows[from_note.pk].participant_ids) == {
        study.people["Ada"].pk,
        study.people["Ben"].pk,
    }
    assert rows[stray.pk].session_id == elsewhere.pk
    # Dev's quotes are of utterances of that transcript, outside the study's: still Dev's.
    dev = quotes["dev0"]
    assert dev.utterance is not None
    assert (rows[dev.pk].session_id, rows[dev.pk].participant_ids) == (
        elsewhere.pk,
        (study.people["Dev"].pk,),
    )


def test_coverage_by_segment_region_tier_and_group(study: EvidenceStudy, quotes: dict) -> None:
    themes_aggregate(project=study.project)
    sso = CodeStrength.objects.get(
        project=study.project, stage=stage_named("onboarding"), code=study.codes["SSO"]
    )
    assert sso.coverage == {
        "segment": {"large": 2, "smb": 1},
        "region": {"amer": 1, "emea": 2},
        "tier": {"free": 1, "premium": 1, "ultimate": 1},
        "group": {"large:self_managed": 2, "smb:saas": 1},
    }
    summary = EvidenceSummary.objects.get(project=study.project)
    assert (summary.highlights, summary.participants, summary.participants_quoted) == (7, 4, 4)
    assert summary.sessions == 4
    assert summary.totals["group"] == {
        "large:self_managed": 2,
        "mid_market:saas": 1,
        "smb:saas": 1,
    }


def test_a_rerun_updates_a_coverage_whose_figures_stay_the_same(
    study: EvidenceStudy, quotes: dict
) -> None:
    themes_aggregate(project=study.project)
    # Cleo moves from smb to mid_market: the same quotes and people, another coverage.
    cleo = study.people["Cleo"]
    cleo.segment = "mid_market"
    cleo.save(update_fields=["segment"])

    themes_aggregate(project=study.project)

    sso = CodeStrength.objects.get(
        project=study.project, stage=stage_named("onboarding"), code=study.codes["SSO"]
    )
    assert (sso.quote_count, sso.participant_count) == (4, 3)
    assert sso.coverage["segment"] == {"large": 2, "mid_market": 1}
    assert sso.coverage["group"] == {"large:self_managed": 2, "mid_market:saas": 1}
    saml = CodeStrength.objects.get(
        project=study.project, stage=stage_named("onboarding"), code=study.codes["SAML"]
    )
    assert saml.coverage["segment"] == {"large": 2}, "Ada and Ben's, unchanged"


def test_cooccurrence_within_highlights(study: EvidenceStudy, quotes: dict) -> None:
    themes_aggregate(project=study.project)
    pairs = list(
        CodePair.objects.filter(project=study.project).values_list(
            "stage__slug", "first__name", "second__name", "highlights"
        )
    )
    assert pairs == [("onboarding", "SSO", "SAML", 2)]


def test_a_rerun_updates_adds_and_removes_pairs_as_the_coding_changes(
    study: EvidenceStudy, quotes: dict, lead: User
) -> None:
    themes_aggregate(project=study.project)
    before = CodePair.objects.get(project=study.project)  # SSO + SAML at Onboarding, 2
    # SSO + SAML a third time at Onboarding; SSO + Pricing twice at Purchase (a new pair);
    # and Pricing + Great docs twice at Adoption, then once: stored, then gone.
    study.quote("Cleo", 2, stage="onboarding", codes=("SSO", "SAML"))
    study.quote("Ada", 3, stage="purchase", codes=("SSO", "Pricing"))
    study.quote("Ben", 3, stage="purchase", codes=("SSO", "Pricing"))
    study.quote("Cleo", 3, stage="adoption", codes=("Pricing", "Great docs"))
    fleeting = study.quote("Dev", 3, stage="adoption", codes=("Pricing", "Great docs"))
    themes_aggregate(project=study.project)
    assert CodePair.objects.filter(project=study.project).count() == 3
    highlight_delete(highlight=fleeting, by=lead)

    themes_aggregate(project=study.project)

    pairs = CodePair.objects.filter(project=study.project)
    assert sorted(
        pairs.values_list("stage__slug", "first__name", "second__name", "highlights")
    ) == [("onboarding", "SSO", "SAML", 3), ("purchase", "SSO", "Pricing", 2)]
    assert pairs.get(stage=stage_named("onboarding")).pk == before.pk, "updated, not replaced"


def test_a_rerun_puts_back_stored_pairs_that_differ_from_the_evidence(
    study: EvidenceStudy, quotes: dict
) -> None:
    themes_aggregate(project=study.project)
    pairs = CodePair.objects.filter(project=study.project)
    expected = sorted(pairs.values_list("stage_id", "first_id", "second_id", "highlights"))
    codes = study.codes
    for change in (
        lambda: pairs.update(highlights=7),
        lambda: pairs.update(stage=None),
        lambda: CodePair.objects.create(
            project=study.project, first=codes["SSO"], second=codes["SAML"], highlights=2
        ),
        lambda: pairs.delete(),
    ):
        change()

        themes_aggregate(project=study.project)

        found = pairs.values_list("stage_id", "first_id", "second_id", "highlights")
        assert sorted(found) == expected


def test_the_cluster_is_proposed_with_quotes_from_distinct_people(
    study: EvidenceStudy, quotes: dict
) -> None:
    summary = themes_aggregate(project=study.project)
    assert summary.new_candidates == 1
    theme = the_theme(study.project)
    assert (theme.name, theme.status, theme.origin) == ("SSO + SAML", "candidate", "cluster")
    assert theme.stage == stage_named("onboarding")
    assert codes_of(theme) == {"SSO", "SAML"}
    assert (theme.quote_count, theme.participant_count, theme.session_count) == (4, 3, 3)
    assert theme.participant_share == 0.75
    assert theme.is_pain_point
    # ada0 and ben0 carry both codes (ada0 is older); ada1 is Ada again, so Cleo's comes third.
    assert quote_ids(theme) == [quotes["ada0"].pk, quotes["ben0"].pk, quotes["cleo0"].pk]


def test_automatic_quotes_prefer_those_viewers_may_read(study: EvidenceStudy, quotes: dict) -> None:
    ConsentRecord.objects.filter(participant=study.people["Ada"]).update(
        scope=ConsentRecord.Scope.RESEARCH_TEAM
    )
    themes_aggregate(project=study.project)
    assert quote_ids(the_theme(study.project)) == [
        quotes["ben0"].pk,
        quotes["cleo0"].pk,
        quotes["ada0"].pk,
    ]


def test_a_theme_next_to_another_teams_stage_is_a_handoff(
    study: EvidenceStudy, quotes: dict
) -> None:
    themes_aggregate(project=study.project)
    theme = the_theme(study.project)
    assert theme.handoff_stage == stage_named("purchase")
    assert (theme.stage.owning_team, theme.handoff_stage.owning_team) == (
        "Customer Success",
        "Sales",
    )


def test_a_strong_pain_point_theme_gets_a_draft_recommendation(
    study: EvidenceStudy, quotes: dict
) -> None:
    themes_aggregate(project=study.project)
    theme = the_theme(study.project)
    draft = Recommendation.objects.get(project=study.project)
    assert draft.status == Recommendation.Status.DRAFT
    assert draft.drafted_from == theme
    assert list(draft.themes.all()) == [theme]
    assert (draft.stage, draft.owning_team, draft.impact) == (
        stage_named("onboarding"),
        "Customer Success",
        "high",  # 3 of 4 participants
    )
    assert draft.statement.startswith("Address “SSO + SAML” at Onboarding: raised by 3 of 4")


def test_a_draft_names_a_stage_of_the_framework_the_study_left(
    study: EvidenceStudy, quotes: dict
) -> None:
    # The study's framework was changed after coding: its quotes stay at the old stages,
    # whose names the drafts still give.
    other = JourneyFramework.objects.create(name="Another journey", slug="another-journey")
    Stage.objects.create(framework=other, name="Discovery", slug="discovery", position=1)
    study.project.framework = other
    study.project.save(update_fields=["framework"])

    themes_aggregate(project=study.project)

    draft = Recommendation.objects.get(project=study.project)
    assert draft.statement.startswith("Address “SSO + SAML” at Onboarding: raised by 3 of 4")


# --- Idempotency and curation surviving re-runs -------------------------------------------------


def test_running_twice_gives_the_same_result(study: EvidenceStudy, quotes: dict) -> None:
    themes_aggregate(project=study.project)
    first = everything(study.project)
    summary = themes_aggregate(project=study.project)
    assert everything(study.project) == first
    assert (summary.new_candidates, summary.recommendations_drafted) == (0, 0)


def test_a_rerun_on_the_same_evidence_writes_only_the_summary(
    study: EvidenceStudy, quotes: dict
) -> None:
    themes_aggregate(project=study.project)
    with CaptureQueriesContext(connection) as queries:
        themes_aggregate(project=study.project)
    writes = [
        q["sql"].split(" ")[:3]
        for q in queries.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == [["UPDATE", '"insights_evidencesummary"', "SET"]]


def test_new_evidence_updates_figures_and_proposes_new_candidates(
    study: EvidenceStudy, quotes: dict
) -> None:
    themes_aggregate(project=study.project)
    theme = the_theme(study.project)
    study.quote("Dev", 2, stage="onboarding", codes=("SSO",), sentiment=-1)
    study.quote("Ada", 2, stage="purchase", codes=("SSO",))
    study.quote("Cleo", 2, stage="purchase", codes=("SSO",))

    summary = themes_aggregate(project=study.project)

    theme.refresh_from_db()
    assert (theme.quote_count, theme.participant_count, theme.participant_share) == (5, 4, 1.0)
    assert summary.new_candidates == 1
    purchase = the_theme(study.project, stage=stage_named("purchase"))
    assert (purchase.name, purchase.quote_count, purchase.participant_count) == ("SSO", 4, 4)


def test_curation_survives_a_rerun(study: EvidenceStudy, quotes: dict, lead: User) -> None:
    # A second candidate at Purchase to reject, and then both decisions and edits are re-run.
    for who in ("Ada", "Cleo"):
        study.quote(who, 2, stage="purchase", codes=("SSO",))
    themes_aggregate(project=study.project)
    onboarding = the_theme(study.project, stage=stage_named("onboarding"))
    purchase = the_theme(study.project, stage=stage_named("purchase"))
    onboarding = theme_confirm(theme=onboarding, by=lead, version=onboarding.version)
    onboarding = theme_rename(
        theme=onboarding, by=lead, version=onboarding.version, name="SSO setup takes weeks"
    )
    onboarding = theme_update_summary(
        theme=onboarding, by=lead, version=onboarding.version, summary="IdP teams are slow."
    )
    onboarding = theme_pick_quotes(
        theme=onboarding,
        by=lead,
        version=onboarding.version,
        highlight_ids=[quotes["cleo0"].pk, quotes["ada1"].pk],
    )
    theme_reject(theme=purchase, by=lead, version=purchase.version)
    before = everything(study.project)

    themes_aggregate(project=study.project)
    study.quote("Dev", 3, stage="onboarding", codes=("SSO",))
    themes_aggregate(project=study.project)

    onboarding.refresh_from_db()
    purchase.refresh_from_db()
    assert (onboarding.name, onboarding.summary, onboarding.status) == (
        "SSO setup takes weeks",
        "IdP teams are slow.",
        "confirmed",
    )
    assert quote_ids(onboarding) == [quotes["cleo0"].pk, quotes["ada1"].pk]
    assert onboarding.participant_count == 4, "the figures follow the new quote"
    assert purchase.status == "rejected"
    assert Theme.objects.filter(project=study.project).count() == 2, "nothing proposed again"
    versions_before = {row[0]: row[13] for row in before["themes"]}
    assert onboarding.version == versions_before[onboarding.pk], "the job never bumps a version"


def test_merged_and_split_themes_are_not_proposed_again(
    study: EvidenceStudy, quotes: dict, lead: User
) -> None:
    # With min_cooccurrence 3, SSO and SAML (together twice) do not cluster, and with
    # min_quotes 2 three single codes are strong: SSO at Purchase, SSO and SAML at Onboarding.
    apart = aggregation.Thresholds(min_cooccurrence=3, min_quotes=2)
    themes_aggregate(project=study.project, thresholds=apart)
    onboarding = stage_named("onboarding")
    sso = the_theme(study.project, name="SSO", stage=onboarding)
    saml = the_theme(study.project, name="SAML", stage=onboarding)
    merged = theme_merge(
        into=sso, others=[saml], by=lead, versions={sso.pk: sso.version, saml.pk: saml.version}
    )
    assert codes_of(merged) == {"SSO", "SAML"}
    saml.refresh_from_db()
    assert (saml.status, saml.merged_into) == ("merged", merged)
    assert (merged.quote_count, merged.participant_count) == (4, 3), "figures recomputed now"

    themes_aggregate(project=study.project, thresholds=apart)
    themes_aggregate(project=study.project)  # proposes the cluster SSO + SAML: already there
    assert Theme.objects.filter(project=study.project).count() == 3

    part = theme_split(
        theme=merged,
        by=lead,
        version=merged.version,
        code_ids=[study.codes["SAML"].pk],
        name="SAML metadata",
    )
    merged.refresh_from_db()
    assert (codes_of(merged), codes_of(part)) == ({"SSO"}, {"SAML"})
    assert (part.origin, part.stage, part.status) == ("split", onboarding, "candidate")
    assert (part.quote_count, part.participant_count) == (2, 2)
    assert (merged.quote_count, merged.participant_count) == (4, 3)
    themes_aggregate(project=study.project)
    themes_aggregate(project=study.project, thresholds=apart)
    assert Theme.objects.filter(project=study.project).count() == 4


def test_an_edit_on_an_old_version_is_refused_and_changes_nothing(
    study: EvidenceStudy, quotes: dict, lead: User, researcher: User
) -> None:
    themes_aggregate(project=study.project)
    theme = the_theme(study.project)
    seen = theme.version
    theme_rename(theme=theme, by=researcher, version=seen, name="Theirs")
    with pytest.raises(ThemeError, match="Someone else changed this theme"):
        theme_rename(theme=theme, by=lead, version=seen, name="Mine")
    theme.refresh_from_db()
    assert (theme.name, theme.version, theme.edited_by) == ("Theirs", seen + 1, researcher)


def test_rejecting_drops_an_untouched_draft_but_keeps_an_edited_one(
    study: EvidenceStudy, quotes: dict, lead: User
) -> None:
    themes_aggregate(project=study.project)
    theme = the_theme(study.project)
    draft = Recommendation.objects.get(project=study.project)
    theme_reject(theme=theme, by=lead, version=theme.version)
    draft.refresh_from_db()
    assert draft.status == Recommendation.Status.DROPPED
    themes_aggregate(project=study.project)
    assert Recommendation.objects.count() == 1, "a rejected theme is not drafted for again"

    theme.refresh_from_db()
    theme_confirm(theme=theme, by=lead, version=theme.version)
    recommendations.recommendation_update(
        recommendation=draft,
        by=lead,
        version=draft.version,
        fields=RecommendationFields(statement="Ship an SSO setup checklist.", status="draft"),
    )
    theme.refresh_from_db()
    theme_reject(theme=theme, by=lead, version=theme.version)
    draft.refresh_from_db()
    assert (draft.status, draft.statement) == ("draft", "Ship an SSO setup checklist.")


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("merge_other_stage", "is at another stage"),
        ("merge_nothing", "Choose at least one other theme"),
        ("split_all", "Leave at least one code"),
        ("split_none", "Choose the codes"),
        ("pick_stranger", "Pick quotes from this theme's own evidence"),
        ("pick_too_many", "Pick at most 5 quotes"),
        ("rename_blank", "A theme needs a name"),
    ],
)
def test_bad_curation_is_refused_and_changes_nothing(
    study: EvidenceStudy, quotes: dict, lead: User, action: str, message: str
) -> None:
    for who in ("Ada", "Cleo"):
        study.quote(who, 2, stage="purchase", codes=("SSO",))
    themes_aggregate(project=study.project)
    theme = the_theme(study.project, stage=stage_named("onboarding"))
    other = the_theme(study.project, stage=stage_named("purchase"))
    before = everything(study.project)
    v = theme.version
    with pytest.raises(ThemeError, match=message):
        if action == "merge_other_stage":
            theme_merge(into=theme, others=[other], by=lead, versions={theme.pk: v, other.pk: 1})
        elif action == "merge_nothing":
            theme_merge(into=theme, others=[theme], by=lead, versions={theme.pk: v})
        elif action == "split_all":
            ids = [study.codes["SSO"].pk, study.codes["SAML"].pk]
            theme_split(theme=theme, by=lead, version=v, code_ids=ids, name="All")
        elif action == "split_none":
            theme_split(theme=theme, by=lead, version=v, code_ids=[], name="Nothing")
        elif action == "pick_stranger":
            ids = [quotes["dev1"].pk]  # adoption, Great docs
            theme_pick_quotes(theme=theme, by=lead, version=v, highlight_ids=ids)
        elif action == "pick_too_many":
            ids = [quotes[k].pk for k in ("ada0", "ada1", "ben0", "cleo0", "ben1", "dev0")]
            theme_pick_quotes(theme=theme, by=lead, version=v, highlight_ids=ids)
        else:
            theme_rename(theme=theme, by=lead, version=v, name="   ")
    assert everything(study.project) == before


def test_picking_no_quotes_hands_the_choice_back_to_the_job(
    study: EvidenceStudy, quotes: dict, lead: User
) -> None:
    themes_aggregate(project=study.project)
    theme = the_theme(study.project)
    automatic = quote_ids(theme)
    theme = theme_pick_quotes(
        theme=theme, by=lead, version=theme.version, highlight_ids=[quotes["ada1"].pk]
    )
    assert (theme.quotes_picked, quote_ids(theme)) == (True, [quotes["ada1"].pk])
    theme = theme_pick_quotes(theme=theme, by=lead, version=theme.version, highlight_ids=[])
    assert (theme.quotes_picked, quote_ids(theme)) == (False, automatic)


# --- The job and the command --------------------------------------------------------------------


def test_the_job_runs_from_the_page_and_links_to_the_themes(
    study: EvidenceStudy,
    quotes: dict,
    researcher_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = reverse("insights:theme-aggregate", args=[study.project.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = researcher_client.post(url)
    assert response.status_code == 302
    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.AGGREGATE_THEMES)
    assert (job.state, job.progress) == ("done", 100)
    assert job.result["new_candidates"] == 1
    assert job.result_url == reverse("insights:theme-list", args=[study.project.slug])
    assert job.message == (
        "7 quotes from 4 participants, 0 themes updated, 1 new candidate, 1 recommendation drafted."
    )


def test_a_failed_job_shows_its_error_on_the_themes_page(
    project: ResearchProject, researcher_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("insights:theme-aggregate", args=[project.slug])
    with django_capture_on_commit_callbacks(execute=True):
        researcher_client.post(url)
    job = BackgroundJob.objects.get(kind=BackgroundJob.Kind.AGGREGATE_THEMES)
    assert job.state == "failed"
    assert job.error.startswith("This study has no coded quotes yet")
    page = researcher_client.get(reverse("insights:theme-list", args=[project.slug]))
    assert "This study has no coded quotes yet" in page.content.decode()
    assert Theme.objects.count() == CodeStrength.objects.count() == 0


def test_command_aggregates_one_study(study: EvidenceStudy, quotes: dict) -> None:
    out = StringIO()
    call_command("aggregate_themes", "--project", study.project.slug, stdout=out)
    assert "1 new candidate" in out.getvalue()
    assert Theme.objects.filter(project=study.project).count() == 1


def test_command_all_skips_studies_without_codings(study: EvidenceStudy, quotes: dict) -> None:
    empty = make_project(slug="empty-study")
    out = StringIO()
    call_command("aggregate_themes", "--all", stdout=out)
    text = out.getvalue()
    assert f"{study.project.slug}: 7 quotes" in text
    assert f"{empty.slug}: skipped" in text


def test_command_needs_a_known_study(db: None) -> None:
    with pytest.raises(CommandError, match="No study with the slug “nope”"):
        call_command("aggregate_themes", "--project", "nope")
