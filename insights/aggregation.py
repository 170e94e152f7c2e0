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
from functools import cached_property, partial, reduce
from itertools import chain, repeat
from operator import attrgetter, itemgetter, neg, or_
from typing import Any, Literal, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

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

    @cached_property
    def facet_matrix(self) -> Ints:
        """A row per person (roster order), a column per facet_bits: 1 where they have it."""
        found = np.zeros((self.size, len(self.facet_bits)), dtype=np.int64)
        for column, (_dimension, _value, having) in enumerate(self.facet_bits):
            for person in range(self.size):
                found[person, column] = having >> person & 1
        return found

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

type Ints = npt.NDArray[np.int64]


class Codings:
    """Which quote carries which code, each (quote, code) once, as two arrays of the same
    length: the quotes' positions and their codes' indexes in `code_of` (sorted, so a lower
    index is a lower id).

    Kept in two orders: by quote then code (`quotes`, `codes`: a quote's codes side by side,
    for co-occurrence and each quote's codes), and by (stage, code) then quote (`groups`,
    `grouped`: each (stage, code)'s quotes side by side, for its strength). Sorting tens of
    thousands of codings this way takes numpy a fraction of a millisecond, where sorting
    them out one by one took Python a hundred times as long.
    """

    def __init__(self, quotes: Ints, codes: Ints, quote_stages: Ints) -> None:
        code_ids = _distinct(codes)
        self.code_of: list[int] = code_ids.tolist()
        width = max(len(code_ids), 1)
        # Sorting (quote, code) numbers puts them in that order; a code given twice to one
        # quote is dropped.
        keys = _distinct(quotes * width + np.searchsorted(code_ids, codes))
        self.quotes: Ints = keys // width
        self.codes: Ints = keys % width
        # The same codings as (stage, code, quote) numbers, sorted.
        self.quote_count = len(quote_stages)
        many = max(self.quote_count, 1)
        keys = np.sort((quote_stages[self.quotes] * width + self.codes) * many + self.quotes)
        # Each coding's (stage, code) as one number, in (stage, code) order.
        self.groups: Ints = keys // many
        self.grouped: Ints = keys % many
        self.width = width

    @cached_property
    def coded_ids(self) -> list[int]:
        """The code id of each coding in quote order."""
        found: list[int] = np.asarray(self.code_of, dtype=np.int64)[self.codes].tolist()
        return found

    @cached_property
    def starts(self) -> list[int]:
        """Where each quote's codings start in quote order, and where the last one's end."""
        found: list[int] = np.searchsorted(self.quotes, np.arange(self.quote_count + 1)).tolist()
        return found

    def __len__(self) -> int:
        return len(self.quotes)

    def group_starts(self) -> Ints:
        """Where each (stage, code)'s codings start in `groups` and `grouped`."""
        return _starts(self.groups)


class EvidenceColumns:
    """Quotes as columns, one list per EvidenceRow field: the n-th quote's highlight is
    highlight_ids[n], its stage stage_ids[n], and so on; which codes each quote carries is in
    `codings` (see Codings). `positions` holds each (stage, code)'s quotes as their positions
    n, in the quotes' order (the loader's: highlight order), stages in order ("no stage"
    last), then codes.

    Aggregation measures hundreds of (stage, code)s over tens of thousands of codings by
    picking a column's values at a code's positions (itemgetter, in C), where reading each
    quote's fields in turn ran Python for every one.
    """

    def __init__(
        self,
        *,
        highlight_ids: Sequence[int],
        stage_ids: Sequence[StageId],
        participant_ids: Sequence[tuple[int, ...]],
        session_ids: Sequence[int | None],
        sentiments: Sequence[int | None],
        severities: Sequence[int | None],
        lengths: Sequence[int],
        coded_quotes: Ints | Sequence[int],
        coded_codes: Ints | Sequence[int],
        values: Mapping[str, npt.NDArray[np.float64]] | None = None,
    ) -> None:
        """`coded_quotes` and `coded_codes`: each coding's quote (its position) and code, in
        any order; a code given to a quote twice counts once. `values`: columns as values()
        gives them, which the loader has at hand."""
        self.highlight_ids = highlight_ids
        self.stage_ids = stage_ids
        self.participant_ids = participant_ids
        self.session_ids = session_ids
        self.sentiments = sentiments
        self.severities = severities
        self.lengths = lengths
        self.stage_order = sorted(set(stage_ids), key=_stage_sort)
        at_stage = {stage_id: order for order, stage_id in enumerate(self.stage_order)}
        self.quote_stages: Ints = np.fromiter(
            map(at_stage.__getitem__, stage_ids), dtype=np.int64, count=len(stage_ids)
        )
        self._values: dict[str, npt.NDArray[np.float64]] = dict(values or {})
        self.codings = Codings(
            np.asarray(coded_quotes, dtype=np.int64),
            np.asarray(coded_codes, dtype=np.int64),
            self.quote_stages,
        )
        self.positions = self._positions()

    def _positions(self) -> dict[tuple[StageId, int], list[int]]:
        codings = self.codings
        if not codings:
            return {}
        starts = codings.group_starts()
        grouped: list[int] = codings.grouped.tolist()
        ends: list[int] = [*starts[1:].tolist(), len(grouped)]
        stage_order, code_of, width = self.stage_order, codings.code_of, codings.width
        return {
            (stage_order[group // width], code_of[group % width]): grouped[start:end]
            for group, start, end in zip(
                codings.groups[starts].tolist(), starts.tolist(), ends, strict=True
            )
        }

    @classmethod
    def from_rows(cls, rows: Iterable[EvidenceRow]) -> EvidenceColumns:
        rows = list(rows)
        columns: list[list[Any]] = [list(column) for column in zip(*rows, strict=True)]
        if not rows:
            columns = [[] for _field in EvidenceRow._fields]
        values = dict(zip(_COLUMN_NAMES, columns, strict=True))
        code_ids: list[tuple[int, ...]] = values.pop("code_ids")
        quotes = [position for position, codes in enumerate(code_ids) for _code in codes]
        return cls(
            highlight_ids=values["highlight_ids"],
            stage_ids=values["stage_ids"],
            participant_ids=values["participant_ids"],
            session_ids=values["session_ids"],
            sentiments=values["sentiments"],
            severities=values["severities"],
            lengths=values["lengths"],
            coded_quotes=quotes,
            coded_codes=[*chain.from_iterable(code_ids)],
        )

    @property
    def code_ids(self) -> list[tuple[int, ...]]:
        """Each quote's codes (in the order of their ids)."""
        return self.code_ids_at(range(len(self)))

    def code_ids_at(self, positions: Sequence[int]) -> list[tuple[int, ...]]:
        """The codes of the quotes at these positions: each quote's slice of the codings in
        quote order, cut in C."""
        codings = self.codings
        start = codings.starts.__getitem__
        slices = map(slice, map(start, positions), map(start, map((1).__add__, positions)))
        return list(map(tuple, map(codings.coded_ids.__getitem__, slices)))

    def __len__(self) -> int:
        return len(self.highlight_ids)

    def values(self, name: str) -> npt.NDArray[np.float64]:
        """A column of numbers (highlight_ids, sentiments, severities, lengths) as a numpy
        array of floats (exact for these), None as NaN; made once."""
        found = self._values.get(name)
        if found is None:
            found = self._values[name] = np.array(getattr(self, name), dtype=np.float64)
        return found

    def row(self, position: int) -> EvidenceRow:
        """The quote at this position."""
        return EvidenceRow(
            self.highlight_ids[position],
            self.stage_ids[position],
            self.code_ids_at((position,))[0],
            self.participant_ids[position],
            self.session_ids[position],
            self.sentiments[position],
            self.severities[position],
            self.lengths[position],
        )

    def rows(self, positions: Sequence[int] | None = None) -> list[EvidenceRow]:
        """The quotes at these positions (every quote by default) as EvidenceRows."""
        if positions is None:
            positions = range(len(self))
        if not positions:
            return []
        at = _picker(positions)
        columns: list[Sequence[Any]] = [
            self.code_ids_at(positions) if name == "code_ids" else at(getattr(self, name))
            for name in _COLUMN_NAMES
        ]
        return list(map(evidence_row, zip(*columns, strict=True)))

    def cooccurrence(self, at_least: int = 1) -> dict[tuple[StageId, int, int], int]:
        """Per stage, how many quotes carry both codes of each pair (first code id < second),
        stages in order ("no stage" last), then pairs; only the pairs carried by `at_least`
        quotes: the job keeps the few that meet often, and makes no key for the others."""
        pairs, counts = self._pairs
        often = counts >= at_least
        pairs, counts = pairs[often], counts[often]
        width = self.codings.width
        stage_order, code_of = self.stage_order, self.codings.code_of
        return dict(
            zip(
                zip(
                    map(stage_order.__getitem__, (pairs // (width * width)).tolist()),
                    map(code_of.__getitem__, (pairs // width % width).tolist()),
                    map(code_of.__getitem__, (pairs % width).tolist()),
                    strict=True,
                ),
                counts.tolist(),
                strict=True,
            )
        )

    def pair_count(self) -> int:
        """How many (stage, code pair)s cooccurrence() has."""
        return len(self._pairs[0])

    def pair_columns(self, at_least: int = 1) -> tuple[Ints, Ints, Ints, Ints]:
        """cooccurrence(at_least) as columns, in the same order: each pair's stage (its place
        in stage_order), first code id, second code id and how many quotes carry both."""
        pairs, counts = self._pairs
        often = counts >= at_least
        pairs, counts = pairs[often], counts[often]
        width = self.codings.width
        code_of = np.asarray(self.codings.code_of, dtype=np.int64)
        return (
            pairs // (width * width),
            code_of[pairs // width % width],
            code_of[pairs % width],
            counts,
        )

    @cached_property
    def _pairs(self) -> tuple[Ints, Ints]:
        """Each (stage, first code, second code) carried by a quote, as one number, sorted,
        and how many quotes carry it.

        The codings are sorted by quote then code, so a quote's codes sit side by side: the
        pairs d apart are the codings whose quote is the same as the one d places on's."""
        codings = self.codings
        quotes, codes, width = codings.quotes, codings.codes, codings.width
        stages = self.quote_stages[quotes]
        found = [np.zeros(0, dtype=np.int64)]
        apart = 1
        while apart < len(quotes):
            together = quotes[apart:] == quotes[:-apart]
            if not together.any():  # no quote has more than `apart` codes
                break
            first, second = codes[:-apart][together], codes[apart:][together]
            found.append((stages[:-apart][together] * width + first) * width + second)
            apart += 1
        return _runs(np.sort(np.concatenate(found)))


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
        # few quotes' people differ. Each quote's group is kept as its number.
        self._people = people = _PeopleBits(roster)
        participant_ids = self.columns.participant_ids
        number = {group: at for at, group in enumerate(set(participant_ids))}
        self._groups = list(number)
        numbers = list(map(number.__getitem__, participant_ids))
        self._quote_groups: Ints = np.array(numbers, dtype=np.int64)
        self._masks = list(map([people.mask(group) for group in number].__getitem__, numbers))
        self._strengths: dict[tuple[StageId, tuple[int, ...]], Strength] = {}

    def strength(self, stage_id: StageId, code_ids: Iterable[int]) -> Strength:
        key = (stage_id, tuple(sorted(set(code_ids))))
        found = self._strengths.get(key)
        if found is None:
            found = self.strength_at(self.positions_for(stage_id, key[1]))
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
        return self.columns.rows(self.positions_for(stage_id, code_ids))

    def positions_for(self, stage_id: StageId, code_ids: Iterable[int]) -> Sequence[int]:
        """The positions of rows_for's quotes."""
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

    def cooccurrence(self, at_least: int = 1) -> dict[tuple[StageId, int, int], int]:
        """cooccurrence of every quote (EvidenceColumns.cooccurrence)."""
        return self.columns.cooccurrence(at_least)

    def pair_count(self) -> int:
        return self.columns.pair_count()

    def pair_columns(self, at_least: int = 1) -> tuple[Ints, Ints, Ints, Ints]:
        """cooccurrence(at_least) as columns (EvidenceColumns.pair_columns)."""
        return self.columns.pair_columns(at_least)

    def code_strengths(self) -> dict[tuple[StageId, int], Strength]:
        """code_strengths: every (stage, code)'s strength, worked out for all of them at
        once by numpy over the codings in (stage, code) order, then kept for strength().

        Each figure is a count per (stage, code) of something distinct: its codings'
        sessions, its (stage, code) and person pairs, its persons' facets. Making each such
        pair one number, numpy drops the doubles (np.unique) and counts them per (stage,
        code) (np.bincount), where picking and merging each (stage, code)'s values in
        Python cost tens of microseconds apiece, hundreds of times a study."""
        columns, codings = self.columns, self.columns.codings
        starts = codings.group_starts()
        count = len(starts)
        if not count:
            return {}
        # Each coding's (stage, code) as its number in order, 0 to count - 1.
        group = np.cumsum(np.diff(codings.groups, prepend=-1) != 0) - 1
        quotes = codings.grouped
        quote_counts = np.diff(np.append(starts, len(quotes)))
        sentiments, rated_sentiments = _sums(columns.values("sentiments"), group, quotes, count)
        severities, rated_severities = _sums(columns.values("severities"), group, quotes, count)
        sessions = _distinct_per_group(self._session_numbers()[quotes], group, count)
        participants, coverage = self._people_counts(group, quotes, count)

        roster, width = self.roster, codings.width
        stage_order, code_of = columns.stage_order, codings.code_of
        size = roster.size
        shares = {n: round(n / size, 4) if size else 0.0 for n in participants}
        # Each (stage, code)'s coverage, filled from the counts that are not 0 (in facet_bits'
        # order: by dimension, then value).
        covered: list[dict[str, dict[str, int]]] = [
            {dimension: {} for dimension in DIMENSIONS} for _group in range(count)
        ]
        facets = [(dimension, value) for dimension, value, _having in roster.facet_bits]
        at, columns_at = np.nonzero(coverage)
        for (dimension, value), by_dimension, n in zip(
            map(facets.__getitem__, columns_at.tolist()),
            map(covered.__getitem__, at.tolist()),
            coverage[at, columns_at].tolist(),
            strict=True,
        ):
            by_dimension[dimension][value] = n
        found: dict[tuple[StageId, int], Strength] = {}
        for number, quotes_n, people, sessions_n, by_dimension, *means in zip(
            codings.groups[starts].tolist(),
            quote_counts.tolist(),
            participants,
            sessions,
            covered,
            sentiments,
            rated_sentiments,
            severities,
            rated_severities,
            strict=True,
        ):
            stage_id, code_id = stage_order[number // width], code_of[number % width]
            found[(stage_id, code_id)] = self._strengths[(stage_id, (code_id,))] = Strength(
                quotes_n,
                people,
                sessions_n,
                shares[people],
                by_dimension,
                round(means[0] / means[1], 3) if means[1] else None,
                round(means[2] / means[3], 3) if means[3] else None,
            )
        return found

    def _session_numbers(self) -> Ints:
        """Each quote's session as a number from 0; -1: none."""
        session_ids = self.columns.session_ids
        number = {pk: at for at, pk in enumerate(set(session_ids).difference([None]))}
        return np.fromiter(
            map(number.get, session_ids, repeat(-1)), dtype=np.int64, count=len(session_ids)
        )

    def _people_counts(self, group: Ints, quotes: Ints, count: int) -> tuple[list[int], Ints]:
        """How many people each (stage, code) quotes, and how many of them have each of the
        roster's facets (a row per (stage, code), a column per roster.facet_bits).

        A person is their roster bit's position (someone quoted off the roster, one above);
        a quote's people are one of a few hundred groups, each group's people listed once."""
        people = self._people
        members = [[people.mask((pk,)).bit_length() - 1 for pk in ids] for ids in self._groups]
        sizes = np.fromiter(map(len, members), dtype=np.int64, count=len(members))
        firsts = np.cumsum(sizes) - sizes
        persons = np.fromiter(chain.from_iterable(members), dtype=np.int64, count=int(sizes.sum()))
        # Each (stage, code) and group of people once, then each of the group's people.
        groups = max(len(members), 1)
        pairs = _distinct(group * groups + self._quote_groups[quotes])
        of, whose = pairs // groups, pairs % groups
        many = sizes[whose]
        within = np.arange(int(many.sum())) - np.repeat(np.cumsum(many) - many, many)
        quoted = persons[np.repeat(firsts[whose], many) + within]
        everyone = len(people.bits)
        reached = _distinct(np.repeat(of, many) * everyone + quoted)
        who = reached // everyone
        participants: list[int] = np.bincount(who, minlength=count).tolist()
        facets = self.roster.facet_matrix
        coverage = np.zeros((count, facets.shape[1]), dtype=np.int64)
        quoted_on_roster = reached % everyone < self.roster.size
        if quoted_on_roster.any():
            who, persons = who[quoted_on_roster], reached[quoted_on_roster] % everyone
            first = _starts(who)
            coverage[who[first]] = np.add.reduceat(facets[persons], first, axis=0)
        return participants, coverage


def _sums(
    values: npt.NDArray[np.float64], group: Ints, quotes: Ints, count: int
) -> tuple[list[int], list[int]]:
    """Per (stage, code): the sum of its quotes' values, and how many have one (not None)."""
    given = values
    rated = ~np.isnan(given)
    totals = np.bincount(group, weights=np.where(rated, given, 0.0)[quotes], minlength=count)
    counts = np.bincount(group, weights=rated[quotes], minlength=count)
    # Sums of small integers, exact as floats.
    return totals.astype(np.int64).tolist(), counts.astype(np.int64).tolist()


def _distinct_per_group(numbers: Ints, group: Ints, count: int) -> list[int]:
    """Per (stage, code): how many distinct numbers (not -1) its codings have."""
    known = numbers >= 0
    width = int(numbers.max()) + 1 if len(numbers) else 1
    pairs = _distinct(group[known] * width + numbers[known])
    counts: list[int] = np.bincount(pairs // width, minlength=count).tolist()
    return counts


# np.unique would do for the next three, but it hashes before it sorts: ten times as slow on
# the few tens of thousands of numbers here.


def _starts(ordered: Ints) -> Ints:
    """Where each run of equal numbers starts in a sorted array."""
    if not len(ordered):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.diff(ordered, prepend=ordered[0] - 1))


def _distinct(numbers: Ints) -> Ints:
    """The numbers, each once, in increasing order."""
    ordered = np.sort(numbers)
    return ordered[_starts(ordered)]


def _runs(ordered: Ints) -> tuple[Ints, Ints]:
    """The distinct numbers of a sorted array, and how many times each occurs."""
    starts = _starts(ordered)
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def _stage_sort(stage_id: StageId) -> tuple[int, int]:
    return (1, 0) if stage_id is None else (0, stage_id)


def code_strengths(index: EvidenceIndex) -> dict[tuple[StageId, int], Strength]:
    """The strength of every (stage, code) that has evidence, stages in order ("no stage"
    last), then codes."""
    return index.code_strengths()


def cooccurrence(rows: Iterable[EvidenceRow]) -> dict[tuple[StageId, int, int], int]:
    """Per stage, how many highlights carry both codes of each pair (first code id < second)."""
    return EvidenceColumns.from_rows(rows).cooccurrence()


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
    (an interviewer's) are never picked.

    What does not depend on the theme (all but shareable and the theme's codes) is ranked
    once for all a study's quotes, by numpy: a theme's quotes are then sorted by their rank
    in C. Whether viewers may read a quote is asked only of the quotes looked at, in that
    order: the first few, mostly.
    """

    def __init__(
        self,
        *,
        quote_worthy: Set[int] = frozenset(),
        shareable: Callable[[EvidenceRow], bool] | None = None,
    ) -> None:
        self.quote_worthy = quote_worthy
        self.shareable = shareable
        self._ranked: tuple[EvidenceColumns, list[int]] | None = None  # the last ranking

    def pick(
        self,
        rows: Sequence[EvidenceRow],
        *,
        code_ids: Set[int],
        limit: int = DEFAULT_THRESHOLDS.quotes_per_theme,
    ) -> list[int]:
        columns = EvidenceColumns.from_rows(rows)
        return self.pick_at(columns, range(len(columns)), code_ids=code_ids, limit=limit)

    def pick_at(
        self,
        columns: EvidenceColumns,
        positions: Sequence[int],
        *,
        code_ids: Set[int],
        limit: int = DEFAULT_THRESHOLDS.quotes_per_theme,
    ) -> list[int]:
        """The choice among the quotes at these positions of `columns`."""
        ranks = self._ranks_of(columns)
        if len(code_ids) == 1:  # every quote carries the one code
            ordered = sorted(positions, key=ranks.__getitem__)
        else:
            overlap = [len(code_ids & set(codes)) for codes in columns.code_ids_at(positions)]
            keys = zip(map(neg, overlap), map(ranks.__getitem__, positions), positions, strict=True)
            ordered = [position for _more, _rank, position in sorted(keys)]
        chosen: list[int] = []
        quoted: set[int] = set()
        withheld: list[int] = []  # from viewers: looked at once the others ran out
        participant_ids, highlight_ids = columns.participant_ids, columns.highlight_ids
        for position in ordered:
            if len(chosen) >= limit:
                return chosen
            people = participant_ids[position]
            if not people or quoted.intersection(people):
                continue
            if self.shareable is not None and not self.shareable(columns.row(position)):
                withheld.append(position)
                continue
            chosen.append(highlight_ids[position])
            quoted.update(people)
        for position in withheld:
            if len(chosen) >= limit:
                break
            people = participant_ids[position]
            if not quoted.intersection(people):
                chosen.append(highlight_ids[position])
                quoted.update(people)
        return chosen

    def _ranks_of(self, columns: EvidenceColumns) -> list[int]:
        """Each quote's place when every quote of `columns` is sorted by quote-worthy,
        readable length, severity, sentiment, then highlight id (kept for the next theme)."""
        if self._ranked is not None and self._ranked[0] is columns:
            return self._ranked[1]
        codings = columns.codings
        worthy = np.array([code_id in self.quote_worthy for code_id in codings.code_of], dtype=bool)
        not_worthy = np.ones(len(columns), dtype=np.int64)
        not_worthy[codings.quotes[worthy[codings.codes]]] = 0
        lengths = columns.values("lengths")
        readable = (lengths >= GOOD_QUOTE_LENGTH.start) & (lengths < GOOD_QUOTE_LENGTH.stop)
        severity = np.nan_to_num(columns.values("severities"))  # None counts as 0
        sentiment = np.abs(np.nan_to_num(columns.values("sentiments")))
        order = np.lexsort(
            (columns.values("highlight_ids"), -sentiment, -severity, ~readable, not_worthy)
        )
        ranks = np.empty(len(columns), dtype=np.int64)
        ranks[order] = np.arange(len(columns))
        found: list[int] = ranks.tolist()
        self._ranked = (columns, found)
        return found


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
    name: str = ""


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
