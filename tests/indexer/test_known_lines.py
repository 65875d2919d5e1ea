"""Re-indexing a JSONL file parses only the lines the index does not already hold
(corpus.known, indexer.known_lines), through the real `gpsearch` command: what it builds is
what a full rebuild of the same file builds, and nothing it used to report goes unsaid."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from corpus import load_sources
from corpus.model import Entry
from indexer import generations, known_lines
from indexer.build import build_index, update_index
from tests.conftest import run_cli, synthetic_jsonl


def _export(index_dir: Path) -> list[dict[str, object]]:
    result = run_cli("export", "--index", str(index_dir), check=True)
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    return sorted(entries, key=lambda e: str(e["id"]))


def _edit(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")


def _revised(line: str, note: str) -> str:
    record = json.loads(line)
    record["summary"] += f" ({note})"
    return json.dumps(record, ensure_ascii=False)


def _new_line(line: str) -> str:
    record = json.loads(line)
    return json.dumps({**record, "id": "syn-new", "title": "A new practice"}, ensure_ascii=False)


def test_an_update_parses_only_changed_lines_and_builds_what_a_rebuild_builds(
    tmp_path: Path,
) -> None:
    source = synthetic_jsonl(tmp_path / "entries.jsonl", 120)
    index = tmp_path / "index"
    first = run_cli("index", str(source), "--index", str(index), check=True).stdout
    assert "not parsed again" not in first  # nothing known yet: every line parsed

    # One line edited in place, the last one replaced by a new entry.
    _edit(
        source,
        lambda lines: [*lines[:5], _revised(lines[5], "edited"), *lines[6:-1], _new_line(lines[0])],
    )
    out = run_cli("index", str(source), "--index", str(index), check=True).stdout
    assert "1 new, 1 changed, 1 removed, 118 unchanged" in out
    assert "118 unchanged line(s) the index holds were not parsed again" in out
    assert "import: 120 entries kept" in out

    rebuilt = tmp_path / "rebuilt"
    run_cli("index", str(source), "--index", str(rebuilt), "--rebuild", check=True)
    assert _export(index) == _export(rebuilt)  # `source` (file:line) included
    assert any(str(e["summary"]).endswith("(edited)") for e in _export(index))

    # A line inserted at the top moves every other: each entry's `source` changes, so
    # every line is parsed and re-indexed, as without remembered lines.
    _edit(
        source, lambda lines: [_revised(lines[0], "copy").replace("syn-00000", "syn-top"), *lines]
    )
    out = run_cli("index", str(source), "--index", str(index), check=True).stdout
    assert "1 new, 120 changed" in out and "not parsed again" not in out
    run_cli("index", str(source), "--index", str(rebuilt), "--rebuild", check=True)
    assert _export(index) == _export(rebuilt)

    # Unchanged file: nothing parsed, nothing built.
    out = run_cli("index", str(source), "--index", str(index), check=True).stdout
    assert "121 unchanged line(s)" in out and "0 changed: index" in out


def test_lines_with_ignored_fields_are_parsed_and_warned_about_every_time(
    tmp_path: Path,
) -> None:
    source = synthetic_jsonl(tmp_path / "entries.jsonl", 30)
    _edit(source, lambda lines: [json.dumps({**json.loads(lines[0]), "colour": "red"}), *lines[1:]])
    index = tmp_path / "index"
    for round_ in range(2):
        if round_:
            _edit(source, lambda lines: [*lines[:3], _revised(lines[3], "again"), *lines[4:]])
        result = run_cli("index", str(source), "--index", str(index), check=True)
        assert "ignored unknown field(s): colour" in result.stderr
    assert "28 unchanged line(s)" in result.stdout  # the line with `colour` was parsed


def test_a_bad_line_is_still_an_error_naming_it(tmp_path: Path) -> None:
    source = synthetic_jsonl(tmp_path / "entries.jsonl", 30)
    index = tmp_path / "index"
    run_cli("index", str(source), "--index", str(index), check=True)
    before = generations.current(index).name
    _edit(
        source,
        lambda lines: [*lines[:9], lines[9].replace('"locale": "', '"locale": "?'), *lines[10:]],
    )
    result = run_cli("index", str(source), "--index", str(index))
    assert result.returncode == 1
    assert f"{source}:10: field 'locale'" in result.stderr
    assert generations.current(index).name == before

    # Lines stay bytes until one is not recognised: a broken one is still named.
    data = source.read_bytes().split(b"\n")
    data[9] = data[9].replace(b'"locale": "?', b'"locale": "') + b"\xff"
    source.write_bytes(b"\n".join(data))
    result = run_cli("index", str(source), "--index", str(index))
    assert result.returncode == 1
    assert f"{source}:10: not valid UTF-8" in result.stderr
    assert generations.current(index).name == before


def test_a_line_whose_entry_changed_in_the_index_is_parsed_again(tmp_path: Path) -> None:
    source = synthetic_jsonl(tmp_path / "entries.jsonl", 30)
    index = tmp_path / "index"
    run_cli("index", str(source), "--index", str(index), check=True)
    known = known_lines.read(index)
    assert len(known) == 30
    loaded = load_sources([source], known=known)
    assert len(loaded.known) == 30 and not loaded.entries

    # Another build changes an entry between the read and this build: refused...
    entries = load_sources([source]).entries
    entries[0] = type(entries[0])(**{**entries[0].to_dict(), "summary": "Changed elsewhere."})
    build_index(entries, index)
    try:
        build_index([], index, unchanged=loaded.known, digests=loaded.digests)
    except known_lines.StaleLinesError as exc:
        assert entries[0].id in str(exc)
    else:
        raise AssertionError("a stale line was taken as unchanged")

    # ... and the command parses the file again: the index serves the file as it is.
    lines_file = generations.current(index).path / known_lines.LINES
    data = json.loads(lines_file.read_text())
    data["contents"] = ["0" * 16] * len(data["contents"])  # every remembered entry differs
    lines_file.write_text(json.dumps(data))
    out = run_cli("index", str(source), "--index", str(index), check=True).stdout
    assert "1 changed" in out and "not parsed again" not in out
    rebuilt = tmp_path / "rebuilt"
    run_cli("index", str(source), "--index", str(rebuilt), "--rebuild", check=True)
    assert _export(index) == _export(rebuilt)


def test_an_index_built_by_the_library_remembers_its_lines_at_the_first_import(
    tmp_path: Path,
) -> None:
    source = synthetic_jsonl(tmp_path / "entries.jsonl", 30)
    index = tmp_path / "index"
    build_index(load_sources([source]).entries, index)  # no line digests
    built = generations.current(index).name
    out = run_cli("index", str(source), "--index", str(index), check=True).stdout
    assert "0 changed: index" in out and "not parsed again" not in out
    assert generations.current(index).name != built  # a generation that remembers them
    assert len(known_lines.read(index)) == 30
    out = run_cli("index", str(source), "--index", str(index), check=True).stdout
    assert "30 unchanged line(s) the index holds were not parsed again" in out


def test_document_api_updates_forget_only_the_lines_of_the_entries_they_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """update_index on an index the command built: the next import parses again exactly
    the lines whose entries the updates changed or removed, and builds what a rebuild
    builds, whether the lines were carried as a delta, written whole or lost."""
    source = synthetic_jsonl(tmp_path / "entries.jsonl", 30)
    index = tmp_path / "index"
    run_cli("index", str(source), "--index", str(index), check=True)
    entries = {e.id: e for e in load_sources([source]).entries}
    ids = sorted(entries)

    def edit(entry_id: str, note: str) -> Entry:
        return dataclasses.replace(entries[entry_id], summary=f"{entries[entry_id].summary} {note}")

    update_index(index, [edit(ids[3], "first")])
    update_index(index, [edit(ids[7], "second")], [ids[9]])
    update_index(index, [edit(ids[3], "again")])
    gen = generations.current(index).path
    assert (gen / known_lines.LINES_BASE).exists() and not (gen / known_lines.LINES).exists()
    remembered = known_lines.read(index)
    assert sorted(k.id for k in remembered.values()) == sorted(set(ids) - {ids[3], ids[7], ids[9]})

    # Past the delta's share, the lines are written whole again (what they remember: the
    # same), and the updates after that write deltas over them.
    monkeypatch.setattr(generations, "DELTA_MIN_ROWS", 3)
    monkeypatch.setattr(generations, "DELTA_SHARE", 30)
    update_index(index, [edit(ids[11], "third")])
    assert (generations.current(index).path / known_lines.LINES).exists()
    update_index(index, [edit(ids[12], "fourth")])
    assert (generations.current(index).path / known_lines.LINES_DELTA).exists()
    forgotten = {ids[3], ids[7], ids[9], ids[11], ids[12]}
    assert {k.id for k in known_lines.read(index).values()} == set(ids) - forgotten

    # The file again: the five entries the updates changed are parsed and re-indexed as
    # the file has them (the removed one comes back), every other line is skipped.
    out = run_cli("index", str(source), "--index", str(index), check=True).stdout
    assert "1 new, 4 changed, 0 removed" in out
    assert "25 unchanged line(s) the index holds were not parsed again" in out
    rebuilt = tmp_path / "rebuilt"
    run_cli("index", str(source), "--index", str(rebuilt), "--rebuild", check=True)
    assert _export(index) == _export(rebuilt)

    # A garbled or lost delta: said, and every line parsed (nothing skipped on a guess).
    update_index(index, [edit(ids[20], "fifth")])
    delta = generations.current(index).path / known_lines.LINES_DELTA
    delta.write_text(json.dumps({"format": 1, "forgotten": ids[20]}))  # a string, not ids
    with caplog.at_level("WARNING", logger="indexer.known_lines"):
        assert known_lines.read(index) == {}
        assert "lines.delta.json: unreadable (not a list of ids)" in caplog.text
        delta.unlink()
        assert known_lines.read(index) == {}
    assert "lines.base.json without lines.delta.json: every line is parsed" in caplog.text
    out = run_cli("index", str(source), "--index", str(index), check=True).stdout
    assert "1 changed" in out and "not parsed again" not in out
    assert _export(index) == _export(rebuilt)
