"""The South Slavic rules on their own: jat reflex, standard vocabulary, alphabets."""

from __future__ import annotations

from indexer.southslavic import cyrillic_serbian, latin_words, serbo_croatian_variant

NONE: frozenset[str] = frozenset()


def _variant(text: str, locale: str | None = None) -> str:
    return serbo_croatian_variant(latin_words(text), locale, NONE)[0]


def test_jat_reflex_tells_serbian_from_croatian() -> None:
    assert _variant("razumevanje i poštovanje u mestu gde živimo") == "sr"
    assert _variant("razumijevanje u mjestu gdje živimo") == "hr"


def test_vocabulary_decides_without_jat() -> None:
    assert _variant("općina i suradnja s obitelji") == "hr"
    assert _variant("opština i saradnja sa porodicom") == "sr"


def test_ijekavian_with_bosnian_words_is_bosnian() -> None:
    assert _variant("historija mjesta i sedmica kulture", locale="bs") == "bs"


def test_cyrillic_text_of_the_serbian_alphabet() -> None:
    text = "Пројекат ће помоћи ђацима у граду"
    lang, _ = cyrillic_serbian(text, latin_words(text), None, NONE) or ("", 0)
    assert lang == "sr"
    macedonian = "Проектот ќе помогне на децата во градот"
    assert cyrillic_serbian(macedonian, latin_words(macedonian), None, NONE)[0] == "mk"
    russian = "Проект поможет детям в городе, это важно"
    assert cyrillic_serbian(russian, latin_words(russian), None, NONE) is None
