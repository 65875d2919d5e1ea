"""The language model's n-grams: those langdetect's own detector reads from a text."""

from __future__ import annotations

import random
from typing import Any

import pytest
from langdetect.utils.ngram import NGram

from indexer.ngram_model import NgramModel


def langdetect_grams(text: str, known: set[str]) -> list[str]:
    """The n-grams langdetect's Detector._extract_ngrams reads, in its order."""
    grams = []
    ngram = NGram()
    for ch in text:
        ngram.add_char(ch)
        if ngram.capitalword:
            continue
        for n in (1, 2, 3):
            if len(ngram.grams) < n:
                break
            gram = ngram.grams[-n:]
            if gram and gram != " " and gram in known:
                grams.append(gram)
    return grams


def texts(gold_entries: list[dict[str, Any]]) -> list[str]:
    """Real titles and summaries, and made-up texts: acronyms and capitals mid-word,
    runs of spaces and punctuation, a text ending in a word or in spaces, other scripts."""
    rng = random.Random(5)
    alphabet = "aAbBeE  éÉİıΣσς日ア한\n-.,12ẞßZzQq\u2028"
    made = ["", " ", "A", "AB", "EU", "e", " E ", "NGO, EU  and ICC", "ABc dEF G", "x  y "]
    made += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    real = [f"{e['title']}\n{e['summary']}" for e in gold_entries]
    return real + made + [t.upper() for t in real[:50]]


@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("kept", [None, 7])
def test_each_text_yields_langdetects_grams_in_its_order(
    gold_entries: list[dict[str, Any]], compact: bool, kept: int | None
) -> None:
    """A model keeps each word's rows (a build reads every entry); the rows of a text must
    still be langdetect's n-grams, in its order (the log-likelihood sums them in that
    order), for a word seen before or not, after its store started over (`kept`: a store
    of 7 words), and for a text ending in a word or in spaces."""
    model = NgramModel(compact=compact)
    if kept is not None:
        model._word_rows_kept = kept
    known = set(model.grams.tolist())
    for text in texts(gold_entries) * 2:  # the second time, from the words kept
        assert model.grams[model.gram_rows(text)].tolist() == langdetect_grams(text, known), text


def test_threads_sharing_a_model_each_get_their_texts_grams(
    gold_entries: list[dict[str, Any]],
) -> None:
    """A searcher's threads detect queries with one model: a thread starting its word
    store over must not take rows from under another's text (a store of 2 words, and the
    interpreter switching threads as often as it can)."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    model = NgramModel(compact=True)
    model._word_rows_kept = 2
    known = set(model.grams.tolist())
    sample = texts(gold_entries)[:400]
    expected = [langdetect_grams(t, known) for t in sample]

    def read(_: int) -> list[list[str]]:
        return [model.grams[model.gram_rows(t)].tolist() for t in sample]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(read, range(8)))
    finally:
        sys.setswitchinterval(interval)
    assert all(result == expected for result in results)


def test_a_text_without_spaces_is_read_but_not_kept() -> None:
    """A Chinese text has no spaces: one "word" of up to 3,000 characters that never comes
    back.  Its grams are read as any text's, but the store keeps only short words (it
    would hold ~24 KB for each such text)."""
    from indexer.ngram_model import WORD_KEPT_CHARS

    model = NgramModel()
    known = set(model.grams.tolist())
    long_text = "城市间文化交流与社会融合" * 250
    short = "x" * WORD_KEPT_CHARS
    for text in (long_text, f"{long_text} {short} city"):
        assert model.grams[model.gram_rows(text)].tolist() == langdetect_grams(text, known)
    assert sorted(model._word_rows) == sorted([short, "city"])
