"""The search page's state, read from and written back to the query string.

Everything a search shows (query, filters, sort, page, page size) lives in the URL, so any
page can be bookmarked or shared.  Every link the UI offers (facet toggles, chips, pages,
did-you-mean) is built here, in Python, never in a template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from werkzeug.datastructures import MultiDict

from search.models import DEFAULT_WITHIN_KM, FACETS, SearchError, SearchRequest

# Parameters every page accepts besides its own: the UI language and the JSON twin switch.
COMMON_PARAMS = ("lang", "format")
SEARCH_PARAMS = (
    "q",
    "page",
    "per_page",
    "sort",
    "versions",
    "near",
    "within_km",
    "related",
    *FACETS,
)
FORMATS = ("html", "json")


def parse_int(args: Mapping[str, str], name: str, default: int) -> int:
    """A whole-number parameter; empty means the default, anything else non-numeric is a 400."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdecimal():
        raise SearchError(name, f"must be a whole number, got {raw[:20]!r}")
    if len(raw) > 9:
        raise SearchError(name, f"is too large, got {raw[:20]!r}")
    return int(raw)


def check_params(
    args: MultiDict[str, str], allowed: Iterable[str] | None, filters: Iterable[str] = FACETS
) -> None:
    """Unknown parameters are refused (a typo in a filter name must not be silently ignored).

    `allowed=None` accepts any parameter and only checks `format`.
    """
    if allowed is not None:
        known = set(allowed) | set(COMMON_PARAMS)
        for name in args:
            if name not in known:
                raise SearchError(name, "unknown parameter; filters are " + ", ".join(filters))
    fmt = args.get("format", "html")
    if fmt not in FORMATS:
        raise SearchError("format", f"must be one of {', '.join(FORMATS)}")


def parse_flag(args: Mapping[str, str], name: str, default: bool) -> bool:
    """`1`/`true` or `0`/`false`; empty means the default, anything else is a 400."""
    raw = (args.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in ("0", "1", "true", "false"):
        raise SearchError(name, f"must be 0 or 1, got {raw[:20]!r}")
    return raw in ("1", "true")


def parse_km(args: Mapping[str, str], name: str) -> float | None:
    """A distance in km (a number); empty means none, anything else is a 400."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SearchError(name, f"must be a number of km, got {raw[:20]!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise SearchError(name, f"must be a number of km, got {raw[:20]!r}")
    return value


@dataclass(frozen=True, slots=True)
class SearchState:
    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    default_per_page: int = 10
    versions: str = "practice"
    near: str = ""  # a place name or lat,lon (search.places)
    within_km: float | None = None
    related: bool = True  # related practices fill a short first page (`related=0`: not)

    @classmethod
    def from_args(cls, args: MultiDict[str, str], default_per_page: int = 10) -> SearchState:
        """Parse and validate request arguments; raises SearchError naming the bad parameter."""
        check_params(args, SEARCH_PARAMS)
        filters = {name: tuple(args.getlist(name)) for name in FACETS if name in args}
        request = SearchRequest(
            query=args.get("q", ""),
            filters=filters,
            page=parse_int(args, "page", 1),
            per_page=parse_int(args, "per_page", default_per_page),
            sort=(args.get("sort") or "relevance").strip(),
            versions=(args.get("versions") or "practice").strip(),
            near=args.get("near", ""),
            within_km=parse_km(args, "within_km"),
        )
        return cls(
            request.query,
            dict(request.filters),
            request.sort,
            request.page,
            request.per_page,
            default_per_page,
            request.versions,
            request.near,
            request.within_km if request.near else None,
            parse_flag(args, "related", True),
        )

    def request(self, **options: Any) -> SearchRequest:
        """The library request of this state (already checked when the state was read)."""
        return SearchRequest(
            self.q,
            dict(self.filters),
            self.page,
            self.per_page,
            self.sort,
            versions=self.versions,
            near=self.near,
            within_km=self.within_km,
            **{"related": self.related, **options},
        )

    # --- state changes: each returns a new state, on page 1 unless it is a page change ----

    def params(self) -> dict[str, Any]:
        """Query-string parameters in a stable order; defaults are left out."""
        params: dict[str, Any] = {}
        if self.q:
            params["q"] = self.q
        for name in FACETS:
            if self.filters.get(name):
                params[name] = list(self.filters[name])
        if self.near:
            params["near"] = self.near
            if self.within_km is not None and self.within_km != DEFAULT_WITHIN_KM:
                params["within_km"] = f"{self.within_km:g}"
        if self.sort != "relevance":
            params["sort"] = self.sort
        if self.versions != "practice":
            params["versions"] = self.versions
        if not self.related:
            params["related"] = 0
        if self.per_page != self.default_per_page:
            params["per_page"] = self.per_page
        if self.page != 1:
            params["page"] = self.page
        return params

    def toggled(self, name: str, value: str) -> SearchState:
        return replace(self, filters=toggle(self.filters, name, value), page=1)

    def without_filters(self) -> SearchState:
        return replace(self, filters={}, page=1)

    def with_query(self, q: str) -> SearchState:
        return replace(self, q=q, page=1)

    def at_page(self, page: int) -> SearchState:
        return replace(self, page=page)

    def with_versions(self, versions: str) -> SearchState:
        return replace(self, versions=versions, page=1)

    def selected(self) -> list[tuple[str, str]]:
        return [(name, v) for name in FACETS for v in self.filters.get(name, ())]


def toggle(
    filters: Mapping[str, tuple[str, ...]], name: str, value: str
) -> dict[str, tuple[str, ...]]:
    """The filters with one value of a facet added, or removed when it was selected."""
    values = filters.get(name, ())
    new = tuple(v for v in values if v != value) if value in values else (*values, value)
    toggled = {k: v for k, v in filters.items() if k != name}
    if new:
        toggled[name] = new
    return toggled
