"""SQLite FTS5 (stdlib sqlite3) with the porter + unicode61 tokenizer, diacritics removed.

Two configurations: `fts5` ORs the words and phrases of a query and ranks by bm25() with
field weights over title/summary/body and the meta line; `fts5-and` is the strict
configuration of the earlier reports (implicit AND, three fields, unweighted bm25()).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.data import FACET_FIELDS, FILTER_FIELDS, facet_value, read_jsonl
from benchmarks.queries import Clause, Query, parse_clauses
from benchmarks.systems import (
    FAIR_TEXT_FIELDS,
    FIELD_WEIGHTS,
    TEXT_FIELDS,
    TOP_K,
    BuildStats,
    Peer,
    QueryResult,
    drop_empty,
    entry_texts,
    quoted_clauses,
)

DB_NAME = "fts5.sqlite"
TOKENIZE = "porter unicode61 remove_diacritics 2"
# Column 2 of the FTS table is the summary; 16 tokens around the best match.
SNIPPET_SQL = "snippet(docs, 2, '<b>', '</b>', '…', 16)"
BATCH = 5000


def schema_sql(columns: Sequence[str]) -> str:
    return f"""
CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, {", ".join(columns)}, tokenize="{TOKENIZE}");
CREATE TABLE meta (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    language TEXT, locale TEXT, country TEXT, country_code TEXT, city TEXT, year TEXT, kind TEXT
);
"""


def match_expression(clauses: Sequence[Clause], conjunction: bool) -> str:
    """The MATCH string: every word and phrase quoted, joined by implicit AND or by OR."""
    return quoted_clauses(clauses, " " if conjunction else " OR ")


def bm25_sql(columns: Sequence[str], weighted: bool) -> str:
    """`bm25(docs, ...)` with one weight per column (the unindexed id first)."""
    if not weighted:
        return "bm25(docs)"
    weights = ", ".join(str(FIELD_WEIGHTS[c]) for c in columns)
    return f"bm25(docs, 0.0, {weights})"


class Fts5System(Peer):
    def __init__(self, name: str, conjunction: bool, columns: Sequence[str]) -> None:
        super().__init__()
        self.name = name
        self.conjunction = conjunction
        self.columns = tuple(columns)
        self._rank_sql = bm25_sql(self.columns, weighted=not conjunction)
        self._db: sqlite3.Connection | None = None
        operator = "implicit AND" if conjunction else "OR"
        self.notes = {
            "match": f"FTS5 MATCH over {'/'.join(self.columns)} ({operator} of the quoted words, "
            f'"phrases"), `{self._rank_sql}`, tokenize="{TOKENIZE}"',
            "filters": "join on a plain `meta` table by rowid, `col IN (...)` per field",
            "facets": "one statement: matched rows MATERIALIZED in a CTE, GROUP BY per facet "
            "(UNION ALL); top-10 is a second statement",
            "highlights": f"`{SNIPPET_SQL}` on the top 10",
            "update": "UPDATE of the FTS row and the meta row by rowid in one transaction",
        }

    def unavailable(self) -> str | None:
        try:
            probe = sqlite3.connect(":memory:")
            probe.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
            probe.close()
        except sqlite3.OperationalError as exc:
            return f"sqlite3 has no FTS5: {exc}"
        return None

    def version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def _rows(self, entry: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        doc = (entry["id"], *entry_texts(entry, self.columns).values())
        meta = (entry["id"], *(facet_value(entry, c) for c in FILTER_FIELDS))
        return doc, meta

    def build(self, entries_jsonl: Path, workdir: Path) -> BuildStats:
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / DB_NAME
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        db = sqlite3.connect(path, isolation_level=None)
        db.executescript(schema_sql(self.columns))
        db.execute("BEGIN")
        count = 0
        docs: list[tuple[Any, ...]] = []
        metas: list[tuple[Any, ...]] = []

        columns = ", ".join(self.columns)
        placeholders = ", ".join("?" for _ in self.columns)

        def flush() -> None:
            # rowids of both tables come from the same running count.
            base = count - len(docs) + 1
            db.executemany(
                f"INSERT INTO docs(rowid, id, {columns}) VALUES (?, ?, {placeholders})",
                [(base + i, *d) for i, d in enumerate(docs)],
            )
            db.executemany(
                f"INSERT INTO meta(rowid, id, {', '.join(FILTER_FIELDS)}) "
                f"VALUES (?, ?, {', '.join('?' for _ in FILTER_FIELDS)})",
                [(base + i, *m) for i, m in enumerate(metas)],
            )
            docs.clear()
            metas.clear()

        for entry in read_jsonl(entries_jsonl):
            doc, meta = self._rows(entry)
            docs.append(doc)
            metas.append(meta)
            count += 1
            if len(docs) >= BATCH:
                flush()
        flush()
        db.execute("COMMIT")
        # Merge the FTS b-trees into one, as a deployment would after a bulk load.
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        db.close()
        self._workdir = workdir
        return BuildStats(time.perf_counter() - started, count, {"optimize": True})

    def open(self, workdir: Path) -> None:
        self._workdir = workdir
        self._db = sqlite3.connect(workdir / DB_NAME, isolation_level=None, check_same_thread=False)

    def update_one(self, entry: dict[str, Any]) -> float:
        assert self._db is not None
        doc, meta = self._rows(entry)
        started = time.perf_counter()
        db = self._db
        db.execute("BEGIN")
        (rowid,) = db.execute("SELECT rowid FROM meta WHERE id = ?", (entry["id"],)).fetchone()
        db.execute(
            f"UPDATE docs SET id = ?, {', '.join(f'{c} = ?' for c in self.columns)} "
            "WHERE rowid = ?",
            (*doc, rowid),
        )
        db.execute(
            f"UPDATE meta SET {', '.join(f'{c} = ?' for c in FILTER_FIELDS)} WHERE rowid = ?",
            (*meta[1:], rowid),
        )
        db.execute("COMMIT")
        return time.perf_counter() - started

    def query(self, q: Query) -> QueryResult:
        assert self._db is not None
        clauses = parse_clauses(q.text)
        if not clauses:
            return QueryResult(0, [], [], {})
        where = ["docs MATCH ?"]
        params: list[Any] = [match_expression(clauses, self.conjunction)]
        for name, values in q.filters.items():
            if name not in FILTER_FIELDS:
                raise ValueError(f"fts5 cannot filter on {name!r}")
            where.append(f"m.{name} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
        matched = "SELECT m.* FROM docs JOIN meta m ON m.rowid = docs.rowid WHERE " + " AND ".join(
            where
        )
        facet_sql = (
            "WITH hits AS MATERIALIZED ("
            + matched
            + ") "
            + " UNION ALL ".join(
                [f"SELECT '{f}', {f}, count(*) FROM hits GROUP BY {f}" for f in FACET_FIELDS]
                + ["SELECT '_total', NULL, count(*) FROM hits"]
            )
        )
        facets: dict[str, dict[str, int]] = {f: {} for f in FACET_FIELDS}
        total = 0
        for facet, value, count in self._db.execute(facet_sql, params):
            if facet == "_total":
                total = count
            else:
                facets[facet][value] = count
        top_sql = (
            f"SELECT m.id, {SNIPPET_SQL} FROM docs JOIN meta m ON m.rowid = docs.rowid "
            f"WHERE {' AND '.join(where)} ORDER BY {self._rank_sql} LIMIT {TOP_K}"
        )
        rows = self._db.execute(top_sql, params).fetchall() if total else []
        return QueryResult(
            total=total,
            ids=[r[0] for r in rows],
            snippets=[r[1] for r in rows],
            facets={f: drop_empty(c) for f, c in facets.items()},
        )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        self._db = None


SYSTEM = Fts5System("fts5", conjunction=False, columns=FAIR_TEXT_FIELDS)
AND_SYSTEM = Fts5System("fts5-and", conjunction=True, columns=TEXT_FIELDS)
