"""Sets of document numbers, as Python ints, and what is built from them.

DocSets: per searcher, the documents of each facet value and filter, the live documents,
the allowed documents of a search, facet counts, and every document's rank weight, passage
and text length. bits_of and first_docnums convert between ints and document numbers; BitsDocIdSet
and AllowedBefore let whoosh's collectors filter by such a set (AllowedBefore also stops at
a deadline).
"""

from __future__ import annotations

import datetime as dt
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.utils import timezone
from whoosh import query as wq
from whoosh.collectors import FilterCollector, ScoredCollector
from whoosh.idsets import DocIdSet
from whoosh.searching import Searcher

from insights.search.base import (
    FACETS,
    Cleared,
    Filters,
    Kind,
    SearchTimeout,
    rank_weight,
)
from insights.search.whoosh.schema import FACET_FIELDS

# A set of document numbers is a Python int with bit n set for document n: & | ~ and
# bit_count() run in C over a few kilobytes, where whoosh's own filters and facet counts walk
# postings in Python on every search (at 50,000 documents, hundreds of milliseconds).


class DocSets:
    """The document sets one searcher needs: per facet value, per filter, the live documents.

    Built on first use and kept with the searcher; a term's set is built per segment and kept
    across searchers (state.segment_bits), so after a commit only the new segment is read.
    So are every document's rank weight, passage and text length (state.segment_values),
    which ranking and word_pair read per match: from an array, not through whoosh's column
    readers.
    """

    MAX_FILTERS = 64

    def __init__(
        self,
        searcher: Searcher,
        segment_bits: dict[tuple[str, str, object], int],
        segment_values: dict[tuple[str, str, object], Sequence[Any]] | None = None,
    ):
        self.searcher = searcher
        self.leaves = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
        segment_ids = {_segment_id(reader) for reader, _ in self.leaves}
        segment_values = {} if segment_values is None else segment_values
        for cache in (segment_bits, segment_values):
            for key in [key for key in cache if key[0] not in segment_ids]:
                del cache[key]  # segments merged away
        self.segment_bits = segment_bits
        self.segment_values = segment_values
        self._weights: tuple[dt.date, array[float]] | None = None
        self._passages: list[bytes] | None = None
        self._text_lengths: array[int] | None = None
        self._terms: dict[tuple[str, object], int] = {}
        self._filters: OrderedDict[tuple[object, ...], int] = OrderedDict()
        self._values: dict[str, list[str]] = {}
        self._live: int | None = None

    def warm(self) -> None:
        """Build now what a search would build on first use: the sets of every facet value
        and project, the live documents, the rank weights, passages and text lengths (at large
        scale, seconds; after a commit, only the new segment's)."""
        for fieldname in FACET_FIELDS.values():
            for value in self._facet_values(fieldname):
                self.term(fieldname, value)
        for project_id in self.searcher.reader().field_terms("project_id"):
            self.term("project_id", project_id)
        self.term("speaker_participant_id", 0)  # consent: documents with no speaker
        self.live()
        self.rank_weights(timezone.localdate())
        self.passages()
        self.text_lengths()

    def rank_weights(self, today: dt.date) -> array[float]:
        """Every document's base.rank_weight on `today` (pain severity, recency), by docnum."""
        if self._weights is None or self._weights[0] != today:
            for key in [key for key in self.segment_values if key[1] == "rank_weight"]:
                if key[2] != today:
                    del self.segment_values[key]  # yesterday's
            weights = array("d")
            for reader, offset in self.leaves:
                assert offset == len(weights)
                weights.extend(self._segment_weights(reader, today))
            self._weights = (today, weights)
        return self._weights[1]

    def _segment_weights(self, reader: Any, today: dt.date) -> Sequence[float]:
        key = (_segment_id(reader), "rank_weight", today)
        weights = self.segment_values.get(key)
        if weights is None:
            of_pair: dict[tuple[int, int], float] = {}  # a few hundred pairs
            weights = array("d")
            pairs = zip(
                reader.column_reader("pain_severity"), reader.column_reader("rank_day"), strict=True
            )
            for pair in pairs:
                weight = of_pair.get(pair)
                if weight is None:
                    pain, day = pair
                    session_date = dt.date.fromordinal(day) if day else None
                    weight = of_pair[pair] = rank_weight(pain, session_date, today)
                weights.append(weight)
            self.segment_values[key] = weights
        return weights

    def passages(self) -> list[bytes]:
        """Every document's passage (base.SearchDocument.passage, encoded; b"" for none), by
        docnum."""
        if self._passages is None:
            passages: list[bytes] = []
            for reader, offset in self.leaves:
                assert offset == len(passages)
                key = (_segment_id(reader), "passage", None)
                segment = self.segment_values.get(key)
                if segment is None:
                    segment = self.segment_values[key] = list(reader.column_reader("passage"))
                passages.extend(segment)
            self._passages = passages
        return self._passages

    def text_lengths(self) -> array[int]:
        """Every document's length of its text field as BM25F reads it (whoosh keeps it
        within a byte), by docnum; 0 for none. Read per match by word_pair."""
        if self._text_lengths is None:
            lengths = array("I")
            for reader, offset in self.leaves:
                assert offset == len(lengths)
                key = (_segment_id(reader), "text_length", None)
                segment = self.segment_values.get(key)
                if segment is None:
                    segment = self.segment_values[key] = array(
                        "I",
                        (
                            reader.doc_field_length(docnum, "text", 1) or 0
                            for docnum in range(reader.doc_count_all())
                        ),
                    )
                lengths.extend(segment)
            self._text_lengths = lengths
        return self._text_lengths

    def term(self, fieldname: str, value: object) -> int:
        """The documents with value in fieldname (deleted ones too: mask with live())."""
        key = (fieldname, value)
        bits = self._terms.get(key)
        if bits is None:
            bits = 0
            for reader, offset in self.leaves:
                bits |= self._segment_term(reader, fieldname, value) << offset
            self._terms[key] = bits
        return bits

    def _segment_term(self, reader: Any, fieldname: str, value: object) -> int:
        key = (_segment_id(reader), fieldname, value)
        bits = self.segment_bits.get(key)
        if bits is None:
            bits = 0
            if (fieldname, value) in reader:
                bits = bits_of(reader.postings(fieldname, value).all_ids())
            self.segment_bits[key] = bits
        return bits

    def live(self) -> int:
        """Every document not deleted."""
        if self._live is None:
            live = 0
            for reader, offset in self.leaves:
                deleted = bits_of(reader.deleted_docs_set) if reader.has_deletions() else 0
                live |= (((1 << reader.doc_count_all()) - 1) & ~deleted) << offset
            self._live = live
        return self._live

    def of_query(self, q: wq.Query) -> int:
        return bits_of(self.searcher.docs_for_query(q))

    def allowed(
        self,
        project_ids: Sequence[int],
        filters: Filters,
        cleared: Mapping[int, Cleared],
        own_codings: Mapping[int, int],
    ) -> int:
        """The documents of these projects that pass the filters: projects OR-ed, a facet's
        values OR-ed, facets and dates AND-ed. A project in `cleared` gives only the
        documents of its cleared sessions with no speaker or a cleared one; a project in
        `own_codings` only its coder's highlights."""
        key = (
            frozenset(project_ids),
            frozenset((facet, frozenset(values)) for facet, values in filters.values.items()),
            filters.session_from,
            filters.session_to,
            frozenset((pk, c.session_ids, c.participant_ids) for pk, c in cleared.items()),
            frozenset(own_codings.items()),
        )
        bits = self._filters.get(key)
        if bits is not None:
            self._filters.move_to_end(key)
            return bits
        bits = self._any("project_id", {pk for pk in project_ids if pk not in cleared})
        for pk in set(project_ids) & set(cleared):
            within = self.term("project_id", pk) & self._any("session_id", cleared[pk].session_ids)
            if within:
                speakers = self.term("speaker_participant_id", 0)
                within &= speakers | self._any(
                    "speaker_participant_id", cleared[pk].participant_ids
                )
            bits |= within
        for pk in set(project_ids) & set(own_codings):
            others = self.term("project_id", pk) & self.term("kind", Kind.HIGHLIGHT)
            bits &= ~(others & ~self.term("coder_id", own_codings[pk]))
        for facet in FACETS:
            if bits and (values := filters.get(facet)):
                bits &= self._any(FACET_FIELDS[facet], {value.lower() for value in values})
        if bits and (filters.session_from or filters.session_to):
            start, end = filters.session_from, filters.session_to
            bits &= self.of_query(
                wq.NumericRange(
                    "session_date",
                    start.toordinal() if start else None,
                    end.toordinal() if end else None,
                )
            )
        self._filters[key] = bits
        if len(self._filters) > self.MAX_FILTERS:
            self._filters.popitem(last=False)
        return bits

    def _any(self, fieldname: str, values: Iterable[object]) -> int:
        bits = 0
        for value in values:
            bits |= self.term(fieldname, value)
        return bits

    def facet_counts(self, matched: int) -> dict[str, dict[str, int]]:
        """facet → value → number of matched documents with it, most frequent first."""
        counts: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            fieldname = FACET_FIELDS[facet]
            pairs = [
                (value, (matched & self.term(fieldname, value)).bit_count())
                for value in self._facet_values(fieldname)
            ]
            pairs.sort(key=lambda pair: (-pair[1], pair[0]))
            counts[facet] = {value: count for value, count in pairs if count}
        return counts

    def _facet_values(self, fieldname: str) -> list[str]:
        values = self._values.get(fieldname)
        if values is None:
            values = self._values[fieldname] = [
                btext.decode("utf-8") for btext in self.searcher.lexicon(fieldname)
            ]
        return values


def _segment_id(reader: Any) -> str:
    segment = reader.segment()
    return segment.segment_id() if segment is not None else ""


def bits_of(docnums: Iterable[int]) -> int:
    """The set of docnums as an int (bit n for document n)."""
    bits = bytearray()
    for docnum in docnums:
        byte = docnum >> 3
        if byte >= len(bits):
            bits.extend(bytes(byte + 1 - len(bits) + 1024))
        bits[byte] |= 1 << (docnum & 7)
    return int.from_bytes(bits, "little")


def first_docnums(bits: int, offset: int, limit: int) -> list[int]:
    """Documents offset … offset+limit-1 of the set, in document order."""
    found: list[int] = []
    skip = offset
    for byte_index, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) // 8, "little")):
        if not byte:
            continue
        if skip >= 8 and (ones := byte.bit_count()) <= skip:
            skip -= ones
            continue
        for bit in range(8):
            if byte >> bit & 1:
                if skip:
                    skip -= 1
                    continue
                found.append(byte_index * 8 + bit)
                if len(found) == limit:
                    return found
    return found


class BitsDocIdSet(DocIdSet):
    """An int set as whoosh's filter= wants it: only membership is asked."""

    def __init__(self, bits: int) -> None:
        self._bytes = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
        self.first = (bits & -bits).bit_length() - 1  # the lowest docnum in it, -1 if empty
        self.last = bits.bit_length() - 1

    def __contains__(self, docnum: object) -> bool:
        assert isinstance(docnum, int)
        byte = docnum >> 3
        return byte < len(self._bytes) and bool(self._bytes[byte] >> (docnum & 7) & 1)

    def __bool__(self) -> bool:
        return any(self._bytes)

    def __len__(self) -> int:
        return int.from_bytes(self._bytes, "little").bit_count()

    def __iter__(self) -> Iterator[int]:
        for byte_index, byte in enumerate(self._bytes):
            for bit in range(8):
                if byte >> bit & 1:
                    yield byte_index * 8 + bit


class ScoredMatches(ScoredCollector):
    """Every match's (score, docnum) in `items`, unsorted: ranking sorts them by its own key.
    (whoosh's UnlimitedCollector also keeps a set of them and sorts them by score.)"""

    def _collect(self, global_docnum: int, score: float) -> float:
        self.items.append((score, global_docnum))
        return 0 - score


class AllowedBefore(FilterCollector):
    """Collects the allowed matches (what search(filter=…) does) until a deadline.

    whoosh's TimeLimitCollector cannot wrap a filter: it hands every match to the collector
    inside, past the filter's check. The clock is read every 256 matches.
    """

    def __init__(
        self,
        deadline: float,
        child: Any,
        allow: BitsDocIdSet,
        on_match: Callable[[Any, int, int], None] | None = None,
    ) -> None:
        super().__init__(child, allow=allow)
        self.deadline = deadline
        # Called with (matcher, segment docnum, docnum) for each allowed match, while the
        # query's matcher still stands on it (ranking.PhraseProbe reads word positions there).
        self.on_match = on_match

    def collect_matches(self) -> None:
        child, allow, offset, on_match = self.child, self._allow, self.offset, self.on_match
        # Only matches between the first and the last allowed document can be collected:
        # the matcher skips straight to the first (past whole blocks of postings, unread)
        # and stops after the last, where a filter would walk and score them all.
        first, last = allow.first - offset, allow.last - offset
        matcher = child.matcher
        if last < 0 or not matcher.is_active():
            return
        if matcher.id() < first:
            matcher.skip_to(first)
        for count, sub_docnum in enumerate(child.matches()):
            if sub_docnum > last:
                break
            if not count & 255 and time.monotonic() > self.deadline:
                raise SearchTimeout("The search ran out of time while ranking its matches.")
            if offset + sub_docnum in allow:
                child.collect(sub_docnum)
                if on_match is not None:
                    on_match(child.matcher, sub_docnum, offset + sub_docnum)
