"""Search hits as the results page shows them: stored fields and an HTML snippet with the
matched words in <mark>."""

from __future__ import annotations

import html
from typing import Any

from whoosh import highlight

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


def _snippet(text: str, terms: frozenset[str]) -> str:
    """The best ~200 characters around the matched words; the start of the text if none."""
    if terms:
        fragmenter = _WHOLE if len(text) <= SNIPPET_CHARS else _CONTEXT
        marked: str = highlight.highlight(
            text, terms, ANALYZER, fragmenter, _FORMATTER, top=1, mode="index"
        )
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
