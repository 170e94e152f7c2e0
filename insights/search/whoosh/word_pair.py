"""Two words, ANDed ("sso migration", the most common search) or as a phrase ("seat counts"),
matched and scored straight from the words' postings.

Whoosh walks an AND one posting at a time, a few method calls per posting of either word,
and scores each match by reading its field length once per word; a phrase is the same walk
with each match's positions turned into spans; the AND's phrase bonus then decoded both
words' positions for every match (PhraseProbe). Here each word's postings are read a block
at a time (whoosh's own decoding of a block), the documents with both words are the
intersection of two sets, and each is scored by the words' own scorers on the same term
weight and field length, so the scores are whoosh's to the bit (a phrase scores its words'
scores, as an AND does). A phrase's matches are those with the words side by side; an AND's
positions stay undecoded until ranking asks whether a match has the phrase, which it asks
only of the matches that could reach the page (ranking.ranked).
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher
from whoosh.scoring import BM25FScorer
from whoosh.searching import Searcher

from insights.search.base import SearchTimeout
from insights.search.whoosh.docsets import BitsDocIdSet
from insights.search.whoosh.ranking import PHRASE_BOOST, adjacent

FIELD = "text"


@dataclass(frozen=True)
class WordPair:
    """Two different words of the text field, ANDed, or side by side in this order (a
    phrase)."""

    first: str
    second: str
    side_by_side: bool


def word_pair(query: wq.Query, phrase_boost: wq.Phrase | None) -> WordPair | None:
    """The word pair a query asks for: a phrase of two different words (what a typed
    "seat counts" becomes), or an AND of two different plain words whose phrase bonus
    (translate.Translation.phrase_boost) is those words in the same order."""
    if query.boost != 1.0:
        return None
    if type(query) is wq.Phrase:
        words = list(query.words)
        if query.fieldname != FIELD or query.slop != 1 or query.char_ranges is not None:
            return None
        if len(words) != 2 or words[0] == words[1]:
            return None
        return WordPair(words[0], words[1], side_by_side=True)
    if type(query) is not wq.And or len(query.subqueries) != 2:
        return None
    words = []
    for sub in query.subqueries:
        if type(sub) is not wq.Term or sub.fieldname != FIELD or sub.boost != 1.0:
            return None
        words.append(sub.text)
    if words[0] == words[1] or phrase_boost is None or list(phrase_boost.words) != words:
        return None
    return WordPair(words[0], words[1], side_by_side=False)


class PairMatches:
    """Every allowed match of a word pair: `items` as ScoredMatches gives them ((score,
    docnum), in docnum order), and for an AND, the bonus of its phrase (`phrase`: the
    words side by side, scored PHRASE_BOOST times) of any of them, as PhraseProbe.scores."""

    def __init__(self, phrase: wq.Phrase, decode: Any) -> None:
        self.phrase = phrase
        self.items: list[tuple[float, int]] = []
        self._docnums: list[int] = []  # ascending, beside each match's two words' positions
        self._positions: list[tuple[bytes, bytes]] = []
        self._decode = decode

    def scores(self, searcher: Searcher, docnums: list[int]) -> dict[int, float]:
        """docnum → the phrase's score, for those of docnums (matches) with the phrase: its
        words' scores times its boost, and its words' scores are the match's score."""
        bonus: dict[int, float] = {}
        decode, boost = self._decode, self.phrase.boost
        for docnum in docnums:
            at = bisect_left(self._docnums, docnum)
            first, second = self._positions[at]
            if adjacent([set(decode(first)), set(decode(second))]):
                bonus[docnum] = self.items[at][0] * boost
        return bonus


def match_pair(
    searcher: Searcher,
    pair: WordPair,
    allowed: int,
    lengths: Sequence[int],
    deadline: float,
) -> PairMatches | None:
    """The allowed documents with both words (side by side, for a phrase), scored as
    whoosh's AND or phrase of the two scores them; None if a segment's postings are of a
    kind this does not read (then whoosh's own pass must run). `allowed` (docsets' bits)
    must leave out deleted documents: the postings are read without whoosh's filter of
    them. `lengths`: every document's text length as the words' scorers read it
    (DocSets.text_lengths)."""
    words = (pair.first, pair.second)
    allow = BitsDocIdSet(allowed)
    decode = searcher.schema[FIELD].format.decoder("positions")
    matches = PairMatches(wq.Phrase(FIELD, list(words), boost=PHRASE_BOOST), decode)
    context = searcher.context()
    for leaf, offset in searcher.leaf_searchers():
        first, last = max(allow.first - offset, 0), allow.last - offset
        if last < 0 or first >= leaf.doc_count_all():
            continue
        if time.monotonic() > deadline:
            raise SearchTimeout("The search ran out of time while ranking its matches.")
        matchers = [wq.Term(FIELD, word).matcher(leaf, context) for word in words]
        if not all(matcher.is_active() for matcher in matchers):
            continue  # a word missing from this segment
        # The rarer word's postings first, then only the blocks of the other's that can hold
        # one of its documents (whoosh's AND skips the others too).
        frequencies = [leaf.doc_frequency(FIELD, word) for word in words]
        rare_first = frequencies[0] <= frequencies[1]
        rare_matcher, common_matcher = matchers if rare_first else reversed(matchers)
        rare = _postings(rare_matcher, first, last)
        common = None if rare is None else _postings(common_matcher, first, last, rare.ids)
        if rare is None or common is None:
            return None
        first_word, second_word = (rare, common) if rare_first else (common, rare)
        ids_a, ids_b = first_word.ids, second_word.ids
        both = sorted(set(ids_a).intersection(ids_b))
        segment = (1 << leaf.doc_count_all()) - 1
        if (allowed >> offset) & segment != segment:
            both = [docnum for docnum in both if offset + docnum in allow]
        scored_a: dict[tuple[float, int], float] = {}
        scored_b: dict[tuple[float, int], float] = {}
        i = j = 0
        for count, docnum in enumerate(both):
            if not count & 1023 and time.monotonic() > deadline:
                raise SearchTimeout("The search ran out of time while ranking its matches.")
            # Both lists ascend: each word's posting is a few places on from the last one.
            i, j = ids_a.index(docnum, i), ids_b.index(docnum, j)
            positions = first_word.values[i], second_word.values[j]
            if pair.side_by_side and not adjacent([set(decode(at)) for at in positions]):
                continue
            length = lengths[offset + docnum]
            # BM25F is a function of the term's weight and the field's length only.
            key_a, key_b = (first_word.weights[i], length), (second_word.weights[j], length)
            score_a = scored_a.get(key_a)
            if score_a is None:
                score_a = scored_a[key_a] = first_word.scorer._score(*key_a)
            score_b = scored_b.get(key_b)
            if score_b is None:
                score_b = scored_b[key_b] = second_word.scorer._score(*key_b)
            matches.items.append((score_a + score_b, offset + docnum))
            if not pair.side_by_side:  # for the phrase bonus
                matches._docnums.append(offset + docnum)
                matches._positions.append(positions)
    return matches


@dataclass
class _Postings:
    ids: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)  # the term's weight in each
    values: list[bytes] = field(default_factory=list)  # its positions, encoded
    scorer: Any = None


def _postings(
    matcher: Any, first: int, last: int, within: list[int] | None = None
) -> _Postings | None:
    """A word's postings in one segment, from about document `first` to `last` (only the
    blocks that can hold one of the ascending docnums `within`, if given), and its scorer;
    None if not read here.

    Read a block at a time, decoded by whoosh's own readers (the ids delta-decoded, the
    weights and positions unpickled), where reading a posting at a time costs a few method
    calls each. A segment with deletions wraps its postings in a FilterMatcher leaving the
    deleted out: they are read unfiltered here (match_pair's `allow` leaves them out).
    """
    if isinstance(matcher, FilterMatcher) and matcher._exclude:
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher) or type(matcher.scorer) is not BM25FScorer:
        return None
    postings = _Postings(scorer=matcher.scorer)
    wanted = 0  # within[wanted]: the next docnum a block must be read for
    while matcher.is_active():
        if within is None:
            target = first
        elif wanted < len(within):
            target = within[wanted]
        else:
            break
        if matcher.block_max_id() < target:
            matcher.skip_to(target)  # past whole blocks, unread
            if not matcher.is_active():
                break
        matcher._read_ids()
        if matcher._ids[0] > last:
            break
        matcher._read_weights()
        matcher._read_values()
        postings.ids.extend(matcher._ids)
        postings.weights.extend(matcher._weights)
        postings.values.extend(matcher._values)
        if within is not None:
            wanted = bisect_right(within, matcher._ids[-1], wanted)
        matcher._next_block()
    return postings
