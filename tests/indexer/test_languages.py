"""The language table: aliases, detection columns, scripts, stopword files, row hooks."""

from __future__ import annotations

import pytest

from indexer.analysis import term
from indexer.languages import (
    SUPPORTED,
    UNDETERMINED,
    analysis_language,
    detect_model,
    dictionary,
    families_for,
    language_code,
)
from indexer.stopwords import DATA_DIR, stopwords


@pytest.mark.parametrize(
    ("code", "family"),
    [
        ("hr", "sr"),
        ("bs", "sr"),
        ("cnr", "sr"),
        ("sr-Latn", "sr"),
        ("nb", "no"),
        ("nn", "no"),
        ("pt-BR", "pt"),
        ("zh-cn", UNDETERMINED),
        ("", UNDETERMINED),
        (None, UNDETERMINED),
    ],
)
def test_codes_map_to_one_pipeline(code: str | None, family: str) -> None:
    assert analysis_language(code) == family


def test_declared_codes_are_checked() -> None:
    assert language_code("sr_Latn") == "sr"
    assert language_code(" FR ") == "fr"
    for junk in ("", None, "und", "x1", "english"):
        assert language_code(junk) is None


def test_detection_columns() -> None:
    # langdetect has no Serbian or Bosnian: its Croatian profile stands for them
    assert [detect_model(c) for c in ("sr", "bs", "me", "hr", "en")] == [
        "hr",
        "hr",
        "hr",
        "hr",
        "en",
    ]
    # simplemma's Serbo-Croatian dictionary recognises the words of all three
    assert {dictionary(c) for c in ("sr", "hr", "bs")} == {"hbs"}
    assert dictionary("sq") == "sq" and dictionary("en") == "en"


def test_scripts_keep_words_out_of_the_wrong_families() -> None:
    assert families_for("київ", ("uk", "en", "sr")) == ("uk", "sr")
    assert families_for("city", ("uk", "en", "sr")) == ("en", "sr")
    assert families_for("2024", ("uk", "en")) == ("uk", "en")


def test_every_stop_list_loads_and_data_files_exist() -> None:
    for code, pipeline in SUPPORTED.items():
        if pipeline.stopwords.startswith("data:"):
            assert (DATA_DIR / pipeline.stopwords[5:]).is_file(), code
        if pipeline.stopwords_keep:
            assert (DATA_DIR / pipeline.stopwords_keep).is_file(), code
        assert bool(stopwords(code)) == bool(pipeline.stopwords), code


def test_macedonian_function_words_are_not_indexed() -> None:
    assert {"и", "во", "со", "ќе"} <= stopwords("mk")
    assert term("во", "mk") is None
    assert term("општина", "mk")


def test_content_words_of_stopwordsiso_lists_are_indexed() -> None:
    # stopwordsiso's Bulgarian and Slovenian lists hold "година" (year) and "mesec" (month)
    assert "година" not in stopwords("bg") and term("година", "bg")
    assert "mesec" not in stopwords("sl") and term("mesec", "sl")


def test_row_hooks() -> None:
    # English: British and American spellings meet
    assert term("organisation", "en") == term("organization", "en")
    # French: a folded feminine participle meets the accented one
    assert term("refugiee", "fr") == term("réfugiée", "fr")
    # Serbian: verbal nouns keep one stem across their cases, in both scripts
    assert term("razumevanjem", "sr") == term("razumevanje", "sr") == term("разумевање", "sr")
    # undetermined text cuts the elisions of every language and keeps one-letter words
    assert term("l’inclusion", "und") == "inclusion"
    assert term("dell'arte", "und") == "arte"
    assert term("a", "und") == "a" and term("a", "en") is None
