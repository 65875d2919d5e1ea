"""Search request and response models: the contract shared by the CLI and the web API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import PurePath
from typing import Any

FACETS = ("language", "locale", "country", "city", "year", "kind", "translated", "topic")
SORTS = ("relevance", "newest", "nearest")  # nearest: only with `near`
VERSIONS = ("practice", "all")  # one hit per practice (its versions listed on it), or entries
MAX_QUERY_CHARS = 500
MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 10_000  # as Elasticsearch's index.max_result_window: deep pages are capped
MAX_FILTER_VALUES = 50
MAX_VALUE_CHARS = 200
DEFAULT_WITHIN_KM = 300.0
MAX_WITHIN_KM = 20_000.0  # half the Earth's circumference: every place


# What a notice says in English (the API, the CLI); the web UI translates by code.
NOTICE_TEXTS = {
    "unbalanced_quote": "unbalanced quote ignored",
    "unbalanced_parentheses": "unbalanced parentheses ignored",
    "deep_parentheses": "parentheses nested deeper than {levels} levels ignored",
    "unknown_field": "unknown field '{field}:' searched as text",
    "bad_year": "year needs a form like 2019 or 2019..2022, got {value!r}",
    "short_prefix": "prefix '{prefix}' is too short (at least {letters} letters)",
    "too_many_terms": "only the first {terms} terms of the query are used",
    "not_found": "not found in any entry: {words}",
    "loose_phrase": 'no entry has the exact phrase "{phrase}": entries with all of its words',
}


class Notice(str):
    """Something the search changed or could not do: its English text (it is a str, as
    the API returns it), plus a code and parameters for interfaces that translate it."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> Notice:
        notice = super().__new__(cls, NOTICE_TEXTS[code].format(**params))
        notice.code = code
        notice.params = params
        return notice


class SearchError(ValueError):
    """A request the user must change; names the parameter at fault."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    highlight: bool = True
    facets: bool = True
    hits: bool = True  # False: counts only (no results, related, suggestion, fallback)
    # False: no related practices on a short first page (each of its best results costs a
    # more-like-this pass over every entry: 4-5 ms at 100k entries)
    related: bool = True
    versions: str = "practice"
    reader_language: str = ""  # the interface language: the version shown when it exists
    near: str = ""  # a place name in any language or "lat,lon" (search.places)
    within_km: float | None = None  # the radius around `near` (default 300 km)

    def __post_init__(self) -> None:
        """Checked and normalised once, where it is made: a SearchRequest is always valid.
        Raises SearchError naming the parameter the user must fix."""
        if not isinstance(self.query, str):
            raise SearchError("q", "must be text")
        if len(self.query) > MAX_QUERY_CHARS:
            raise SearchError("q", f"query is longer than {MAX_QUERY_CHARS} characters")
        if not isinstance(self.page, int) or isinstance(self.page, bool) or self.page < 1:
            raise SearchError("page", "must be a whole number from 1")
        if (
            not isinstance(self.per_page, int)
            or isinstance(self.per_page, bool)
            or not 1 <= self.per_page <= MAX_PER_PAGE
        ):
            raise SearchError("per_page", f"must be a whole number from 1 to {MAX_PER_PAGE}")
        if self.page * self.per_page > MAX_RESULT_WINDOW:
            raise SearchError(
                "page",
                f"results beyond the first {MAX_RESULT_WINDOW:,} are not served; refine the query",
            )
        if self.sort not in SORTS:
            raise SearchError("sort", f"must be one of {', '.join(SORTS)}")
        if self.versions not in VERSIONS:
            raise SearchError("versions", f"must be one of {', '.join(VERSIONS)}")
        if not isinstance(self.reader_language, str) or len(self.reader_language) > 8:
            raise SearchError("lang", "must be a language code")
        self._check_near()
        query = "".join(ch if ch.isprintable() else " " for ch in self.query).strip()
        object.__setattr__(self, "query", query)
        object.__setattr__(self, "filters", clean_filters(self.filters, FACETS))

    def _check_near(self) -> None:
        if not isinstance(self.near, str) or len(self.near) > MAX_VALUE_CHARS:
            raise SearchError(
                "near", f"must be a place name or lat,lon (at most {MAX_VALUE_CHARS})"
            )
        near = self.near.strip()
        object.__setattr__(self, "near", near)
        km = self.within_km
        if km is not None and (
            isinstance(km, bool) or not isinstance(km, int | float) or not 1 <= km <= MAX_WITHIN_KM
        ):
            raise SearchError("within_km", f"must be a number of km from 1 to {MAX_WITHIN_KM:.0f}")
        if km is not None and not near:
            raise SearchError("within_km", "needs near (the place to measure from)")
        if near and km is None:
            object.__setattr__(self, "within_km", DEFAULT_WITHIN_KM)
        if self.sort == "nearest" and not near:
            raise SearchError("sort", "nearest needs near (the place to measure from)")


def clean_filters(
    filters: Mapping[str, Any], allowed: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    """Filter values stripped, deduplicated and capped; empty filters dropped.  Raises
    SearchError naming the filter for an unknown name or values that are not short text."""
    cleaned_filters: dict[str, tuple[str, ...]] = {}
    for name, values in filters.items():
        if name not in allowed:
            raise SearchError(name, f"unknown filter; filters are {', '.join(allowed)}")
        if isinstance(values, str):
            values = (values,)
        if not isinstance(values, list | tuple | set | frozenset) or not all(
            isinstance(v, str) for v in values
        ):
            raise SearchError(name, "values must be text")
        cleaned = tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))
        if len(cleaned) > MAX_FILTER_VALUES:
            raise SearchError(name, f"at most {MAX_FILTER_VALUES} values")
        if any(len(v) > MAX_VALUE_CHARS for v in cleaned):
            raise SearchError(name, f"values are at most {MAX_VALUE_CHARS} characters")
        if cleaned:
            cleaned_filters[name] = cleaned
    return cleaned_filters


@dataclass(slots=True)
class Hit:
    id: str
    title: str
    summary: str
    url: str
    kind: str
    language: str
    locale: str
    country: str
    city: str
    year_from: int | None
    year_to: int | None
    score: float
    snippet: str  # HTML: matched words in <mark>, everything else escaped
    title_html: str = ""  # the title with matches marked, escaped
    period: str = ""
    translated: str = ""
    language_confidence: float = 0.0
    country_code: str = ""
    # The practice's other versions (translations, the same text under other locales):
    # {"id", "title", "language", "locale", "translated"} each.
    versions: list[dict[str, Any]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)  # topic ids, best first
    lat: float | None = None  # the entry's city (None: not located)
    lon: float | None = None
    place: str | None = None  # the place's canonical (English) name
    distance_km: float | None = None  # from `near`, when the request gives it

    def to_dict(self) -> dict[str, Any]:
        # Every field, as asdict would give, without its deep copy (10x slower per hit).
        data = {name: getattr(self, name) for name in _HIT_FIELDS}
        data["score"] = round(self.score, 4)
        return data


_HIT_FIELDS = tuple(f.name for f in fields(Hit))


@dataclass(frozen=True, slots=True)
class Document:
    """An entry as the index holds it, as users see it: the published fields plus what the
    indexer decided (language, translated).  Server details (content hash, source paths)
    stay out; `source` is the file name and line the entry came from."""

    id: str
    kind: str
    title: str
    summary: str
    locale: str
    language: str
    language_confidence: float
    translated: str
    url: str = ""
    body: str = ""
    country: str = ""  # as printed ("Royaume-Uni")
    country_en: str = ""  # in English ("United Kingdom")
    country_code: str = ""
    city: str = ""
    period: str = ""
    year_from: int | None = None
    year_to: int | None = None
    source: str = ""
    meta: str = ""
    language_declared: str | None = None
    language_method: str = ""
    group: str = ""
    translation_of: str = ""
    truncated: bool = False  # the page was cut inside this entry: what is there is kept
    topics: tuple[str, ...] = ()  # topic ids, best first
    # {"topic", "confidence", "evidence"}: how sure the indexer is and the words that said so
    topic_scores: tuple[dict[str, Any], ...] = ()
    lat: float | None = None  # the city's coordinates (None: not located)
    lon: float | None = None
    place: str | None = None  # the place's canonical name
    place_approximate: bool | None = None  # True: the city was not found (country centre)

    @classmethod
    def from_stored(cls, doc: Mapping[str, Any]) -> Document:
        source = doc.get("source") or ""
        return cls(
            **{name: doc[name] for name in _DOCUMENT_FIELDS if name in doc and name not in _SEQ},
            topics=tuple(doc.get("topics", ())),
            topic_scores=tuple(doc.get("topic_scores", ())),
            source=PurePath(source).name if source else "",
        )

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _DOCUMENT_FIELDS}


_DOCUMENT_FIELDS = tuple(f.name for f in fields(Document))
_SEQ = {"source", "topics", "topic_scores"}  # set apart by from_stored


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int
    selected: bool

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "selected": self.selected}


@dataclass(slots=True)
class SearchResponse:
    query: str
    total: int
    page: int
    per_page: int
    sort: str = "relevance"
    versions: str = "practice"  # what `total`, results and facet counts count
    suggestion: str | None = None
    results: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    relaxed: bool = False  # no entry had every word: entries with most words are shown
    fallback: SearchResponse | None = None  # the query without filters, when these hide it
    related: list[Hit] = field(default_factory=list)  # peers of the best results (short page)
    notices: list[Notice] = field(default_factory=list)
    generation: str = ""
    took_ms: float = 0.0
    # Coordinates of the city facet's values: {"Geneva": {"lat": 46.2, "lon": 6.1}}
    places: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "sort": self.sort,
            "versions": self.versions,
            "suggestion": self.suggestion,
            "results": [h.to_dict() for h in self.results],
            "facets": {k: [v.to_dict() for v in vs] for k, vs in self.facets.items()},
            "filters": {k: list(v) for k, v in self.filters.items()},
            "relaxed": self.relaxed,
            "fallback": self.fallback.to_dict() if self.fallback else None,
            "related": [h.to_dict() for h in self.related],
            "notices": self.notices,
            "generation": self.generation,
            "took_ms": round(self.took_ms, 2),
            "places": self.places,
        }
