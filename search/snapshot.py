"""One index generation, opened once: its arrays, stored entries, metadata columns, caches.

A Snapshot is read-only and shared by every request answered from its generation; the
caches it holds (decoded entries, each column's normalised values, the typo vocabulary,
more-like-this neighbours) live and die with it, so a rebuild never serves stale ones.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
from whoosh import index as windex

from corpus.gazetteer import gazetteer, normalize_name
from indexer import accel
from indexer.accel import SortedStrings
from indexer.analysis import SUPPORTED, UNDETERMINED, analysis_language, fold, term
from indexer.concepts import ConceptIndex, concept_index
from indexer.detect import LanguageDetector
from indexer.generations import (
    CONCEPTS,
    GROUPS,
    GROUPS_BASE,
    TOPIC_VOCABULARY,
    Generation,
    held_file,
)
from indexer.group_files import read_base, read_delta
from indexer.ngram_model import MODEL_FILE
from indexer.readonce import read_once
from indexer.schema import FOLDED_FIELDS, build_schema, text_field
from indexer.topics import TopicAssigner, saved_assigner
from search.entries import EntryIds, GroupRows, Groups, PracticeKeys
from search.places import Geo

STORED_CACHE = 512  # decoded entries kept (~2 KB each on the real corpus, ~5 KB at 100k; Solr's
# documentCache also keeps 512): 2.7 MB per process at 100k, and a miss costs 0.1 ms
NEIGHBOURS_CACHE = 4096  # entries whose more-like-this neighbours are kept (~2.5 KB each)
KIND_ALIASES = {"practice": "good-practice", "good practice": "good-practice"}
ONGOING = 9999  # the end year of a period still running


class LruCache:
    """A small thread-safe least-recently-used cache (entries, neighbours)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)


def derived(memo: dict[Any, Any], key: Any, make: Callable[[], Any]) -> Any:
    """`memo[key]`, made on first use (a generation's derived data: `Snapshot.memo`)."""
    found = memo.get(key)
    if found is None:
        found = memo[key] = make()
    return found


class Snapshot:
    """One generation, opened once: arrays, Whoosh searcher, groups. Read-only."""

    def __init__(self, gen: Generation, previous: Snapshot | None = None) -> None:
        self.gen = gen
        if previous is not None:
            self._reuse(previous)
        self._whoosh_lock = threading.Lock()  # Whoosh searchers are not thread-safe
        self._open_whoosh()
        self._stored = LruCache(STORED_CACHE)
        self.neighbours = LruCache(NEIGHBOURS_CACHE)  # filled by search.similar
        self._value_index: dict[str, dict[str, list[int]]] = {}  # see _value_codes
        self.memo: dict[Any, Any] = {}  # other derived per-generation data, by key
        self.data = accel.load(gen.path, previous=None if previous is None else previous.data)
        self.n = self.data.doc_count_all
        self.alive = self.data.alive
        self.avg_len = {
            name: float(fp.lengths[self.alive].mean()) if self.alive.any() else 1.0
            for name, fp in self.data.fields.items()
        }
        self.families = tuple(
            family
            for family in sorted(SUPPORTED)
            if self.data.fields.get(text_field("body", family))
        )
        ids = cast(SortedStrings, self.data.values["id"])
        self.docnum = EntryIds(ids, self.data.columns["id"], self.alive)
        # Each generation's groups: the rows of its whole map or of the base it links (read
        # once while generations link it), and its delta
        path = held_file(gen.path, GROUPS, GROUPS_BASE)
        rows, count = read_once(path, _group_rows, key="search group rows")
        delta = read_delta(gen.path, count, required=path.name == GROUPS_BASE)
        self._group_base = rows  # as read, before the delta: what the next reopen compares
        self._group_base_codes = _base_codes(self, rows, previous)
        changed, codes = rows.changed(delta, ids, self._group_base_codes)
        self.groups = Groups.load(changed, codes, self.docnum, self.n)

    def _reuse(self, previous: Snapshot) -> None:
        """Take the previous generation's analysed lexicon and topic assigner when this
        generation saved the same files (an update of a few entries changes neither):
        parsing them is a quarter of a reopen at 100k entries (0.14 of 0.55 s)."""
        held = previous.__dict__
        if "lexicon" in held and _same_file(self.gen.path, previous.gen.path, CONCEPTS):
            self.__dict__["lexicon"] = held["lexicon"]
            if "topic_assigner" in held and _same_file(
                self.gen.path, previous.gen.path, TOPIC_VOCABULARY
            ):
                self.__dict__["topic_assigner"] = held["topic_assigner"]

    @cached_property
    def lexicon(self) -> ConceptIndex:
        """The concept lexicon as analysed when this generation was built."""
        path = self.gen.path / CONCEPTS
        if path.is_file():
            return ConceptIndex.from_json(path.read_text(encoding="utf-8"))
        return concept_index()

    @cached_property
    def topic_assigner(self) -> TopicAssigner:
        """Reads which topics a query names, with the topic vocabulary and lexicon this
        generation was built with (saved beside it: a process no longer analyses the
        lexicon again, 7 MB and a second copy, and a server's master holds it before its
        workers fork); analysed afresh when the saved vocabulary is from other topic data."""
        return saved_assigner(self.gen.path, self.lexicon) or TopicAssigner(concepts=self.lexicon)

    @cached_property
    def geo(self) -> Geo:
        """Coordinates, place keys and place tables (search.places)."""
        return Geo(self)

    @cached_property
    def detector(self) -> LanguageDetector:
        """Query language detection among the languages this generation holds."""
        held = set(self.data.values["language"]) - {UNDETERMINED}
        lemmatized = {lang for lang in held if SUPPORTED[analysis_language(lang)].lemmatizer}
        return LanguageDetector(
            corpus_languages=held,
            lexicon_languages=lemmatized,
            compact=True,
            saved_model=self.gen.path / MODEL_FILE,
        )

    def _open_whoosh(self) -> None:
        # Given the schema, Whoosh does not unpickle the one its table of contents holds
        # (twice an open: 3.1 of its 3.6 ms at 100k entries).  Only stored entries are
        # read through Whoosh here, and they do not depend on it.
        self.ix = windex.open_dir(str(self.gen.path), readonly=True, schema=build_schema())
        self.searcher = self.ix.searcher()
        self._pid = os.getpid()

    def _whoosh(self) -> Any:
        """This process's Whoosh searcher (call with the lock held).  A forked process (a
        server's worker, opened by its master) reopens the files: Whoosh reads with seek +
        read, and a descriptor inherited across fork shares its offset with the parent."""
        if self._pid != os.getpid():
            self.searcher.close()  # this process's copies of the descriptors only
            self._open_whoosh()
        return self.searcher

    def warm_up(self) -> None:
        """Load what the first query would otherwise wait for: lemmatizer dictionaries,
        the concept lexicon, the topic assigner, the typo vocabulary, the detector's
        dictionaries and the country names."""
        # The lexicon's languages too: a query word is looked up in every one of them, and a
        # dictionary loading on a request (Ukrainian: 0.7 s, 64 MB) would stall it; loaded
        # here, a server's master holds them before its workers fork and share them.
        for family in dict.fromkeys((*self.families, *self.lexicon.families)):
            term("warmup", family)
        self.detector.detect_query("warm up")
        _ = self.lexicon, self.topic_assigner, self.folded_vocab, self.practice_numbers
        gazetteer()
        # Whoosh reads stored entries lazily: read one per segment now, so damaged files
        # stop a server at start-up rather than failing its first requests.
        with self._whoosh_lock:
            for segreader, _offset in self._whoosh().reader().leaf_readers():
                if segreader.doc_count_all():
                    segreader.stored_fields(0)

    def close(self) -> None:
        with self._whoosh_lock:
            self.searcher.close()

    def __del__(self) -> None:
        # Freed (no request holds it): its Whoosh files close now, not whenever the cycle
        # collector reaches Whoosh's own objects (never, for those a worker inherited).
        # Not contextlib.suppress: at interpreter exit this module's names may be gone.
        try:  # noqa: SIM105
            self.searcher.close()
        except Exception:
            pass

    # --- stored entries ---------------------------------------------------------------

    def stored(self, docnum: int) -> dict[str, Any]:
        """An entry as stored (decoded once, then kept while it is asked for often)."""
        doc = self._stored.get(docnum)
        if doc is None:
            with self._whoosh_lock:
                doc = self._whoosh().stored_fields(docnum)["doc"]
            self._stored.put(docnum, doc)
        return doc

    def title(self, docnum: int) -> str:
        """An entry's title, without decoding the stored entry where the index has titles."""
        titles = self.data.titles
        return titles[docnum] if titles is not None else self.stored(docnum)["title"]

    def entry_id(self, docnum: int) -> str:
        return self.docnum.id_of(docnum)

    @cached_property
    def practices(self) -> tuple[np.ndarray, np.ndarray, PracticeKeys]:
        """Live docnums, the practice of each (its translation group, or the entry alone)
        as a number, in the order practices first appear; and the practices' keys."""
        docnums = np.flatnonzero(self.alive)
        group = self.groups.code[docnums]
        # An entry alone starts a practice; a group starts at its first live member, found
        # by one np.minimum.at (sorting the grouped entries' groups took 4.7 of a reopen's
        # ms at 100k entries, 0.2 so)
        grouped = np.flatnonzero(group >= 0)
        owner = group[grouped]
        leads = np.full(len(self.groups.names), len(docnums), dtype=np.int64)
        np.minimum.at(leads, owner, grouped)  # where each group first appears
        starts = np.ones(len(docnums), dtype=bool)
        starts[grouped] = False
        starts[leads[leads < len(docnums)]] = True
        number = np.cumsum(starts) - 1
        number[grouped] = number[leads[owner]]
        return docnums, number, PracticeKeys(self.groups, self.docnum, docnums[starts])

    @cached_property
    def practice_numbers(self) -> tuple[np.ndarray, int]:
        """Each docnum's practice number (-1 for deleted documents), and how many."""
        docnums, practice, keys = self.practices
        of = np.full(self.n, -1, dtype=np.int64)
        of[docnums] = practice
        return of, len(keys)

    def other_versions(self, entry_id: str) -> list[str]:
        """Live ids in the entry's translation group, the entry itself left out."""
        docnum = self.docnum.get(entry_id)
        if docnum is None:
            return []
        return [self.entry_id(d) for d in self.groups.members(docnum) if d != docnum]

    # --- the typo vocabulary -------------------------------------------------------------

    @cached_property
    def folded_vocab(self) -> tuple[tuple[str, ...], np.ndarray]:
        """Every folded term with its document frequency, for typo correction."""
        counts: dict[str, int] = {}
        for name in FOLDED_FIELDS:
            vocab, df = self.data.fields[name].vocabulary
            for t, d in zip(vocab.tolist(), df.tolist(), strict=True):
                counts[t] = max(counts.get(t, 0), d)
        terms = tuple(sorted(counts))
        return terms, np.asarray([counts[t] for t in terms])

    def folded_df(self, word: str) -> int:
        """Entries holding a word in a folded field (its highest count over the fields)."""
        terms, df = self.folded_vocab
        folded = fold(word)
        i = bisect.bisect_left(terms, folded)
        return int(df[i]) if i < len(terms) and terms[i] == folded else 0

    # --- metadata columns ----------------------------------------------------------------

    def column_mask(self, name: str, values: tuple[str, ...]) -> np.ndarray:
        """Documents whose metadata column equals one of the values (case/accent-blind)."""
        if name == "topic":  # multi-valued: the topic arrays, not a column
            from search.topics import topic_mask

            return topic_mask(self, values)
        return self.value_mask(name, values)[self.data.columns[name]]  # one gather

    def value_mask(self, name: str, values: tuple[str, ...]) -> np.ndarray:
        """Per value code of a metadata column, whether it is one of the values (np.isin
        sorted every call)."""
        wanted = {normalize_name(v) for v in values}
        if name == "country":  # accept local or English names: "Royaume-Uni", "UK"
            for v in values:
                code = gazetteer().country_code(v)
                if code:
                    wanted.add(normalize_name(gazetteer().english_name(code)))
        index = self._value_codes(name)
        chosen = np.zeros(len(self.data.values[name]), dtype=bool)  # per value code
        chosen[[c for w in wanted for c in index.get(w, ())]] = True
        return chosen

    def _value_codes(self, name: str) -> dict[str, list[int]]:
        """A column's normalised values (and the kind aliases) -> their codes; built once."""
        index = self._value_index.get(name)
        if index is None:
            index = {}
            for code, value in enumerate(self.data.values[name]):
                index.setdefault(normalize_name(value), []).append(code)
            if name == "kind":
                for alias, kind in KIND_ALIASES.items():
                    index[normalize_name(alias)] = index.get(normalize_name(kind), [])
            self._value_index[name] = index
        return index

    @cached_property
    def year_span(self) -> tuple[np.ndarray, np.ndarray]:
        """(start, end) year of every entry, 0 where unknown; an ongoing entry ends in 9999."""
        start = self.data.years["year_from"].astype(np.int32)
        end = self.data.years["year_to"].astype(np.int32)
        ongoing = np.where(start > 0, ONGOING, 0)
        return start, np.where(end > 0, end, ongoing).astype(np.int32)

    def year_mask(self, low: int | None, high: int | None) -> np.ndarray:
        """Entries whose period overlaps [low, high]; an ongoing entry runs to today."""
        start, end = self.year_span
        return _within(start, end, low, high)

    def start_year_mask(self, low: int | None, high: int | None) -> np.ndarray:
        """Entries that started within [low, high] (the year facet counts start years)."""
        start = self.year_span[0]
        return _within(start, start, low, high)


def _group_rows(path: Path) -> tuple[GroupRows, int]:
    """A groups file's rows and how many ids it maps (parsing the JSON and encoding its
    40k ids took 20-25 ms of every reopen at 100k entries)."""
    group_of = read_base(path)
    return GroupRows.of(group_of), len(group_of)


def _base_codes(snap: Snapshot, rows: GroupRows, previous: Snapshot | None) -> np.ndarray:
    """The codes of the grouped ids of `rows` in the id column: the previous snapshot's
    when it had the same rows and the same ids (an update that edited entries: comparing
    the ids takes 0.2 ms at 100k entries, looking them up 7)."""
    ids = cast(SortedStrings, snap.data.values["id"])
    if previous is not None and previous._group_base is rows:
        held = cast(SortedStrings, previous.data.values["id"])
        if held.array is ids.array or np.array_equal(held.array, ids.array):
            return previous._group_base_codes
    return ids.find_encoded(rows.ids)


def _same_file(one: Path, other: Path, name: str) -> bool:
    """Whether two generations saved the same file: one file linked into both (as an
    update keeps them, indexer.resources), else the same bytes."""
    try:
        if (one / name).samefile(other / name):
            return True
        return (one / name).read_bytes() == (other / name).read_bytes()
    except OSError:
        return False


def _within(start: np.ndarray, end: np.ndarray, low: int | None, high: int | None) -> np.ndarray:
    """Entries with a known start whose [start, end] meets [low, high] (open bounds: None)."""
    mask = start > 0
    if low is not None:
        mask &= end >= low
    if high is not None:
        mask &= start <= high
    return mask


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim; a no-op
    elsewhere).  Opening a generation parses JSON of every id and group and frees it:
    ~18 MB at 100k entries that glibc would keep (RSS after open 155 -> 137 MB)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
