"""The entry model: one good-practice example or news item as published under a site locale."""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import unquote, urlsplit

KINDS = ("good-practice", "news")

# Site locales look like `en`, `fr`, `sr`, `pt-br`; kept lower-case.
LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})?$")
# Entry ids travel in URLs (/practice/<id>): a safe, bounded alphabet, no path tricks.
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
LANGUAGE_RE = re.compile(r"^(?:[a-z]{2,3}|und)$")
MIN_YEAR, MAX_YEAR = 1900, 2100


class EntryError(ValueError):
    """A record that cannot become an Entry; the importer adds file:line."""


@dataclass(slots=True)
class Entry:
    """One published entry.

    `locale` is the site locale the entry was published under; `language` is the language
    it is written in when the source declares it (the indexer detects it otherwise).
    `source` is always set by the importer to `file:line` of the record.  `truncated`
    marks an entry whose page was cut inside it (a partial summary, no summary, or a cut
    `Read More`): what was there is kept, and the flag travels into the export.
    """

    id: str
    kind: str
    title: str
    summary: str
    locale: str
    body: str = ""
    country: str = ""
    country_code: str = ""
    city: str = ""
    period: str = ""
    year_from: int | None = None
    year_to: int | None = None
    url: str = ""
    source: str = ""
    language: str | None = None
    meta: str = ""
    group: str = ""
    translation_of: str = ""
    truncated: bool = False
    topics: tuple[str, ...] = ()  # the source's own topics (ids or names), best first

    def to_dict(self) -> dict[str, Any]:
        """Every field, as `dataclasses.asdict` gives them, without its recursive copy (a
        build asks twice per entry: 1.3 us instead of 18, measured).  The same values,
        not copies: every field is a str, number, bool, None or a tuple of str."""
        return {name: getattr(self, name) for name in FIELD_NAMES}


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Entry))
_INT_FIELDS = ("year_from", "year_to")
_BOOL_FIELDS = ("truncated",)
_BOOL_TEXT = {
    "": False,
    "false": False,
    "0": False,
    "no": False,
    "true": True,
    "1": True,
    "yes": True,
}
_PLAIN_HTTP = ("http://", "https://")
MAX_DECLARED_TOPICS = 10
TOPIC_SPLIT_RE = re.compile(r"[,;]")
_REQUIRED = ("title", "locale")
_TEXT_FIELDS = tuple(
    n for n in FIELD_NAMES if n not in (*_INT_FIELDS, *_BOOL_FIELDS, "topics", "language")
)


def is_http_url(url: str) -> bool:
    if url.startswith(_PLAIN_HTTP) and url.isascii() and "[" not in url:
        return True  # what urlsplit would say (it was a quarter of make_entry's time)
    try:
        return urlsplit(url).scheme in ("http", "https")
    except ValueError:  # unparseable, e.g. an unclosed IPv6 bracket: http://[::1
        return False


def canonical_listing(url: str) -> str:
    """The listing a page address belongs to, without pagination, query or fragment.

    The same entry shows up on several pages of one listing (`?start=6`, `?start=11`) and
    pagination shifts as entries are added, so ids must not depend on the page.  The
    site's language-switch links keep the real listing in their `redirect` parameter.
    """
    if not url:
        return ""
    parts = urlsplit(url.strip())
    path = parts.path
    if "update_language" in path:
        for pair in parts.query.split("&"):
            key, _, value = pair.partition("=")
            if key == "redirect":
                with contextlib.suppress(ValueError):  # unparseable: keep the page's path
                    path = urlsplit(unquote(value)).path
                break
    return path.rstrip("/").lower()


def locale_from_url(url: str) -> str | None:
    """The site locale is the first path segment of a page address (`/fr/web/...`)."""
    if not url:
        return None
    first = urlsplit(url.strip()).path.strip("/").split("/", 1)[0].lower()
    return first if LOCALE_RE.match(first) else None


def _slug(text: str, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug


def derive_id(locale: str, url: str, title: str) -> str:
    """A stable, readable id: locale, title slug and a hash of locale + listing + title."""
    norm_title = " ".join(title.split())
    key = "\x1f".join((locale.lower(), canonical_listing(url), norm_title))
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    slug = _slug(norm_title)
    return f"{locale.lower()}-{slug}-{digest}" if slug else f"{locale.lower()}-{digest}"


# Unicode's control characters (category Cc: U+0000-001F, U+007F-009F) but tab and newline;
# one regex pass, where a per-character category test cost half of loading a JSONL file.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What _clean_text removes or refuses (the above and lone surrogates): text with none of it
# is only stripped, one regex search instead of an encode and a substitution.
_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


# In a JSON line, text can carry what _UNCLEAN finds only as a \\u escape, the \\b, \\f or
# \\r escapes, or raw (U+007F-009F, which JSON allows unescaped).
_UNCLEAN_JSON = re.compile(r"\\[ubfr]|[\x7f-\x9f]")


def has_unclean_text(json_line: str) -> bool:
    """Whether a JSON line may hold text _clean_text changes or refuses (no: make_entry
    with clean=True builds the same entry; loading 100k entries took 10% less)."""
    return _UNCLEAN_JSON.search(json_line) is not None


def _clean_text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if value.__class__ is str and _UNCLEAN.search(value) is None:
        return value.strip()
    if not isinstance(value, str):
        raise EntryError(f"field {name!r} must be text, got {type(value).__name__}")
    try:  # JSON's \ud800 escapes decode to lone surrogates, which no file or page can hold
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EntryError(
            f"field {name!r} is not valid Unicode text: lone surrogate {value[exc.start]!r}"
        ) from None
    # Control characters (other than newlines/tabs) never belong in published text.
    return _CONTROL.sub("", value).strip()


def _clean_year(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise EntryError(f"field {name!r} must be a year, got {value!r}")
    try:
        year = int(str(value).strip())
    except ValueError:
        raise EntryError(f"field {name!r} must be a year, got {value!r}") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise EntryError(f"field {name!r} out of range {MIN_YEAR}-{MAX_YEAR}: {year}")
    return year


def _clean_bool(value: Any, name: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _BOOL_TEXT:  # CSV cells are text
        return _BOOL_TEXT[value.strip().lower()]
    raise EntryError(f"field {name!r} must be true or false, got {value!r}")


def _clean_topics(value: Any) -> tuple[str, ...]:
    """Declared topics: a list of names, or one text with them comma- or semicolon-
    separated (a CSV cell).  Whether each names a known topic is the indexer's check."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: list[Any] = TOPIC_SPLIT_RE.split(value)
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise EntryError(f"field 'topics' must be a list or text, got {type(value).__name__}")
    topics = tuple(dict.fromkeys(t for item in items if (t := _clean_text(item, "topics"))))
    if len(topics) > MAX_DECLARED_TOPICS:
        raise EntryError(f"field 'topics' has more than {MAX_DECLARED_TOPICS} topics")
    return topics


def make_entry(record: dict[str, Any], *, source: str, clean: bool = False) -> Entry:
    """Validate a mapping of entry fields and build an Entry (raises EntryError).

    `clean`: the caller found no control character or lone surrogate in the record's text
    (`has_unclean_text` on its JSON line), so text fields are only stripped."""
    get = record.get
    if clean:
        values: dict[str, Any] = {
            name: v.strip() if (v := get(name)).__class__ is str else _clean_text(v, name)
            for name in _TEXT_FIELDS
        }
    else:
        values = {name: _clean_text(get(name), name) for name in _TEXT_FIELDS}
    for name in _INT_FIELDS:
        values[name] = _clean_year(get(name), name)
    for name in _BOOL_FIELDS:
        values[name] = _clean_bool(get(name), name)
    values["topics"] = _clean_topics(get("topics"))
    lang = _clean_text(get("language"), "language").lower() or None
    if lang is not None and not LANGUAGE_RE.match(lang):
        raise EntryError(f"field 'language' must be an ISO 639-1 code, got {lang!r}")
    values["language"] = lang
    for name in _REQUIRED:
        if not values[name]:
            raise EntryError(f"missing required field {name!r}")
    values["locale"] = values["locale"].lower().replace("_", "-")
    if not LOCALE_RE.match(values["locale"]):
        raise EntryError(f"field 'locale' must look like 'en' or 'pt-br', got {values['locale']!r}")
    if not values["summary"] and not values["body"] and not values["truncated"]:
        # A page cut right after an entry's meta line still names the entry: kept, flagged.
        raise EntryError("entry has neither summary nor body")
    kind = values["kind"] or "good-practice"
    if kind not in KINDS:
        raise EntryError(f"field 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    values["kind"] = kind
    if values["year_from"] and values["year_to"] and values["year_from"] > values["year_to"]:
        raise EntryError(f"year_from {values['year_from']} is after year_to {values['year_to']}")
    if values["url"] and not is_http_url(values["url"]):
        raise EntryError(f"field 'url' must be an http(s) address, got {values['url']!r}")
    if values["id"]:
        if not ID_RE.match(values["id"]):
            raise EntryError(
                f"field 'id' must be 1-128 letters, digits, '.', '_' or '-', got {values['id']!r}"
            )
    else:
        values["id"] = derive_id(values["locale"], values["url"], values["title"])
    values["source"] = source
    return Entry(**values)


@dataclass(slots=True)
class LoadReport:
    """What an import produced besides entries; every message starts with `file:line`.

    `errors`: invalid records skipped (only with skip_invalid); `rejected`: blocks of a
    listing page that look like (part of) an entry but could not become one, with the
    reason; `kept` and `truncated` are set by the loader once duplicates are dropped.
    """

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    duplicates: int = 0
    kept: int = 0
    truncated: int = 0

    @property
    def rejected_total(self) -> int:
        return len(self.rejected) + len(self.errors)

    def summary(self) -> str:
        """One line for people: `48 entries kept (3 flagged truncated), 0 rejected`."""
        return (
            f"{self.kept} entr{'y' if self.kept == 1 else 'ies'} kept"
            f" ({self.truncated} flagged truncated), {self.rejected_total} rejected"
        )
