"""Theme evidence: from coded highlights to strength, co-occurrence and candidate themes.

Pure functions on ids and small values: no Django, no database. `insights.themes` loads a
study's highlights as EvidenceColumns (EvidenceRows as one list per field), calls these, and
stores what they return.

Definitions (each is what a test checks by hand):
  - The evidence of (stage, codes) is every highlight at that stage carrying at least one of
    the codes. A highlight with no stage belongs to stage None ("no stage").
  - quotes: how many highlights (the loader counts two coders' highlights of the very same
    span and stage as one); sessions: how many distinct sessions they come from;
    participants: how many distinct people said them (a transcript quote has its speaker,
    a field-note quote every participant of its session, an interviewer's quote nobody).
  - share: participants / the study's participants (the roster).
  - coverage: per dimension (segment, region, tier, and "group" = segment and deployment
    together, e.g. large:self_managed), how many of the participants have each value.
  - mean sentiment and mean pain severity: over the highlights that have one; None if none do.
  - co-occurrence: per stage, how many highlights carry both codes of a pair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import partial, reduce
from operator import attrgetter, itemgetter, or_
from typing import Any, Literal, NamedTuple, TypeVar

StageId = int | None
_T = TypeVar("_T")
DIMENSIONS = ("segment", "region", "tier", "group")


class EvidenceRow(NamedTuple):
    """One coded highlight, as aggregation sees it (a tuple: a study loads tens of thousands)."""

    highlight_id: int
    stage_id: StageId
    code_ids: tuple[int, ...]  # in no particular order
    participant_ids: tuple[int, ...]
    session_id: int | None
    sentiment: int | None = None
    severity: int | None = None
    length: int = 0  # characters of the quote, to prefer quotes that read well alone


# EvidenceRow(...) runs the Python __new__ namedtuple writes; a loader making tens of thousands
# builds each from a tuple of its eight fields, in order, in C.
evidence_row = partial(tuple.__new__, EvidenceRow)


@dataclass(frozen=True, slots=True)
class Person:
    """A participant's open facets (never their identity)."""

    segment: str = ""
    region: str = ""
    tier: str = ""
    deployment: str = ""

    def facets(self) -> dict[str, str]:
        values = {"segment": self.segment, "region": self.region, "tier": self.tier}
        if self.segment and self.deployment:
            values["group"] = f"{self.segment}:{self.deployment}"
        return {dimension: value for dimension, value in values.items() if value}


@dataclass(frozen=True)
class Roster:
    """Everyone who took part in the study: the denominators of share and coverage.

    Sets of people are counted as bits of an int (person i of the roster is bit i): the union
    of many quotes' people is an OR, how many people a count, and coverage by segment,
    region, tier and group an AND with each value's people. A study measures hundreds of
    (stage, code) pairs over the same few dozen people, so this does in a few integer
    operations what a set and a Counter per pair did one person at a time.
    """

    people: Mapping[int, Person]
    # Worked out once, in __post_init__: each person's bit, and each (dimension, value)'s people.
    bits: Mapping[int, int] = field(init=False, repr=False)
    facet_bits: tuple[tuple[str, str, int], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        bits = {pk: 1 << position for position, pk in enumerate(self.people)}
        having: dict[tuple[str, str], int] = defaultdict(int)
        for pk, person in self.people.items():
            for dimension, value in person.facets().items():
                having[(dimension, value)] |= bits[pk]
        facet_bits = tuple(
            (dimension, value, mask) for (dimension, value), mask in sorted(having.items())
        )
        object.__setattr__(self, "bits", bits)
        object.__setattr__(self, "facet_bits", facet_bits)

    @property
    def size(self) -> int:
        return len(self.people)

    def totals(self) -> dict[str, dict[str, int]]:
        return self.coverage((1 << self.size) - 1)

    def coverage(self, people: int) -> dict[str, dict[str, int]]:
        """How many of `people` (a mask of this roster's bits) have each dimension's values."""
        result: dict[str, dict[str, int]] = {dimension: {} for dimension in DIMENSIONS}
        for dimension, value, having in self.facet_bits:
            count = (people & having).bit_count()
            if count:
                result[dimension][value] = count
        return result


class _PeopleBits:
    """The bit mask of each quote's people, for one roster. Someone quoted who is not on the
    roster (strength_of's callers may pass any rows) gets a bit above the roster's: counted
    among the participants, in no coverage."""

    def __init__(self, roster: Roster) -> None:
        self.bits = dict(roster.bits)
        self._masks: dict[tuple[int, ...], int] = {}

    def mask(self, participant_ids: tuple[int, ...]) -> int:
        found = self._masks.get(participant_ids)
        if found is None:
            found = 0
            for pk in participant_ids:
                bit = self.bits.get(pk)
                if bit is None:
                    bit = self.bits[pk] = 1 << len(self.bits)
                found |= bit
            self._masks[participant_ids] = found
        return found


@dataclass(frozen=True)
class Thresholds:
    """What makes evidence strong enough to propose, and how candidates are built."""

    min_quotes: int = 3
    min_participants: int = 2
    min_share: float = 0.2
    # Two codes co-occur when at least this many highlights carry both, and those are at
    # least this share of the rarer code's highlights.
    min_cooccurrence: int = 2
    min_overlap: float = 0.5
    max_cluster: int = 4
    # At most this many candidates per stage, the strongest: a researcher reviews them all.
    max_per_stage: int = 8
    quotes_per_theme: int = 3
    # A neighbouring stage owned by another team holds enough of the same evidence.
    handoff_min_participants: int = 2
    handoff_min_share: float = 0.25


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Strength:
    quotes: int
    participants: int
    sessions: int
    share: float
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)
    mean_sentiment: float | None = None
    mean_severity: float | None = None

    def is_strong(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
        return (
            self.quotes >= thresholds.min_quotes
            and self.participants >= thresholds.min_participants
            and self.share >= thresholds.min_share
        )


EMPTY = Strength(quotes=0, participants=0, sessions=0, share=0.0)


def _mean(values: Sequence[int | None]) -> float | None:
    """The mean of the values that are not None; None if none are."""
    count = len(values) - values.count(None)
    if not count:
        return None
    # filter(None, ...) leaves out the Nones (and the zeros, which add nothing to the sum).
    # Rounded so that the same evidence always stores the same figure, whatever the order.
    return round(sum(filter(None, values)) / count, 3)


# EvidenceColumns' name for each EvidenceRow field, in the same order.
_COLUMN_NAMES = (
    "highlight_ids",
    "stage_ids",
    "code_ids",
    "participant_ids",
    "session_ids",
    "sentiments",
    "severities",
    "lengths",
)


class EvidenceColumns:
    """Quotes as columns, one list per EvidenceRow field: the n-th quote's highlight is
    highlight_ids[n], its stage stage_ids[n], and so on. `positions` holds each
    (stage, code)'s quotes as their positions n, in the quotes' order (the loader's:
    highlight order).

    Aggregation measures hundreds of (stage, code)s over tens of thousands of codings by
    picking a column's values at a code's positions (itemgetter, in C), where reading each
    quote's fields in turn ran Python for every one.
    """

    def __init__(
        self,
        *,
        highlight_ids: Sequence[int],
        stage_ids: Sequence[StageId],
        code_ids: Sequence[tuple[int, ...]],
        participant_ids: Sequence[tuple[int, ...]],
        session_ids: Sequence[int | None],
        sentiments: Sequence[int | None],
        severities: Sequence[int | None],
        lengths: Sequence[int],
        positions: dict[tuple[StageId, int], list[int]],
    ) -> None:
        self.highlight_ids = highlight_ids
        self.stage_ids = stage_ids
        self.code_ids = code_ids
        self.participant_ids = participant_ids
        self.session_ids = session_ids
        self.sentiments = sentiments
        self.severities = severities
        self.lengths = lengths
        self.positions = positions

    @classmethod
    def from_rows(cls, rows: Iterable[EvidenceRow]) -> EvidenceColumns:
        rows = list(rows)
        columns: list[list[Any]] = [list(column) for column in zip(*rows, strict=True)]
        if not rows:
            columns = [[] for _field in EvidenceRow._fields]
        positions: dict[tuple[StageId, int], list[int]] = defaultdict(list)
        for position, row in enumerate(rows):
            for code_id in set(row.code_ids):  # a code given twice still makes one quote
                positions[(row.stage_id, code_id)].append(position)
        return cls(**dict(zip(_COLUMN_NAMES, columns, strict=True)), positions=positions)

    def __len__(self) -> int:
        return len(self.highlight_ids)

    def rows(self, positions: Sequence[int] | None = None) -> list[EvidenceRow]:
        """The quotes at these positions (every quote by default) as EvidenceRows."""
        columns: list[Sequence[Any]] = [getattr(self, name) for name in _COLUMN_NAMES]
        if positions is not None:
            if not positions:
                return []
            at = _picker(positions)
            columns = [at(column) for column in columns]
        return list(map(evidence_row, zip(*columns, strict=True)))


def _picker(positions: Sequence[int]) -> Callable[[Sequence[_T]], tuple[_T, ...]]:
    """A function picking a column's values at the positions, as a tuple, in C."""
    if len(positions) == 1:
        only = positions[0]
        return lambda column: (column[only],)
    return itemgetter(*positions)


def strength_of(rows: Iterable[EvidenceRow], roster: Roster) -> Strength:
    """The strength of a body of evidence (each highlight once)."""
    columns = EvidenceColumns.from_rows(rows)
    return EvidenceIndex(columns, roster).strength_at(range(len(columns)))


def people_reached(
    rows: Iterable[EvidenceRow], roster: Roster
) -> tuple[int, dict[str, dict[str, int]]]:
    """How many people the rows quote, and their coverage: strength_of's participants and
    coverage, without the figures a study's summary does not keep."""
    return _people_reached(set(map(attrgetter("participant_ids"), rows)), roster)


def _people_reached(
    groups: set[tuple[int, ...]], roster: Roster
) -> tuple[int, dict[str, dict[str, int]]]:
    groups.discard(())  # an interviewer's quotes
    if not groups:
        return 0, {}  # as strength_of of no rows
    people = _PeopleBits(roster)
    quoted = 0
    for participant_ids in groups:
        quoted |= people.mask(participant_ids)
    return quoted.bit_count(), roster.coverage(quoted)


class EvidenceIndex:
    """A study's quotes, found by (stage, code), and the strength of any (stage, codes),
    each worked out once: candidates, themes and hand-offs ask for the same ones again."""

    def __init__(self, evidence: Iterable[EvidenceRow] | EvidenceColumns, roster: Roster) -> None:
        self.columns = (
            evidence
            if isinstance(evidence, EvidenceColumns)
            else EvidenceColumns.from_rows(evidence)
        )
        self.roster = roster
        # Each quote's people as a mask of roster bits, worked out once per group of people:
        # few quotes' people differ.
        people = _PeopleBits(roster)
        participant_ids = self.columns.participant_ids
        mask_of = {group: people.mask(group) for group in set(participant_ids)}
        self._masks = list(map(mask_of.__getitem__, participant_ids))
        self._strengths: dict[tuple[StageId, tuple[int, ...]], Strength] = {}

    def strength(self, stage_id: StageId, code_ids: Iterable[int]) -> Strength:
        key = (stage_id, tuple(sorted(set(code_ids))))
        found = self._strengths.get(key)
        if found is None:
            found = self.strength_at(self._positions_for(stage_id, key[1]))
            self._strengths[key] = found
        return found

    def strength_at(self, positions: Sequence[int]) -> Strength:
        """The strength of the quotes at these positions (each once)."""
        if not positions:
            return EMPTY
        at = _picker(positions)
        columns = self.columns
        quoted = reduce(or_, set(at(self._masks)))
        sessions = set(at(columns.session_ids))
        sessions.discard(None)
        participants = quoted.bit_count()
        roster = self.roster
        return Strength(
            quotes=len(positions),
            participants=participants,
            sessions=len(sessions),
            share=round(participants / roster.size, 4) if roster.size else 0.0,
            coverage=roster.coverage(quoted),
            mean_sentiment=_mean(at(columns.sentiments)),
            mean_severity=_mean(at(columns.severities)),
        )

    def rows_for(self, stage_id: StageId, code_ids: Iterable[int]) -> list[EvidenceRow]:
        """Highlights at the stage with any of the codes, each once, in highlight order."""
        return self.columns.rows(self._positions_for(stage_id, code_ids))

    def _positions_for(self, stage_id: StageId, code_ids: Iterable[int]) -> Sequence[int]:
        positions = self.columns.positions
        codes = list(code_ids)
        if len(codes) == 1:
            return positions.get((stage_id, codes[0]), ())
        found: set[int] = set()
        for code_id in codes:
            found.update(positions.get((stage_id, code_id), ()))
        return sorted(found, key=self.columns.highlight_ids.__getitem__)

    def stages(self) -> list[StageId]:
        return sorted({stage for stage, _code in self.columns.positions}, key=_stage_sort)

    def people_reached(self) -> tuple[int, dict[str, dict[str, int]]]:
        """people_reached of every quote."""
        return _people_reached(set(self.columns.participant_ids), self.roster)

    def cooccurrence(self) -> dict[tuple[StageId, int, int], int]:
        """cooccurrence of every quote."""
        return _cooccurrence(self.columns.stage_ids, self.columns.code_ids)


def _stage_sort(stage_id: StageId) -> tuple[int, int]:
    return (1, 0) if stage_id is None else (0, stage_id)


def code_strengths(index: EvidenceIndex) -> dict[tuple[StageId, int], Strength]:
    """The strength of every (stage, code) that has evidence."""
    return {
        (stage_id, code_id): index.strength(stage_id, (code_id,))
        for stage_id, code_id in sorted(
            index.columns.positions, key=lambda key: (_stage_sort(key[0]), key[1])
        )
    }


def cooccurrence(rows: Iterable[EvidenceRow]) -> dict[tuple[StageId, int, int], int]:
    """Per stage, how many highlights carry both codes of each pair (first code id < second).

    Each code's highlights at a stage are the bits of an int (the stage's n-th highlight with
    two codes or more is bit n), so a pair's count is the size of an AND: a few hundred
    codes make tens of thousands of pairs, counted in C rather than quote by quote.
    """
    rows = list(rows)
    return _cooccurrence(
        list(map(attrgetter("stage_id"), rows)), list(map(attrgetter("code_ids"), rows))
    )


def _cooccurrence(
    stage_ids: Sequence[StageId], code_ids: Sequence[tuple[int, ...]]
) -> dict[tuple[StageId, int, int], int]:
    coded_together: dict[StageId, list[tuple[int, ...]]] = defaultdict(list)
    for stage_id, quote_codes in zip(stage_ids, code_ids, strict=True):
        if len(quote_codes) > 1:
            coded_together[stage_id].append(quote_codes)
    pairs: dict[tuple[StageId, int, int], int] = {}
    for stage_id in sorted(coded_together, key=_stage_sort):
        of_code: dict[int, int] = defaultdict(int)
        bit = 1
        for quote_codes in coded_together[stage_id]:
            for code_id in quote_codes:
                of_code[code_id] |= bit
            bit <<= 1
        codes = sorted(of_code.items())
        for position, (first, first_highlights) in enumerate(codes):
            for second, second_highlights in codes[position + 1 :]:
                together = (first_highlights & second_highlights).bit_count()
                if together:
                    pairs[(stage_id, first, second)] = together
    return pairs


@dataclass(frozen=True)
class Candidate:
    """A theme the evidence suggests: one strong code, or a cluster of codes that co-occur."""

    stage_id: StageId
    code_ids: tuple[int, ...]  # sorted
    kind: Literal["code", "cluster"]
    strength: Strength

    @property
    def key(self) -> str:
        return proposal_key(self.stage_id, self.code_ids)


def proposal_key(stage_id: StageId, code_ids: Iterable[int]) -> str:
    """A candidate's identity across runs: "<stage id or 0>:<sorted code ids>"."""
    return f"{stage_id or 0}:{','.join(str(pk) for pk in sorted(set(code_ids)))}"


def _clusters(
    stage_pairs: Iterable[tuple[int, int, int]],
    strengths: Mapping[int, Strength],
    thresholds: Thresholds,
) -> list[tuple[int, ...]]:
    """Codes joined along their strongest co-occurrences first, no cluster above max_cluster.

    `stage_pairs` are one stage's (first code, second code, highlights with both) and
    `strengths` its codes' strengths."""
    edges = []
    for first, second, together in stage_pairs:
        if together < thresholds.min_cooccurrence:
            continue
        rarer = min(strengths[first].quotes, strengths[second].quotes)
        if rarer and together / rarer >= thresholds.min_overlap:
            edges.append((-together, first, second))
    edges.sort()
    cluster_of: dict[int, frozenset[int]] = {}
    for _negative, first, second in edges:
        a = cluster_of.get(first, frozenset([first]))
        b = cluster_of.get(second, frozenset([second]))
        if a is b or a == b or len(a) + len(b) > thresholds.max_cluster:
            continue
        joined = a | b
        for code_id in joined:
            cluster_of[code_id] = joined
    return sorted({tuple(sorted(cluster)) for cluster in cluster_of.values()})


def propose_candidates(
    index: EvidenceIndex,
    *,
    strengths: Mapping[tuple[StageId, int], Strength] | None = None,
    pairs: Mapping[tuple[StageId, int, int], int] | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[Candidate]:
    """Candidate themes, per stage: strong clusters of co-occurring codes, and strong codes
    that are in no strong cluster; the strongest max_per_stage of them (participants, then
    quotes), strongest first."""
    strengths = code_strengths(index) if strengths is None else strengths
    pairs = index.cooccurrence() if pairs is None else pairs
    # Each stage's codes and pairs, sorted out once rather than searched for stage by stage.
    strengths_at: dict[StageId, dict[int, Strength]] = defaultdict(dict)
    for (stage, code_id), strength in strengths.items():
        strengths_at[stage][code_id] = strength
    # Only the pairs that meet often enough can join codes: about half of them.
    at_least = thresholds.min_cooccurrence
    pairs_at: dict[StageId, list[tuple[int, int, int]]] = defaultdict(list)
    for (stage, first, second), together in pairs.items():
        if together >= at_least:
            pairs_at[stage].append((first, second, together))
    candidates: list[Candidate] = []
    for stage_id in index.stages():
        found: list[Candidate] = []
        clustered: set[int] = set()
        at_stage = strengths_at[stage_id]
        for codes in _clusters(pairs_at[stage_id], at_stage, thresholds):
            strength = index.strength(stage_id, codes)
            if strength.is_strong(thresholds):
                found.append(Candidate(stage_id, codes, "cluster", strength))
                clustered.update(codes)
        for code_id, strength in at_stage.items():
            if code_id not in clustered and strength.is_strong(thresholds):
                found.append(Candidate(stage_id, (code_id,), "code", strength))
        found.sort(key=lambda c: (-c.strength.participants, -c.strength.quotes, c.code_ids))
        candidates.extend(found[: thresholds.max_per_stage])
    return candidates


# Quotes this long read well on their own in a report.
GOOD_QUOTE_LENGTH = range(40, 401)


class QuotePicker:
    """Chooses representative quotes: up to `limit` highlight ids, each from people not yet
    quoted.

    Preferred, in order: quotes a report may show its viewers (`shareable(row)`; None: all),
    more of the theme's codes, coded quote-worthy, a readable length, higher pain severity,
    stronger sentiment either way, then the older highlight. Quotes nobody can be named for
    (an interviewer's) are never picked. What does not depend on the theme is ranked once
    per highlight, however many themes it supports.
    """

    def __init__(
        self,
        *,
        quote_worthy: Set[int] = frozenset(),
        shareable: Callable[[EvidenceRow], bool] | None = None,
    ) -> None:
        self.quote_worthy = quote_worthy
        self.shareable = shareable
        self._ranks: dict[int, tuple[int, int, int, int, int, int]] = {}

    def _rank(self, row: EvidenceRow) -> tuple[int, int, int, int, int, int]:
        found = self._ranks.get(row.highlight_id)
        if found is None:
            found = (
                0 if self.shareable is None or self.shareable(row) else 1,
                0 if not self.quote_worthy.isdisjoint(row.code_ids) else 1,
                0 if row.length in GOOD_QUOTE_LENGTH else 1,
                -(row.severity or 0),
                -abs(row.sentiment or 0),
                row.highlight_id,
            )
            self._ranks[row.highlight_id] = found
        return found

    def pick(
        self,
        rows: Sequence[EvidenceRow],
        *,
        code_ids: Set[int],
        limit: int = DEFAULT_THRESHOLDS.quotes_per_theme,
    ) -> list[int]:
        rank = self._rank
        if len(code_ids) == 1:  # every row carries the one code
            ordered = sorted(rows, key=rank)
        else:
            ordered = sorted(
                rows,
                key=lambda row: (
                    rank(row)[0],
                    -len(code_ids & set(row.code_ids)),
                    *rank(row)[1:],
                ),
            )
        chosen: list[int] = []
        quoted: set[int] = set()
        for row in ordered:
            if len(chosen) >= limit:
                break
            if not row.participant_ids or quoted.intersection(row.participant_ids):
                continue
            chosen.append(row.highlight_id)
            quoted.update(row.participant_ids)
        return chosen


def pick_quotes(
    rows: Sequence[EvidenceRow],
    *,
    code_ids: Set[int],
    quote_worthy: Set[int] = frozenset(),
    shareable: Set[int] | None = None,
    limit: int = DEFAULT_THRESHOLDS.quotes_per_theme,
) -> list[int]:
    """QuotePicker's choice for one theme (see QuotePicker); `shareable` as highlight ids."""
    picker = QuotePicker(
        quote_worthy=quote_worthy,
        shareable=None if shareable is None else (lambda row: row.highlight_id in shareable),
    )
    return picker.pick(rows, code_ids=code_ids, limit=limit)


@dataclass(frozen=True)
class StageInfo:
    id: int
    position: int
    team: str


def handoff_stage(
    index: EvidenceIndex,
    *,
    stage_id: StageId,
    code_ids: Iterable[int],
    stages: Sequence[StageInfo],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> int | None:
    """The neighbouring stage, owned by another team, where the same codes have enough evidence
    for the theme to sit at a hand-off; None when there is none.

    Enough: at least handoff_min_participants people there, and quotes there at least
    handoff_min_share of the theme's own. Of two such neighbours, the one with more quotes
    (then the earlier).
    """
    if stage_id is None:
        return None
    ordered = sorted(stages, key=lambda stage: stage.position)
    where = next((i for i, stage in enumerate(ordered) if stage.id == stage_id), None)
    if where is None:
        return None
    own_team = ordered[where].team.strip()
    codes = list(code_ids)
    own_quotes = index.strength(stage_id, codes).quotes
    if not own_team or not own_quotes:
        return None
    best: tuple[int, int] | None = None  # (quotes, stage id)
    for neighbour in (where - 1, where + 1):
        if not 0 <= neighbour < len(ordered):
            continue
        stage = ordered[neighbour]
        if not stage.team.strip() or stage.team.strip() == own_team:
            continue
        strength = index.strength(stage.id, codes)
        if (
            strength.participants >= thresholds.handoff_min_participants
            and strength.quotes >= thresholds.handoff_min_share * own_quotes
            and (best is None or strength.quotes > best[0])
        ):
            best = (strength.quotes, stage.id)
    return None if best is None else best[1]
