"""Pages cut where a saved copy ended: every entry before the cut is imported, nothing
is lost without a word.

Every real page (the 17 shared pages and the 2 seed pages) is cut at many points: at
every line boundary and inside every line.  For each entry of the whole page:
- its block (down to its `Read More`) lies before the cut: imported exactly as from the
  whole page;
- the cut falls after its meta line: imported with its title, flagged truncated, its
  summary what was left of it;
- the cut falls after its title or inside it: imported flagged, or a message names its
  `file:line`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpus import CorpusError, Entry, LoadReport, load_sources
from corpus.listing import _COMPLETE_END, READ_MORE, read_listing


@dataclass(frozen=True)
class Block:
    """Where one entry of a whole page lies: 0-based end offsets of its lines."""

    entry: Entry
    line: int  # the title's line number (1-based), as in entry.source
    title_start: int
    meta_end: int  # == title_end when the entry has no meta line
    end: int  # end of its last line: Read More, else summary, else meta


def _pages(shared_corpus: Path) -> list[Path]:
    return sorted((shared_corpus / "pages").glob("*.txt")) + sorted(
        (shared_corpus.parent / "seeds").glob("*.txt")
    )


def _read(path: Path, text: str) -> tuple[list[Entry], LoadReport]:
    report = LoadReport()
    numbered = enumerate(text.split("\n"), start=1)
    entries = list(read_listing(path, numbered, locale=None, report=report, skip_invalid=False))
    return entries, report


def _blocks(path: Path, text: str) -> list[Block]:
    lines = text.split("\n")
    ends, offset = [], 0
    for line in lines:
        offset += len(line)
        ends.append(offset)
        offset += 1

    def next_filled(i: int) -> int | None:  # 0-based index of the next non-blank line
        return next((j for j in range(i + 1, len(lines)) if lines[j].strip()), None)

    blocks = []
    for entry in _read(path, text)[0]:
        t = int(entry.source.rsplit(":", 1)[1]) - 1
        m = next_filled(t) if entry.meta else t
        assert m is not None and (not entry.meta or lines[m].strip() == entry.meta)
        last = m
        if entry.summary:
            s = next_filled(m)
            assert s is not None and lines[s].strip() == entry.summary, entry.source
            last = s
            r = next_filled(s)
            if r is not None and lines[r].strip().casefold() in READ_MORE:
                last = r
        blocks.append(Block(entry, t + 1, ends[t] - len(lines[t]), ends[m], ends[last]))
    return blocks


def _cut_points(text: str) -> list[int]:
    """Every line boundary, plus 1, 5 characters in and the middle of every line."""
    points = {len(text)}
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        points.update(p for p in (start, start + 1, start + 5, (start + end) // 2, end) if p <= end)
        start = end + 1
    return sorted(p for p in points if 0 < p <= len(text))


def _problems(path: Path, text: str, blocks: list[Block], cut: int) -> list[str]:
    try:
        entries, report = _read(path, text[:cut])
    except CorpusError as exc:  # no Source line, no header, no entry: not taken for a page
        whole = [b.line for b in blocks if b.meta_end <= cut]
        return [f"cut at {cut}: {exc}, yet entries at lines {whole}"] if whole else []
    by_line = {int(e.source.rsplit(":", 1)[1]): e for e in entries}
    named = {m.split(": ", 1)[0] for m in (*report.rejected, *report.warnings)}
    has_read_more = any(ln.strip().casefold() in READ_MORE for ln in text[:cut].split("\n"))
    problems = []
    for b in blocks:
        got = by_line.pop(b.line, None)
        where = f"cut at {cut}, entry at line {b.line}"
        if b.end <= cut:
            if got is None or got.to_dict() != b.entry.to_dict():
                problems.append(f"{where}: complete before the cut, got {got}")
        elif b.meta_end <= cut and (b.entry.meta or got is not None):
            if got is None or got.title != b.entry.title or got.meta != b.entry.meta:
                problems.append(f"{where}: title and meta before the cut, got {got}")
            elif not b.entry.summary.startswith(got.summary):
                problems.append(f"{where}: summary {got.summary!r} is not what was left")
            elif not got.truncated and (
                has_read_more or got.summary == "" or not got.summary.endswith(_COMPLETE_END)
            ):
                # Before any `Read More`, a summary cut just after a full stop (or
                # whole but for its `Read More`) cannot be told from a whole one.
                problems.append(f"{where}: cut inside, not flagged truncated")
        elif (
            cut > b.title_start
            and (got is None or not got.truncated)
            and f"{path}:{b.line}" not in named
        ):
            problems.append(f"{where}: partly before the cut, neither imported nor named")
    if by_line:
        problems.append(f"cut at {cut}: entries that are not on the page: {list(by_line)}")
    return problems


def test_every_real_page_cut_anywhere_keeps_or_names_each_entry(shared_corpus: Path) -> None:
    pages = _pages(shared_corpus)
    assert len(pages) == 19
    cuts = 0
    problems: list[str] = []
    for path in pages:
        text = path.read_text(encoding="utf-8")
        blocks = _blocks(path, text)
        assert blocks, path
        for cut in _cut_points(text):
            cuts += 1
            problems += [f"{path.name}: {p}" for p in _problems(path, text, blocks, cut)]
    print(f"\n{cuts} cuts of {len(pages)} pages")
    assert cuts > 1500
    assert problems == [], "\n".join(problems[:20])


def test_shared_pages_keep_their_three_cut_entries_flagged(shared_corpus: Path) -> None:
    result = load_sources([shared_corpus / "pages"])
    report = result.report
    assert (report.kept, report.truncated, report.rejected_total) == (48, 3, 0)
    assert report.summary() == "48 entries kept (3 flagged truncated), 0 rejected"
    flagged = {e.source.rsplit("/", 1)[-1]: e for e in result.entries if e.truncated}
    assert set(flagged) == {"en_c.txt:33", "fr_e.txt:42", "sr_e.txt:29"}
    assert flagged["fr_e.txt:42"].summary == ""  # title and meta line only
    assert flagged["fr_e.txt:42"].city == "Portimão"
    assert flagged["en_c.txt:33"].summary.endswith("capitalise on diversity proactive")
    assert flagged["sr_e.txt:29"].summary.endswith("people of different eth")
    assert all(
        f"{e.source}: imported, flagged truncated" in " ".join(report.warnings)
        for e in flagged.values()
    )


PAGE = (
    "Source: https://www.coe.int/en/web/interculturalcities/good-practice\n\n"
    "Migrant stories\n\nGermany Erlangen 2020\n\n"
    "Purpose: During COVID, the City of Erlangen uplifted the stories of migrants...\n\n"
    "Read More\n\n"
    "Welcome desk\n\nNorway Oslo 2018\n\nThe city opened a desk for newcomers...\n\nRead More\n"
)


def _import(tmp_path: Path, data: bytes) -> tuple[list[Entry], LoadReport]:
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    result = load_sources([path])
    return result.entries, result.report


@pytest.mark.parametrize("tail", ["R", "Read", "Read Mo", "read m"])
def test_a_cut_read_more_flags_the_entry_above_it(tmp_path: Path, tail: str) -> None:
    entries, report = _import(tmp_path, (PAGE.rsplit("Read More", 1)[0] + tail).encode())
    assert [(e.title, e.truncated) for e in entries] == [
        ("Migrant stories", False),
        ("Welcome desk", True),
    ]
    assert entries[1].summary == "The city opened a desk for newcomers..."
    assert any(f"page.txt:17: {tail!r} taken for a cut 'Read More'" in w for w in report.warnings)


def test_a_page_cut_inside_a_character_keeps_what_is_before_it(tmp_path: Path) -> None:
    data = PAGE.replace("newcomers", "réfugiés").encode()
    cut = data.index("é".encode(), data.index(b"Oslo")) + 1  # half of the two bytes of é
    entries, report = _import(tmp_path, data[:cut])
    assert [(e.title, e.truncated) for e in entries] == [
        ("Migrant stories", False),
        ("Welcome desk", True),
    ]
    assert entries[1].summary == "The city opened a desk for r"
    assert any("page.txt:15: file ends inside a character" in w for w in report.warnings)
    with pytest.raises(Exception, match=r"page.txt:15: not valid UTF-8"):
        _import(tmp_path, data[:cut] + b" and more text\n")  # not at the end: an error


def test_a_title_without_its_meta_line_is_rejected_with_its_line(tmp_path: Path) -> None:
    page = PAGE + "\nA third practice\n"  # a title whose meta line the cut took away
    entries, report = _import(tmp_path, page.encode())
    assert len(entries) == 2 and report.kept == 2 and report.truncated == 0
    assert report.rejected == [
        f"{tmp_path / 'page.txt'}:19: 1 line(s) not imported: no meta line under a title,"
        " so not an entry ('A third practice')"
    ]
    assert report.summary() == "2 entries kept (0 flagged truncated), 1 rejected"


def test_index_summary_and_export_show_the_flag(shared_corpus: Path, tmp_path: Path) -> None:
    from tests.conftest import run_cli

    index_dir = str(tmp_path / "index")
    built = run_cli("index", str(shared_corpus / "pages"), "--index", index_dir)
    assert built.returncode == 0, built.stderr
    assert "import: 48 entries kept (3 flagged truncated), 0 rejected" in built.stdout
    exported = run_cli("export", "--index", index_dir)
    docs = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(docs) == 48
    assert sorted(d["source"].rsplit("/", 1)[-1] for d in docs if d["truncated"]) == [
        "en_c.txt:33",
        "fr_e.txt:42",
        "sr_e.txt:29",
    ]
