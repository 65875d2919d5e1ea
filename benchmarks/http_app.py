"""A small Flask app serving a peer's index as `GET /api/search`, to load-test under gunicorn.

It stands in for gpsearch's web app while that is being built (same query-string
contract: `q`, one key per filter value, `page`, `per_page`), and gives the peers'
HTTP numbers.  gunicorn calls the factory in each worker: `benchmarks.http_app:create_app()`
with BENCH_SYSTEM and BENCH_INDEX in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, jsonify, request

from benchmarks.data import FILTER_FIELDS
from benchmarks.queries import Query
from benchmarks.systems import TOP_K, load_system


def create_app(system_name: str | None = None, index: str | None = None) -> Flask:
    system_name = system_name or os.environ["BENCH_SYSTEM"]
    index_dir = Path(index or os.environ["BENCH_INDEX"])
    system = load_system(system_name)
    # Opened in each gunicorn worker (no --preload), so no handle crosses a fork.
    system.open(index_dir)
    app = Flask(__name__)

    @app.get("/api/search")
    def api_search():  # type: ignore[no-untyped-def]
        filters = {f: request.args.getlist(f) for f in FILTER_FIELDS if request.args.getlist(f)}
        query = Query(qid="http", text=request.args.get("q", ""), category="http", filters=filters)
        result = system.query(query)
        per_page = min(request.args.get("per_page", TOP_K, type=int) or TOP_K, TOP_K)
        return jsonify(
            total=result.total,
            results=[
                {"id": doc_id, "snippet": snippet}
                for doc_id, snippet in zip(result.ids[:per_page], result.snippets, strict=False)
            ],
            facets=result.facets,
        )

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return {"system": system_name}

    return app
