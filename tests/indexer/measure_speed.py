"""Quick speed check of the analysers and the detector (not a test; run by hand):

    .venv/bin/python -m tests.indexer.measure_speed

Prints words/s per analysis language, cold (term cache cleared: every word is new; the
one-time load of simplemma's dictionary, 0.1-1.5 s, is not counted) and
warm (the cache holds the vocabulary, as it does after the first few hundred entries of
an index build), and entries/s for language detection on the shared corpus.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from indexer import analysis
from indexer.detect import LanguageDetector
from tests.conftest import read_jsonl, shared_corpus_dir

from .test_analysis import SAMPLES
from .test_detect import PARAGRAPHS

log = logging.getLogger("measure_speed")

TARGET_WORDS = 200_000


def gold_entries() -> list[dict[str, Any]]:
    """The shared corpus's hand-checked entries (none when it is absent: a quick run)."""
    corpus = shared_corpus_dir()
    return [
        e
        for name in ("entries.jsonl", "seed-entries.jsonl")
        if (corpus / name).exists()
        for e in read_jsonl(corpus / name)
    ]


def sample_texts() -> dict[str, str]:
    texts = {lang: text for lang, text in SAMPLES.items() if lang != "und"}
    for gold, paragraph in PARAGRAPHS.values():
        texts[gold] = texts.get(gold, "") + " " + paragraph
    for e in gold_entries():
        lang = e["gold_language"]
        texts[lang] = texts.get(lang, "") + f" {e['title']} {e['summary']}"
    texts["und"] = texts["en"]
    return texts


def words_per_second(lang: str, text: str, *, cold: bool) -> float:
    a = analysis.analyzer(lang)
    n_words = len(text.split())
    repeat = max(1, TARGET_WORDS // n_words)
    if cold:
        for _ in a(text):  # load dictionaries (once per process), then forget the words
            pass
        analysis._analyse.cache_clear()
        start = time.perf_counter()
        for _ in a(text):
            pass
        return n_words / (time.perf_counter() - start)
    for _ in a(text):  # fill the cache
        pass
    start = time.perf_counter()
    for _ in range(repeat):
        for _ in a(text, positions=True, chars=True):
            pass
    return n_words * repeat / (time.perf_counter() - start)


def detection_speed() -> tuple[float, float]:
    entries = gold_entries()
    detector = LanguageDetector()
    detector.detect("warm up the model", "and its caches")
    for e in entries:  # dictionaries for short text load once per process
        detector.detect(e["title"], e["summary"], locale=e["locale"])
    rounds = 20
    words = sum(len(f"{e['title']} {e['summary']}".split()) for e in entries) * rounds
    start = time.perf_counter()
    for _ in range(rounds):
        for e in entries:
            detector.detect(e["title"], e["summary"], locale=e["locale"])
    elapsed = time.perf_counter() - start
    return len(entries) * rounds / elapsed, words / elapsed


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    texts = sample_texts()
    log.info("%-4s %10s %12s  %s", "lang", "cold w/s", "warm w/s", "pipeline")
    for lang in sorted(texts):
        code = analysis.analysis_language(lang)
        cold = words_per_second(lang, texts[lang], cold=True)
        warm = words_per_second(lang, texts[lang], cold=False)
        pipeline = analysis.SUPPORTED[code].description
        log.info("%-4s %10.0f %12.0f  %s", lang, cold, warm, pipeline)
    entries_s, words_s = detection_speed()
    log.info("detection: %.0f entries/s (%.0f words/s) on one core", entries_s, words_s)


if __name__ == "__main__":
    main()
