"""Fixtures for the web UI: real indexes built once per session, a fresh client per test.

Shaped like Flask's tutorial: `app` (in tests/conftest.py, shared with the reliability tests),
`client` and `runner` fixtures over a temporary index.
Index fixtures are prefixed `ui_` so they never shadow the project-wide ones.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from corpus import Entry, load_sources
from indexer.build import build_index
from tests.conftest import SEED_PAGES, make_app

# Hostile corpus text: nothing of it may ever run in a browser or a spreadsheet.
SCRIPT_TITLE = "<script>alert(1)</script> Festival of integration"
IMG_SUMMARY = '"><img src=x onerror=alert(1)> A summary about integration and festivals.'
FORMULA_TITLE = "=cmd|' /C calc'!A0 integration workshop"
EVIL_CITY = "<svg onload=alert(1)>"
JAVASCRIPT_URL = "javascript:alert(1)"
XSS_RECORDS: list[dict[str, Any]] = [
    {
        "id": "xss-script-title",
        "title": SCRIPT_TITLE,
        "summary": IMG_SUMMARY,
        "locale": "sq",
        "language": "en",
        "kind": "good-practice",
        "city": EVIL_CITY,
        "country": "Norway",
        "period": "2020",
        "year_from": 2020,
        "url": "https://www.coe.int/sq/web/interculturalcities/good-practice",
    },
    {
        "id": "xss-formula",
        "title": FORMULA_TITLE,
        "summary": "+SUM(1+1) integration of newcomers through workshops.",
        "locale": "sq",
        "language": "en",
        "kind": "good-practice",
        "city": "Oslo",
        "country": "Norway",
        "url": "https://www.coe.int/sq/web/interculturalcities/good-practice",
    },
    {
        "id": "xss-javascript-url",
        "title": "Integration link that must stay inert",
        "summary": "An entry whose address is a javascript: URL, integration.",
        "locale": "en",
        "language": "en",
        "kind": "news",
        "url": "https://www.coe.int/en/web/interculturalcities/newsroom",
    },
]


def build(entries: list[Entry], directory: Path) -> Path:
    build_index(entries, directory, procs=1)
    return directory


@pytest.fixture(scope="session")
def ui_index(seed_index: Path) -> Path:
    """The seed pages (23 English-locale entries, 3 of them in Albanian)."""
    return seed_index


@pytest.fixture(scope="session")
def ui_multilingual_index(multilingual_index: Path) -> Path:
    """The shared corpus's real pages (en, fr, sq, sr, es, el, tr locales), the seed
    pages and the Cyrillic/Spanish test entries."""
    return multilingual_index


def build_xss_index(root: Path) -> Path:
    """The hostile entries plus the seed pages, indexed under `root`."""
    source = root / "hostile.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in XSS_RECORDS) + "\n", encoding="utf-8")
    entries = load_sources([source]).entries
    # The importer refuses non-http(s) addresses; an index from elsewhere might not.
    entries = [
        dataclasses.replace(e, url=JAVASCRIPT_URL) if e.id == "xss-javascript-url" else e
        for e in entries
    ]
    return build([*entries, *load_sources(SEED_PAGES).entries], root / "index")


@pytest.fixture(scope="session")
def ui_xss_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_xss_index(tmp_path_factory.mktemp("xss"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def ml_app(ui_multilingual_index: Path) -> Flask:
    return make_app(ui_multilingual_index)


@pytest.fixture
def ml_client(ml_app: Flask) -> FlaskClient:
    return ml_app.test_client()


@pytest.fixture(scope="session")
def xss_app(ui_xss_index: Path) -> Flask:
    return make_app(ui_xss_index)


@pytest.fixture
def xss_client(xss_app: Flask) -> FlaskClient:
    return xss_app.test_client()
