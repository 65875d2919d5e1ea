"""Malformed source files: a CorpusError naming file:line, and nothing half-written.

Truncated UTF-8, binary files, empty files, a 10 MB line, JSONL of valid JSON with the wrong
types, a "listing page" of random text, ragged CSV, malformed addresses.  The importer
raises `CorpusError("<file>:<line>: <problem>")`, one line, without echoing the file; and
`gpsearch index BAD --index DIR` on a live index exits 1 with that line and leaves the index
serving the same generation, byte for byte.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from corpus import CorpusError, Entry, load_sources
from corpus.listing import SOURCE_RE
from corpus.loader import _format as source_format
from corpus.model import FIELD_NAMES, ID_RE
from gpsearch.cli import main as cli
from indexer.hashing import content_hash
from search import Searcher, SearchRequest
from tests.conftest import run_cli
from tests.reliability.conftest import copy_index, fuzz, live_generation, tree_state

GOOD = {
    "title": "Welcome desk for newcomers",
    "summary": "A desk in the town hall.",
    "locale": "en",
    "country": "Norway",
    "city": "Oslo",
    "year_from": 2020,
}
GOOD_LINE = json.dumps(GOOD).encode() + b"\n"
TEN_MB = 10 * 1024 * 1024
LISTING_HEAD = b"Source: https://www.coe.int/en/web/interculturalcities/good-practice\n\n"
RANDOM_TEXT = "\n".join(
    [
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        "Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.",
        "Ut enim ad minim veniam, quis nostrud exercitation ullamco.",
        "Duis aute irure dolor in reprehenderit in voluptate velit esse.",
        "Excepteur sint occaecat cupidatat non proident, sunt in culpa.",
    ]
).encode()


def wrong(record: Any) -> bytes:
    """Two good records, then the bad one on line 3."""
    return (
        GOOD_LINE
        + json.dumps({**GOOD, "title": "Second"}).encode()
        + b"\n"
        + (json.dumps(record).encode() + b"\n")
    )


# name -> (file name, content, expected "line: problem" after the file name)
BAD_FILES: dict[str, tuple[str, bytes, str]] = {
    "truncated UTF-8 (JSONL)": (
        "cut.jsonl",
        GOOD_LINE + '{"title": "Građ'.encode()[:-1],
        r"2: not valid UTF-8 \(byte 15 of the line\)",
    ),
    # (a page whose copy ends inside a character keeps what is before it: tests/corpus)
    "broken UTF-8 inside a listing": (
        "cut.txt",
        LISTING_HEAD
        + "Art-therapy in Lutsk\nUkraine Lutsk 2022\nÉté".encode()[:-1]
        + b"\nRead More\n",
        r"5: not valid UTF-8",
    ),
    "binary": (
        "photo.jsonl",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40,
        r"1: binary file, not a listing page, JSONL or CSV",
    ),
    "binary without NUL": (
        "noise.txt",
        bytes(range(128, 256)) * 100,
        r"1: not valid UTF-8 \(byte 1 of the line\)",
    ),
    "empty": ("empty.jsonl", b"", r"1: file is empty"),
    "blank lines only": ("blank.csv", b"\n \r\n\t\n", r"1: file is empty"),
    "10 MB line (JSONL)": (
        "huge.jsonl",
        GOOD_LINE + b'{"title": "' + b"a" * TEN_MB + b'"}\n',
        r"2: line of 10\.5 MB is longer than the 2 MB limit for one record",
    ),
    "10 MB line (listing)": (
        "huge.txt",
        LISTING_HEAD + b"word " * (TEN_MB // 5),
        r"3: line of 10\.5 MB is longer than the 2 MB limit",
    ),
    "invalid JSON": (
        "broken.jsonl",
        GOOD_LINE + b'{"title": "x",\n',
        r"2: invalid JSON: Expecting property name enclosed in double quotes",
    ),
    "JSON list": (
        "list.jsonl",
        wrong([1, 2]),
        r"3: expected an object with entry fields, got list",
    ),
    "JSON string": (
        "string.jsonl",
        GOOD_LINE + b'"a title"\n',
        r"2: expected an object with entry fields, got str",
    ),
    "JSON null": (
        "null.jsonl",
        GOOD_LINE + b"null\n",
        r"2: expected an object with entry fields, got NoneType",
    ),
    "title is a number": (
        "title.jsonl",
        wrong({**GOOD, "title": 5}),
        r"3: field 'title' must be text, got int",
    ),
    "summary is a list": (
        "summary.jsonl",
        wrong({**GOOD, "summary": ["a", "b"]}),
        r"3: field 'summary' must be text, got list",
    ),
    "country is a number": (
        "country.jsonl",
        wrong({**GOOD, "country": 5}),
        r"3: field 'country' must be text, got int",
    ),
    "country is an object": (
        "country2.jsonl",
        wrong({**GOOD, "country": {"name": "Spain"}}),
        r"3: field 'country' must be text, got dict",
    ),
    "year is a word": (
        "year.jsonl",
        wrong({**GOOD, "year_from": "soon"}),
        r"3: field 'year_from' must be a year, got 'soon'",
    ),
    "year is true": (
        "bool.jsonl",
        wrong({**GOOD, "year_to": True}),
        r"3: field 'year_to' must be a year, got True",
    ),
    "year is a float": (
        "float.jsonl",
        wrong({**GOOD, "year_from": 2019.5}),
        r"3: field 'year_from' must be a year, got 2019\.5",
    ),
    "id with a path": (
        "id.jsonl",
        wrong({**GOOD, "id": "../../etc/passwd"}),
        r"3: field 'id' must be 1-128 letters",
    ),
    "unknown kind": (
        "kind.jsonl",
        wrong({**GOOD, "kind": "event"}),
        r"3: field 'kind' must be one of good-practice, news, got 'event'",
    ),
    "address with a broken IPv6 host": (
        "ipv6.jsonl",
        wrong({**GOOD, "url": "http://[::1/en/web"}),
        r"3: field 'url' must be an http\(s\) address, got 'http://\[::1/en/web'",
    ),
    "lone surrogate escape": (
        "surrogate.jsonl",
        wrong({**GOOD, "id": "given-1", "summary": "broken \ud800 text"}),
        r"3: field 'summary' is not valid Unicode text: lone surrogate '\\ud800'",
    ),
    "listing page of random text": (
        "random.txt",
        RANDOM_TEXT,
        r"1: no entries found: not a listing page",
    ),
    "listing page with a broken Source address": (
        "source.txt",
        b"Source: http://[::1/en/web\n\nTitle\nSpain Valladolid 2019\nA summary.\n",
        r"1: Source is not an http\(s\) address: http://\[::1/en/web",
    ),
    "CSV row with extra cells": (
        "ragged.csv",
        b"title,summary,locale\nA,B,en\nC,D,en,extra\n",
        r"3: row has more cells than the header has columns",
    ),
    "CSV row with missing cells": (
        "short.csv",
        b"title,summary,locale\nA,B,en\nOnly a title\n",
        r"3: missing required field 'locale'",
    ),
    "CSV without a title column": (
        "header.csv",
        b"name,text\na,b\n",
        r"1: CSV header must name the entry fields",
    ),
    "CSV field over the csv module's limit": (
        "field.csv",
        b"title,summary,locale\nA,B,en\nC," + b"d" * 200_000 + b",en\n",
        r"3: malformed CSV: field larger than field limit",
    ),
}


def assert_clear(message: str, path: Path, expected: str) -> None:
    assert re.match(rf"{re.escape(str(path))}:{expected}", message), message
    assert "\n" not in message and len(message) < 400, "one short line, never the file itself"


@pytest.mark.parametrize("name", BAD_FILES)
def test_malformed_file_is_a_corpus_error_naming_file_and_line(tmp_path: Path, name: str) -> None:
    filename, content, expected = BAD_FILES[name]
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(CorpusError) as caught:
        load_sources([path])
    assert_clear(str(caught.value), path, expected)


@pytest.fixture(scope="module")
def live_index(bundled_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the bundled index that every failed import must leave unchanged."""
    return copy_index(bundled_index, tmp_path_factory.mktemp("live") / "index")


def test_failed_imports_leave_the_live_index_unchanged(live_index: Path, tmp_path: Path) -> None:
    generation, state = live_generation(live_index), tree_state(live_index)
    runner = CliRunner()
    for name, (filename, content, expected) in BAD_FILES.items():
        path = tmp_path / filename
        path.write_bytes(content)
        result = runner.invoke(cli, ["index", str(path), "--index", str(live_index)])
        assert result.exit_code == 1, (name, result.output)
        assert result.stdout == "", name
        assert_clear(result.stderr.rstrip("\n").removeprefix("Error: "), path, expected)
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, name
        assert live_generation(live_index) == generation, name
        assert tree_state(live_index) == state, f"{name}: the index directory was written"
    assert Searcher(live_index).search(SearchRequest("integration")).total > 0


def test_one_bad_file_among_good_ones_imports_nothing(live_index: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({**GOOD, "title": "Quokkafest welcome desk"}) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(wrong({**GOOD, "year_from": "soon"}))
    generation = live_generation(live_index)
    result = CliRunner().invoke(cli, ["index", str(good), str(bad), "--index", str(live_index)])
    assert result.exit_code == 1
    assert live_generation(live_index) == generation
    assert Searcher(live_index).search(SearchRequest("quokkafest")).total == 0


def test_sources_without_entries_never_replace_an_index(live_index: Path, tmp_path: Path) -> None:
    header_only = tmp_path / "header.csv"
    header_only.write_text("title,summary,locale\n")
    generation, state = live_generation(live_index), tree_state(live_index)
    for index_dir, extra in ((live_index, ["--rebuild"]), (tmp_path / "fresh", [])):
        result = CliRunner().invoke(
            cli, ["index", str(header_only), "--index", str(index_dir), *extra]
        )
        assert result.exit_code == 1, result.output
        assert (
            result.stderr == f"Error: nothing to index into {index_dir}: the sources hold"
            " no entries\n"
        )
    assert live_generation(live_index) == generation and tree_state(live_index) == state
    assert not list((tmp_path / "fresh").glob("gen-*")), "no half-written generation"


def test_real_process_prints_one_line_and_no_traceback(live_index: Path, tmp_path: Path) -> None:
    filename, content, expected = BAD_FILES["10 MB line (JSONL)"]
    path = tmp_path / filename
    path.write_bytes(content)
    generation = live_generation(live_index)
    proc = run_cli("index", str(path), "--index", str(live_index), timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert_clear(proc.stderr.strip().removeprefix("Error: "), path, expected)
    assert live_generation(live_index) == generation


# --- property-based: whatever the bytes, an import gives entries or a CorpusError ---------


def check_import(path: Path) -> list[Entry]:
    """Entries (every one valid) or a CorpusError `path:line: problem` on one line, naming
    the line at fault (see `assert_names_the_offending_line`)."""
    try:
        entries = load_sources([path]).entries
    except CorpusError as exc:
        message = str(exc)
        found = re.match(rf"{re.escape(str(path))}:(\d+): (\S.*)", message)
        assert found, message
        assert "\n" not in message and len(message) < 600, message
        assert_names_the_offending_line(path, int(found[1]), found[2])
        return []
    for entry in entries:
        assert ID_RE.match(entry.id) and entry.title and entry.locale
        assert entry.summary or entry.body or entry.truncated  # cut after its meta line
        content_hash(entry)  # the build's first step: every field is encodable text
    return entries


def error_of(path: Path) -> str | None:
    try:
        load_sources([path])
    except CorpusError as exc:
        return str(exc)
    return None


def assert_names_the_offending_line(path: Path, line: int, problem: str) -> None:
    """The line an import error names is the first one at fault, wherever the test can tell.

    Problems with the bytes are on a line the bytes alone give: a NUL (line 1), the first
    line that is not UTF-8, a file of blank lines (line 1).  In JSONL the named line fails
    alike with every other line blanked; in a listing page, with the lines before it blanked
    (its Source line kept), since an entry goes on below its title line.  In both, the lines
    before it import, and a listing's page-level problem is on its first line of text.
    (CSV records may span lines, so CSV gets the byte-level checks only.)
    """
    data = path.read_bytes()
    where = (path.name, line, problem)
    if b"\x00" in data[:8192]:
        assert (line, problem) == (1, "binary file, not a listing page, JSONL or CSV"), where
        return
    body = data.removeprefix(b"\xef\xbb\xbf")
    raws = body.split(b"\n")
    for number, raw in enumerate(raws, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A page cut inside its very last character keeps the text before it.
            cut_at_end = (
                number == len(raws)
                and exc.reason == "unexpected end of data"
                and exc.end == len(raw)
                and path.suffix.lower() not in (".jsonl", ".ndjson", ".csv")
                and bool(body[: len(body) - len(raw) + exc.start].strip())
            )
            if cut_at_end:
                raws[-1] = raw[: exc.start]
                break
            assert line == number and problem.startswith("not valid UTF-8 "), where
            return
    texts = [raw.decode("utf-8").rstrip("\r") for raw in raws]
    filled = [n for n, text in enumerate(texts, 1) if text.strip()]
    if not filled:
        assert (line, problem) == (1, "file is empty"), where
        return
    kind = source_format(path, list(enumerate(texts, 1)))
    if kind not in ("jsonl", "listing"):
        return
    assert line in filled, f"{where}: not a line with text on it"
    keep = {line} if kind == "jsonl" else set(range(line, len(texts) + 1))
    if kind == "listing":
        if problem.startswith(("no entries found", "Source is not")):
            assert line == filled[0], f"{where}: a page's problem is on its first line"
        if SOURCE_RE.match(texts[filled[0] - 1]):
            keep.add(filled[0])
        elif line != filled[0] and SOURCE_RE.match(texts[line - 1]):
            # a Source line below the page's first line of text is an entry's title; with
            # every line above it blanked it would be the page's Source line instead
            keep.add(filled[0])
    variants = path.parent / "line-check"
    variants.mkdir(exist_ok=True)
    name = "records.jsonl" if kind == "jsonl" else path.name
    variant = variants / name
    variant.write_text(
        "\n".join(t if n in keep else "" for n, t in enumerate(texts, 1)), encoding="utf-8"
    )
    assert error_of(variant) == f"{variant}:{line}: {problem}", f"{where}: not the line at fault"
    before = [t for n, t in enumerate(texts, 1) if n < line]
    if any(t.strip() for t in before):
        variant.write_text("\n".join(before), encoding="utf-8")
        error = error_of(variant)
        assert error is None or (kind == "listing" and ": no entries found" in error), (
            f"{where}: an earlier line is at fault: {error}"
        )


SUFFIXES = [".txt", ".jsonl", ".csv", ".dat"]
PAGE_LINES = [
    "Source: https://www.coe.int/fr/web/interculturalcities/good-practice",
    "Source: https://www.coe.int/en/web/interculturalcities/newsroom",
    "Source: ftp://x/en/",
    "Source: http://[::1/en",
    "Source: https://www.coe.int/en/update_language?redirect=http%3A%2F%2F%5B%3A%3A1",
    "Read More",
    "Lire la suite",
    "Spain Valladolid 2019 - ongoing",
    "Royaume-Uni Leeds 2020",
    "18-19 October 2018 Geneva, Switzerland",
    "Norway 2013-",
    "Ireland QË NGA VITI 2020",
    "Montreal, Canada",
    "Art-therapy in Lutsk",
    "A summary.",
    "Topic",
    "Year",
    "Social media",
    "title,summary,locale",
    "a,b,en",
    '"unterminated,x',
    "a,b,en,extra",
    '{"title": "x", "summary": "y", "locale": "en"}',
    '{"title": 5}',
    "[]",
    "{",
    "",
    " ",
    "\x0c",
    "\u2028",
    "\x85",
    "Ünïcödé 文字 🙂",
    "year_from,year_to",
]
page_text = st.lists(st.one_of(st.sampled_from(PAGE_LINES), st.text(max_size=40)), max_size=25).map(
    "\n".join
)


@fuzz(150)
@given(
    content=st.one_of(st.binary(max_size=3000), page_text.map(str.encode)),
    suffix=st.sampled_from(SUFFIXES),
)
# found by the fuzzer: a Source line under a line of text is an entry's title
@example(content=b"\x01\nSource:\x01\nSpain\n\x01\n\x01\nSpain", suffix=".txt")
def test_any_bytes_import_or_fail_with_file_and_line(
    fuzz_dir: Path, content: bytes, suffix: str
) -> None:
    path = fuzz_dir / f"source{suffix}"
    path.write_bytes(content)
    check_import(path)


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "2019",
            "abc",
            "en",
            "EN_gb",
            "sq",
            "xx-yyyyyyyyy",
            "news",
            "Spain",
            "http://[::1",
            "https://www.coe.int/en/web/x",
            "javascript:alert(1)",
            "http://a:99999999/",
            "../x",
            "und",
            "ZZ",
            "\x00",
            "\ud800",
        ]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
records = st.dictionaries(
    st.sampled_from([*FIELD_NAMES, "translated", "extra"]), json_values, max_size=8
).map(lambda r: {**GOOD, **r})


@fuzz(200)
@given(rows=st.lists(st.one_of(records, json_values), min_size=1, max_size=4))
def test_jsonl_of_any_json_imports_or_names_the_line(fuzz_dir: Path, rows: list[Any]) -> None:
    path = fuzz_dir / "records.jsonl"
    path.write_text(
        "\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8", errors="surrogatepass"
    )
    check_import(path)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")
