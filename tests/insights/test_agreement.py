"""Kappa, alpha and the agreement report against values worked out by hand.

Each example writes its arithmetic in comments, so a reader can check it with a pencil.
Kappa is computed with exact fractions, so the results equal float(Fraction(...)) exactly.
"""

from __future__ import annotations

from fractions import Fraction

import krippendorff
import numpy as np
import pytest

from insights.agreement import (
    Unit,
    agreement_report,
    alpha_band,
    cohens_kappa,
    kappa_band,
    krippendorff_alpha,
    overlapping_units,
)

N = None

# --- Cohen's kappa -----------------------------------------------------------------------------


def test_kappa_ten_units_from_a_confusion_table() -> None:
    # 10 utterances, two coders, "applied" = 1:
    #                 B applied  B not
    #   A applied         3        1      (A: 4 of 10)
    #   A not             2        4      (A: 6 of 10)
    #                 (B: 5)     (B: 5)
    # po = (3 + 4) / 10 = 7/10
    # pe = (4/10)(5/10) + (6/10)(5/10) = 20/100 + 30/100 = 1/2
    # kappa = (7/10 − 1/2) / (1 − 1/2) = (1/5) / (1/2) = 2/5
    a = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]
    assert cohens_kappa(a, b) == float(Fraction(2, 5))


def test_kappa_textbook_fifty_units() -> None:
    # The usual textbook table (e.g. Wikipedia, "Cohen's kappa"): 50 grant proposals,
    # both yes 20, A yes B no 5, A no B yes 10, both no 15.
    # po = 35/50 = 7/10; A yes 25/50, B yes 30/50
    # pe = (1/2)(3/5) + (1/2)(2/5) = 3/10 + 2/10 = 1/2
    # kappa = (7/10 − 1/2) / (1/2) = 2/5
    a = [True] * 20 + [True] * 5 + [False] * 10 + [False] * 15
    b = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    assert cohens_kappa(a, b) == 0.4


def test_kappa_three_categories() -> None:
    # Six units, categories 0, 1, 2.
    #   A: 0 0 1 1 2 2      B: 0 1 1 1 2 0      agree on units 1, 3, 4, 5 → po = 4/6 = 2/3
    #   A's proportions 2/6, 2/6, 2/6; B's 2/6, 3/6, 1/6
    #   pe = (1/3)(2/6) + (1/3)(3/6) + (1/3)(1/6) = (1/3)(6/6) = 1/3
    #   kappa = (2/3 − 1/3) / (1 − 1/3) = (1/3) / (2/3) = 1/2
    assert cohens_kappa([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0]) == 0.5


def test_kappa_inflated_by_uncoded_units() -> None:
    # The page test's case. Six utterances; A applied the code to 1–3, B to 2–4; 5–6 uncoded.
    # All six: po = 4/6 (units 2, 3, 5, 6), pe = (3/6)(3/6) + (3/6)(3/6) = 1/2
    #          kappa = (2/3 − 1/2) / (1/2) = 1/3
    # Coded units 1–4 only: po = 2/4, pe = (3/4)(3/4) + (1/4)(1/4) = 10/16 = 5/8
    #          kappa = (1/2 − 5/8) / (3/8) = (−1/8) / (3/8) = −1/3
    assert cohens_kappa([1, 1, 1, 0, 0, 0], [0, 1, 1, 1, 0, 0]) == float(Fraction(1, 3))
    assert cohens_kappa([1, 1, 1, 0], [0, 1, 1, 1]) == float(Fraction(-1, 3))


def test_kappa_perfect_agreement_is_one() -> None:
    assert cohens_kappa([1, 0, 0, 1, 1], [1, 0, 0, 1, 1]) == 1.0


def test_kappa_systematic_disagreement_is_negative() -> None:
    # po = 0; pe = (1/2)(1/2) + (1/2)(1/2) = 1/2; kappa = (0 − 1/2) / (1/2) = −1
    assert cohens_kappa([1, 0, 1, 0], [0, 1, 0, 1]) == -1.0


def test_kappa_undefined_when_both_raters_constant_and_identical() -> None:
    # pe = 1 and po = 1: 0/0. Neither coder ever applied the code: no information.
    assert cohens_kappa([0, 0, 0], [0, 0, 0]) is None
    assert cohens_kappa([True, True], [True, True]) is None
    assert cohens_kappa([], []) is None


def test_kappa_constant_but_different_raters_is_zero() -> None:
    # A always 1, B always 0: po = 0, pe = (1)(0) + (0)(1) = 0, kappa = 0/1 = 0.
    assert cohens_kappa([1, 1, 1], [0, 0, 0]) == 0.0


def test_kappa_refuses_unequal_lengths() -> None:
    with pytest.raises(ValueError, match="same units"):
        cohens_kappa([1, 0], [1])


# --- Krippendorff's alpha ----------------------------------------------------------------------


def test_alpha_by_coincidence_matrix_with_missing_values() -> None:
    # Three coders, five units, nominal (1 = applied); "-" missing:
    #          u1 u2 u3 u4 u5
    #   A       1  0  0  1  0
    #   B       1  0  0  0  -
    #   C       1  1  -  1  -
    # u5 has one value: unpairable, dropped. For each other unit with m values, every ordered
    # pair of values from different coders adds 1/(m − 1) to the coincidence matrix o:
    #   u1 (1,1,1), m=3: 6 pairs (1,1) × 1/2           → o11 += 3
    #   u2 (0,0,1), m=3: (0,0)×2, (0,1)×2, (1,0)×2 × 1/2 → o00 += 1, o01 += 1, o10 += 1
    #   u3 (0,0),   m=2: (0,0)×2 × 1                    → o00 += 2
    #   u4 (1,0,1), m=3: (1,1)×2, (1,0)×2, (0,1)×2 × 1/2 → o11 += 1, o10 += 1, o01 += 1
    #   o00 = 3, o01 = 2, o10 = 2, o11 = 4; n0 = 5, n1 = 6, n = 11
    # Do = (o01 + o10) / n = 4/11; De = 2·n0·n1 / (n(n − 1)) = 60/110 = 6/11
    # alpha = 1 − Do/De = 1 − 4/6 = 1/3
    matrix: list[list[int | None]] = [[1, 0, 0, 1, 0], [1, 0, 0, 0, N], [1, 1, N, 1, N]]
    assert krippendorff_alpha(matrix) == pytest.approx(1 / 3, abs=1e-12)
    # The same through the package directly, with NaN for missing.
    data = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    direct = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert direct == pytest.approx(1 / 3, abs=1e-12)


def test_alpha_two_coders_uncoded_units_inflate_it() -> None:
    # The page test's case again (A: 1 1 1 0 0 0, B: 0 1 1 1 0 0).
    # All six units, m = 2 each: u1 and u4 give o01 += 1, o10 += 1 each; u2, u3 give o11 += 2
    # each; u5, u6 give o00 += 2 each. o00 = 4, o11 = 4, o01 = o10 = 2; n0 = n1 = 6, n = 12.
    #   alpha = 1 − (n − 1)(o01 + o10) / (2·n0·n1) = 1 − 11·4/72 = 28/72 = 7/18
    # Coded units u1–u4: o00 = 0, o11 = 4, o01 = o10 = 2; n0 = 2, n1 = 6, n = 8.
    #   alpha = 1 − 7·4/(2·2·6) = 1 − 28/24 = −1/6
    assert krippendorff_alpha([[1, 1, 1, 0, 0, 0], [0, 1, 1, 1, 0, 0]]) == pytest.approx(7 / 18)
    assert krippendorff_alpha([[1, 1, 1, 0], [0, 1, 1, 1]]) == pytest.approx(-1 / 6)


def test_alpha_published_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: four
    # observers, twelve units, values 1–5, missing data; nominal alpha = .743.
    matrix = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ]
    alpha = krippendorff_alpha(matrix)
    assert alpha is not None and round(alpha, 3) == 0.743


def test_alpha_perfect_agreement_is_one() -> None:
    assert krippendorff_alpha([[1, 0, 1, 0], [1, 0, 1, 0], [1, 0, N, 0]]) == 1.0


def test_alpha_systematic_disagreement_is_negative() -> None:
    # Every unit holds (1, 0): its two ordered pairs add 1 to o10 and 1 to o01 (m − 1 = 1).
    # o01 = o10 = 4, o00 = o11 = 0; n0 = n1 = 4, n = 8.
    # alpha = 1 − (n − 1)(o01 + o10)/(2·n0·n1) = 1 − 7·8/32 = 1 − 56/32 = −3/4
    assert krippendorff_alpha([[1, 0, 1, 0], [0, 1, 0, 1]]) == pytest.approx(-0.75)


def test_alpha_undefined_cases() -> None:
    assert krippendorff_alpha([]) is None
    # No variation: everyone always says 0.
    assert krippendorff_alpha([[0, 0, 0], [0, 0, 0]]) is None
    # The only 1 sits in a unit nobody else rated: nothing pairable varies.
    assert krippendorff_alpha([[0, 0, 1], [0, 0, N]]) is None
    # No unit has two values.
    assert krippendorff_alpha([[1, N], [N, 0]]) is None


# --- Reading the figures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        (None, "undefined"),
        (-0.2, "poor"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.21, "fair"),
        (0.4, "fair"),
        (0.41, "moderate"),
        (0.6, "moderate"),
        (0.61, "substantial"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
    ],
)
def test_kappa_bands_follow_landis_and_koch(kappa: float | None, band: str) -> None:
    assert kappa_band(kappa) == band


def test_alpha_bands_follow_krippendorff() -> None:
    assert alpha_band(0.8) == "reliable"
    assert alpha_band(0.7996) == "reliable"  # shown as 0.800
    assert alpha_band(0.7994) == "tentative"
    assert alpha_band(0.7) == "tentative"
    assert alpha_band(0.667) == "tentative"
    assert alpha_band(0.5) == "unreliable"
    assert alpha_band(None) == "undefined"


# --- Overlap -----------------------------------------------------------------------------------


def test_overlapping_units_uses_half_open_spans() -> None:
    starts, ends = [0, 10, 20], [8, 18, 28]
    assert list(overlapping_units(starts, ends, 5, 12)) == [0, 1]
    assert list(overlapping_units(starts, ends, 8, 10)) == []  # only the gap between two
    assert list(overlapping_units(starts, ends, 9, 21)) == [1, 2]
    assert list(overlapping_units(starts, ends, 0, 8)) == [0]  # ends where the next begins
    assert list(overlapping_units(starts, ends, 27, 40)) == [2]
    assert list(overlapping_units([], [], 0, 5)) == []


# --- The report --------------------------------------------------------------------------------

A, B, C = 1, 2, 3
X, Y = 100, 200


def test_report_per_code_overall_and_disagreements() -> None:
    # Transcript 1 has units 1–6, coded by A and B. Code X: A on 1–3, B on 2–4 (as above).
    # Code Y: both on unit 6.
    units = [Unit(i, 1) for i in range(1, 7)]
    applied = {(1, A, X), (2, A, X), (3, A, X), (2, B, X), (3, B, X), (4, B, X)}
    applied |= {(6, A, Y), (6, B, Y)}
    report = agreement_report(units, [A, B], [X, Y], applied, {1: {A, B}})

    assert report.pairs == ((A, B),)
    assert (report.units, report.coded_units) == (6, 5)  # units 1, 2, 3, 4, 6

    x = report.by_code[X]
    assert x.all_units.pairs[0].kappa == float(Fraction(1, 3))
    assert x.all_units.alpha == pytest.approx(7 / 18)
    # Coded units for X are 1, 2, 3, 4 and 6 (Y made 6 coded): A 1 1 1 0 0, B 0 1 1 1 0
    # po = 3/5; pe = (3/5)(3/5) + (2/5)(2/5) = 13/25; kappa = (15/25 − 13/25)/(12/25) = 1/6
    assert x.coded_units.pairs[0].kappa == float(Fraction(1, 6))
    assert x.coded_units.pairs[0].observed == pytest.approx(0.6)

    y = report.by_code[Y]
    assert y.all_units.pairs[0].kappa == 1.0
    assert y.coded_units.pairs[0].kappa == 1.0

    # Overall pools (unit, code): 12 items over all units.
    #   X items: A 1 1 1 0 0 0, B 0 1 1 1 0 0; Y items: A 0 0 0 0 0 1, B 0 0 0 0 0 1
    #   agree: X on 4 of 6, Y on 6 of 6 → po = 10/12 = 5/6
    #   A applied 4 of 12, B 4 of 12: pe = (1/3)(1/3) + (2/3)(2/3) = 5/9
    #   kappa = (5/6 − 5/9) / (4/9) = (5/18) / (4/9) = 5/8
    assert report.overall.all_units.items == 12
    assert report.overall.all_units.pairs[0].kappa == float(Fraction(5, 8))
    #   Coded units (5 units × 2 codes = 10 items): X agrees on 3 of 5 (2, 3, 6),
    #   Y on 5 of 5 → po = 8/10; A applied 4/10, B 4/10: pe = (2/5)² + (3/5)² = 13/25
    #   kappa = (20/25 − 13/25) / (12/25) = 7/12
    assert report.overall.coded_units.items == 10
    assert report.overall.coded_units.pairs[0].kappa == float(Fraction(7, 12))

    assert [(d.unit, d.code, d.applied_by, d.not_applied_by) for d in report.disagreements] == [
        (1, X, (A,), (B,)),
        (4, X, (B,), (A,)),
    ]


def test_report_treats_a_coder_who_skipped_a_transcript_as_missing() -> None:
    # Transcript 1 (units 1–4) coded by A, B and C; transcript 2 (units 5–8) only by A and B.
    # C's absence from transcript 2 must not count as "C did not apply X there".
    units = [Unit(i, 1) for i in range(1, 5)] + [Unit(i, 2) for i in range(5, 9)]
    applied = {(1, A, X), (1, B, X), (1, C, X), (5, A, X), (5, B, X), (6, A, X), (6, B, X)}
    report = agreement_report(units, [A, B, C], [X], applied, {1: {A, B, C}, 2: {A, B}})

    figures = report.by_code[X].all_units
    pairs = {p.coders: p for p in figures.pairs}
    assert pairs[A, B].items == 8
    assert pairs[A, C].items == 4  # only transcript 1
    assert pairs[B, C].items == 4
    # Every coder agrees wherever they were present: perfect, despite C's missing half.
    assert all(p.kappa == 1.0 for p in figures.pairs)
    assert figures.alpha == 1.0
    assert report.disagreements == ()


def test_report_disagreement_names_only_coders_present() -> None:
    units = [Unit(1, 1), Unit(2, 2)]
    applied = {(2, A, X), (1, B, X)}
    report = agreement_report(units, [A, B, C], [X], applied, {1: {A, B, C}, 2: {A, B}})
    assert [(d.unit, d.applied_by, d.not_applied_by) for d in report.disagreements] == [
        (1, (B,), (A, C)),
        (2, (A,), (B,)),  # C did not code transcript 2: neither side
    ]


def test_report_code_nobody_disagrees_on_is_undefined_not_zero() -> None:
    # Nobody applied Y anywhere: both raters constant and identical → kappa and alpha n/a.
    units = [Unit(1, 1), Unit(2, 1)]
    report = agreement_report(units, [A, B], [X, Y], {(1, A, X), (1, B, X)}, {1: {A, B}})
    assert report.by_code[Y].all_units.pairs[0].kappa is None
    assert report.by_code[Y].all_units.alpha is None
    # X on coded units only: one unit, both applied → no variation → undefined as well.
    assert report.by_code[X].coded_units.pairs[0].kappa is None
    assert report.by_code[X].coded_units.alpha is None
    assert report.by_code[X].all_units.pairs[0].kappa == 1.0
