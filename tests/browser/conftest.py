"""Browser tests: the distribution's Chromium driven by Playwright against a live server.

The live server is its own app on its own SQLite file (committed data, no rollback), served
by a werkzeug thread on 127.0.0.1. With WNWA_REQUIRE_BROWSER=1 (CI) a missing Chromium fails
the run instead of skipping.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from config import TestingConfig
from tests.conftest import free_port
from wnwa import create_app

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SCREENSHOTS = Path(os.environ.get("WNWA_SCREENSHOTS", "/tmp/wnwa-screens"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    app: Flask
    url: str
    foreign_requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        message = "Chromium not found (apt-get install chromium)"
        if os.environ.get("WNWA_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    db_file = tmp_path_factory.mktemp("live") / "live.sqlite3"
    app = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": True,
            "MAIL_OUTBOX": str(tmp_path_factory.mktemp("live-outbox")),
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("live-uploads")),
            "WNWA_HANDLE_ERRORS": True,
        },
    )
    with app.app_context():
        upgrade(directory="migrations", revision="heads")
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{port}")
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized page; any request to another origin, or anything the page's own
    Content-Security-Policy blocks (a style or icon that would silently go missing), fails the
    test."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    origin = urlparse(live_server.url).netloc
    foreign: list[str] = []
    blocked: list[str] = []

    def watch(request):
        netloc = urlparse(request.url).netloc
        if request.url.startswith(("http:", "https:")) and netloc != origin:
            foreign.append(request.url)

    def console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            blocked.append(message.text[:300] + f" at {message.location} on {page.url}")

    page.on("request", watch)
    page.on("console", console)
    yield page
    context.close()
    assert not foreign, f"pages requested other origins: {foreign}"
    assert not blocked, f"the CSP blocked parts of a page: {blocked}"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settled_boxes(locator) -> list[dict]:
    """Width and height of every element `locator` matches, once htmx is idle.

    The boxes are read in one call inside the page, so a late swap cannot detach an
    element between finding it and measuring it.
    """
    locator.page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    return locator.evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {width: r.width, height: r.height}; })"
    )


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core accessibility violations on the current page."""
    page.evaluate(_axe_source())  # evaluated by the test harness, outside the page's CSP
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
