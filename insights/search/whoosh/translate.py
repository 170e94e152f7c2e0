"""Translating a query's AST (base.Node) into a whoosh query.

translate returns a Translation: the whoosh query, what it excludes when it has only
negations, the words and prefixes to mark in snippets, the words too common to search, and
the phrase that ranks adjacent words higher.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.lang.porter2 import stem
from whoosh.searching import Searcher

from insights.search.base import (
    And,
    Node,
    Not,
    Or,
    Phrase,
    Term,
)
from insights.search.whoosh.ranking import PHRASE_BOOST
from insights.search.whoosh.schema import ANALYZER

# Words as typed, lower-cased, for prefixes (which must not be stemmed: "onboard*").
_WORDS = RegexTokenizer() | LowercaseFilter()


def _any_of(queries: list[wq.Query]) -> wq.Query:
    return queries[0] if len(queries) == 1 else wq.Or(queries)


@dataclass
class Translation:
    query: wq.Query  # wq.NullQuery: nothing can match; wq.Every(): no free text
    excluded: wq.Query | None = None  # a root of negations only: everything but this
    words: set[str] = field(default_factory=set)  # stemmed words to mark in snippets
    prefixes: set[str] = field(default_factory=set)  # prefixes to mark, expanded at search
    dropped: list[str] = field(default_factory=list)  # typed words too common to search
    # A root that ANDs plain words: those words side by side score this on top (see ranking.py).
    phrase_boost: wq.Phrase | None = None

    @property
    def ranked(self) -> bool:
        return self.excluded is None and not isinstance(self.query, wq.Every)

    @property
    def message(self) -> str:
        if self.query is wq.NullQuery and self.dropped:
            words = ", ".join(f"“{word}”" for word in dict.fromkeys(self.dropped))
            return f"Only very common words ({words}) were searched for; try other words."
        return ""

    def highlight_terms(self, searcher: Searcher) -> frozenset[str]:
        words = set(self.words)
        reader = searcher.reader()
        for prefix in self.prefixes:
            for i, btext in enumerate(reader.expand_prefix("text", prefix)):
                if i >= 1000:  # "a*" on a big index: marking the first thousand is plenty
                    break
                words.add(btext.decode("utf-8"))
        return frozenset(words)


def translate(root: Node | None) -> Translation:
    """The whoosh query for an AST root, and what to mark in snippets.

    No root (filters only) matches every document. A root whose every word was dropped
    (stop words, punctuation) matches nothing.
    """
    if root is None:
        return Translation(query=wq.Every())
    translation = Translation(query=wq.NullQuery)
    q = _node(root, translation, negated=False)
    if q is None:
        return translation
    if isinstance(q, wq.Not):
        translation.excluded = q.query  # "everything except …"
        q = wq.AndNot(wq.Every(), q.query)
    elif isinstance(root, And):
        translation.phrase_boost = _phrase_boost(root)
    translation.query = q
    return translation


def _node(node: Node, tr: Translation, *, negated: bool) -> wq.Query | None:
    """Translate one node; None when nothing searchable is left of it."""
    match node:
        case Term(word=word, prefix=True):
            return _prefix(word, tr, negated=negated)
        case Term(word=word):
            words = _analyse(word)
            if not words:
                if not negated:
                    tr.dropped.append(word)
                return None
            return _words(words, tr, negated=negated)
        case Phrase(words=typed):
            words = _analyse(" ".join(typed))
            if not words:
                if not negated:
                    tr.dropped.append(" ".join(typed))
                return None
            return _words(words, tr, negated=negated)
        case Not(node=child):
            q = _node(child, tr, negated=not negated)
            return None if q is None else wq.Not(q)
        case And(nodes=nodes):
            parts = _flatten(wq.And, [_node(n, tr, negated=negated) for n in nodes])
            return _conjunction(parts)
        case Or(nodes=nodes):
            parts = _flatten(wq.Or, [_node(n, tr, negated=negated) for n in nodes])
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else wq.Or(parts)
    raise TypeError(f"Not a query node: {node!r}")


def _words(words: list[str], tr: Translation, *, negated: bool) -> wq.Query:
    """A word (one token) or a phrase (a word that punctuation splits: "e-mail")."""
    if not negated:
        tr.words.update(words)
    if len(words) == 1:
        return wq.Term("text", words[0])
    return wq.Phrase("text", words)


def _prefix(word: str, tr: Translation, *, negated: bool) -> wq.Query | None:
    """onboard*: words starting with the typed letters, or with their stem.

    The index holds stems, and a stem is usually a prefix of its word ("onboard" for
    "onboarding"), but not always: "happy" is stored as "happi", so "happy*" also looks
    for the stem "happi". Letters typed into a suffix ("onboardi*") find nothing.
    """
    typed = [t.text for t in _WORDS(word)]
    if not typed:
        return None
    last = typed[-1]
    stems = sorted({last, stem(last)})
    if not negated:
        tr.prefixes.update(stems)
    prefix_q = _any_of([wq.Prefix("text", s) for s in stems])
    leading = _analyse(" ".join(typed[:-1]))  # "sign-u*": the phrase before the prefix
    if not leading:
        return prefix_q
    if not negated:
        tr.words.update(leading)
    return wq.And([*(wq.Term("text", w) for w in leading), prefix_q])


def _flatten(cls: type[wq.CompoundQuery], parts: list[wq.Query | None]) -> list[wq.Query]:
    """Drop None, and splice children of the same operator in (a AND (b AND c)): keeps a
    long chain of one operator from nesting a matcher per level."""
    flat: list[wq.Query] = []
    for part in parts:
        if part is None:
            continue
        if type(part) is cls:
            flat.extend(part.subqueries)
        else:
            flat.append(part)
    return flat


def _conjunction(parts: list[wq.Query]) -> wq.Query | None:
    """AND of parts, with the negated ones subtracted (AndNot skips them, where a Not inside
    an And would walk every document)."""
    if not parts:
        return None
    positive = [p for p in parts if not isinstance(p, wq.Not)]
    negative = [p.query for p in parts if isinstance(p, wq.Not)]
    if not negative:
        return positive[0] if len(positive) == 1 else wq.And(positive)
    excluded = _any_of(negative)
    if not positive:
        return wq.Not(excluded)
    included = positive[0] if len(positive) == 1 else wq.And(positive)
    return wq.AndNot(included, excluded)


def _phrase_boost(root: And) -> wq.Phrase | None:
    """For a root that ANDs two or more plain words, documents where those words stand
    side by side (in the order typed) score a phrase match on top: same matches, adjacency
    ranked first. The phrase's score is PHRASE_BOOST times its words' own scores, which the
    root's score already holds, so a match gains at most PHRASE_BOOST times its score."""
    words: list[str] = []
    for node in root.nodes:
        if isinstance(node, Term) and not node.prefix:
            analysed = _analyse(node.word)
            if len(analysed) == 1:
                words.append(analysed[0])
    if len(words) < 2:
        return None
    return wq.Phrase("text", words, boost=PHRASE_BOOST)


def _analyse(text: str) -> list[str]:
    """The index's tokens for text: lower-cased, stop words dropped, stemmed."""
    return [t.text for t in ANALYZER(text)]
