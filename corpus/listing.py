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
_FOOTER_FORMS = ("topic", "year", "international outlook", "social media social media")
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


def _cut_footer(text: str) -> bool:
    """A footer line cut short (`0 Internati`, `Soc`)."""
    words = text.lstrip("0123456789 ").casefold()
    if not words:  # `0`: the count before `International outlook`
        return text.strip().isdigit()
    return any(form.startswith(words) for form in _FOOTER_FORMS)


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
    if len(body) > 1 and _FOOTER_RE.match(body[-2].text) and _cut_footer(body[-1].text):
        body.pop()  # the page was cut inside its footer
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
            report.rejected.append(
                f"{where}:{chunk[0].number}: {len(chunk)} line(s) not imported: no meta line"
                f" under a title, so not an entry ({chunk[0].text[:60]!r})"
            )
        return []
    raws: list[_Raw] = []
    starts = [i - 1 for i in metas]
    if starts[0] < 0:
        report.rejected.append(
            f"{where}:{chunk[0].number}: meta line not imported: no title above it"
            f" ({chunk[0].text[:60]!r})"
        )
        metas, starts = metas[1:], starts[1:]
    if starts and starts[0] > 0:
        report.rejected.append(
            f"{where}:{chunk[0].number}: {starts[0]} line(s) before the first entry not"
            f" imported: not a title with a meta line ({chunk[0].text[:60]!r})"
        )
    for n, (start, meta_i) in enumerate(zip(starts, metas, strict=True)):
        end = starts[n + 1] if n + 1 < len(starts) else len(chunk)
        raws.append(_Raw(chunk[start], chunk[meta_i], chunk[meta_i + 1 : end]))
    return raws


def _cut_read_more(body: list[_Line], where: str, report: LoadReport) -> bool:
    """A page cut inside its last `Read More` ends in a prefix of one (`Read Mo`): drop
    it, say so, and tell the caller the last entry is truncated."""
    if len(body) < 2 or body[-2].meta is not None or body[-2].text.casefold() in READ_MORE:
        return False  # right after a meta line a short line is a summary, not a link
    last = body[-1].text.casefold()
    if last in READ_MORE or not any(phrase.startswith(last) for phrase in READ_MORE):
        return False
    report.warnings.append(
        f"{where}:{body[-1].number}: {body[-1].text!r} taken for a cut 'Read More';"
        " the entry above it is flagged truncated"
    )
    body.pop()
    return True


def _trim_cut_end(raw: _Raw, where: str, report: LoadReport) -> None:
    """The page ends inside this entry: lines after its first complete summary line are
    the start of a next entry cut before its meta line (real summaries are one line)."""
    for i, line in enumerate(raw.summary[:-1]):
        if line.text.endswith(_COMPLETE_END):
            rest = raw.summary[i + 1 :]
            report.rejected.append(
                f"{where}:{rest[0].number}: {len(rest)} line(s) at the end of the page not"
                f" imported: an entry cut before its meta line ({rest[0].text[:60]!r})"
            )
            del raw.summary[i + 1 :]
            return


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
    where = str(path)
    has_read_more = any(line.text.casefold() in READ_MORE for line in body)
    cut_read_more = _cut_read_more(body, where, report)
    raws: list[tuple[_Raw, bool]] = []
    for chunk, closed in _chunks(body):
        raws.extend((raw, closed) for raw in _entries_in_chunk(chunk, where, report))
    if not raws and not url:
        if len(body) < len(lines):  # the site's header, cut before the first entry
            report.warnings.append(f"{path}:{lines[-1].number}: page ends before its first entry")
            return
        raise CorpusError(  # nothing page-like at all: the wrong file
            f"{path}:{lines[0].number if lines else 1}: no entries found: not a listing page"
            " (expected a title, a meta line such as 'Spain Valladolid 2019', a summary and"
            " 'Read More')"
        )
    kind = page_kind(url, [raw.meta.meta for raw, _ in raws if raw.meta and raw.meta.meta])
    for n, (raw, closed) in enumerate(raws):
        last_open = n == len(raws) - 1 and not closed
        if last_open:
            _trim_cut_end(raw, where, report)
        summary = " ".join(line.text for line in raw.summary)
        # The last entry of a page that prints `Read More` under its entries, with none
        # under it, was cut; on pages without `Read More` only an unfinished sentence
        # shows the cut.
        cut = last_open and (cut_read_more or has_read_more or not summary.endswith(_COMPLETE_END))
        truncated = "the page ends inside it" if cut else "" if summary else "it has no summary"
        yield from _entry(raw, summary, truncated, kind, page_loc, url, where, report, skip_invalid)


def _entry(
    raw: _Raw,
    summary: str,
    truncated: str,
    kind: str,
    locale: str,
    url: str,
    path: str,
    report: LoadReport,
    skip_invalid: bool,
) -> Iterator[Entry]:
    meta = (raw.meta and raw.meta.meta) or Meta()
    record = {
        "kind": kind,
        "title": raw.title.text,
        "summary": summary,
        "locale": locale,
        "url": url,
        "meta": raw.meta.text if raw.meta else "",
        "country": meta.country,
        "country_code": meta.country_code,
        "city": meta.city,
        "period": meta.period,
        "year_from": meta.year_from,
        "year_to": meta.year_to,
        "truncated": bool(truncated),
    }
    where = f"{path}:{raw.title.number}"
    if truncated:
        report.warnings.append(
            f"{where}: imported, flagged truncated: {truncated} ({raw.title.text[:60]!r})"
        )
    try:
        yield make_entry(record, source=where)
    except EntryError as exc:
        if not skip_invalid:
            raise CorpusError(f"{where}: {exc}") from None
        report.errors.append(f"{where}: {exc}")
