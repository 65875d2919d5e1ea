"""JSONL and CSV importers, validation messages and malformed files."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

import pytest

from corpus import CorpusError, load_sources
from corpus.errors import one_line
from corpus.model import EntryError, make_entry

GOOD = {
    "title": "Intercultural mediation to promote living together",
    "summary": "Purpose: The overall objective is the promotion of mediation...",
    "locale": "en",
    "kind": "good-practice",
    "country": "Spain",
    "city": "Valladolid",
    "period": "2019 - ongoing",
    "year_from": 2019,
    "url": "https://www.coe.int/en/web/interculturalcities/good-practice",
}


def _jsonl(tmp_path: Path, *records: object, name: str = "e.jsonl") -> Path:
    path = tmp_path / name
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_round_trip_with_derived_id_and_country_code(tmp_path: Path) -> None:
    [entry] = load_sources([_jsonl(tmp_path, GOOD)]).entries
    assert entry.id.startswith("en-intercultural-mediation-to-promote")
    assert (entry.country_code, entry.year_from, entry.year_to) == ("ES", 2019, None)
    assert entry.source.endswith("e.jsonl:1")


def test_broken_jsonl_line_names_file_and_line(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, GOOD, {**GOOD, "title": "Second"}, '{"title": "broken", ')
    with pytest.raises(CorpusError, match=r"e\.jsonl:3: invalid JSON"):
        load_sources([path])


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({**GOOD, "title": ""}, "missing required field 'title'"),
        ({**GOOD, "locale": None}, "missing required field 'locale'"),
        ({**GOOD, "year_from": "soon"}, "field 'year_from' must be a year"),
        ({**GOOD, "year_from": 2022, "year_to": 2019}, "year_from 2022 is after year_to 2019"),
        ({**GOOD, "kind": "event"}, "field 'kind' must be one of"),
        ({**GOOD, "url": "javascript:alert(1)"}, "field 'url' must be an http"),
        ({**GOOD, "id": "../../etc/passwd"}, "field 'id' must be"),
        ({**GOOD, "summary": ""}, "neither summary nor body"),
        (["not", "an", "object"], "expected an object"),
    ],
)
def test_invalid_record_is_rejected_with_a_reason(
    tmp_path: Path, record: object, problem: str
) -> None:
    path = _jsonl(tmp_path, GOOD, record)
    with pytest.raises(CorpusError) as info:
        load_sources([path])
    assert str(info.value).startswith(f"{path}:2: ")
    assert problem in str(info.value)


def test_skip_invalid_imports_the_rest_and_counts(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path,
        GOOD,
        "{oops",
        {**GOOD, "title": "Other", "year_from": "x"},
        {**GOOD, "title": "Third"},
    )
    result = load_sources([path], skip_invalid=True)
    assert [e.title for e in result.entries] == [GOOD["title"], "Third"]
    assert [e.split(": ")[0] for e in result.report.errors] == [f"{path}:2", f"{path}:3"]


def test_unknown_fields_give_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _jsonl(tmp_path, {**GOOD, "colour": "red"}, {**GOOD, "title": "B", "colour": "blue"})
    with caplog.at_level(logging.WARNING):
        result = load_sources([path])
    assert len(result.entries) == 2
    assert result.report.warnings == [f"{path}: ignored unknown field(s): colour"]


def test_shared_entries_jsonl_imports_with_its_ids(shared_corpus: Path) -> None:
    from corpus import derive_id
    from tests.conftest import read_jsonl

    gold = read_jsonl(shared_corpus / "entries.jsonl")
    result = load_sources([shared_corpus / "entries.jsonl"])
    assert [e.id for e in result.entries] == [
        derive_id(g["locale"], g["url"], g["title"]) for g in gold
    ]
    assert "gold_language" in result.report.warnings[0]


def test_csv_with_header_row(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "title,summary,locale,country,city,year_from\n"
        'Migrant stories,"Purpose: During COVID, uplifting stories...",sr,Germany,Erlangen,2020\n'
        "Broken,,sr,Germany,Erlangen,2020\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"e\.csv:3: entry has neither summary nor body"):
        load_sources([path])
    [entry] = load_sources([path], skip_invalid=True).entries
    assert (entry.title, entry.locale, entry.country_code, entry.year_from) == (
        "Migrant stories",
        "sr",
        "DE",
        2020,
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", r"x\.jsonl:1: file is empty"),
        (b'{"title": "ok"}\n{"title": "caf\xc3', r"x\.jsonl:2: not valid UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", r"x\.jsonl:1: binary file"),
        (b'{"title": "' + b"a" * (3 * 1024 * 1024) + b'"}\n', r"x\.jsonl:1: line of 3\.1 MB"),
    ],
)
def test_malformed_files(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=problem):
        load_sources([path])


def test_missing_source_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file or directory"):
        load_sources([tmp_path / "nope.txt"])
    with pytest.raises(CorpusError, match=r"no \.txt, \.jsonl or \.csv files"):
        load_sources([tmp_path])


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_text_is_cleaned_alike_on_the_fast_path(tmp_path: Path, ensure_ascii: bool) -> None:
    """A JSONL line with nothing to clean skips the per-field checks; every character the
    checks remove or refuse must send its line down the checked path."""
    specials = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))] + ["\ud800", "é", ""]
    lines = [  # a lone surrogate can only be written escaped in a UTF-8 file
        json.dumps(
            {"title": f"Title {k}{ch}x", "summary": f" s{ch} ", "locale": "en"},
            ensure_ascii=ensure_ascii or ch == "\ud800",
        )
        for k, ch in enumerate(specials)
    ]
    path = tmp_path / "specials.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load_sources([path], skip_invalid=True)
    expected = []
    for number, line in enumerate(lines, start=1):
        with contextlib.suppress(EntryError):
            expected.append(make_entry(json.loads(line), source=f"{path}:{number}").title)
    assert [e.title for e in result.entries] == expected
    assert len(result.report.errors) == 1  # the lone surrogate, named by file:line
    assert f"{path}:{specials.index(chr(0xD800)) + 1}:" in result.report.errors[0]


def test_an_error_detail_is_one_line_of_bounded_length() -> None:
    exc = ValueError("bad\n  value\tin\r\nline 3")
    assert one_line(exc, 200) == "ValueError: bad value in line 3"
    assert one_line(exc, 10) == "ValueError"
