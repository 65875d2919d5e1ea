"""Start-up and service pages: settings, serve() failing fast, gunicorn, health, OpenSearch."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from gpsearch.cli import main as cli
from indexer.generations import IndexNotFoundError
from tests.servers import serving
from webui import ConfigError, create_app, server
from webui.config import load_config


def test_settings_come_from_gpsearch_environment_variables(tmp_path: Path) -> None:
    config = load_config(None, {"GPSEARCH_INDEX": str(tmp_path), "GPSEARCH_PER_PAGE": "20"})
    assert config["INDEX_DIR"] == tmp_path and config["PER_PAGE"] == 20
    assert load_config({"PER_PAGE": 5}, {"GPSEARCH_PER_PAGE": "20"})["PER_PAGE"] == 5


@pytest.mark.parametrize(
    ("overrides", "environ", "message"),
    [
        ({}, {"GPSEARCH_PER_PAGE": "lots"}, "PER_PAGE ($GPSEARCH_PER_PAGE) must be a whole number"),
        ({"PER_PAGE": 0}, {}, "PER_PAGE ($GPSEARCH_PER_PAGE) must be from 1 to 100"),
        ({"INDEX_DIR": ""}, {}, "INDEX_DIR ($GPSEARCH_INDEX) must name the index directory"),
        ({"DEFAULT_UI_LANGUAGE": "de"}, {}, "must be one of en, fr"),
        ({"DEBUG": True}, {}, "DEBUG must stay off"),
    ],
)
def test_bad_settings_stop_the_app_with_a_clear_message(
    overrides: dict[str, Any], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(
        ConfigError, match=message.replace("$", r"\$").replace("(", r"\(").replace(")", r"\)")
    ):
        load_config(overrides, environ)


def test_factory_gives_independent_apps(ui_index: Path) -> None:
    one = create_app({"INDEX_DIR": ui_index, "PER_PAGE": 3})
    two = create_app({"INDEX_DIR": ui_index})
    assert one.config["PER_PAGE"] == 3 and two.config["PER_PAGE"] == 10
    assert one.extensions["gpsearch"] is not two.extensions["gpsearch"]
    assert not one.debug and not two.debug


def test_healthz_reports_generation_and_documents(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "ok" and data["documents"] == 23
    assert data["generation"].startswith("gen-")


def test_missing_index_is_503_not_500(tmp_path: Path) -> None:
    client = create_app({"INDEX_DIR": tmp_path / "none", "TESTING": True}).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"
    assert str(tmp_path) not in health.data.decode(), "no server paths to the public"
    assert client.get("/").status_code == 503
    assert client.get("/api/search").get_json()["error"]


def test_opensearch_description(client: FlaskClient) -> None:
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ET.fromstring(response.data)
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    assert root.find("os:ShortName", ns).text == "gpsearch"
    templates = {u.get("type"): u.get("template") for u in root.findall("os:Url", ns)}
    assert templates["text/html"] == "http://localhost/?q={searchTerms}"
    assert templates["application/json"] == "http://localhost/api/search?q={searchTerms}"
    page = client.get("/").data.decode()
    assert 'rel="search" type="application/opensearchdescription+xml"' in page


def test_serve_fails_fast_naming_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = []
    monkeypatch.setattr(server.GunicornApp, "run", lambda self: started.append(self))
    with pytest.raises(IndexNotFoundError, match=str(tmp_path / "missing")):
        server.serve(tmp_path / "missing", host="127.0.0.1", port=8123, workers=2)
    assert started == []


def test_cli_serve_without_index_exits_1_with_the_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert str(tmp_path / "missing") in result.output
    assert "Traceback" not in result.output


def test_serve_configures_gunicorn_sync_workers_sharing_the_open_index(
    ui_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[server.GunicornApp] = []
    monkeypatch.setattr(server.GunicornApp, "run", lambda self: started.append(self))
    server.serve(ui_index, host="127.0.0.1", port=8123, workers=3)
    (app,) = started
    assert app.cfg.bind == ["127.0.0.1:8123"]
    assert app.cfg.workers == 3
    assert app.cfg.worker_class_str == "sync"
    assert app.cfg.preload_app is True  # the master opens the index; workers share it
    assert app.cfg.accesslog == "-"
    flask_app = app.wsgi()
    assert flask_app.config["INDEX_DIR"] == ui_index
    assert flask_app.extensions["gpsearch"]["searcher"] is app.searcher  # not opened again
    assert server.gunicorn_options("::1", 80, 2)["bind"] == "[::1]:80"


def test_gpsearch_serve_runs_gunicorn(ui_index: Path, tmp_path: Path) -> None:
    with serving(ui_index, tmp_path, workers=2) as running:
        health = running.get("/healthz")
        assert health.status == 200 and health.json()["documents"] == 23
        page = running.get("/?q=integration")
        assert page.status == 200 and "<mark>" in page.body.decode()
    output = running.output()
    assert output.count("Booting worker") == 2
    assert '"GET /healthz HTTP/1.1" 200' in output, "access log on stdout"


def test_healthz_counts_entries_not_practices(ml_client: FlaskClient) -> None:
    """A corpus with versions of one practice: /healthz counts every entry it serves."""
    documents = ml_client.get("/healthz").get_json()["documents"]
    entries = ml_client.get("/api/search?versions=all").get_json()["total"]
    practices = ml_client.get("/api/search").get_json()["total"]
    assert documents == entries > practices
