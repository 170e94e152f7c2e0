"""Theme aggregation on hand-made evidence: exact strength, coverage, co-occurrence, candidates,
representative quotes and hand-offs, each worked out by hand in the comments.

The study (five participants, three stages, four codes):

    person  segment     region  tier      deployment
    1       large       emea    premium   self_managed
    2       large       amer    ultimate  self_managed
    3       smb         emea    free      saas
    4       mid_market  apac    premium   saas
    5       large       emea    premium   dedicated      (never quoted)

    stages: 10 Purchase (Sales), 11 Onboarding (Customer Success), 12 Adoption (Customer Success)
    codes:  1 SSO, 2 SAML, 3 Pricing, 4 Docs

    highlight  stage  codes  people  session  sentiment  severity  length
    1          11     1 2    1       1        −2         3         80
    2          11     1 2    2       2        −1         2         80
    3          11     1      3       3        −2         —         80
    4          11     1 2    1       1        —          3         10
    5          11     3      4       4        +1         —         80
    6          10     1      2       2        −1         1         80
    7          10     1 3    4       4        0          —         80
    8          —      4      (interviewer)  1  —         —         80
    9          11     4      3 4 (field note) 5  —       —         80
"""

from __future__ import annotations

from insights.aggregation import (
    EvidenceIndex,
    EvidenceRow,
    Person,
    Roster,
    StageInfo,
    Strength,
    Thresholds,
    code_strengths,
    cooccurrence,
    handoff_stage,
    pick_quotes,
    proposal_key,
    propose_candidates,
    strength_of,
)

PURCHASE, ONBOARDING, ADOPTION = 10, 11, 12
SSO, SAML, PRICING, DOCS = 1, 2, 3, 4

ROSTER = Roster(
    {
        1: Person("large", "emea", "premium", "self_managed"),
        2: Person("large", "amer", "ultimate", "self_managed"),
        3: Person("smb", "emea", "free", "saas"),
        4: Person("mid_market", "apac", "premium", "saas"),
        5: Person("large", "emea", "premium", "dedicated"),
    }
)
STAGES = [
    StageInfo(PURCHASE, 3, "Sales"),
    StageInfo(ONBOARDING, 4, "Customer Success"),
    StageInfo(ADOPTION, 5, "Customer Success"),
]


def row(
    pk: int,
    stage: int | None,
    codes: tuple[int, ...],
    people: tuple[int, ...],
    session: int,
    sentiment: int | None = None,
    severity: int | None = None,
    length: int = 80,
) -> EvidenceRow:
    return EvidenceRow(pk, stage, codes, people, session, sentiment, severity, length)


ROWS = [
    row(1, ONBOARDING, (SSO, SAML), (1,), 1, -2, 3),
    row(2, ONBOARDING, (SSO, SAML), (2,), 2, -1, 2),
    row(3, ONBOARDING, (SSO,), (3,), 3, -2),
    row(4, ONBOARDING, (SSO, SAML), (1,), 1, None, 3, length=10),
    row(5, ONBOARDING, (PRICING,), (4,), 4, 1),
    row(6, PURCHASE, (SSO,), (2,), 2, -1, 1),
    row(7, PURCHASE, (SSO, PRICING), (4,), 4, 0),
    row(8, None, (DOCS,), (), 1),
    row(9, ONBOARDING, (DOCS,), (3, 4), 5),
]


def test_strength_of_sso_at_onboarding() -> None:
    strengths = code_strengths(EvidenceIndex(ROWS, ROSTER))
    # Highlights 1 2 3 4: people {1, 2, 3}, sessions {1, 2, 3}; 3 of 5 participants.
    # Sentiment over 1 2 3 (4 has none): (−2 −1 −2)/3 = −5/3; severity over 1 2 4: 8/3.
    assert strengths[(ONBOARDING, SSO)] == Strength(
        quotes=4,
        participants=3,
        sessions=3,
        share=0.6,
        coverage={
            "segment": {"large": 2, "smb": 1},
            "region": {"amer": 1, "emea": 2},
            "tier": {"free": 1, "premium": 1, "ultimate": 1},
            "group": {"large:self_managed": 2, "smb:saas": 1},
        },
        mean_sentiment=-1.667,
        mean_severity=2.667,
    )


def test_every_stage_and_code_with_evidence_has_a_strength() -> None:
    strengths = code_strengths(EvidenceIndex(ROWS, ROSTER))
    figures = {key: (s.quotes, s.participants, s.sessions) for key, s in strengths.items()}
    assert figures == {
        (PURCHASE, SSO): (2, 2, 2),  # 6 7: people 2 4
        (PURCHASE, PRICING): (1, 1, 1),  # 7
        (ONBOARDING, SSO): (4, 3, 3),
        (ONBOARDING, SAML): (3, 2, 2),  # 1 2 4: people 1 2, sessions 1 2
        (ONBOARDING, PRICING): (1, 1, 1),  # 5
        (ONBOARDING, DOCS): (1, 2, 1),  # 9: a field note of session 5, people 3 and 4
        (None, DOCS): (1, 0, 1),  # 8: the interviewer, nobody to count
    }
    assert list(strengths)[-1] == (None, DOCS), "quotes without a stage come last"


def test_a_field_note_counts_every_participant_of_its_session() -> None:
    strength = strength_of([ROWS[8]], ROSTER)
    assert (strength.participants, strength.share) == (2, 0.4)
    assert strength.coverage["segment"] == {"mid_market": 1, "smb": 1}
    assert strength.coverage["group"] == {"mid_market:saas": 1, "smb:saas": 1}


def test_no_sentiment_or_severity_gives_none_not_zero() -> None:
    strength = strength_of([ROWS[8]], ROSTER)
    assert (strength.mean_sentiment, strength.mean_severity) == (None, None)


def test_empty_evidence_is_all_zero() -> None:
    strength = strength_of([], ROSTER)
    assert (strength.quotes, strength.participants, strength.share) == (0, 0, 0.0)


def test_share_is_zero_when_the_study_has_no_participants() -> None:
    assert strength_of([ROWS[0]], Roster({})).share == 0.0


def test_roster_totals_are_the_denominators() -> None:
    assert ROSTER.totals() == {
        "segment": {"large": 3, "mid_market": 1, "smb": 1},
        "region": {"amer": 1, "apac": 1, "emea": 3},
        "tier": {"free": 1, "premium": 3, "ultimate": 1},
        "group": {
            "large:dedicated": 1,
            "large:self_managed": 2,
            "mid_market:saas": 1,
            "smb:saas": 1,
        },
    }


def test_cooccurrence_counts_highlights_with_both_codes_per_stage() -> None:
    # Onboarding: 1 2 4 carry SSO and SAML; Purchase: 7 carries SSO and Pricing.
    assert cooccurrence(ROWS) == {(PURCHASE, SSO, PRICING): 1, (ONBOARDING, SSO, SAML): 3}


def test_cooccurrence_counts_a_pair_once_per_highlight_whatever_the_order() -> None:
    rows = [row(1, 5, (3, 1, 2), (1,), 1), row(2, 5, (2, 3), (2,), 2)]
    assert cooccurrence(rows) == {(5, 1, 2): 1, (5, 1, 3): 1, (5, 2, 3): 2}


def test_candidates_are_the_strong_cluster_and_nothing_weak() -> None:
    # SSO and SAML co-occur 3 times; SAML has 3 quotes: overlap 3/3 ≥ 0.5, so they cluster.
    # The cluster's evidence is 1 2 3 4: 4 quotes, 3 people, share 0.6: strong.
    # Nothing else is strong: Pricing and Docs have one quote each; SSO at Purchase two.
    candidates = propose_candidates(EvidenceIndex(ROWS, ROSTER))
    assert [(c.stage_id, c.code_ids, c.kind) for c in candidates] == [
        (ONBOARDING, (SSO, SAML), "cluster")
    ]
    assert candidates[0].key == "11:1,2"
    assert (candidates[0].strength.quotes, candidates[0].strength.participants) == (4, 3)


def test_a_strong_code_without_partners_is_its_own_candidate() -> None:
    # Lower the bar so SSO at Purchase (2 quotes, 2 people, share 0.4) is strong; Pricing
    # co-occurs with it once only, below min_cooccurrence 2.
    thresholds = Thresholds(min_quotes=2)
    candidates = propose_candidates(EvidenceIndex(ROWS, ROSTER), thresholds=thresholds)
    assert [(c.stage_id, c.code_ids, c.kind) for c in candidates] == [
        (PURCHASE, (SSO,), "code"),
        (ONBOARDING, (SSO, SAML), "cluster"),
    ]


def test_codes_that_rarely_meet_do_not_cluster() -> None:
    # SSO and SAML meet in 3 highlights; with min_cooccurrence 4 they stay apart, and each is
    # judged alone: SSO (4 quotes, 3 people) is strong, SAML (3 quotes, 2 people) too.
    thresholds = Thresholds(min_cooccurrence=4)
    candidates = propose_candidates(EvidenceIndex(ROWS, ROSTER), thresholds=thresholds)
    assert [(c.stage_id, c.code_ids, c.kind) for c in candidates] == [
        (ONBOARDING, (SSO,), "code"),
        (ONBOARDING, (SAML,), "code"),
    ]


def test_clusters_stop_growing_at_max_cluster() -> None:
    # Codes 1–3 all meet in every highlight; with max_cluster 2 the strongest pair (ties go
    # to the lower ids: 1+2) forms, and 3 stays a code of its own.
    rows = [row(pk, 7, (1, 2, 3), (pk,), pk) for pk in range(1, 5)]
    roster = Roster({pk: Person() for pk in range(1, 5)})
    candidates = propose_candidates(
        EvidenceIndex(rows, roster), thresholds=Thresholds(max_cluster=2)
    )
    assert [(c.code_ids, c.kind) for c in candidates] == [((1, 2), "cluster"), ((3,), "code")]


def test_candidates_are_the_same_every_time() -> None:
    first = propose_candidates(EvidenceIndex(ROWS, ROSTER), thresholds=Thresholds(min_quotes=2))
    second = propose_candidates(
        EvidenceIndex(list(reversed(ROWS)), ROSTER), thresholds=Thresholds(min_quotes=2)
    )
    assert [(c.key, c.strength) for c in first] == [(c.key, c.strength) for c in second]


def test_proposal_key_ignores_order_and_repeats() -> None:
    assert proposal_key(11, [2, 1, 2]) == "11:1,2"
    assert proposal_key(None, [4]) == "0:4"


def test_representative_quotes_come_from_distinct_participants() -> None:
    # Ranked: 1 (both codes, readable, severity 3), 2 (both codes, severity 2), 4 (both codes
    # but 10 characters long), 3 (one code). 4 is person 1 again, so 3 (person 3) comes third.
    rows = EvidenceIndex(ROWS, ROSTER).rows_for(ONBOARDING, [SSO, SAML])
    assert [r.highlight_id for r in rows] == [1, 2, 3, 4]
    assert pick_quotes(rows, code_ids={SSO, SAML}) == [1, 2, 3]


def test_a_quote_worthy_code_is_preferred() -> None:
    rows = [row(1, 1, (SSO,), (1,), 1, severity=3), row(2, 1, (SSO, 9), (2,), 2)]
    assert pick_quotes(rows, code_ids={SSO}, quote_worthy={9}, limit=1) == [2]


def test_quotes_nobody_can_be_named_for_are_never_picked() -> None:
    rows = [ROWS[7]]  # the interviewer's
    assert pick_quotes(rows, code_ids={DOCS}) == []


def test_a_field_note_quote_uses_up_all_its_people() -> None:
    rows = [row(1, 1, (DOCS,), (3, 4), 5), row(2, 1, (DOCS,), (4,), 4), row(3, 1, (DOCS,), (2,), 2)]
    assert pick_quotes(rows, code_ids={DOCS}) == [1, 3]


def test_handoff_to_the_previous_stage_owned_by_another_team() -> None:
    # The theme SSO + SAML at Onboarding (Customer Success) has 4 quotes. At Purchase (Sales)
    # the same codes have 2 quotes (6, 7) from 2 people: ≥ 2 people and ≥ 0.25 × 4 quotes.
    # Adoption has the same team, so it is never a hand-off.
    index = EvidenceIndex(ROWS, ROSTER)
    found = handoff_stage(index, stage_id=ONBOARDING, code_ids=[SSO, SAML], stages=STAGES)
    assert found == PURCHASE


def test_no_handoff_when_the_neighbour_has_too_little() -> None:
    index = EvidenceIndex(ROWS, ROSTER)
    strict = Thresholds(handoff_min_participants=3)
    assert (
        handoff_stage(index, stage_id=ONBOARDING, code_ids=[SSO], stages=STAGES, thresholds=strict)
        is None
    )


def test_no_handoff_between_stages_of_one_team() -> None:
    stages = [StageInfo(PURCHASE, 3, "Customer Success"), *STAGES[1:]]
    index = EvidenceIndex(ROWS, ROSTER)
    assert handoff_stage(index, stage_id=ONBOARDING, code_ids=[SSO], stages=stages) is None


def test_no_handoff_without_a_stage() -> None:
    index = EvidenceIndex(ROWS, ROSTER)
    assert handoff_stage(index, stage_id=None, code_ids=[DOCS], stages=STAGES) is None


def test_quotes_viewers_may_read_come_first() -> None:
    # Viewers may read only 2 and 3 (consent): they go first; then 1 (both codes) fills the
    # third place, as person 1 is not quoted yet, and 4 (person 1 again) is left.
    rows = EvidenceIndex(ROWS, ROSTER).rows_for(ONBOARDING, [SSO, SAML])
    assert pick_quotes(rows, code_ids={SSO, SAML}, shareable={2, 3}) == [2, 3, 1]


def test_at_most_max_per_stage_candidates_the_strongest() -> None:
    # Six codes at one stage, code k quoted by k + 1 people: all strong with the bar low; the
    # two strongest (codes 5 and 4) are proposed.
    rows = [
        row(100 * code + person, 1, (code,), (person,), person)
        for code in range(6)
        for person in range(code + 1)
    ]
    roster = Roster({person: Person() for person in range(6)})
    thresholds = Thresholds(min_quotes=1, min_participants=1, min_share=0, max_per_stage=2)
    candidates = propose_candidates(EvidenceIndex(rows, roster), thresholds=thresholds)
    assert [c.code_ids for c in candidates] == [(5,), (4,)]
