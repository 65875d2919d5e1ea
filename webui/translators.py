"""Translators' page: untranslated entries (filterable, with counts), coverage, CSV export."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

import search.reports as reports
from search import Searcher
from search.models import SearchError, clean_filters
from webui.i18n import language_name
from webui.index import get_searcher
from webui.present import entry_view, facet_groups, practice_url
from webui.state import check_params, parse_int, toggle

bp = Blueprint("translators", __name__)

FILTERS = reports.REPORT_FILTERS
COVERAGE_PER_PAGE = 25  # practices per page of the coverage matrix
LISTED_VERSIONS = 5  # other versions shown per untranslated entry (all are counted)


@dataclass(frozen=True, slots=True)
class ReportState:
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1
    coverage_page: int = 1

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> ReportState:
        check_params(args, (*FILTERS, "page", "coverage_page"), filters=FILTERS)
        filters = clean_filters({name: args.getlist(name) for name in FILTERS}, FILTERS)
        pages = {name: parse_int(args, name, 1) for name in ("page", "coverage_page")}
        for name, number in pages.items():
            if number < 1:
                raise SearchError(name, "must be a whole number from 1")
        return cls(filters, pages["page"], pages["coverage_page"])

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {k: list(v) for k, v in self.filters.items() if v}
        if self.page != 1:
            params["page"] = self.page
        if self.coverage_page != 1:
            params["coverage_page"] = self.coverage_page
        return params

    def toggled(self, name: str, value: str) -> ReportState:
        return replace(self, filters=toggle(self.filters, name, value), page=1)


def _url(state: ReportState, **extra: Any) -> str:
    return url_for("translators.index", **state.params(), **extra)


def coverage_data(searcher: Searcher, state: ReportState) -> dict[str, Any]:
    """One page of the practices x locales matrix (totals cover every practice)."""
    page = state.coverage_page
    data = reports.coverage(searcher, page=page, per_page=COVERAGE_PER_PAGE)
    pages = max(1, -(-data["practices"] // COVERAGE_PER_PAGE))
    return {
        **data,
        "rows_total": data["practices"],
        "page": page,
        "pages": pages,
        "prev_url": _url(replace(state, coverage_page=page - 1)) if page > 1 else None,
        "next_url": _url(replace(state, coverage_page=page + 1)) if page < pages else None,
    }


def report_data(searcher: Searcher, state: ReportState, per_page: int) -> dict[str, Any]:
    report = reports.untranslated_report(
        searcher, state.filters, page=state.page, per_page=per_page
    )
    pages = max(1, -(-report["total"] // per_page))
    shown = []
    for row in report["rows"]:
        versions = [
            {
                "id": v.id,
                "language": v.language,
                "locale": v.locale,
                "title": v.title,
                "translated": v.translated,
            }
            for v in searcher.versions(row["id"], limit=LISTED_VERSIONS)
        ]
        total = len(searcher.snapshot().other_versions(row["id"]))
        shown.append({**row, "versions": versions, "versions_total": total})
    return {
        "total": report["total"],
        "untranslated_total": report["untranslated_total"],
        "page": state.page,
        "pages": pages,
        "per_page": per_page,
        "filters": {k: list(v) for k, v in state.filters.items()},
        "rows": shown,
        "facet_groups": facet_groups(
            state,
            {name: [f.to_dict() for f in report["facets"][name]] for name in FILTERS},
            shown=None,
            url=_url,
            names=FILTERS,
        ),
        "coverage": coverage_data(searcher, state),
        "csv_url": url_for("translators.csv", **{k: list(v) for k, v in state.filters.items()}),
        "json_url": _url(state, format="json"),
        "prev_url": _url(replace(state, page=state.page - 1)) if state.page > 1 else None,
        "next_url": _url(replace(state, page=state.page + 1)) if state.page < pages else None,
    }


def _decorate(data: dict[str, Any]) -> dict[str, Any]:
    """Names and links for the HTML page (kept out of the JSON)."""
    rows = [
        {
            **row,
            "view": entry_view(row),
            "versions": [{**v, "view": entry_view(v)} for v in row["versions"]],
        }
        for row in data["rows"]
    ]
    coverage = data["coverage"]
    if coverage:
        coverage = {
            **coverage,
            "rows": [
                {
                    **r,
                    "links": {
                        loc: [
                            {
                                **e,
                                "page_url": practice_url(e["id"]),
                                "language_name": language_name(e["language"]),
                            }
                            for e in r.get("entries", {}).get(loc, [])
                        ]
                        for loc in coverage["locales"]
                    },
                }
                for r in coverage["rows"]
            ],
            "locale_names": {loc: language_name(loc) for loc in coverage["locales"]},
        }
    return {**data, "rows": rows, "coverage": coverage}


@bp.get("/translations")
def index() -> ResponseReturnValue:
    state = ReportState.from_args(request.args)
    data = report_data(get_searcher(), state, current_app.config["TRANSLATIONS_PER_PAGE"])
    if request.args.get("format") == "json":
        return jsonify(data)
    return render_template("translators/index.html", page=_decorate(data))


@bp.get("/translations.csv")
def csv() -> ResponseReturnValue:
    state = ReportState.from_args(request.args)
    rows = reports.untranslated_rows(get_searcher(), state.filters)
    out = io.StringIO()
    reports.write_csv(out, rows, reports.UNTRANSLATED_COLUMNS)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="untranslated.csv"'
    return response
