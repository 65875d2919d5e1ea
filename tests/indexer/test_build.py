"""Index builds: incremental by content hash, atomic generations, crash safety."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import Entry, load_sources
from indexer import generations
from indexer.build import build_index
from search import Searcher, SearchRequest
from tests.conftest import REPO, SEED_PAGES, kill_build_while_writing, run_cli, synthetic_jsonl


def _entries() -> list[Entry]:
    return load_sources(SEED_PAGES).entries


def _titles(index_dir: Path, query: str) -> list[str]:
    return [h.title for h in Searcher(index_dir).search(SearchRequest(query)).results]


def test_unchanged_rebuild_changes_nothing_and_is_fast(tmp_path: Path) -> None:
    entries = _entries()
    first = build_index(entries, tmp_path)
    assert (first.new, first.rebuilt, first.total) == (23, True, 23)
    second = build_index(entries, tmp_path)
    assert (second.modified, second.unchanged, second.generation) == (0, 23, first.generation)
    assert second.seconds < 1.0
    assert [p.name for p in tmp_path.glob("gen-*")] == [first.generation]


def test_changed_and_removed_entries_reach_a_new_generation(tmp_path: Path) -> None:
    entries = _entries()
    first = build_index(entries, tmp_path)
    searcher = Searcher(tmp_path, check_interval=0)
    assert searcher.search(SearchRequest("zeppelin")).total == 0

    changed = [*entries]
    changed[0] = Entry(**{**entries[0].to_dict(), "summary": "A zeppelin tour for newcomers."})
    dropped = changed.pop()
    report = build_index(changed, tmp_path)
    assert (report.new, report.changed, report.removed, report.unchanged) == (0, 1, 1, 21)
    assert report.generation != first.generation
    # The running searcher follows the switch without being reopened by hand.
    assert [h.id for h in searcher.search(SearchRequest("zeppelin")).results] == [entries[0].id]
    assert searcher.get(dropped.id) is None
    assert searcher.search(SearchRequest("")).total == 22
    # The previous generation is kept for readers still on it; older ones are removed.
    build_index(entries, tmp_path)
    assert len(list(tmp_path.glob("gen-*"))) == 2


def test_entries_from_other_files_survive_an_update(tmp_path: Path, shared_corpus: Path) -> None:
    pages = shared_corpus / "pages"
    build_index(load_sources([pages / "fr_a.txt"]).entries, tmp_path)
    report = build_index(load_sources([pages / "sq_a.txt"]).entries, tmp_path)
    assert (report.new, report.removed) == (3, 0)
    locales = {h.locale for h in Searcher(tmp_path).search(SearchRequest("")).results}
    assert locales == {"fr", "sq"}


def test_rebuild_flag_starts_from_nothing(tmp_path: Path, shared_corpus: Path) -> None:
    build_index(load_sources([shared_corpus / "pages" / "fr_a.txt"]).entries, tmp_path)
    report = build_index(_entries(), tmp_path, rebuild=True)
    assert report.rebuilt and report.total == 23
    assert Searcher(tmp_path).search(SearchRequest("")).total == 23


def test_missing_or_corrupt_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(generations.IndexNotFoundError, match=f"no index at {tmp_path}"):
        Searcher(tmp_path)
    build_index(_entries(), tmp_path)
    (tmp_path / generations.POINTER).write_text("gen-missing\n")
    with pytest.raises(generations.IndexNotFoundError, match="is corrupt"):
        Searcher(tmp_path)


def test_one_build_at_a_time(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pathlib import Path;"
            " from indexer.generations import build_lock\n"
            f"with build_lock(Path({str(tmp_path)!r})):\n"
            " print('locked', flush=True); time.sleep(30)",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(generations.BuildLockedError, match="another build is running"):
            build_index(_entries(), tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert build_index(_entries(), tmp_path).new == 23  # released when its holder died


@pytest.mark.slow
def test_killed_build_leaves_the_previous_index_serving(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(_entries(), index_dir)
    before = generations.current(index_dir).name
    big = synthetic_jsonl(tmp_path / "big.jsonl", 6000)
    kill_build_while_writing(big, index_dir, into=0.5)  # well into writing the generation
    assert generations.current(index_dir).name == before
    assert "Art-therapy in Lutsk" in _titles(index_dir, "art therapy Lutsk")
    # The next build succeeds, clears the half-written directory and serves everything.
    report = build_index(load_sources([big]).entries, index_dir)
    assert report.new == 6000
    assert not list(index_dir.glob("gen-*.tmp"))
    assert Searcher(index_dir).search(SearchRequest("")).total == 6023


def test_cli_reports_zero_changed_on_an_unchanged_run(tmp_path: Path) -> None:
    args = ["index", "--index", str(tmp_path / "ix")]
    first = run_cli(*args, check=True)
    # The bundled corpus: every real page, four languages under seven locales.
    assert f"{len(load_sources().entries)} new" in first.stdout
    assert re.search(r"languages: en \d+, fr \d+, sq \d+, sr \d+", first.stdout), first.stdout
    second = run_cli(*args, check=True)
    assert "0 changed" in second.stdout


def test_each_generation_keeps_the_language_model_and_renews_it_for_new_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first build saves the model in its generation, an update carries the same file
    over (a hard link: nothing parsed or written), and after a langdetect or code change
    the next update saves it anew; a searcher then reads the generation's own file."""
    from indexer import ngram_model

    entries = _entries()
    first = build_index(entries, tmp_path)
    kept = tmp_path / first.generation / ngram_model.MODEL_FILE
    assert ngram_model.saved_model_current(kept)
    changed = [Entry(**{**entries[0].to_dict(), "summary": "A zeppelin tour."}), *entries[1:]]
    second = build_index(changed, tmp_path)
    carried = tmp_path / second.generation / ngram_model.MODEL_FILE
    assert carried.stat().st_ino == kept.stat().st_ino
    monkeypatch.setattr(ngram_model, "model_key", lambda: "langdetect 1.1, say")
    assert not ngram_model.saved_model_current(carried)
    third = build_index(entries, tmp_path)
    renewed = tmp_path / third.generation / ngram_model.MODEL_FILE
    assert renewed.stat().st_ino != carried.stat().st_ino
    assert ngram_model.saved_model_current(renewed)
    assert ngram_model.saved_model_current(carried) is False, "the old generation untouched"
    assert _titles(tmp_path, "zeppelin") == []


def _segments(index_dir: Path) -> list[tuple[int, int]]:
    """(documents, live documents) of each Whoosh segment of the live generation."""
    from whoosh import index as windex

    gen = generations.current(index_dir)
    with windex.open_dir(str(gen.path)).reader() as reader:
        return [(r.doc_count_all(), r.doc_count()) for r, _ in reader.leaf_readers()]


@pytest.mark.parametrize(("changed", "expunged"), [(23, True), (15, True), (5, False)])
def test_updates_do_not_keep_segments_of_deleted_entries(
    tmp_path: Path, changed: int, expunged: bool
) -> None:
    """An update that changed most entries of a segment leaves neither a wholly deleted
    segment (dropped) nor a mostly deleted one (rewritten): queries and memory then scale
    with the live entries, not with every version ever indexed.  A few changes keep the
    segment, its deletions marked."""
    entries = _entries()
    build_index(entries, tmp_path)
    edited = [
        Entry(**{**e.to_dict(), "summary": f"{e.summary} (edition 2)"}) if i < changed else e
        for i, e in enumerate(entries)
    ]
    report = build_index(edited, tmp_path)
    assert report.changed == changed
    segments = _segments(tmp_path)
    assert sum(live for _, live in segments) == 23
    dead = sum(total - live for total, live in segments)
    assert dead == (0 if expunged else changed), segments
    assert Searcher(tmp_path).search(SearchRequest("edition")).total == changed


def test_the_same_file_by_another_path_changes_no_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cron job gives `/srv/data.jsonl`, an operator `data.jsonl` from /srv: the entries
    are the same, so nothing is analysed again (at 100k entries: 2.5 s, not 95 s)."""
    source = synthetic_jsonl(tmp_path / "data.jsonl", 40)
    index = tmp_path / "ix"
    monkeypatch.chdir(tmp_path)
    first = build_index(load_sources(["data.jsonl"]).entries, index)
    assert first.new == 40
    again = build_index(load_sources([source]).entries, index)
    assert (again.changed, again.unchanged, again.generation) == (0, 40, first.generation)
    monkeypatch.chdir(tmp_path.parent)
    moved = build_index(load_sources([f"{tmp_path.name}/./data.jsonl"]).entries, index)
    assert (moved.changed, moved.generation) == (0, first.generation)
