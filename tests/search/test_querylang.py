"""The query language on its own: the nodes it emits and how they are written back."""

from __future__ import annotations

import pytest

from search.querylang import (
    And,
    Compound,
    Match,
    Not,
    Or,
    Phrase,
    Prefix,
    Word,
    Years,
    parse,
    render,
)


def test_a_hyphenated_word_is_one_compound_of_its_parts() -> None:
    root = parse("art-therapy Lutsk").root
    assert root == And((Compound(("art", "therapy"), "art-therapy"), Word("Lutsk")))


def test_phrase_words_are_the_tokenizer_words() -> None:
    assert parse('"anti-rumour guide"').root == Phrase(("anti", "rumour", "guide"))
    assert parse('"equality"').root == Word("equality")


def test_elisions_stay_one_word_and_punctuation_searches_nothing() -> None:
    assert parse("l'immigration").root == Word("l'immigration")
    assert parse("!!! ??? -").root is None


def test_operators_fields_years_prefixes_and_languages() -> None:
    parsed = parse(
        ':fr (roma OR sinti) -italy title:budget country:"Reggio Emilia" year:2019.. integ*'
    )
    assert parsed.languages == ("fr",)
    assert parsed.root == And(
        (
            Or((Word("roma"), Word("sinti"))),
            Not(Word("italy")),
            Word("budget", "title"),
            Match("country", "Reggio Emilia"),
            Years(2019, None),
            Prefix("integ"),
        )
    )


@pytest.mark.parametrize(
    "query",
    [
        "barazia",
        "art-therapy Lutsk",
        '"community policing" -sport',
        "(roma OR sinti) inclusion",
        "leeds OR bradford",
        'title:budget country:"Reggio Emilia" kind:news',
        "year:2019..2022 year:..2015 year:2019",
        "integ* NOT (youth OR sport)",
        ":fr médiation",
    ],
)
def test_a_parsed_query_written_back_parses_to_the_same_query(query: str) -> None:
    parsed = parse(query)
    again = parse(parsed.text())
    assert (again.root, again.languages) == (parsed.root, parsed.languages)


def test_render_of_one_node() -> None:
    assert render(Not(Phrase(("human", "rights")))) == '-"human rights"'
    assert render(Match("city", "Reggio Emilia")) == 'city:"Reggio Emilia"'


def test_corrections_replace_words_in_the_parsed_query_not_in_the_text() -> None:
    parsed = parse("Valadolid -Valadolidx year:2019")
    fixed = parsed.with_words({"Valadolid": "valladolid"})
    assert fixed.text() == "valladolid -Valadolidx year:2019"
    assert parsed.text() == "Valadolid -Valadolidx year:2019", "the original is unchanged"


def test_words_are_the_positive_text_words_in_order() -> None:
    parsed = parse('roma -italy "human rights" integ* art-therapy country:Spain')
    assert parsed.words() == ["roma", "human", "rights", "integ", "art", "therapy"]


def test_bad_syntax_degrades_with_coded_notices() -> None:
    parsed = parse('"unbalanced (open zz:top year:abc ab*')
    codes = [n.code for n in parsed.notices]
    assert codes == [
        "unbalanced_quote",
        "unbalanced_parentheses",
        "unknown_field",
        "bad_year",
        "short_prefix",
    ]
    assert parsed.root is not None
