"""Agreement between coders: Cohen's kappa per pair, Krippendorff's alpha across all coders.

Pure functions on ids and booleans: no Django, no database. `insights.selectors` turns a
project's utterances and highlights into the inputs of `agreement_report`.

The unit of analysis is the utterance. For each unit, code and coder the value is:
  1     the coder applied the code to the unit (a highlight of theirs with it overlaps the unit),
  0     the coder coded the unit's transcript but did not apply the code here,
  None  the coder did not code the transcript at all: missing, not "did not apply".

Undefined statistics are None, never NaN or 0, and the page shows them as "n/a":
  - kappa is None when there is nothing to compare (no unit rated by both), or when the
    expected agreement is 1: both coders gave every unit the same single value (e.g. neither
    ever applied the code), so (po − pe)/(1 − pe) is 0/0. Two coders who are each constant
    but on *different* values have po = pe = 0 and get kappa 0.
  - alpha is None when no unit has two or more values, or when the pairable values show no
    variation at all (every value is the same), which makes the expected disagreement 0.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from fractions import Fraction

import krippendorff
import numpy as np

# --- The statistics ----------------------------------------------------------------------------


def cohens_kappa(a: Sequence[bool | int], b: Sequence[bool | int]) -> float | None:
    """Cohen's kappa of two raters over the same units, nominal categories.

    kappa = (po − pe) / (1 − pe), po the observed proportion of agreement, pe the agreement
    expected from each rater's own category proportions. Computed with exact fractions so the
    result is the float nearest the true value. Written here rather than taken from
    scikit-learn, which would pull scipy and a large install for five lines of arithmetic.
    """
    if len(a) != len(b):
        raise ValueError(f"Both raters must rate the same units ({len(a)} ≠ {len(b)}).")
    n = len(a)
    if n == 0:
        return None
    observed = Fraction(sum(1 for x, y in zip(a, b, strict=True) if x == y), n)
    counts_a, counts_b = Counter(a), Counter(b)
    expected = sum(
        (
            Fraction(counts_a[category], n) * Fraction(counts_b[category], n)
            for category in counts_a
        ),
        start=Fraction(0),
    )
    if expected == 1:
        return None
    return float((observed - expected) / (1 - expected))


def krippendorff_alpha(matrix: Sequence[Sequence[int | None]]) -> float | None:
    """Krippendorff's alpha for nominal data; `matrix[coder][unit]`, None for a missing value.

    The orientation (one row per coder) is the `krippendorff` package's reliability data.
    Units with fewer than two values cannot be paired and are dropped before the call, so the
    package's own refusals ("one value in the domain", "no unit with two values") and the 0/0
    it would return when the only variation sits in unpairable units all become None here.
    """
    if not matrix:
        return None
    width = len(matrix[0])
    if any(len(row) != width for row in matrix):
        raise ValueError("Every coder's row must cover the same units.")
    pairable = [
        column
        for column in zip(*matrix, strict=True)
        if sum(value is not None for value in column) >= 2
    ]
    values = {value for column in pairable for value in column if value is not None}
    if len(values) < 2:
        return None
    data = np.array(
        [[np.nan if value is None else value for value in column] for column in pairable],
        dtype=float,
    ).T
    with np.errstate(divide="ignore", invalid="ignore"):
        result = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return None if math.isnan(result) else result


# --- Reading the figures -----------------------------------------------------------------------

# Landis & Koch (1977), the usual reading of kappa: (lower bound, label), highest first.
KAPPA_BANDS: tuple[tuple[float, str], ...] = (
    (0.81, "almost perfect"),
    (0.61, "substantial"),
    (0.41, "moderate"),
    (0.21, "fair"),
    (0.0, "slight"),
)

# Krippendorff (2004): rely on data with alpha ≥ .800; draw only tentative conclusions from
# .667 ≤ alpha < .800; discard below .667.
ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667


def kappa_band(kappa: float | None) -> str:
    if kappa is None:
        return "undefined"
    rounded = round(kappa, 2)  # the bands are stated to two decimals (.21–.40, …)
    if rounded < 0:
        return "poor"
    return next(label for bound, label in KAPPA_BANDS if rounded >= bound)


def alpha_band(alpha: float | None) -> str:
    if alpha is None:
        return "undefined"
    rounded = round(alpha, 3)  # as shown, so a page showing 0.800 never says "tentative"
    if rounded >= ALPHA_RELIABLE:
        return "reliable"
    if rounded >= ALPHA_TENTATIVE:
        return "tentative"
    return "unreliable"


# --- Utterances a span overlaps ----------------------------------------------------------------


def overlapping_units(starts: Sequence[int], ends: Sequence[int], start: int, end: int) -> range:
    """Indexes of the units a span [start, end) overlaps: unit.start < end and unit.end > start.

    `starts` and `ends` describe non-overlapping units sorted by start, as a transcript's
    utterances are. A binary search finds the first candidate, so each span costs O(log n + k).
    """
    first = max(bisect.bisect_right(starts, start) - 1, 0)
    if first < len(ends) and ends[first] <= start:
        first += 1  # the span starts after this unit (in the gap before the next)
    last = bisect.bisect_left(starts, end)  # first unit starting at or after the span's end
    return range(first, max(first, last))


# --- The report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """An utterance, and the transcript whose coders rate it."""

    id: int
    source: int


@dataclass(frozen=True)
class PairKappa:
    coders: tuple[int, int]
    items: int  # items both coders rated (both coded the transcript)
    observed: float | None  # proportion of those items on which they agree
    kappa: float | None


@dataclass(frozen=True)
class Figures:
    """Alpha across all coders and kappa per pair, over one basis."""

    items: int  # items in the basis: units for one code, (unit, code) pairs pooled
    alpha: float | None
    pairs: tuple[PairKappa, ...]
    # Items some coder applied the code to: a perfect figure over one such item says little.
    # None in snapshots stored before it was counted.
    applied: int | None = None


@dataclass(frozen=True)
class Agreement:
    """The same figures over two bases, since uncoded text inflates agreement."""

    all_units: Figures  # every unit of a double-coded transcript, uncoded text included
    coded_units: Figures  # only units that at least one coder coded with any code


@dataclass(frozen=True)
class Disagreement:
    unit: int
    code: int
    applied_by: tuple[int, ...]
    not_applied_by: tuple[int, ...]  # coders who coded the transcript but not this here


@dataclass(frozen=True)
class AgreementReport:
    coders: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]
    units: int
    coded_units: int
    by_code: dict[int, Agreement]  # in the order of the codes given
    overall: Agreement  # pooled over (unit, code) items: not a mean of per-code figures
    disagreements: tuple[Disagreement, ...]  # in unit order, then code order


Value = int | None
Item = tuple[int, int]  # (unit id, code id)


def _figures(
    items: Sequence[Item],
    coders: Sequence[int],
    pairs: Sequence[tuple[int, int]],
    value: Callable[[Item, int], Value],
) -> Figures:
    rows = {coder: [value(item, coder) for item in items] for coder in coders}
    pair_figures = []
    for first, second in pairs:
        both = [
            (x, y)
            for x, y in zip(rows[first], rows[second], strict=True)
            if x is not None and y is not None
        ]
        a = [x for x, _y in both]
        b = [y for _x, y in both]
        observed = sum(x == y for x, y in both) / len(both) if both else None
        pair_figures.append(PairKappa((first, second), len(both), observed, cohens_kappa(a, b)))
    alpha = krippendorff_alpha([rows[coder] for coder in coders])
    applied = sum(any(rows[coder][i] == 1 for coder in coders) for i in range(len(items)))
    return Figures(len(items), alpha, tuple(pair_figures), applied)


def agreement_report(
    units: Sequence[Unit],
    coders: Sequence[int],
    codes: Sequence[int],
    applied: Set[tuple[int, int, int]],
    coded_by: Mapping[int, Set[int]],
) -> AgreementReport:
    """Agreement per code and overall, each over all units and over coded units.

    `applied` holds (unit id, coder id, code id) for every code a coder applied to a unit;
    `coded_by` maps a unit's source to the coders who coded it. A coder absent from
    `coded_by[unit.source]` is missing for that unit's items, and pairs and alpha skip them.
    """
    pairs = tuple(itertools.combinations(coders, 2))
    coded_unit_ids = {unit_id for unit_id, _coder, _code in applied}
    coded_units = [unit for unit in units if unit.id in coded_unit_ids]
    raters = {unit.id: coded_by.get(unit.source, frozenset()) for unit in units}

    def value(item: Item, coder: int) -> Value:
        unit_id, code = item
        if coder not in raters[unit_id]:
            return None
        return int((unit_id, coder, code) in applied)

    by_code = {
        code: Agreement(
            all_units=_figures([(u.id, code) for u in units], coders, pairs, value),
            coded_units=_figures([(u.id, code) for u in coded_units], coders, pairs, value),
        )
        for code in codes
    }
    # Pooled: every (unit, code) pair is one item of one binary variable.
    overall = Agreement(
        all_units=_figures([(u.id, c) for u in units for c in codes], coders, pairs, value),
        coded_units=_figures([(u.id, c) for u in coded_units for c in codes], coders, pairs, value),
    )

    disagreements = []
    for unit in units:
        for code in codes:
            ratings = [(coder, value((unit.id, code), coder)) for coder in coders]
            applied_by = tuple(coder for coder, v in ratings if v == 1)
            not_applied_by = tuple(coder for coder, v in ratings if v == 0)
            if applied_by and not_applied_by:
                disagreements.append(Disagreement(unit.id, code, applied_by, not_applied_by))

    return AgreementReport(
        coders=tuple(coders),
        pairs=pairs,
        units=len(units),
        coded_units=len(coded_units),
        by_code=by_code,
        overall=overall,
        disagreements=tuple(disagreements),
    )
