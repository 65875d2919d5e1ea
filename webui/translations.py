"""Translators' page: untranslated entries (filterable, with counts), coverage, CSV export."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

import search.translations as reports
from search import Searcher
from search.models import MAX_FILTER_VALUES, MAX_VALUE_CHARS, SearchError
from webui.i18n import facet_label, facet_title, language_name
from webui.index import get_searcher
from webui.present import entry_view, lang_attr, safe_url
from webui.state import check_params, parse_int, toggle

bp = Blueprint("translations", __name__)

FILTERS = ("locale", "language")
MAX_COVERAGE_ROWS = 500


@dataclass(frozen=True, slots=True)
class ReportState:
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> ReportState:
        check_params(args, (*FILTERS, "page"), filters=FILTERS)
        filters = {}
        for name in FILTERS:
            values = tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))
            if len(values) > MAX_FILTER_VALUES or any(len(v) > MAX_VALUE_CHARS for v in values):
                raise SearchError(name, f"at most {MAX_FILTER_VALUES} values of"
                                        f" {MAX_VALUE_CHARS} characters")
            if values:
                filters[name] = values
        page = parse_int(args, "page", 1)
        if page < 1:
            raise SearchError("page", "must be a whole number from 1")
        return cls(filters, page)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {k: list(v) for k, v in self.filters.items() if v}
        if self.page != 1:
            params["page"] = self.page
        return params

    def toggled(self, name: str, value: str) -> ReportState:
        return replace(self, filters=toggle(self.filters, name, value), page=1)


def _url(state: ReportState, **extra: Any) -> str:
    return url_for("translations.index", **state.params(), **extra)


def _facets(report: Mapping[str, Any], state: ReportState) -> list[dict[str, Any]]:
    """Counts per locale and language, with ready toggle links (selected values first)."""
    groups = []
    for name in FILTERS:
        selected = state.filters.get(name, ())
        values = [
            {"value": f.value, "count": f.count, "selected": f.selected,
             "label": facet_label(name, f.value), "toggle_url": _url(state.toggled(name, f.value))}
            for f in sorted(report["facets"][name], key=lambda f: not f.selected)
        ]  # fmt: skip
        groups.append({"name": name, "title": facet_title(name), "values": values, "more": [],
                       "selected": len(selected)})
    return groups


def coverage_data(searcher: Searcher) -> dict[str, Any]:
    """The practices x locales matrix (its first rows; totals cover every practice)."""
    data = reports.coverage(searcher, page=1, per_page=MAX_COVERAGE_ROWS)
    return {**data, "rows_total": data["practices"]}


def report_data(searcher: Searcher, state: ReportState, per_page: int) -> dict[str, Any]:
    report = reports.untranslated_report(searcher, state.filters, page=state.page,
                                         per_page=per_page)  # fmt: skip
    pages = max(1, -(-report["total"] // per_page))
    shown = []
    for row in report["rows"]:
        versions = [
            {"id": v["id"], "language": v["language"], "locale": v["locale"],
             "title": v["title"], "translated": v["translated"]}
            for v in searcher.versions(row["id"])
        ]  # fmt: skip
        shown.append({**row, "versions": versions})
    return {
        "total": report["total"],
        "untranslated_total": report["untranslated_total"],
        "page": state.page,
        "pages": pages,
        "per_page": per_page,
        "filters": {k: list(v) for k, v in state.filters.items()},
        "rows": shown,
        "facet_groups": _facets(report, state),
        "coverage": coverage_data(searcher),
        "csv_url": url_for("translations.csv", **{k: list(v) for k, v in state.filters.items()}),
        "json_url": _url(state, format="json"),
        "prev_url": _url(replace(state, page=state.page - 1)) if state.page > 1 else None,
        "next_url": _url(replace(state, page=state.page + 1)) if state.page < pages else None,
    }


def _decorate(data: dict[str, Any]) -> dict[str, Any]:
    """Names and links for the HTML page (kept out of the JSON)."""
    rows = []
    for row in data["rows"]:
        rows.append({
            **row,
            "page_url": url_for("entry.practice", entry_id=row["id"]),
            "lang_attr": lang_attr(row["language"]),
            "language_name": language_name(row["language"]),
            "locale_name": language_name(row["locale"]),
            "original_url": safe_url(row["url"]),
            "place": entry_view({"id": row["id"], "city": row["city"],
                                 "country_en": row["country"]})["place"],
            "versions": [{**v, "page_url": url_for("entry.practice", entry_id=v["id"]),
                          "language_name": language_name(v["language"]),
                          "lang_attr": lang_attr(v["language"])} for v in row["versions"]],
        })  # fmt: skip
    coverage = data["coverage"]
    if coverage:
        coverage = {
            **coverage,
            "rows": [{**r, "links": {
                loc: [{**e, "page_url": url_for("entry.practice", entry_id=e["id"]),
                       "language_name": language_name(e["language"])}
                      for e in r.get("entries", {}).get(loc, [])]
                for loc in coverage["locales"]}} for r in coverage["rows"]],
            "locale_names": {loc: language_name(loc) for loc in coverage["locales"]},
        }  # fmt: skip
    return {**data, "rows": rows, "coverage": coverage}


@bp.get("/translations")
def index() -> ResponseReturnValue:
    state = ReportState.from_args(request.args)
    data = report_data(get_searcher(), state, current_app.config["TRANSLATIONS_PER_PAGE"])
    if request.args.get("format") == "json":
        return jsonify(data)
    return render_template("translations/index.html", page=_decorate(data))


@bp.get("/translations.csv")
def csv() -> ResponseReturnValue:
    state = ReportState.from_args(request.args)
    rows = reports.untranslated_rows(get_searcher(), state.filters)
    out = io.StringIO()
    reports.write_csv(out, rows, reports.UNTRANSLATED_COLUMNS)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="untranslated.csv"'
    return response
