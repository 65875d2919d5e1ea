"""Real-browser fixtures: Debian's chromium driven by Playwright against a live server.

The app runs in a werkzeug server thread on a free 127.0.0.1 port, over the bundled corpus
(every real page, in several languages: what `make run` serves). Tests skip only when
chromium cannot be found (and fail then under .ci/run, see tests/conftest.missing_prerequisite).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    sync_playwright,
)
from werkzeug.serving import make_server

from corpus import load_sources
from tests.conftest import missing_prerequisite
from tests.webui.conftest import build, build_xss_index, make_app

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def find_chromium() -> str | None:
    env = os.environ.get("GPSEARCH_CHROMIUM")
    for candidate in (env, *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class LiveServer:
    url: str
    errors: list[str] = field(default_factory=list)


def _serve(index_dir: Path) -> Iterator[LiveServer]:
    app = make_app(index_dir)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="gpsearch-test-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus: what `make run` serves."""
    return build(load_sources().entries, tmp_path_factory.mktemp("browser") / "index")


@pytest.fixture(scope="session")
def live_server(browser_index: Path) -> Iterator[LiveServer]:
    yield from _serve(browser_index)


@pytest.fixture(scope="session")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from _serve(build_xss_index(tmp_path_factory.mktemp("browser-xss")))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        missing_prerequisite(
            "chromium not installed: looked for $GPSEARCH_CHROMIUM, "
            + ", ".join(CHROMIUM_CANDIDATES)
            + " and chromium on PATH; run `make browser-deps` to install Debian's chromium"
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # A fresh temporary profile per launch: no cookies, cache or extensions.
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageWatch:
    """What a page did that a user should never see: dialogs, CSP violations, JS errors."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def artifact(name: str) -> Path:
    """A screenshot path under tests/artifacts/ for a test id (parameters made file-safe)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") + ".png")


def _open_page(
    browser: Browser, **context_options: object
) -> tuple[BrowserContext, Page, PageWatch]:
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = PageWatch()

    def on_dialog(dialog: Dialog) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    return context, page, watch


@pytest.fixture
def page_watch(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[tuple[Page, PageWatch]]:
    context, page, watch = _open_page(browser)
    yield page, watch
    try:
        page.screenshot(path=str(artifact(request.node.name)))
    finally:
        context.close()
    assert watch.dialogs == [], "a JavaScript dialog fired"
    assert watch.page_errors == [], "uncaught JavaScript errors"
    assert [e for e in watch.console_errors if "Content Security Policy" in e] == []


@pytest.fixture
def page(page_watch: tuple[Page, PageWatch]) -> Page:
    return page_watch[0]


@pytest.fixture
def phone_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context, page, watch = _open_page(
        browser,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    page.screenshot(path=str(artifact(request.node.name)))
    context.close()
    assert watch.dialogs == [] and watch.page_errors == []


@pytest.fixture
def nojs_page(browser: Browser) -> Iterator[Page]:
    context, page, _ = _open_page(browser, java_script_enabled=False)
    yield page
    context.close()
