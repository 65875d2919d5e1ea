"""Stop lists: Snowball's, stopwordsiso's, or a word list in indexer/data/ (one word a
line, `#` comments), as each language's row in languages.py says."""

from __future__ import annotations

import functools
from pathlib import Path

import stopwordsiso
from whoosh.lang.stopwords import stoplists as snowball_stoplists

from indexer.folding import fold
from indexer.languages import SUPPORTED, analysis_language

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_word_list(name: str) -> frozenset[str]:
    """The words of a data file, lowercase."""
    path = DATA_DIR / name
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(line.lower())
    return frozenset(words)


@functools.cache
def stopwords(lang: str) -> frozenset[str]:
    """The stop list of an analysis language, lowercase, as written (not folded)."""
    code = analysis_language(lang)
    pipeline = SUPPORTED[code]
    source = pipeline.stopwords
    if not source:
        return frozenset()
    if source == "snowball":
        words = frozenset(snowball_stoplists[code])
    elif source == "stopwordsiso":
        words = frozenset(stopwordsiso.stopwords(code))
    elif source.startswith("data:"):
        words = read_word_list(source[5:])
    else:  # pragma: no cover - a typo in the language table
        raise ValueError(f"unknown stopword source {source!r} for {code!r}")
    words |= pipeline.stopwords_extra
    if pipeline.stopwords_keep:
        # stopwordsiso lists mix function words with some content words; these are kept.
        words -= read_word_list(pipeline.stopwords_keep)
    return frozenset(w.lower() for w in words)


@functools.cache
def folded_stopwords(lang: str) -> frozenset[str]:
    """`stopwords` folded: Greek lists are written without accents and queries are often
    typed without them."""
    return frozenset(fold(w) for w in stopwords(lang))
