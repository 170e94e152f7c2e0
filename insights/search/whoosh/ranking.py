"""Ranking the matches of a search.

ranked: every match's text score (plus the phrase bonus of PHRASE_BOOST where it decides
the page) times its rank weight (base.rank_weight: pain severity, recency), one match per
passage. without_repeated_passages: the same one-per-passage rule for unranked matches.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils import timezone
from whoosh import query as wq
from whoosh.searching import Searcher

from insights.search.whoosh.docsets import DocSets, bits_of, first_docnums

# "A phrase match outranks scattered words": the score a document gets on top of its AND
# score when the AND-ed words also stand side by side, in the order typed.
PHRASE_BOOST = 2.0


def _weighted(
    top_n: Iterable[tuple[float, int]],
    weights: Sequence[float],
    bonus: Mapping[int, float] | None = None,
) -> list[tuple[float, int]]:
    """Every match's text score (plus its phrase bonus, if any) times its rank weight, best
    first."""
    bonus = bonus or {}
    weighted = [
        ((score + bonus[docnum] if docnum in bonus else score) * weights[docnum], docnum)
        for score, docnum in top_n
    ]
    weighted.sort(key=lambda pair: (-pair[0], pair[1]))
    return weighted


class PhraseBonus(Protocol):
    """The phrase bonus of a search's matches, asked of the few that could reach the page."""

    @property
    def phrase(self) -> wq.Phrase: ...

    def scores(self, searcher: Searcher, docnums: list[int]) -> dict[int, float]:
        """docnum → the phrase's score, for those of docnums (ascending) with the phrase."""
        ...


class PhraseProbe:
    """The phrase bonus of every match, found during the ranked query's own pass
    (AllowedBefore's on_match) from the query's own term matchers, which stand on the match
    then: its words' positions, and for a match with the words side by side, their scores.
    Found afterwards, each word's postings were walked and unpickled a second time, as long
    as the search itself.
    """

    def __init__(self, searcher: Searcher, phrase: wq.Phrase) -> None:
        self.phrase = phrase
        field = searcher.schema[phrase.fieldname]
        self.terms = [(phrase.fieldname, field.to_bytes(word)) for word in phrase.words]
        self.decode = field.format.decoder("positions")
        self.read: set[int] = set()  # the matches probed
        self.bonus: dict[int, float] = {}  # docnum → the phrase's score, if it has the phrase
        self._matcher: Any = None
        self._leaves: dict[tuple[str, bytes], list[Any]] = {}

    def __call__(self, matcher: Any, sub_docnum: int, docnum: int) -> None:
        if matcher is not self._matcher:  # the collector replaces its matcher now and then
            self._matcher = matcher
            self._leaves = {}
            for leaf in matcher.term_matchers():
                self._leaves.setdefault(leaf.term(), []).append(leaf)
        found = []
        for term in self.terms:
            for leaf in self._leaves.get(term, ()):
                if leaf.is_active() and leaf.id() == sub_docnum:
                    found.append(leaf)
                    break
            else:
                return  # no matcher of the word stands here: _phrase_scores reads it if asked
        self.read.add(docnum)
        # Positions first: scoring a word reads its document's length (a column), and most
        # matches do not have the phrase.
        if adjacent([set(self.decode(leaf.value())) for leaf in found]):
            self.bonus[docnum] = sum(leaf.score() for leaf in found) * self.phrase.boost

    def scores(self, searcher: Searcher, docnums: list[int]) -> dict[int, float]:
        """docnum → the phrase's score, for those of docnums (ascending) with the phrase."""
        scores = {docnum: self.bonus[docnum] for docnum in docnums if docnum in self.bonus}
        unread = [docnum for docnum in docnums if docnum not in self.read]
        if unread:
            scores.update(_phrase_scores(searcher, self.phrase, unread))
        return scores


@dataclass
class Ranking:
    """A search's matches ranked, one per passage (base.SearchDocument.passage)."""

    best: list[tuple[float, int]]  # the first `wanted` ranked: (weighted score, docnum)
    kept: int  # every match but the passages' repeats (bits), ranked or not


def ranked(
    searcher: Searcher,
    docsets: DocSets,
    matches: Sequence[tuple[float, int]],
    probe: PhraseBonus | None,
    wanted: int,
) -> Ranking:
    """The matches ((score, docnum) in any order) ranked by their score (plus the phrase
    bonus where it decides anything) times their rank weight, one per passage: of a passage
    matched more than once (its highlights by several coders), the best-ranked is kept.
    Only the first `wanted` are put in order.
    """
    weights = docsets.rank_weights(timezone.localdate())
    passages = docsets.passages()
    # Ranking keys, (-weighted score, docnum): best first as they sort, ties by docnum.
    plain = [(-(score * weights[docnum]), docnum) for score, docnum in matches]
    plain.sort()
    repeats = _repeated_passages([docnum for _, docnum in plain], passages)
    scores: dict[int, float] = {}
    bonus: dict[int, float] = {}
    if repeats or probe is not None:
        scores = {docnum: score for score, docnum in matches}
    if probe is not None and plain:
        bonus = _phrase_bonus(searcher, probe, plain, repeats, scores, weights, passages, wanted)

    def key(docnum: int) -> tuple[float, int]:
        score = scores[docnum] + bonus[docnum] if docnum in bonus else scores[docnum]
        return (-(score * weights[docnum]), docnum)

    order: Iterable[tuple[float, int]] = plain
    if bonus:
        order = heapq.merge(
            (pair for pair in plain if pair[1] not in bonus), sorted(map(key, bonus))
        )
    repeated: set[int] = set()  # every match of a passage but its best-ranked
    for group in repeats:
        group.sort(key=key)
        repeated.update(group[1:])
    best: list[tuple[float, int]] = []
    for negated, docnum in order:
        if len(best) == wanted:
            break
        if docnum not in repeated:
            best.append((-negated, docnum))
    kept = bits_of(docnum for _, docnum in matches) & ~bits_of(repeated)
    return Ranking(best=best, kept=kept)


def _repeated_passages(docnums: list[int], passages: Sequence[bytes]) -> list[list[int]]:
    """The matches of each passage matched more than once."""
    counts = Counter(map(passages.__getitem__, docnums))
    twice = {passage for passage, count in counts.items() if count > 1 and passage}
    groups: dict[bytes, list[int]] = {}
    if twice:
        for docnum in docnums:
            if (passage := passages[docnum]) in twice:
                groups.setdefault(passage, []).append(docnum)
    return list(groups.values())


def _phrase_bonus(
    searcher: Searcher,
    probe: PhraseBonus,
    plain: list[tuple[float, int]],
    repeats: list[list[int]],
    scores: Mapping[int, float],
    weights: Sequence[float],
    passages: Sequence[bytes],
    wanted: int,
) -> dict[int, float]:
    """docnum → phrase bonus, of the matches (`plain`: ranked by score alone) with the
    phrase that could reach the first `wanted`, and of every match of a repeated passage.

    Checking the phrase means reading word positions: done for every match, it cost as
    much again as finding the matches. A match gains at most PHRASE_BOOST times its score,
    so only matches that could still reach the first `wanted` are checked: every match of
    a repeated passage (which of them is kept depends on it), then the best by their score
    alone, in batches that double, until every unchecked one falls short of the page.
    """
    phrase = probe.phrase
    to_check = {docnum for group in repeats for docnum in group}
    to_check.update(docnum for _, docnum in plain[:wanted])
    bonus: dict[int, float] = {}
    checked: set[int] = set()
    # The most a bonus multiplies a score by (a word typed twice is scored twice), and some.
    repeated_words = len(phrase.words) - len(set(phrase.words))
    reach = 1 + PHRASE_BOOST * (1 + repeated_words) + 1e-9
    batch = wanted
    unchecked = 0  # plain[:unchecked] are checked
    while to_check:
        bonus.update(probe.scores(searcher, sorted(to_check)))
        checked |= to_check
        best = _one_per_passage(
            _weighted(((scores[d], d) for d in checked), weights, bonus), passages
        )
        bar = best[wanted - 1][0] if len(best) >= wanted else -math.inf
        to_check = set()
        batch *= 2
        while unchecked < len(plain) and len(to_check) < batch:
            negated, docnum = plain[unchecked]
            if -negated * reach < bar:
                break  # the rest score less still
            if docnum not in checked:
                to_check.add(docnum)
            unchecked += 1
    return bonus


def _phrase_scores(searcher: Searcher, phrase: wq.Phrase, docnums: list[int]) -> dict[int, float]:
    """docnum → the phrase's score, for those of docnums (ascending) that have the phrase.

    What whoosh's Phrase matcher scores (its words' scores, times its boost), found with one
    matcher per word moved straight to each document asked: the Phrase matcher's skip_to
    reads the positions of every document on its way to the next one with the phrase.
    """
    scores: dict[int, float] = {}
    context = searcher.context()
    position = 0
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        mine = []
        while position < len(docnums) and docnums[position] < end:
            mine.append(docnums[position] - offset)
            position += 1
        if not mine:
            continue
        matchers = [wq.Term(phrase.fieldname, word).matcher(leaf, context) for word in phrase.words]
        for local in mine:
            if not all(_moved_to(matcher, local) for matcher in matchers):
                continue
            if adjacent([set(matcher.value_as("positions")) for matcher in matchers]):
                scores[offset + local] = sum(m.score() for m in matchers) * phrase.boost
    return scores


def adjacent(positions: list[set[int]]) -> bool:
    """Whether the words (their positions, in the phrase's order) stand side by side."""
    return any(
        all(start + i in at for i, at in enumerate(positions[1:], 1)) for start in positions[0]
    )


def _moved_to(matcher: Any, docnum: int) -> bool:
    """Move a matcher forward to docnum; whether it matches there."""
    if matcher.is_active() and matcher.id() < docnum:
        matcher.skip_to(docnum)
    return bool(matcher.is_active() and matcher.id() == docnum)


def _one_per_passage(
    ranked: list[tuple[float, int]], passages: Sequence[bytes]
) -> list[tuple[float, int]]:
    """The ranked matches with only the first of each passage (base.SearchDocument.passage)."""
    seen: set[bytes] = set()
    kept = []
    for score, docnum in ranked:
        passage = passages[docnum]
        if passage:
            if passage in seen:
                continue
            seen.add(passage)
        kept.append((score, docnum))
    return kept


def without_repeated_passages(docsets: DocSets, matched: int, highlights: int) -> int:
    """Unranked matches without the second and later highlights of one passage."""
    candidates = matched & highlights
    if not candidates:
        return matched
    passages = docsets.passages()
    seen: set[bytes] = set()
    for docnum in first_docnums(candidates, 0, candidates.bit_count()):
        passage = passages[docnum]
        if passage in seen:
            matched &= ~(1 << docnum)
        elif passage:
            seen.add(passage)
    return matched
