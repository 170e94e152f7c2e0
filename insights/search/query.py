"""The search box's query language, parsed into the AST of insights.search.base.

    parse_query('sso "true-up" -renewal stage:onboarding onboard*')

Grammar, loosest binding first (the Google convention, so `a b OR c` is a AND (b OR c)):

    query    := and_expr
    and_expr := or_expr ( ["AND"] or_expr )*       words side by side are AND-ed
    or_expr  := unary ( ("OR" | "|") unary )*       OR binds tighter than AND
    unary    := ("NOT" | "-") unary | primary        -word and NOT word
    primary  := "(" query ")" | '"' words '"' | word | word* | field:value | field:"value"

Operators are upper-case keywords; a lower-case "or" is an ordinary word. Words are
lower-cased and Unicode-aware: letters and digits of any script, with apostrophes inside
a word ("don't"); other punctuation separates words, and a token that punctuation splits
into several words is searched as a phrase ("true-up" is the phrase "true up"). A prefix
needs two letters before the star (`onboard*`); `o*` is the word "o". Backends stem.

Field filters (stage, code, project, segment, region, tier, kind, speaker) are lifted out
of the text wherever they stand and filter the whole query; several values of one field
are OR-ed. They cannot be negated (the Filters have no "not"): `-stage:x` is ignored with
a note. An unknown field (`foo:bar`) is searched as the words "foo bar", with a note.

A query of NOT terms only keeps its Not as the root ("everything except renewal"): with a
field filter it is useful (`stage:onboarding -renewal`), and both backends can match all
documents and subtract. Several negations are folded into one: `-a -b` is Not(Or(a, b)).

Nothing here raises on any input: unbalanced quotes and parentheses are closed, stray
operators dropped, over-long queries cut (1,000 characters, 50 words, 10 words a phrase,
parentheses 8 deep), a word repeated in a row in a phrase searched once, and each repair
adds a note for the results page. Pure Python: no Django, no
search library, so both backends and the tests share one reading of a query.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from insights.search.base import FACETS, And, Filters, Kind, Node, Not, Or, Phrase, Query, Term

MAX_LENGTH = 1_000
MAX_TERMS = 50  # words in the whole query, a phrase's words each counted
# Whoosh checks a phrase's word positions in every document that has all its words: a phrase
# of 50 repeats of one common word took 11 s (200: 47 s). Repeats in a row are searched once
# ("very very good" is "very good"), and a phrase is its first MAX_PHRASE_WORDS words.
MAX_PHRASE_WORDS = 10
MAX_DEPTH = 8
MIN_PREFIX = 2
MAX_WORD = 100  # no real word is longer; PostgreSQL ignores words past 2,047 bytes

# Query field → facet. "speaker_kind" is accepted too because the results page's links use it.
FIELDS = {
    "stage": "stage",
    "code": "code",
    "project": "project",
    "segment": "segment",
    "region": "region",
    "tier": "tier",
    "kind": "kind",
    "speaker": "speaker_kind",
    "speaker_kind": "speaker_kind",
}
FIELD_NAMES = "stage, code, project, segment, region, tier, kind, speaker"

KIND_VALUES = {
    "utterance": Kind.UTTERANCE,
    "utterances": Kind.UTTERANCE,
    "note": Kind.FIELD_NOTE,
    "notes": Kind.FIELD_NOTE,
    "field_note": Kind.FIELD_NOTE,
    "field-note": Kind.FIELD_NOTE,
    "fieldnote": Kind.FIELD_NOTE,
    "highlight": Kind.HIGHLIGHT,
    "highlights": Kind.HIGHLIGHT,
}
SPEAKER_VALUES = {
    "participant": "participant",
    "participants": "participant",
    "interviewer": "interviewer",
    "interviewers": "interviewer",
}

_WORD = re.compile(r"\w+(?:'\w+)*")
_FIELD = re.compile(r"([^\W\d]\w*):(.*)", re.DOTALL)
_QUOTES = '"“”„«»'  # straight and typographic double quotes
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_BARE_STOP = frozenset(_QUOTES) | {"(", ")"}


# --- Normalising words and facet values -----------------------------------------------------------


def words_of(text: str) -> tuple[str, ...]:
    """The lower-cased words of a piece of text; punctuation other than inner apostrophes goes.

    Words are cut at MAX_WORD characters.
    """
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).lower()
    return tuple(word[:MAX_WORD] for word in _WORD.findall(text))


def slugify(value: str) -> str:
    """Django's slugify(allow_unicode=True), which Code.save uses; no Django import here."""
    value = unicodedata.normalize("NFKC", value)
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")


def normalise_facet_value(facet: str, value: str) -> str | None:
    """The stored form of a facet value as typed or linked, or None when it cannot be one.

    Stages, codes and projects are slugs (`code:"Single sign-on"` is single-sign-on, and a slug
    is its own slug); segment, region and tier are choice values (`"Mid-Market"` is
    mid_market); kinds and speaker kinds accept their everyday words.
    """
    value = unicodedata.normalize("NFC", value).strip().lower()
    if facet in ("stage", "code", "project"):
        return slugify(value) or None
    if facet in ("segment", "region", "tier"):
        value = re.sub(r"[\s-]+", "_", value)
        value = re.sub(r"[^\w]", "", value).strip("_")
        return value or None
    if facet == "kind":
        return KIND_VALUES.get(value.replace(" ", "_"))
    if facet == "speaker_kind":
        return SPEAKER_VALUES.get(value)
    return None


# --- Tokens --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Op:
    kind: str  # "AND", "OR", "NOT", "(", ")"


@dataclass(frozen=True)
class _Operand:
    node: Node | _FieldRef


@dataclass(frozen=True)
class _FieldRef:
    """A field filter while parsing; lifted into Filters before the AST leaves this module."""

    facet: str
    value: str
    typed: str  # as written, for notes


_Token = _Op | _Operand


class _Notes:
    def __init__(self) -> None:
        self._notes: list[str] = []

    def add(self, note: str) -> None:
        if note not in self._notes:
            self._notes.append(note)

    def all(self) -> tuple[str, ...]:
        return tuple(self._notes)


def _tokenise(text: str, notes: _Notes) -> list[_Op | tuple[str, str]]:
    """Split into operators and raw text tokens, which _operands reads next.

    Returns _Op tokens and ("phrase", text), ("bare", text) and ("field", 'name:value') pairs,
    the last for field:"quoted value".
    """
    tokens: list[_Op | tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Op(char))
            i += 1
        elif char == "|":
            while i < n and text[i] == "|":
                i += 1
            tokens.append(_Op("OR"))
        elif char in _QUOTES:
            end = _closing_quote(text, i + 1)
            if end < 0:
                notes.add("Added a closing quote.")
                tokens.append(("phrase", text[i + 1 :]))
                i = n
            else:
                tokens.append(("phrase", text[i + 1 : end]))
                i = end + 1
        elif char == "-":
            while i < n and text[i] == "-":
                i += 1
            if i >= n or text[i].isspace() or text[i] == "|":
                notes.add("Ignored a “-” with nothing after it: write -word to exclude a word.")
            else:
                tokens.append(_Op("NOT"))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _BARE_STOP and text[i] != "|":
                i += 1
            bare = text[start:i]
            # field:"quoted value": the value is the phrase that follows the colon directly.
            if bare.endswith(":") and _FIELD.fullmatch(bare) and i < n and text[i] in _QUOTES:
                end = _closing_quote(text, i + 1)
                if end < 0:
                    notes.add("Added a closing quote.")
                    value, i = text[i + 1 :], n
                else:
                    value, i = text[i + 1 : end], end + 1
                tokens.append(("field", bare + value))
            elif bare in ("AND", "OR", "NOT"):
                tokens.append(_Op(bare))
            else:
                tokens.append(("bare", bare))
    return tokens


def _closing_quote(text: str, start: int) -> int:
    for index in range(start, len(text)):
        if text[index] in _QUOTES:
            return index
    return -1


def _phrase_node(text: str, notes: _Notes) -> Node | None:
    words = _phrase_words(words_of(text), notes)
    if not words:
        return None
    if len(words) == 1:
        return Term(words[0])
    return Phrase(words)


def _phrase_words(words: tuple[str, ...], notes: _Notes) -> tuple[str, ...]:
    """Repeats in a row collapsed, then cut at MAX_PHRASE_WORDS, each with a note."""
    collapsed = tuple(word for i, word in enumerate(words) if i == 0 or word != words[i - 1])
    if len(collapsed) < len(words):
        notes.add("Searched for a word repeated in a row once.")
    if len(collapsed) > MAX_PHRASE_WORDS:
        notes.add(f"Searched for the first {MAX_PHRASE_WORDS} words of a long phrase.")
        collapsed = collapsed[:MAX_PHRASE_WORDS]
    return collapsed


def _bare_node(bare: str, notes: _Notes) -> Node | None:
    """A word, a prefix (onboard*), or a phrase when punctuation splits the token (true-up).

    The star makes a prefix only straight after a word of at least two characters: `sso.*`
    is the word sso and `o*` the word o.
    """
    stripped = bare.rstrip("*")
    words = words_of(stripped)
    if not words:
        return None
    if len(words) > 1:
        return _phrase_node(stripped, notes)
    starred = stripped != bare and _WORD.match(stripped[-1]) is not None
    return Term(words[0], prefix=starred and len(words[0]) >= MIN_PREFIX)


def _operands(raw: list[_Op | tuple[str, str]], notes: _Notes) -> list[_Token]:
    """Turn phrases, bare words and fields into operand tokens; drop what holds no word."""
    tokens: list[_Token] = []

    def add(node: Node | None) -> None:
        if node is not None:
            tokens.append(_Operand(node))

    index = 0
    while index < len(raw):
        token = raw[index]
        index += 1
        if isinstance(token, _Op):
            tokens.append(token)
            continue
        kind, text = token
        if kind == "field":  # field:"quoted value"
            match = _FIELD.fullmatch(text)
        else:
            match = _field_match(text) if kind == "bare" else None
        if match is None:
            add(_phrase_node(text, notes) if kind == "phrase" else _bare_node(text, notes))
            continue
        name, value = match.group(1), match.group(2)
        facet = FIELDS.get(name.lower())
        if facet is None:
            if value:
                notes.add(
                    f"Unknown field “{name}”: searched for the words instead. "
                    f"Fields: {FIELD_NAMES}."
                )
            add(_bare_node(name, notes))
            add(_phrase_node(value, notes) if kind == "field" else _bare_node(value, notes))
            continue
        if not value and kind == "bare" and index < len(raw) and _is_text(raw[index]):
            # "stage: onboarding": the value came after a space; take it.
            value = raw[index][1]  # type: ignore[index]  # _is_text checked it is a pair
            index += 1
        normalised = normalise_facet_value(facet, value.rstrip("*")) if value else None
        if normalised is None:
            notes.add(_bad_value_note(name.lower(), facet, value))
            continue
        tokens.append(_Operand(_FieldRef(facet, normalised, f"{name}:{value}")))
    return tokens


def _field_match(text: str) -> re.Match[str] | None:
    """name:value where the value is empty or starts like a word (a URL is not a field)."""
    match = _FIELD.fullmatch(text)
    if match is None:
        return None
    value = match.group(2)
    if value and not _WORD.match(value) and value[0] not in _QUOTES:
        return None
    return match


def _is_text(token: _Token | tuple[str, str]) -> bool:
    if not isinstance(token, tuple) or not token[1]:
        return False
    return token[0] == "phrase" or (token[0] == "bare" and _field_match(token[1]) is None)


def _bad_value_note(name: str, facet: str, value: str) -> str:
    if not value:
        return f"“{name}:” needs a value, e.g. {name}:onboarding; ignored it."
    if facet == "kind":
        return f"Unknown kind “{value}”: use kind:utterance, kind:note or kind:highlight."
    if facet == "speaker_kind":
        return f"Unknown speaker “{value}”: use speaker:participant or speaker:interviewer."
    return f"Ignored the empty filter “{name}:{value}”."


# --- Repairs on the token list --------------------------------------------------------------------


def _limit_terms(tokens: list[_Token], notes: _Notes) -> list[_Token]:
    """Keep the operands up to MAX_TERMS words (a phrase counts each of its words)."""
    count = 0
    for index, token in enumerate(tokens):
        if isinstance(token, _Operand):
            node = token.node
            count += len(node.words) if isinstance(node, Phrase) else 1
            if count > MAX_TERMS:
                notes.add(f"Searched for the first {MAX_TERMS} terms only.")
                return tokens[:index]
    return tokens


def _balance_parentheses(tokens: list[_Token], notes: _Notes) -> list[_Token]:
    """Drop unmatched ")" and close unclosed "("; flatten groups nested deeper than MAX_DEPTH."""
    balanced: list[_Token] = []
    depth = 0
    too_deep = 0  # "(" dropped because of depth, whose ")" must be dropped too
    for token in tokens:
        if isinstance(token, _Op) and token.kind == "(":
            if depth >= MAX_DEPTH:
                too_deep += 1
                notes.add(f"Parentheses nest at most {MAX_DEPTH} deep; flattened the rest.")
                continue
            depth += 1
        elif isinstance(token, _Op) and token.kind == ")":
            if too_deep:
                too_deep -= 1
                continue
            if depth == 0:
                notes.add("Removed a “)” that had no “(”.")
                continue
            depth -= 1
        balanced.append(token)
    if depth:
        notes.add("Added a closing parenthesis." if depth == 1 else "Added closing parentheses.")
        balanced.extend(_Op(")") for _ in range(depth))
    return balanced


def _drop_stray_operators(tokens: list[_Token], notes: _Notes) -> list[_Token]:
    """Remove operators with nothing to act on, and empty groups, until none is left.

    A binary operator (AND, OR) needs an operand or group on both sides; NOT needs one after
    it. `OR a`, `a OR`, `a OR OR b`, `a AND) `, `NOT`, `()` all lose the stray part. Runs of
    NOT fold: an even number cancels out.
    """
    changed = True
    while changed:
        changed = False
        result: list[_Token] = []
        for index, token in enumerate(tokens):
            if isinstance(token, _Operand):
                result.append(token)
                continue
            before = result[-1] if result else None
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            kind = token.kind
            if kind in ("AND", "OR"):
                if not _ends_operand(before) or not _starts_operand(after):
                    notes.add(f"Ignored “{kind}” with nothing on one side.")
                    changed = True
                    continue
            elif kind == "NOT":
                if not _starts_operand(after):
                    notes.add("Ignored “NOT” (or “-”) with nothing after it.")
                    changed = True
                    continue
                if isinstance(before, _Op) and before.kind == "NOT":
                    result.pop()  # NOT NOT x is x
                    changed = True
                    continue
            elif kind == ")" and isinstance(before, _Op) and before.kind == "(":
                result.pop()  # an empty group
                changed = True
                continue
            result.append(token)
        tokens = result
    return tokens


def _ends_operand(token: _Token | None) -> bool:
    return isinstance(token, _Operand) or (isinstance(token, _Op) and token.kind == ")")


def _starts_operand(token: _Token | None) -> bool:
    return isinstance(token, _Operand) or (isinstance(token, _Op) and token.kind in ("(", "NOT"))


# --- The parser ----------------------------------------------------------------------------------

_Tree = Node | _FieldRef


class _Parser:
    """Recursive descent over a repaired token list (so it meets no error it must report)."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def peek_op(self, *kinds: str) -> bool:
        token = self.peek()
        return isinstance(token, _Op) and token.kind in kinds

    def parse(self) -> _Tree | None:
        nodes: list[_Tree] = []
        while self.peek() is not None:
            node = self.and_expr()
            if node is not None:
                nodes.append(node)
            elif self.peek() is not None:
                self.position += 1  # a stray ")" at the top level; repairs make this unreachable
        return _and(nodes)

    def and_expr(self) -> _Tree | None:
        nodes: list[_Tree] = []
        while True:
            if self.peek_op("AND"):
                self.position += 1
                continue
            if self.peek() is None or self.peek_op(")", "OR"):
                break
            node = self.or_expr()
            if node is None:
                break
            nodes.append(node)
        return _and(nodes)

    def or_expr(self) -> _Tree | None:
        first = self.unary()
        if first is None:
            return None
        nodes = [first]
        while self.peek_op("OR"):
            self.position += 1
            node = self.unary()
            if node is None:
                break
            nodes.append(node)
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))  # type: ignore[arg-type]

    def unary(self) -> _Tree | None:
        if self.peek_op("NOT"):
            self.position += 1
            node = self.unary()
            return None if node is None else Not(node)  # type: ignore[arg-type]
        return self.primary()

    def primary(self) -> _Tree | None:
        token = self.peek()
        if isinstance(token, _Operand):
            self.position += 1
            return token.node
        if isinstance(token, _Op) and token.kind == "(":
            self.position += 1
            node = self.and_expr()
            if self.peek_op(")"):
                self.position += 1
            return node
        return None


def _and(nodes: list[_Tree]) -> _Tree | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))  # type: ignore[arg-type]


# --- Lifting field filters and tidying the tree ---------------------------------------------------


def _lift_fields(
    node: _Tree, found: list[_FieldRef], notes: _Notes, *, negated: bool = False
) -> Node | None:
    """Move field filters out of the tree into `found`; what remains is free text."""
    if isinstance(node, _FieldRef):
        if negated:
            notes.add(
                f"Filters can't be excluded: ignored “-{node.typed}”. "
                "Use the facets to narrow the results instead."
            )
        else:
            found.append(node)
        return None
    if isinstance(node, Term | Phrase):
        return node
    if isinstance(node, Not):
        inner = _lift_fields(node.node, found, notes, negated=not negated)
        return None if inner is None else Not(inner)
    children = node.nodes
    if isinstance(node, Or):
        fields = [child for child in children if isinstance(child, _FieldRef)]
        if fields and len(fields) < len(children):
            notes.add("Field filters apply to the whole query, so “OR” doesn't join them to words.")
    kept = [
        lifted
        for child in children
        if (lifted := _lift_fields(child, found, notes, negated=negated)) is not None
    ]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return And(tuple(kept)) if isinstance(node, And) else Or(tuple(kept))


def _tidy(node: Node) -> Node:
    """Flatten And-in-And and Or-in-Or, cancel double negation, fold all-negative Ands."""
    if isinstance(node, Term | Phrase):
        return node
    if isinstance(node, Not):
        inner = _tidy(node.node)
        return inner.node if isinstance(inner, Not) else Not(inner)
    same = type(node)
    flat: list[Node] = []
    for child in node.nodes:
        tidied = _tidy(child)
        if isinstance(tidied, same):
            flat.extend(tidied.nodes)
        elif tidied not in flat:
            flat.append(tidied)
    if len(flat) == 1:
        return flat[0]
    if isinstance(node, And) and all(isinstance(child, Not) for child in flat):
        # -a -b: nothing but exclusions. One Not over an Or is the same set and simpler for
        # backends: "everything except a or b".
        return Not(Or(tuple(child.node for child in flat)))  # type: ignore[union-attr]
    return same(tuple(flat))


# --- Entry point ---------------------------------------------------------------------------------


def _truncate(text: str, notes: _Notes) -> str:
    if len(text) <= MAX_LENGTH:
        return text
    notes.add(f"The query was longer than {MAX_LENGTH:,} characters; searched for its start.")
    cut = text[:MAX_LENGTH]
    # Don't search for the half of a word the cut left behind.
    if not text[MAX_LENGTH].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        if space > 0:
            cut = cut[:space]
    return cut


def parse_query(text: str) -> Query:
    """Read a search box's text. Never raises; repairs are explained in Query.notes."""
    notes = _Notes()
    text = _truncate(text or "", notes)
    tokens = _operands(_tokenise(text, notes), notes)
    tokens = _limit_terms(tokens, notes)
    tokens = _balance_parentheses(tokens, notes)
    tokens = _drop_stray_operators(tokens, notes)
    tree = _Parser(tokens).parse()

    found: list[_FieldRef] = []
    root = _lift_fields(tree, found, notes) if tree is not None else None
    if root is not None:
        root = _tidy(root)
    values: dict[str, tuple[str, ...]] = {}
    for ref in found:
        if ref.value not in values.get(ref.facet, ()):
            values[ref.facet] = (*values.get(ref.facet, ()), ref.value)
    filters = Filters(values={facet: values[facet] for facet in FACETS if facet in values})
    if isinstance(root, Not) and not filters.values:
        notes.add("Showing everything except the excluded words: add a word to narrow it.")
    return Query(root=root, filters=filters, notes=notes.all())
