"""Search hits as the results page shows them: stored fields and an HTML snippet with the
matched words in <mark>."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from whoosh import highlight
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token

from insights.search.base import SearchHit
from insights.search.whoosh.schema import ANALYZER

SNIPPET_CHARS = 200


class _MarkFormatter(highlight.Formatter):
    """HTML-escapes everything and wraps each matched word in <mark>."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment: highlight.Fragment, replace: bool = False) -> str:
        inner: str = super().format_fragment(fragment, replace=replace).strip()
        before = "… " if fragment.startchar > 0 else ""
        after = " …" if fragment.endchar < len(fragment.text) else ""
        return before + inner + after


# A text that fits is shown whole (ContextFragmenter ends a fragment at its last word and
# would drop trailing punctuation); a longer one by its best passage.
_WHOLE = highlight.WholeFragmenter()
_CONTEXT = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
_FORMATTER = _MarkFormatter()
_SCORER = highlight.BasicFragmentScorer()


# The index's analyser, taken apart: its four steps in one loop. Through whoosh's chain of
# generators (and highlight's matching filter) a word costs five generator steps, and
# analysing the page's texts was most of a search's snippet time.
_TOKENIZER, _LOWERCASE, _STOP, _STEM = ANALYZER.items
assert isinstance(_TOKENIZER, RegexTokenizer) and not _TOKENIZER.gaps
assert isinstance(_LOWERCASE, LowercaseFilter)
assert isinstance(_STOP, StopFilter) and isinstance(_STEM, StemFilter)


def _marked_tokens(text: str, terms: frozenset[str]) -> Iterator[Token]:
    """What highlight.highlight's tokens are: ANALYZER(text, chars=True, removestops=False)
    with each token's `matched` set (highlight.set_matched_filter)."""
    stops, shortest, longest = _STOP.stops, _STOP.min, _STOP.max
    stem, ignore = _STEM._stem, _STEM.ignore  # _stem: the filter's stemmer, with its cache
    token = Token(chars=True, removestops=False, mode="index")
    for match in _TOKENIZER.expression.finditer(text):
        word = match.group(0).lower()
        token.boost = 1.0
        token.startchar, token.endchar = match.start(), match.end()
        if (
            len(word) >= shortest
            and (longest is None or len(word) <= longest)
            and word not in stops
        ):
            token.stopped = False
            token.text = word if word in ignore else stem(word)
        else:
            token.stopped = True
            token.text = word
        token.matched = token.text in terms
        yield token


def _snippet(text: str, terms: frozenset[str]) -> str:
    """The best ~200 characters around the matched words; the start of the text if none.

    As whoosh's highlight.highlight(text, terms, ANALYZER, fragmenter, _FORMATTER, top=1)
    marks it, with the tokens from _marked_tokens."""
    if terms:
        fragmenter = _WHOLE if len(text) <= SNIPPET_CHARS else _CONTEXT
        fragments = fragmenter.fragment_tokens(text, _marked_tokens(text, terms))
        best = highlight.top_fragments(fragments, 1, _SCORER, highlight.FIRST, minscore=1)
        marked: str = _FORMATTER(text, best)
        if marked:
            return marked
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    words = text[:SNIPPET_CHARS].rsplit(None, 1)  # don't end in the middle of a word
    cut = words[0] if len(words) == 2 else text[:SNIPPET_CHARS]
    return html.escape(cut.rstrip()) + " …"


def hit(stored: dict[str, Any], score: float, terms: frozenset[str]) -> SearchHit:
    return SearchHit(
        doc_id=stored["doc_id"],
        kind=stored.get("kind", ""),
        score=float(score),
        snippet_html=_snippet(stored.get("text", ""), terms),
        url=stored.get("url", ""),
        title=stored.get("title", ""),
        speaker=stored.get("speaker", ""),
        project_slug=stored.get("project_slug", ""),
        stage_name=stored.get("stage_name", ""),
        code_names=tuple(stored.get("code_names") or ()),
        time_ms=stored.get("time_ms"),
    )
