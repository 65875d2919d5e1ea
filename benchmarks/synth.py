"""Synthetic multilingual corpus: real sentences recombined within each language.

Every synthetic entry copies the *shape* of a real template entry (its language, site
locale, kind, title and summary lengths, truncated "..." summaries), so the language
mix, the untranslated share (locale != language) and the kind mix follow the real
corpus.  Country/city pairs and periods are drawn independently from the real ones
(periods from entries of the same kind, so news keep their dates), which spreads the
facet combinations beyond the 68 real entries while keeping each marginal real.

Titles are built from title chunks of the same language and summaries from summary
sentences of the same language, so every query word found in the real corpus is also
found at scale, with a realistic frequency.

Same sources + seed + options -> byte-identical output (one `random.Random`, no set or
hash ordering anywhere).  Usage: `python -m benchmarks.synth 100000 out.jsonl --seed 1`.
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.data import DEFAULT_CORPUS_DIR, load_real_entries, write_jsonl

log = logging.getLogger(__name__)

# Title pieces split at the separators the site uses ("A: B", "A – B", "A (B)", "A, B").
_TITLE_SPLIT = re.compile(r"\s*[:–—|]\s+|\s+[-–]\s+|,\s+|\s*[()]\s*|\s*[\"“”‟„]\s*")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")
_ELLIPSIS = ("...", "…")
# Titles are recombined from chunks of at most this many words, so local word order
# (and so phrase queries) survives while whole titles do not repeat verbatim.
_CHUNK_WORDS = 3


@dataclass(slots=True)
class LanguagePool:
    title_chunks: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Template:
    """The shape of one real entry that a synthetic entry copies."""

    language: str
    locale: str
    kind: str
    title_len: int
    summary_len: int
    truncated: bool
    colon_title: bool


@dataclass(slots=True)
class Model:
    pools: dict[str, LanguagePool]
    templates: list[Template]
    places: list[tuple[str, str, str]]
    periods: dict[str, list[tuple[str, int | None, int | None]]]


def _strip_ellipsis(text: str) -> tuple[str, bool]:
    text = text.strip()
    for mark in _ELLIPSIS:
        if text.endswith(mark):
            return text[: -len(mark)].rstrip(), True
    return text, False


def _title_chunks(title: str) -> list[str]:
    chunks: list[str] = []
    for piece in _TITLE_SPLIT.split(title):
        words = piece.split()
        for start in range(0, len(words), _CHUNK_WORDS):
            chunk = " ".join(words[start : start + _CHUNK_WORDS])
            if chunk:
                chunks.append(chunk)
    return chunks


def build_model(entries: Sequence[dict[str, Any]]) -> Model:
    """Pools and distributions from real entries (in the project's entry fields)."""
    pools: dict[str, LanguagePool] = {}
    templates: list[Template] = []
    places: list[tuple[str, str, str]] = []
    periods: dict[str, list[tuple[str, int | None, int | None]]] = {}
    for entry in entries:
        language = entry["language"] or "und"
        pool = pools.setdefault(language, LanguagePool())
        pool.title_chunks.extend(_title_chunks(entry["title"]))
        summary, truncated = _strip_ellipsis(entry["summary"])
        pool.sentences.extend(s for s in _SENTENCE_SPLIT.split(summary) if len(s) > 2)
        templates.append(
            Template(
                language=language,
                locale=entry["locale"],
                kind=entry["kind"],
                title_len=len(entry["title"]),
                summary_len=len(entry["summary"]),
                truncated=truncated,
                colon_title=":" in entry["title"],
            )
        )
        places.append((entry["country"], entry["country_code"], entry["city"]))
        periods.setdefault(entry["kind"], []).append(
            (entry["period"], entry["year_from"], entry["year_to"])
        )
    for language, pool in pools.items():
        if not pool.title_chunks or not pool.sentences:
            raise ValueError(f"language {language!r} has no title or summary text to recombine")
    return Model(pools=pools, templates=templates, places=places, periods=periods)


def _title(rng: random.Random, pool: LanguagePool, template: Template) -> str:
    parts: list[str] = []
    length = 0
    # At least one chunk; stop where the real title's length is matched most closely.
    while len(parts) < 12:
        chunk = rng.choice(pool.title_chunks)
        if parts and length + (len(chunk) + 1) / 2 > template.title_len:
            break
        parts.append(chunk)
        length += len(chunk) + 1
    if template.colon_title and len(parts) > 1:
        cut = rng.randrange(1, len(parts))
        text = " ".join(parts[:cut]) + ": " + " ".join(parts[cut:])
    else:
        text = " ".join(parts)
    return text[:1].upper() + text[1:]


def _summary(rng: random.Random, pool: LanguagePool, template: Template) -> str:
    parts: list[str] = []
    length = 0
    while length < template.summary_len:
        sentence = rng.choice(pool.sentences)
        parts.append(sentence)
        length += len(sentence) + 1
    text = " ".join(parts)
    if template.truncated:
        # The site cuts summaries at a word boundary and adds "...": so do we.
        limit = max(template.summary_len - 3, 1)
        if len(text) > limit:
            cut = text.rfind(" ", 0, limit)
            text = text[: cut if cut > 0 else limit].rstrip(" ,;:")
        return text + "..."
    return text


def _body(rng: random.Random, pool: LanguagePool, sentences: int) -> str:
    return " ".join(rng.choice(pool.sentences) for _ in range(sentences))


def generate(
    model: Model, count: int, *, seed: int = 1, body_sentences: int = 0
) -> Iterator[dict[str, Any]]:
    """`count` synthetic entries, streamed; ids are `syn-000001`, ...

    The real corpus has no body text; `body_sentences` > 0 adds a body of that many
    same-language sentences to test larger documents.
    """
    rng = random.Random(seed)
    width = max(6, len(str(count)))
    for number in range(1, count + 1):
        template = rng.choice(model.templates)
        pool = model.pools[template.language]
        country, country_code, city = rng.choice(model.places)
        period, year_from, year_to = rng.choice(model.periods[template.kind])
        entry_id = f"syn-{number:0{width}d}"
        section = "newsroom" if template.kind == "news" else "good-practice"
        yield {
            "id": entry_id,
            "kind": template.kind,
            "title": _title(rng, pool, template),
            "summary": _summary(rng, pool, template),
            "body": _body(rng, pool, body_sentences) if body_sentences else "",
            "country": country,
            "country_code": country_code,
            "city": city,
            "period": period,
            "year_from": year_from,
            "year_to": year_to,
            "locale": template.locale,
            "url": f"https://www.coe.int/{template.locale}/web/interculturalcities/{section}/-/{entry_id}",
            "language": template.language,
        }


def write_corpus(
    out: Path,
    count: int,
    *,
    seed: int = 1,
    corpus_dir: Path = DEFAULT_CORPUS_DIR,
    body_sentences: int = 0,
    sources: Sequence[dict[str, Any]] | None = None,
) -> int:
    """Write `count` synthetic entries to `out` (JSONL); returns the count written."""
    model = build_model(sources if sources is not None else load_real_entries(corpus_dir))
    return write_jsonl(out, generate(model, count, seed=seed, body_sentences=body_sentences))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of entries to generate")
    parser.add_argument("out", type=Path, help="output JSONL file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    parser.add_argument("--body-sentences", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    written = write_corpus(
        args.out,
        args.count,
        seed=args.seed,
        corpus_dir=args.corpus_dir,
        body_sentences=args.body_sentences,
    )
    log.info("wrote %d entries to %s in %.1fs", written, args.out, time.perf_counter() - started)


if __name__ == "__main__":
    main()
