"""The Xapian peer's engine: stdlib + Debian's `python3-xapian` only.

Debian's bindings are built for Debian's /usr/bin/python3, which a virtualenv cannot
import from.  So this file runs either in the benchmark's process (when `import xapian`
works there) or as a script under the system Python, answering one JSON request per line
on stdin (`--serve`, see `serve`).  It imports nothing from the project, so the system
Python needs no other package.

Configuration: English stemmer (STEM_SOME: stemmed terms for words, exact terms with
positions for phrases), BM25 (Xapian's default weighting), OR of the query words,
spelling data written at index time (FLAG_SPELLING) and spelling correction at query time
from that data, in one of two modes (`SPELLING_MODES`):

- `unknown`: a word the index does not hold is replaced by
  `Database.get_spelling_suggestion(word)`;
- `parser`: FLAG_SPELLING_CORRECTION, and the query re-parsed from
  get_corrected_query_string().  Xapian then also replaces words the index does hold by
  a more frequent neighbour (`roma` -> `from`, `police` -> `policy`), which the
  `unknown` mode avoids.

Diacritics are folded in Python before indexing and before parsing, since Xapian has no
folding filter of its own.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import xapian

TOP_K = 10
SNIPPET_CHARS = 160
# The same field weights as the other fair peers (benchmarks.systems.FIELD_WEIGHTS), as
# wdf increments; the test suite checks the two stay equal.
FIELD_WEIGHTS = {"title": 3, "summary": 2, "body": 1, "meta": 2}
FACET_FIELDS = ("language", "locale", "country", "city", "year", "kind")
FILTER_FIELDS = ("language", "locale", "country", "country_code", "city", "year", "kind")
# Value slots for the facet counts (one per facet field) and boolean-term prefixes for
# the filters; the id term makes replace_document find an entry.
SLOTS = {name: slot for slot, name in enumerate(FACET_FIELDS)}
ID_PREFIX = "Q"
# Letters that NFKD does not split into base + accent.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O"})
_FOLD_LONG = {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
# Xapian's parser flags; phrases need FLAG_PHRASE, lower-case words are never operators.
PARSE_FLAGS = xapian.QueryParser.FLAG_PHRASE | xapian.QueryParser.FLAG_DEFAULT
SPELLING_MODES = ("unknown", "parser")


def fold(text: str) -> str:
    """Text without diacritics: `Málaga` -> `Malaga`, `Đurđevac` -> `Durdevac`."""
    text = text.translate(_FOLD_EXTRA)
    for letter, replacement in _FOLD_LONG.items():
        text = text.replace(letter, replacement)
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def facet_value(entry: dict[str, Any], field: str) -> str:
    """As benchmarks.data.facet_value (the test suite compares the two)."""
    if field == "year":
        year = entry.get("year_from")
        return "" if year is None else str(year)
    value = entry.get(field)
    return "" if value is None else str(value)


def meta_line(entry: dict[str, Any]) -> str:
    """As benchmarks.systems.meta_line: country, city and period."""
    return " ".join(str(entry.get(f)) for f in ("country", "city", "period") if entry.get(f))


def _text(value: bytes | str) -> str:
    """The bindings return bytes for some strings and str for others."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def filter_term(field: str, value: str) -> str:
    return f"X{field.upper()}:{value}"


def render_query(clauses: Sequence[Sequence[Any]]) -> str:
    """Query text for Xapian's parser from `[words, phrase]` pairs: words bare, phrases
    quoted, all folded."""
    parts = []
    for words, phrase in clauses:
        text = fold(" ".join(words))
        parts.append(f'"{text}"' if phrase else text)
    return " ".join(parts)


def correct_unknown(db: Any, clauses: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Clauses with each word the index lacks replaced by Xapian's spelling suggestion."""
    corrected: list[list[Any]] = []
    for words, phrase in clauses:
        fixed = []
        for word in words:
            term = fold(word).lower()
            suggestion = "" if db.term_exists(term) else _text(db.get_spelling_suggestion(term))
            fixed.append(suggestion or term)
        corrected.append([fixed, phrase])
    return corrected


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


class XapianEngine:
    def __init__(self, spelling: str = "unknown") -> None:
        if spelling not in SPELLING_MODES:
            raise ValueError(f"spelling mode {spelling!r}: expected one of {SPELLING_MODES}")
        self.spelling = spelling
        self._db: Any = None
        self._stem = xapian.Stem("english")

    @staticmethod
    def version() -> str:
        return f"Xapian {xapian.version_string()}"

    def _document(self, entry: dict[str, Any], generator: Any) -> Any:
        doc = xapian.Document()
        generator.set_document(doc)
        texts = {
            "title": entry.get("title") or "",
            "summary": entry.get("summary") or "",
            "body": entry.get("body") or "",
            "meta": meta_line(entry),
        }
        for name, text in texts.items():
            generator.index_text(fold(text), FIELD_WEIGHTS[name])
            generator.increase_termpos()  # no phrase across two fields
        for name in FILTER_FIELDS:
            value = facet_value(entry, name)
            if value:
                doc.add_boolean_term(filter_term(name, value))
        for name, slot in SLOTS.items():
            doc.add_value(slot, facet_value(entry, name))
        doc.add_boolean_term(ID_PREFIX + entry["id"])
        doc.set_data(json.dumps({"id": entry["id"], "summary": texts["summary"]}))
        return doc

    def _generator(self, db: Any) -> Any:
        generator = xapian.TermGenerator()
        generator.set_stemmer(self._stem)
        generator.set_stemming_strategy(xapian.TermGenerator.STEM_SOME)
        generator.set_database(db)
        generator.set_flags(xapian.TermGenerator.FLAG_SPELLING)
        return generator

    def build(self, corpus: str, workdir: str) -> dict[str, Any]:
        started = time.perf_counter()
        db = xapian.WritableDatabase(workdir, xapian.DB_CREATE_OR_OVERWRITE)
        generator = self._generator(db)
        count = 0
        for entry in _read_jsonl(Path(corpus)):
            db.replace_document(ID_PREFIX + entry["id"], self._document(entry, generator))
            count += 1
        db.commit()
        db.close()
        return {"seconds": time.perf_counter() - started, "entries": count}

    def open(self, workdir: str) -> None:
        self._workdir = workdir
        self._db = xapian.Database(workdir)

    def update_one(self, entry: dict[str, Any]) -> float:
        started = time.perf_counter()
        db = xapian.WritableDatabase(self._workdir, xapian.DB_OPEN)
        db.replace_document(ID_PREFIX + entry["id"], self._document(entry, self._generator(db)))
        db.commit()
        db.close()
        self._db.reopen()  # the change counts as done when the searcher sees it
        return time.perf_counter() - started

    def parse(self, clauses: Sequence[Sequence[Any]]) -> tuple[Any, str]:
        """The OR query of the words and phrases, spelling-corrected; and the correction."""
        parser = xapian.QueryParser()
        parser.set_stemmer(self._stem)
        parser.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        parser.set_database(self._db)
        parser.set_default_op(xapian.Query.OP_OR)
        if self.spelling == "unknown":
            corrected = render_query(correct_unknown(self._db, clauses))
            return parser.parse_query(corrected, PARSE_FLAGS), corrected
        text = render_query(clauses)
        flags = PARSE_FLAGS | xapian.QueryParser.FLAG_SPELLING_CORRECTION
        query = parser.parse_query(text, flags)
        corrected = _text(parser.get_corrected_query_string())
        if corrected and corrected != text:
            query = parser.parse_query(corrected, PARSE_FLAGS)
        return query, corrected or text

    def query(
        self, clauses: Sequence[Sequence[Any]], filters: dict[str, list[str]]
    ) -> dict[str, Any]:
        query, corrected = self.parse(clauses)
        for name, values in filters.items():
            if name not in FILTER_FIELDS:
                raise ValueError(f"xapian cannot filter on {name!r}")
            allowed = xapian.Query(
                xapian.Query.OP_OR, [xapian.Query(filter_term(name, v)) for v in values]
            )
            query = xapian.Query(xapian.Query.OP_FILTER, query, allowed)
        enquire = xapian.Enquire(self._db)
        enquire.set_query(query)
        enquire.set_weighting_scheme(xapian.BM25Weight())
        spies = {name: xapian.ValueCountMatchSpy(slot) for name, slot in SLOTS.items()}
        for spy in spies.values():
            enquire.add_matchspy(spy)
        # checkatleast = every document: exact totals and facet counts over all matches.
        mset = enquire.get_mset(0, TOP_K, self._db.get_doccount())
        ids, snippets = [], []
        for match in mset:
            data = json.loads(match.document.get_data())
            ids.append(data["id"])
            snippet = _text(
                mset.snippet(
                    data["summary"],
                    SNIPPET_CHARS,
                    self._stem,
                    xapian.MSet.SNIPPET_EMPTY_WITHOUT_MATCH,
                    "<b>",
                    "</b>",
                    "…",
                )
            )
            snippets.append(snippet or data["summary"][:SNIPPET_CHARS])
        facets = {
            name: {
                _text(item.term): item.termfreq
                for item in spy.values()
                if item.term and item.termfreq
            }
            for name, spy in spies.items()
        }
        return {
            "total": mset.get_matches_estimated(),
            "ids": ids,
            "snippets": snippets,
            "facets": facets,
            "corrected": corrected,
        }

    @staticmethod
    def peak_rss_bytes() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        self._db = None


def serve(engine: XapianEngine, requests: Any, replies: Any) -> None:
    """One JSON request a line: `{"op": NAME, "args": [...]}` -> `{"ok": RESULT}` or
    `{"error": TEXT}`; stops at `close` or end of input."""
    for line in requests:
        request = json.loads(line)
        op = request["op"]
        try:
            result = getattr(engine, op)(*request.get("args", []))
            reply: dict[str, Any] = {"ok": result}
        except Exception as exc:  # the caller raises it with the request named
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply, ensure_ascii=False) + "\n")
        replies.flush()
        if op == "close":
            return


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if len(arguments) != 3 or arguments[:2] != ["--serve", "--spelling"]:
        sys.exit(
            "usage: python3 xapian_engine.py --serve --spelling unknown|parser  "
            "(JSON requests on stdin)"
        )
    serve(XapianEngine(arguments[2]), sys.stdin, sys.stdout)
