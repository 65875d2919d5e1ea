"""The Whoosh schema and how an analysed entry becomes a Whoosh document.

Text is indexed three ways so a user need not know an entry's language:
  title_<lang>, body_<lang>  the entry's own language pipeline (stopwords, stem/lemma, fold)
  title_f, body_f            language-neutral: lower-cased and accent-folded, no stemming
  place_f                    country (as printed and in English) and city, folded
Only the entry's own language fields are filled; the others stay empty and cost nothing.
Originals are stored so snippets show the words as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from whoosh import columns, fields
from whoosh.system import pack_uint

from corpus.gazetteer import gazetteer
from corpus.model import Entry
from corpus.places import Place, export_fields
from indexer.analysis import (
    SUPPORTED,
    UNDETERMINED,
    analysis_language,
    analyzer,
    term_counts,
)

# Bump when analysis or schema changes: an index built by another version is rebuilt.
# 10: text fields are schema.Text (an index older code cannot open: it rebuilds instead);
# 9: entries carry their place (lat/lon arrays, place tables); 8: topics
SCHEMA_VERSION = 10
TITLE_FOLDED, BODY_FOLDED, PLACE_FOLDED = "title_f", "body_f", "place_f"
FOLDED_FIELDS = (TITLE_FOLDED, BODY_FOLDED, PLACE_FOLDED)
TEXT_PARTS = ("title", "body")  # each language family has a title and a body field


def families() -> tuple[str, ...]:
    """Analyser families that get their own fields (every supported language + und)."""
    return tuple(sorted(set(SUPPORTED) | {UNDETERMINED}))


def text_field(part: str, family: str) -> str:
    """The field of one part ("title" or "body") of entries analysed by a family."""
    return f"{part}_{family}"


def language_fields(family: str) -> tuple[str, str]:
    return text_field("title", family), text_field("body", family)


class Text(fields.TEXT):
    """Whoosh's TEXT field without positions, analysed by a language's analyser, whose
    values are indexed in one pass (`term_counts`): Whoosh's own path yields a Token object
    per word through a generator per filter, and then counts them."""

    def __init__(self, lang: str) -> None:
        super().__init__(analyzer=analyzer(lang), phrase=False)
        self.lang = lang

    def index(self, value: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or kwargs:
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        return [
            (t.encode("utf-8"), n, n * boost, pack_uint(n))
            for t, n in term_counts(value, self.lang).items()
        ]


@cache
def build_schema() -> fields.Schema:
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        kind=fields.ID(stored=True, sortable=True),
        language=fields.ID(stored=True, sortable=True),
        locale=fields.ID(stored=True, sortable=True),
        country=fields.ID(stored=True, sortable=True),
        city=fields.ID(stored=True, sortable=True),
        translated=fields.ID(stored=True, sortable=True),
        # Years are filtered on the exported columns, never through Whoosh's numeric terms
        # (four postings a value): a column is all they need.
        year_from=fields.COLUMN(columns.NumericColumn("H", default=0)),
        year_to=fields.COLUMN(columns.NumericColumn("H", default=0)),
        doc=fields.STORED,  # the entry as a dict, with detection results
        title_f=Text(UNDETERMINED),
        body_f=Text(UNDETERMINED),
        place_f=Text(UNDETERMINED),
    )
    for family in families():
        title, body = language_fields(family)
        schema.add(title, Text(family))
        schema.add(body, Text(family))
    return schema


@dataclass(frozen=True, slots=True)
class Analysed:
    """An entry with what the indexer decided about it."""

    entry: Entry
    language: str
    confidence: float
    method: str
    content_hash: str
    source_file: str
    topic_fields: dict[str, Any] | None = None  # stored `topics`, `topic_scores`
    place: Place | None = None  # the entry's city on the map (indexer.places)

    @property
    def family(self) -> str:
        return analysis_language(self.language)

    @property
    def translated(self) -> str:
        """`no` when the entry is not written in its locale's language (untranslated)."""
        if self.language == UNDETERMINED:
            return "unknown"
        return "yes" if self.language == self.entry.locale.split("-")[0] else "no"


def country_english(entry: Entry) -> str:
    if entry.country_code:
        return gazetteer().english_name(entry.country_code)
    return entry.country


def whoosh_document(item: Analysed) -> dict[str, object]:
    entry = item.entry
    body_text = "\n".join(part for part in (entry.summary, entry.body) if part)
    title_field, body_field = language_fields(item.family)
    country = country_english(entry)
    doc: dict[str, object] = {
        "id": entry.id,
        "kind": entry.kind,
        "language": item.language,
        "locale": entry.locale,
        "country": country,
        "city": entry.city,
        "translated": item.translated,
        "doc": {
            **entry.to_dict(),
            "country_en": country,
            "language": item.language,
            "language_declared": entry.language,
            "language_confidence": round(item.confidence, 3),
            "language_method": item.method,
            "translated": item.translated,
            "content_hash": item.content_hash,
            **(item.topic_fields or {}),
            **export_fields(item.place),
        },
        "title_f": entry.title,
        "body_f": body_text,
        "place_f": " ".join(dict.fromkeys(p for p in (entry.country, country, entry.city) if p)),
        title_field: entry.title,
        body_field: body_text,
    }
    if entry.year_from is not None:
        doc["year_from"] = entry.year_from
    if entry.year_to is not None:
        doc["year_to"] = entry.year_to
    return doc
