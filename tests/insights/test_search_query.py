"""The query language: operators, precedence, phrases, prefixes, fields, and repairs of junk."""

from __future__ import annotations

import random

import pytest

from insights.search.base import And, Filters, Not, Or, Phrase, Query, Term
from insights.search.query import MAX_LENGTH, MAX_TERMS, normalise_facet_value, parse_query


def root(text: str) -> object:
    return parse_query(text).root


def t(word: str, *, prefix: bool = False) -> Term:
    return Term(word, prefix=prefix)


# --- Words ---------------------------------------------------------------------------------------


def test_words_side_by_side_are_anded() -> None:
    assert root("sso saml rollout") == And((t("sso"), t("saml"), t("rollout")))


def test_a_single_word_is_a_term() -> None:
    query = parse_query("SSO")
    assert query == Query(root=t("sso"), filters=Filters(), notes=())


def test_words_are_lower_cased_and_stripped_of_punctuation() -> None:
    assert root("Licence, Renewal!") == And((t("licence"), t("renewal")))


def test_apostrophes_inside_words_stay() -> None:
    assert root("don't ‘quoted’ it’s") == And((t("don't"), t("quoted"), t("it's")))


def test_unicode_letters_and_accents_are_words() -> None:
    # "é" typed as e + combining accent is the same word as the precomposed one.
    assert root("Café cafe\u0301 Zürich 東京 Ελλάδα") == And(
        (t("café"), t("zürich"), t("東京"), t("ελλάδα"))
    )


def test_punctuation_inside_a_token_makes_a_phrase() -> None:
    assert root("true-up") == Phrase(("true", "up"))
    assert root("sign-on sso") == And((Phrase(("sign", "on")), t("sso")))


def test_a_token_of_punctuation_only_is_dropped() -> None:
    assert root("sso & ... !") == t("sso")
    assert parse_query("&&& ...").root is None


def test_lower_case_or_and_not_are_ordinary_words() -> None:
    assert root("this or that") == And((t("this"), t("or"), t("that")))
    assert root("not and") == And((t("not"), t("and")))


def test_repeated_words_are_searched_once() -> None:
    assert root("sso sso SSO") == t("sso")


def test_very_long_words_are_cut() -> None:
    assert root("a" * 300) == t("a" * 100)


# --- Operators and precedence --------------------------------------------------------------------


def test_explicit_and_is_the_same_as_a_space() -> None:
    assert root("sso AND saml") == root("sso saml") == And((t("sso"), t("saml")))


def test_or_keyword_and_pipe() -> None:
    expected = Or((t("sso"), t("saml")))
    assert root("sso OR saml") == expected
    assert root("sso | saml") == expected
    assert root("sso|saml") == expected


def test_or_binds_tighter_than_and() -> None:
    # Google's convention: `a b OR c` is a AND (b OR c), not (a AND b) OR c.
    assert root("a b OR c") == And((t("a"), Or((t("b"), t("c")))))
    assert root("a OR b c") == And((Or((t("a"), t("b"))), t("c")))
    assert root("a OR b OR c d") == And((Or((t("a"), t("b"), t("c"))), t("d")))
    assert root("a AND b OR c") == And((t("a"), Or((t("b"), t("c")))))


def test_parentheses_group() -> None:
    assert root("(a b) OR c") == Or((And((t("a"), t("b"))), t("c")))
    assert root("a (b OR c) d") == And((t("a"), Or((t("b"), t("c"))), t("d")))
    assert root("((a))") == t("a")


def test_not_and_minus_negate() -> None:
    expected = And((t("sso"), Not(t("renewal"))))
    assert root("sso NOT renewal") == expected
    assert root("sso -renewal") == expected


def test_not_binds_tighter_than_or() -> None:
    assert root("NOT a OR b") == Or((Not(t("a")), t("b")))
    assert root("a OR -b") == Or((t("a"), Not(t("b"))))


def test_negating_a_phrase_and_a_group() -> None:
    assert root('sso -"true up"') == And((t("sso"), Not(Phrase(("true", "up")))))
    assert root("c -(a OR b)") == And((t("c"), Not(Or((t("a"), t("b"))))))


def test_a_hyphen_inside_a_word_is_not_a_minus() -> None:
    assert root("e-mail") == Phrase(("e", "mail"))


def test_double_negation_cancels() -> None:
    assert root("NOT NOT a") == t("a")
    assert root("--a") == Not(t("a"))  # a run of minus signs is one minus
    assert root("-NOT a b") == And((t("a"), t("b")))


def test_only_negations_keep_the_not_at_the_root_with_a_note() -> None:
    query = parse_query("-renewal")
    assert query.root == Not(t("renewal"))
    assert query.notes == (
        "Showing everything except the excluded words: add a word to narrow it.",
    )


def test_several_negations_fold_into_one() -> None:
    assert root("-a -b") == Not(Or((t("a"), t("b"))))


def test_negation_with_a_filter_has_no_note() -> None:
    query = parse_query("stage:onboarding -renewal")
    assert query.root == Not(t("renewal"))
    assert query.filters == Filters(values={"stage": ("onboarding",)})
    assert query.notes == ()


# --- Phrases and prefixes ------------------------------------------------------------------------


def test_quoted_words_are_a_phrase() -> None:
    assert root('"Single sign-on" rollout') == And((Phrase(("single", "sign", "on")), t("rollout")))


def test_a_quoted_single_word_is_a_term() -> None:
    assert root('"sso"') == t("sso")


def test_typographic_quotes_work_like_straight_ones() -> None:
    assert root("“true up”") == Phrase(("true", "up"))


def test_an_empty_phrase_is_dropped() -> None:
    assert root('sso ""') == t("sso")


def test_operators_inside_a_phrase_are_words() -> None:
    assert root('"this OR that"') == Phrase(("this", "or", "that"))


def test_prefix_needs_two_characters() -> None:
    assert root("onboard*") == t("onboard", prefix=True)
    assert root("on*") == t("on", prefix=True)
    assert root("o*") == t("o")
    assert parse_query("*").root is None


def test_a_star_after_punctuation_is_not_a_prefix() -> None:
    assert root("sso.*") == t("sso")


def test_a_star_on_a_hyphenated_token_gives_the_phrase() -> None:
    assert root("true-up*") == Phrase(("true", "up"))


def test_prefix_combines_with_operators() -> None:
    assert root("onboard* -renew*") == And(
        (t("onboard", prefix=True), Not(t("renew", prefix=True)))
    )


# --- Fields --------------------------------------------------------------------------------------


def test_field_filters_are_lifted_out_of_the_text() -> None:
    query = parse_query("sso stage:onboarding")
    assert query.root == t("sso")
    assert query.filters == Filters(values={"stage": ("onboarding",)})
    assert query.notes == ()


def test_a_quoted_field_value_is_slugified() -> None:
    query = parse_query('code:"Single sign-on"')
    assert query.root is None
    assert query.filters.get("code") == ("single-sign-on",)


def test_a_slug_is_its_own_value() -> None:
    assert parse_query("code:single-sign-on").filters.get("code") == ("single-sign-on",)


def test_values_of_one_field_are_ored_and_deduplicated() -> None:
    query = parse_query('code:sso code:"SSO" code:saml stage:onboarding')
    assert query.filters.values == {"stage": ("onboarding",), "code": ("sso", "saml")}


def test_field_names_are_case_insensitive() -> None:
    assert parse_query("Stage:Onboarding").filters.get("stage") == ("onboarding",)


def test_every_field() -> None:
    query = parse_query(
        "stage:adoption code:pain project:uptier segment:Mid-Market region:EMEA "
        "tier:Ultimate kind:note speaker:interviewer"
    )
    assert query.root is None
    assert query.filters.values == {
        "project": ("uptier",),
        "kind": ("field_note",),
        "stage": ("adoption",),
        "code": ("pain",),
        "segment": ("mid_market",),
        "region": ("emea",),
        "tier": ("ultimate",),
        "speaker_kind": ("interviewer",),
    }


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("utterance", "utterance"),
        ("note", "field_note"),
        ("notes", "field_note"),
        ("field_note", "field_note"),
        ("highlight", "highlight"),
        ("Highlights", "highlight"),
    ],
)
def test_kind_values(typed: str, stored: str) -> None:
    assert parse_query(f"kind:{typed}").filters.get("kind") == (stored,)


def test_speaker_maps_to_speaker_kind() -> None:
    assert parse_query("speaker:participant").filters.get("speaker_kind") == ("participant",)
    assert parse_query("speaker_kind:Interviewer").filters.get("speaker_kind") == ("interviewer",)


def test_an_unknown_kind_is_ignored_with_a_note() -> None:
    query = parse_query("sso kind:video")
    assert query.root == t("sso")
    assert query.filters == Filters()
    assert query.notes == (
        "Unknown kind “video”: use kind:utterance, kind:note or kind:highlight.",
    )


def test_an_unknown_speaker_is_ignored_with_a_note() -> None:
    query = parse_query("speaker:customer")
    assert query.filters == Filters()
    assert query.notes == (
        "Unknown speaker “customer”: use speaker:participant or speaker:interviewer.",
    )


def test_an_unknown_field_is_searched_as_words() -> None:
    query = parse_query("foo:bar sso")
    assert query.root == And((t("foo"), t("bar"), t("sso")))
    assert query.filters == Filters()
    assert query.notes == (
        "Unknown field “foo”: searched for the words instead. "
        "Fields: stage, code, project, segment, region, tier, kind, speaker.",
    )


def test_an_unknown_field_with_a_quoted_value_keeps_the_phrase() -> None:
    assert root('foo:"bar baz"') == And((t("foo"), Phrase(("bar", "baz"))))


def test_urls_and_times_are_not_fields() -> None:
    query = parse_query("https://example.com 12:30")
    assert query.root == And((Phrase(("https", "example", "com")), Phrase(("12", "30"))))
    assert query.notes == ()


def test_a_word_ending_in_a_colon_is_a_word() -> None:
    query = parse_query("re: pricing")
    assert query.root == And((t("re"), t("pricing")))
    assert query.notes == ()


def test_a_space_after_the_colon_is_forgiven() -> None:
    query = parse_query("stage: onboarding sso")
    assert query.root == t("sso")
    assert query.filters.get("stage") == ("onboarding",)


def test_a_field_without_a_value_is_ignored_with_a_note() -> None:
    query = parse_query("sso stage:")
    assert query.root == t("sso")
    assert query.filters == Filters()
    assert query.notes == ("“stage:” needs a value, e.g. stage:onboarding; ignored it.",)


def test_a_negated_field_is_ignored_with_a_note() -> None:
    query = parse_query("sso -stage:onboarding")
    assert query.root == t("sso")
    assert query.filters == Filters()
    assert query.notes == (
        "Filters can't be excluded: ignored “-stage:onboarding”. "
        "Use the facets to narrow the results instead.",
    )


def test_fields_ored_with_each_other_are_one_filter() -> None:
    query = parse_query("stage:onboarding OR stage:adoption sso")
    assert query.root == t("sso")
    assert query.filters.get("stage") == ("onboarding", "adoption")
    assert query.notes == ()


def test_a_field_ored_with_a_word_applies_to_the_whole_query() -> None:
    query = parse_query("sso OR stage:onboarding")
    assert query.root == t("sso")
    assert query.filters.get("stage") == ("onboarding",)
    assert query.notes == (
        "Field filters apply to the whole query, so “OR” doesn't join them to words.",
    )


def test_a_field_inside_a_group_is_lifted() -> None:
    query = parse_query("(sso stage:onboarding) OR saml")
    assert query.root == Or((t("sso"), t("saml")))
    assert query.filters.get("stage") == ("onboarding",)


def test_a_field_with_an_unbalanced_quote_is_closed() -> None:
    query = parse_query('code:"single sign')
    assert query.filters.get("code") == ("single-sign",)
    assert query.notes == ("Added a closing quote.",)


@pytest.mark.parametrize(
    ("facet", "value", "stored"),
    [
        ("stage", "Optimize & Grow", "optimize-grow"),
        ("code", "Señal débil", "señal-débil"),
        ("code", "  SSO  ", "sso"),
        ("segment", "mid market", "mid_market"),
        ("region", "EMEA", "emea"),
        ("kind", "field note", "field_note"),
        ("kind", "video", None),
        ("stage", "!!!", None),
        ("nonsense", "x", None),
    ],
)
def test_normalise_facet_value(facet: str, value: str, stored: str | None) -> None:
    assert normalise_facet_value(facet, value) == stored


# --- Malformed input -----------------------------------------------------------------------------


def test_empty_and_blank_queries_have_no_root() -> None:
    for text in ("", "   ", "\n\t"):
        assert parse_query(text) == Query(root=None, filters=Filters(), notes=())


def test_an_unbalanced_quote_is_closed_at_the_end() -> None:
    query = parse_query('sso "true up')
    assert query.root == And((t("sso"), Phrase(("true", "up"))))
    assert query.notes == ("Added a closing quote.",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OR", None),
        ("AND", None),
        ("NOT", None),
        ("OR sso", Term("sso")),
        ("sso OR", Term("sso")),
        ("sso AND", Term("sso")),
        ("AND sso", Term("sso")),
        ("sso OR OR saml", Or((Term("sso"), Term("saml")))),
        ("sso AND OR saml", Or((Term("sso"), Term("saml")))),
        ("sso | | saml", Or((Term("sso"), Term("saml")))),
        ("sso NOT", Term("sso")),
        ("sso (OR saml)", And((Term("sso"), Term("saml")))),
        ("sso (saml NOT)", And((Term("sso"), Term("saml")))),
    ],
)
def test_stray_operators_are_dropped_with_a_note(text: str, expected: object) -> None:
    query = parse_query(text)
    assert query.root == expected
    assert len(query.notes) == 1
    assert query.notes[0].startswith("Ignored “")


def test_a_lone_minus_is_dropped_with_a_note() -> None:
    query = parse_query("sso - saml -")
    assert query.root == And((t("sso"), t("saml")))
    assert query.notes == ("Ignored a “-” with nothing after it: write -word to exclude a word.",)


def test_an_unclosed_parenthesis_is_closed() -> None:
    query = parse_query("sso (saml OR oidc")
    assert query.root == And((t("sso"), Or((t("saml"), t("oidc")))))
    assert query.notes == ("Added a closing parenthesis.",)


def test_an_unmatched_closing_parenthesis_is_removed() -> None:
    query = parse_query("sso) saml")
    assert query.root == And((t("sso"), t("saml")))
    assert query.notes == ("Removed a “)” that had no “(”.",)


def test_only_parentheses() -> None:
    assert parse_query("((").root is None
    assert parse_query("((").notes == ("Added closing parentheses.",)
    assert parse_query("()").root is None
    assert parse_query(")(").root is None


def test_deep_nesting_is_flattened() -> None:
    query = parse_query("(" * 300 + "sso" + ")" * 300)
    assert query.root == t("sso")
    assert query.notes == ("Parentheses nest at most 8 deep; flattened the rest.",)


def test_long_negation_chains_do_not_recurse_forever() -> None:
    assert root("NOT " * 200 + "sso") == t("sso")  # an even number cancels out
    assert root("NOT " * 199 + "sso") == Not(t("sso"))


def test_a_5000_character_query_is_cut_with_a_note() -> None:
    text = " ".join(["renewal"] * 625)[:5000]
    query = parse_query(text)
    assert query.root == t("renewal")
    assert query.notes == (
        f"The query was longer than {MAX_LENGTH:,} characters; searched for its start.",
        f"Searched for the first {MAX_TERMS} terms only.",
    )


def test_the_cut_does_not_leave_half_a_word() -> None:
    text = "a " * 499 + "sso" + "x" * 4000  # the cut at 1,000 falls inside the last word
    query = parse_query(text)
    assert query.root == t("a")


def test_a_5000_character_word_is_cut() -> None:
    query = parse_query("x" * 5000)
    assert query.root == t("x" * 100)
    assert len(query.notes) == 1


def test_more_than_50_terms_keeps_the_first_50() -> None:
    words = [f"w{number}" for number in range(80)]
    query = parse_query(" ".join(words))
    assert query.root == And(tuple(t(word) for word in words[:MAX_TERMS]))
    assert query.notes == (f"Searched for the first {MAX_TERMS} terms only.",)


def test_cutting_at_50_terms_repairs_what_it_cut() -> None:
    query = parse_query(" ".join(["w"] * 49) + " (a OR b c)")
    # The 50th term is "a": its group is closed and the dangling OR dropped.
    assert query.root == And((t("w"), t("a")))
    assert "Added a closing parenthesis." in query.notes


def test_several_repairs_are_all_noted() -> None:
    query = parse_query('OR sso (saml "true up')
    assert query.root == And((t("sso"), t("saml"), Phrase(("true", "up"))))
    assert set(query.notes) == {
        "Added a closing quote.",
        "Added a closing parenthesis.",
        "Ignored “OR” with nothing on one side.",
    }


# --- Fuzz ----------------------------------------------------------------------------------------

JUNK = [
    "sso",
    "SSO",
    "saml",
    "on",
    "o",
    "true-up",
    "don't",
    "café",
    "東京",
    "🎉",
    "<script>",
    "OR",
    "AND",
    "NOT",
    "or",
    "|",
    "||",
    "-",
    "--",
    "*",
    "**",
    "onboard*",
    "o*",
    "(",
    ")",
    "((",
    "))",
    '"',
    "“",
    "”",
    "'",
    ":",
    "::",
    "stage:",
    "stage:onboarding",
    'code:"',
    'code:"Single sign-on"',
    "foo:bar",
    "kind:",
    "kind:video",
    "speaker:x",
    "-stage:x",
    "http://x.y",
    "12:30",
    "\\",
    "\x00",
    "\u200b",
    "\u0301",
    "&",
    ";",
    "%",
    "NOT(",
    "-(",
    '-"',
    "a-",
    "-a",
    "_",
    "__init__",
    "\n",
    "\t",
    "    ",
]


def _junk(rng: random.Random) -> str:
    parts = rng.choices(JUNK, k=rng.randint(0, 40))
    separators = ["", " ", "  "]
    return "".join(part + rng.choice(separators) for part in parts)


def _nodes(node: object) -> list[object]:
    if isinstance(node, Not):
        return [node, *_nodes(node.node)]
    if isinstance(node, And | Or):
        return [node, *(inner for child in node.nodes for inner in _nodes(child))]
    return [node]


def test_junk_never_raises_and_always_gives_a_well_formed_query() -> None:
    rng = random.Random(20261125)
    texts = [_junk(rng) for _ in range(2_000)]
    texts += ["".join(rng.choices(JUNK, k=600))]  # longer than 1,000 characters
    for text in texts:
        query = parse_query(text)
        assert isinstance(query, Query), text
        assert isinstance(query.filters, Filters), text
        assert all(isinstance(note, str) and note for note in query.notes), text
        for node in _nodes(query.root) if query.root is not None else []:
            assert isinstance(node, Term | Phrase | Not | And | Or), text
            if isinstance(node, And | Or):
                assert len(node.nodes) >= 2, text
            if isinstance(node, Term):
                assert node.word and node.word == node.word.lower(), text
                assert not node.prefix or len(node.word) >= 2, text
            if isinstance(node, Phrase):
                assert len(node.words) >= 2, text
        assert sum(isinstance(n, Term | Phrase) for n in _nodes(query.root)) <= MAX_TERMS


def test_random_characters_never_raise() -> None:
    rng = random.Random(7)
    alphabet = "abc XYZ()\"'*-|:_.,;!?é東🎉\u0301\n\t" + "OR AND NOT "
    for _ in range(2_000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 80)))
        assert isinstance(parse_query(text), Query), text
