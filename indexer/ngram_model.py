"""langdetect's 55 language profiles as one log-probability matrix over character 1-3-grams
(rows: n-grams in a sorted array; columns: languages), loaded once per process.  A text's
log-likelihood per language is the sum of its n-grams' rows: naive Bayes with langdetect's
smoothing, deterministic (indexer.detect adds the priors and rules).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

SMOOTHING = 0.5 / 10000  # langdetect's alpha / BASE_FREQ
MODEL_FILE = "language_model.npz"  # the model as a generation keeps it (NgramModel.save)
# Words whose n-gram rows a model keeps before it starts over: a build's and a searcher's,
# which detects the words of queries.  Only words of up to WORD_KEPT_CHARS are kept (a
# text with no spaces, as Chinese is written, is one "word" that never comes back): at
# most ~0.66 KB a word (a typical one ~0.36), so at most 33 MB for a build, 1.4 for a searcher.
WORD_ROWS_KEPT = {False: 50_000, True: 2_048}
WORD_KEPT_CHARS = 32


class _Normalized(dict[int, str]):
    """langdetect's per-character normalisation as a `str.translate` table, each
    character's entry made when first met."""

    def __init__(self, normalize: Callable[[str], str]) -> None:
        super().__init__()
        self._normalize = normalize

    def __missing__(self, code: int) -> str:
        ch = self[code] = self._normalize(chr(code))
        return ch


class NgramModel:
    """langdetect's profiles as a log-probability matrix: one row per n-gram, the n-grams
    in a sorted array.  Each profile is read once, as lists of its n-grams and counts
    (langdetect's own loader keeps a Python float per n-gram and language, ~100 MB that a
    process never gives back).  `saved`: a file `save` wrote (an index generation keeps
    one), read instead of the 55 profiles when it is for this langdetect and this code
    (0.01 against 0.25 s); any other file is ignored."""

    def __init__(self, *, compact: bool = False, saved: Path | None = None) -> None:
        from langdetect.utils.ngram import NGram

        cells = _read_saved(saved) if saved is not None else None
        if cells is None:
            cells = _read_profiles()
        grams, langs, rows, cols, probs = cells
        self.grams = grams
        self.langs: list[str] = langs
        self.lang_index: dict[str, int] = {}
        for i, code in enumerate(langs):
            self.lang_index.setdefault(code, i)
        self._cells = None if compact else cells  # what `save` writes (builds save dense)
        # compact: a sparse matrix (an n-gram is in few profiles: 184k of 4.8M cells); every
        # other cell holds the same smoothed floor.  1.3 MB instead of 19 MB, and no dense
        # copy on the way; scoring a long text costs more (0.5 against 0.4 ms an entry), so
        # builds keep the dense matrix and a searcher, which detects short queries, this.
        self.matrix: np.ndarray | None = None
        if compact:
            self._sparse(rows, cols, probs.copy())
        else:
            dense = np.zeros((len(grams), len(langs)), dtype=np.float32)
            dense[rows, cols] = probs
            dense += SMOOTHING
            self.matrix = np.log(dense, out=dense)
        self._normalized = _Normalized(NGram.normalize)  # a str.translate table
        self._word_rows: dict[str, tuple[np.ndarray, int]] = {}  # see gram_rows
        self._word_rows_kept = WORD_ROWS_KEPT[compact]
        log.debug("loaded %d n-grams for %d languages", len(self.grams), len(langs))

    def save(self, path: Path) -> None:
        """The model's cells, for `NgramModel(saved=path)` (written aside, then renamed)."""
        if self._cells is None:
            raise ValueError("a compact model keeps no cells to save: save the dense one")
        grams, langs, rows, cols, probs = self._cells
        tmp = path.with_name(f".{path.name}.tmp")
        with tmp.open("wb") as out:
            np.savez(
                out,
                key=np.asarray(model_key()),
                grams=grams,
                langs=np.asarray(langs),
                rows=rows,
                cols=cols,
                probs=probs,
            )
        tmp.replace(path)

    def _sparse(self, rows: np.ndarray, cols: np.ndarray, probs: np.ndarray) -> None:
        """Rows of (language, log-probability) pairs, each value computed as the dense
        matrix computes it (float32: probability + smoothing, then the log)."""
        order = np.lexsort((cols, rows))
        probs = probs[order]
        probs += SMOOTHING
        self.logs = np.log(probs, out=probs)
        self.cols = cols[order]
        self.ptr = np.searchsorted(rows[order], np.arange(len(self.grams) + 1)).astype(np.int32)
        floor = np.full(1, SMOOTHING, dtype=np.float32)
        self.floor = float(np.log(floor, out=floor)[0])  # an absent n-gram's cell

    def gram_rows(self, text: str) -> np.ndarray:
        """Rows of the n-grams of a text in langdetect's order (NGram: each word between
        spaces padded with one, its 1-3-grams read as it goes, a word of capitals skipped
        after its first letter: acronyms say nothing of the language).  A word's grams
        depend on the word alone, so the model keeps each word's rows: a text is then a
        `str.translate` and a lookup per word (an entry's text: 0.02 ms, against 0.2 in a
        Python loop over its characters).  The rows are in that loop's order, so sums are
        the same to the bit."""
        normalized = text.translate(self._normalized)
        words = [w for w in normalized.split(" ") if w]  # runs of spaces are skipped
        if not words:
            return np.zeros(0, dtype=np.int64)
        known = self._word_rows
        if len(known) > self._word_rows_kept:
            known.clear()
        # The rows this text uses, taken out of the store first: another thread may clear
        # it meanwhile (each dict operation is atomic; a sequence of them is not).
        held: dict[str, tuple[np.ndarray, int]] = {}
        missing = []
        for word in dict.fromkeys(words):
            found = known.get(word)
            if found is None:
                missing.append(word)
            else:
                held[word] = found
        if missing:
            held |= self._learn(missing)
        parts = [held[w][0] for w in words]
        if not normalized.endswith(" "):  # no space after the last word: not its last grams
            rows, closing = held[words[-1]]
            parts[-1] = rows[: len(rows) - closing]
        return np.concatenate(parts, dtype=np.int64)

    def _learn(self, words: list[str]) -> dict[str, tuple[np.ndarray, int]]:
        """Each word's rows, from one lookup of all their grams, and how many of its rows
        come from the space after it (returned, and kept in the store unless too long)."""
        found: list[str] = []
        ends: list[int] = []
        closings: list[int] = []
        for word in words:
            padded = f" {word} "
            for i in range(1, len(padded)):
                ch = padded[i]
                if ch.isupper() and padded[i - 1].isupper():
                    continue  # NGram's capital word rule (capitals from the second on)
                if i == len(padded) - 1:
                    closings.append(len(found))
                if ch != " ":
                    found.append(ch)
                found.append(padded[i - 1 : i + 1])
                if i >= 2 and padded[i - 1] != " ":
                    found.append(padded[i - 2 : i + 1])
            ends.append(len(found))
        wanted = np.asarray(found, dtype="<U3")
        rows = np.searchsorted(self.grams, wanted)
        rows[rows == len(self.grams)] = 0
        kept = self.grams[rows] == wanted
        counts = np.cumsum(kept)  # known grams up to each position
        learned = {}
        start = 0
        for word, end, closing in zip(words, ends, closings, strict=True):
            own = rows[start:end][kept[start:end]].astype(np.int32)
            learned[word] = (own, int(counts[end - 1]) - int(counts[closing - 1]))
            start = end
        self._word_rows.update(
            (w, rows) for w, rows in learned.items() if len(w) <= WORD_KEPT_CHARS
        )
        return learned

    def log_likelihood(self, text: str) -> tuple[np.ndarray, int]:
        rows = self.gram_rows(text)
        if len(rows) < 6:  # all capitals or nearly: read it in lowercase
            rows = self.gram_rows(text.lower())
        if not len(rows):
            return np.zeros(len(self.langs)), 0
        if self.matrix is not None:
            return self.matrix[rows].sum(axis=0, dtype=np.float64), len(rows)
        starts = self.ptr[rows]
        counts = self.ptr[rows + 1] - starts
        # the held cells of every row, one gather: row i's run starts at starts[i]
        runs = np.repeat(starts - np.cumsum(counts) + counts, counts)
        cells = runs + np.arange(len(runs), dtype=runs.dtype)
        cols = self.cols[cells]
        held = np.bincount(cols, minlength=len(self.langs))
        sums = np.bincount(cols, weights=self.logs[cells], minlength=len(self.langs))
        return sums + (len(rows) - held) * self.floor, len(rows)


Cells = tuple[np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]


def _read_profiles() -> Cells:
    """The sorted n-grams, the languages, and each profile's probabilities as cells
    (row, column, probability)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    directory = Path(PROFILES_DIRECTORY)
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.name[0] != ".")
    # Each profile as (grams, counts), read once: 184k pairs, a few MB while loading.
    profiles: list[tuple[str, list[str], list[int], list[int]]] = []
    vocabulary: set[str] = set()
    for path in files:
        profile = json.loads(path.read_text(encoding="utf-8"))
        freq = {g: c for g, c in profile["freq"].items() if 1 <= len(g) <= 3}
        vocabulary.update(freq)
        profiles.append((profile["name"], list(freq), list(freq.values()), profile["n_words"]))
        del profile
    ordered = sorted(vocabulary)
    row_of = {g: i for i, g in enumerate(ordered)}  # dict lookups, not string bisection
    rows, cols, probs = [], [], []
    langs: list[str] = []
    for column, (name, grams, gram_counts, words) in enumerate(profiles):
        langs.append(name.split("-")[0])  # zh-cn -> zh
        rows.append(np.fromiter(map(row_of.__getitem__, grams), dtype=np.int32, count=len(grams)))
        cols.append(np.full(len(grams), column, dtype=np.int8))
        n_words = np.asarray(words, dtype=np.float64)
        lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        counts = np.asarray(gram_counts, dtype=np.float64)
        probs.append((counts / n_words[lengths - 1]).astype(np.float32))
    return (
        np.asarray(ordered, dtype="<U3"),
        langs,
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(probs),
    )


def _read_saved(path: Path) -> Cells | None:
    """A saved model's cells; None when there is none, or it is for other code or data."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["key"]) != model_key():
                log.info("%s: saved for another langdetect or code: not used", path)
                return None
            grams, langs = saved["grams"], saved["langs"].tolist()
            rows, cols, probs = saved["rows"], saved["cols"], saved["probs"]
        if not len(rows) == len(cols) == len(probs):
            raise ValueError("cell columns of different lengths")
        if min(rows.min(initial=0), cols.min(initial=0)) < 0:
            raise ValueError("negative cell coordinates")
        if rows.max(initial=0) >= len(grams) or cols.max(initial=0) >= len(langs):
            raise ValueError("cells outside the n-grams and languages")
        return grams, langs, rows, cols, probs
    except FileNotFoundError:
        return None
    except Exception as exc:  # any unreadable file: the profiles instead
        log.warning("%s: unreadable (%s): the profiles are read instead", path, exc)
        return None


@functools.cache
def model_key() -> str:
    """What a saved model depends on: langdetect's version and this module's code."""
    h = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=16)
    h.update(metadata.version("langdetect").encode())
    return h.hexdigest()


_models: dict[bool, NgramModel] = {}  # dense, compact
_model_lock = threading.Lock()


def saved_model_current(path: Path) -> bool:
    """Whether `path` holds a model saved for this langdetect and this code."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            return bool(str(saved["key"]) == model_key())
    except Exception:  # a file np.load cannot read as ours is not current
        return False


def keep_model(gen_dir: Path) -> None:
    """A generation keeps the language model (carried over, or saved once per index and
    langdetect version): the next update and every searcher read it in 0.01 s instead of
    parsing langdetect's 55 profiles (0.25 s)."""
    path = gen_dir / MODEL_FILE
    if not saved_model_current(path):
        get_model().save(path)


def get_model(compact: bool = False, saved: Path | None = None) -> NgramModel:
    """The process's model (loaded once; dense for builds, compact for searchers), read
    from `saved` when that file holds it (see NgramModel)."""
    model = _models.get(compact)
    if model is None:
        with _model_lock:
            model = _models.get(compact)
            if model is None:
                model = _models[compact] = NgramModel(compact=compact, saved=saved)
    return model
