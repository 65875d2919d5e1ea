"""Importer for the plain-text listing pages of the Intercultural Cities site.

A page is `Source: <address>`, an optional boilerplate header, then entries of
`title / meta line / summary / Read More`.  Real pages also have entries with no meta line
(news), pages with no `Read More` at all, footers (`Topic`, `Year`, `Social media`) and a
last entry cut where the stored copy ended.  See ../shared/corpus/README.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from corpus.errors import CorpusError
from corpus.meta import Meta, parse_meta
from corpus.model import (
    Entry,
    EntryError,
    LoadReport,
    is_http_url,
    locale_from_url,
    make_entry,
)

log = logging.getLogger(__name__)

SOURCE_RE = re.compile(r"^\s*Source:\s*(\S+)\s*$", re.IGNORECASE)
DEFAULT_LOCALE = "en"  # coe.int serves English where a page names no locale
FILE_LOCALE_RE = re.compile(r"^([a-z]{2,3}(?:-[a-z0-9]{2,8})?)__", re.IGNORECASE)
READ_MORE = {
    "read more",
    "lire la suite",
    "en savoir plus",
    "lexo më shumë",
    "pročitajte više",
    "leer más",
    "leer mas",
    "weiterlesen",
    "devamını oku",
    "περισσότερα",
}
# Lines of the site's page chrome: header (address, introduction, template link) and footer.
_HEADER_RE = re.compile(
    r"^(?:Avenue de l'Europe|F-\d{5} |Tel\. |www\.coe\.int$"
    r"|Intercultural cities: good practice examples|Cités interculturelles\s?: exemples"
    r"|The Intercultural city aims at|The first step is the adoption"
    r"|This section offers examples|.*>>\s*$)",
    re.IGNORECASE,
)
_FOOTER_RE = re.compile(r"^(?:Topic|Year|\d+ International outlook|Social media( Social media)?)$")
# A summary cut by the site ends with an ellipsis; one cut by the page capture does not.
_COMPLETE_END = ("...", "…", ".", "!", "?", ")", "»", "”", '"')


@dataclass(slots=True)
class _Line:
    number: int
    text: str
    meta: Meta | None = None


def _page_lines(path: Path, numbered: Iterable[tuple[int, str]]) -> tuple[str, list[_Line]]:
    url = ""
    lines: list[_Line] = []
    for number, raw in numbered:
        stripped = raw.strip()
        if not stripped:
            continue
        if not lines and not url:
            source = SOURCE_RE.match(stripped)
            if source:
                url = source.group(1)
                if not is_http_url(url):
                    raise CorpusError(f"{path}:{number}: Source is not an http(s) address: {url}")
                continue
        lines.append(_Line(number, stripped))
    return url, lines


def _strip_chrome(lines: list[_Line]) -> list[_Line]:
    """Drop the header before the first entry and the footer after the last one."""
    first_entry = next(
        (i for i, ln in enumerate(lines) if ln.meta or ln.text.casefold() in READ_MORE),
        len(lines),
    )
    header_end = 0
    for i, line in enumerate(lines[:first_entry]):
        if _HEADER_RE.match(line.text):
            header_end = i + 1
    body = lines[header_end:]
    while body and _FOOTER_RE.match(body[-1].text):
        body.pop()
    return body


def _chunks(lines: list[_Line]) -> Iterator[tuple[list[_Line], bool]]:
    """Split at `Read More`; yields (lines, closed) where closed means a Read More followed."""
    chunk: list[_Line] = []
    for line in lines:
        if line.text.casefold() in READ_MORE:
            yield chunk, True
            chunk = []
        else:
            chunk.append(line)
    if chunk:
        yield chunk, False


@dataclass(slots=True)
class _Raw:
    title: _Line
    meta: _Line | None
    summary: list[_Line]


def _entries_in_chunk(chunk: list[_Line], where: str, report: LoadReport) -> list[_Raw]:
    metas = [i for i, line in enumerate(chunk) if line.meta]
    if not metas:
        if len(chunk) == 2:  # news printed with no meta line: title / summary
            return [_Raw(chunk[0], None, [chunk[1]])]
        if chunk:
            report.warnings.append(
                f"{where}:{chunk[0].number}: skipped {len(chunk)} line(s) that are not an entry"
            )
        return []
    raws: list[_Raw] = []
    starts = [i - 1 for i in metas]
    if starts[0] < 0:
        report.warnings.append(f"{where}:{chunk[0].number}: meta line without a title skipped")
        metas, starts = metas[1:], starts[1:]
    if starts and starts[0] > 0:
        report.warnings.append(
            f"{where}:{chunk[0].number}: skipped {starts[0]} line(s) before the first entry"
        )
    for n, (start, meta_i) in enumerate(zip(starts, metas, strict=True)):
        end = starts[n + 1] if n + 1 < len(starts) else len(chunk)
        raws.append(_Raw(chunk[start], chunk[meta_i], chunk[meta_i + 1 : end]))
    return raws


def page_kind(url: str, metas: list[Meta]) -> str:
    """News or good practice: from the address, else from how the page prints its dates
    (news meta lines start with a date), so an entry without a meta line follows its page."""
    path = urlsplit(url).path.lower() if url else ""
    if "newsroom" in path or "/news" in path:
        return "news"
    if "good-practice" in path:
        return "good-practice"
    dated = sum(1 for m in metas if m.form == "date")
    return "news" if dated * 2 > len(metas) else "good-practice"


def page_locale(path: Path, url: str, locale: str | None, report: LoadReport) -> str:
    """Locale from the address path, else the --locale option, else an `xx__` file prefix,
    else the site's default locale (English), with a warning."""
    found = locale_from_url(url) or locale
    if not found:
        prefix = FILE_LOCALE_RE.match(path.name)
        found = prefix.group(1) if prefix else None
    if not found:
        report.warnings.append(
            f"{path}:1: no 'Source: <address>', --locale or 'xx__' file-name prefix:"
            f" assuming the site's default locale '{DEFAULT_LOCALE}'"
        )
        found = DEFAULT_LOCALE
    return found.lower()


def read_listing(
    path: Path,
    numbered: Iterable[tuple[int, str]],
    *,
    locale: str | None,
    report: LoadReport,
    skip_invalid: bool,
) -> Iterator[Entry]:
    """Entries of one listing page, from its decoded (line number, text) pairs: numbered
    once by the loader, so errors name the line a text editor shows."""
    url, lines = _page_lines(path, numbered)
    page_loc = page_locale(path, url, locale, report)
    for line in lines:
        line.meta = parse_meta(line.text)
    body = _strip_chrome(lines)
    raws: list[tuple[_Raw, bool]] = []
    for chunk, closed in _chunks(body):
        raws.extend((raw, closed) for raw in _entries_in_chunk(chunk, str(path), report))
    if not raws and not url:  # nothing page-like at all: the wrong file, not an empty page
        raise CorpusError(
            f"{path}:{lines[0].number if lines else 1}: no entries found: not a listing page"
            " (expected a title, a meta line such as 'Spain Valladolid 2019', a summary and"
            " 'Read More')"
        )
    kind = page_kind(url, [raw.meta.meta for raw, _ in raws if raw.meta and raw.meta.meta])
    for n, (raw, closed) in enumerate(raws):
        summary = " ".join(line.text for line in raw.summary)
        last_open = n == len(raws) - 1 and not closed
        if not summary or (last_open and not summary.endswith(_COMPLETE_END)):
            report.warnings.append(
                f"{path}:{raw.title.number}: skipped entry cut short at the end of the page"
                f" ({raw.title.text[:60]!r})"
            )
            continue
        meta = (raw.meta and raw.meta.meta) or Meta()
        record = {
            "kind": kind,
            "title": raw.title.text,
            "summary": summary,
            "locale": page_loc,
            "url": url,
            "meta": raw.meta.text if raw.meta else "",
            "country": meta.country,
            "country_code": meta.country_code,
            "city": meta.city,
            "period": meta.period,
            "year_from": meta.year_from,
            "year_to": meta.year_to,
        }
        where = f"{path}:{raw.title.number}"
        try:
            yield make_entry(record, source=where)
        except EntryError as exc:
            if not skip_invalid:
                raise CorpusError(f"{where}: {exc}") from None
            report.errors.append(f"{where}: {exc}")
