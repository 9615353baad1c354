"""Screenshots of each main page at phone (390x844) and desktop (1280x800) size.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only NAME ...]

Builds a throwaway SQLite demo network (the same seed as `make run`, with localstripe for the
billing pages when it is installed), serves it on a loopback port from a thread, signs in as
each demo role with the system Chromium (Playwright, `CHROMIUM_PATH` or `chromium` on PATH)
and writes `<page>-phone.png` and `<page>-desktop.png`. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


@dataclass(frozen=True)
class Shot:
    name: str
    role: str | None  # None: signed out
    path: str
    full_page: bool = False


SHOTS = [
    Shot("landing", None, "/"),
    Shot("crisis-lines", None, "/crisis-lines"),
    Shot("sign-in", None, "/login"),
    Shot("officer-search", "officer", "/directory/"),
    Shot("officer-search-results", "officer", "/directory/?q=grief", full_page=True),
    Shot("officer-supporter", "officer", "@first-supporter"),
    Shot("officer-me", "officer", "/me"),
    Shot("officer-professionals", "officer", "/professionals/?zip=60601&radius=25"),
    Shot("professional-apply", None, "/professionals/apply"),
    Shot("peer-availability", "peer", "/directory/me"),
    Shot("chief-overview", "chief", "/department/"),
    Shot("chief-peer-support", "chief", "/department/peer-support/"),
    Shot("finance-billing", "department_finance", "/billing/"),
    Shot("network-overview", "network_admin", "/network/"),
    Shot("network-quota", "network_admin", "/network/quota"),
]


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _app(workdir: Path, stripe_base: str | None):
    from flask_migrate import upgrade

    from config import DevelopmentConfig
    from wnwa import create_app

    overrides = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'demo.sqlite3'}",
        "SESSION_COOKIE_SECURE": False,
        "MAIL_TRANSPORT": "outbox",
        "MAIL_OUTBOX": str(workdir / "outbox"),
        "UPLOAD_FOLDER": str(workdir / "uploads"),
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    if stripe_base:
        overrides |= {
            "STRIPE_SECRET_KEY": "sk_test_localstripe",
            "STRIPE_WEBHOOK_SECRET": "whsec_screenshots",
            "STRIPE_API_BASE": stripe_base,
        }
    app = create_app(DevelopmentConfig, overrides)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        from wnwa.demo import seed_demo

        seed_demo()
        if stripe_base:
            from wnwa.billing.dev import put_demo_department_under_contract
            from wnwa.billing.runtime import get_gateway

            print(put_demo_department_under_contract(get_gateway(app), today=date.today()))
    return app


def _sign_in(page, base: str, email: str, password: str, totp: str | None) -> None:
    import pyotp

    page.goto(base + "/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_load_state("networkidle")
    if totp and "/login/code" in page.url:
        page.get_by_label("Code").fill(pyotp.TOTP(totp).now())
        page.get_by_label("Code").press("Enter")
        page.wait_for_load_state("networkidle")


def _logins() -> dict[str, tuple[str, str, str | None]]:
    from wnwa.demo import demo_logins

    found = {
        login.role: (login.email, login.password, login.totp_secret) for login in demo_logins()
    }
    found["peer"] = found.pop("peer supporter")
    return found


def take(out: Path, only: set[str]) -> list[Path]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("Chromium not found (apt-get install chromium)")
    workdir = Path(tempfile.mkdtemp(prefix="wnwa-screens-"))
    stripe = contextlib.nullcontext(None)
    try:
        import localstripe  # noqa: F401

        from wnwa.billing.localstripe_server import running_localstripe

        stripe = running_localstripe()
    except ImportError:
        print("localstripe not installed: billing pages show 'not configured'")
    written: list[Path] = []
    with stripe as stripe_base:
        app = _app(workdir, stripe_base)
        server = make_server("127.0.0.1", _free_port(), app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        logins = _logins()
        out.mkdir(parents=True, exist_ok=True)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
                )
                # One sign-in per role for both sizes: a second two-step sign-in within the
                # same 30 seconds is refused (a code is accepted once).
                sessions: dict[str | None, object] = {}
                for size, (width, height) in SIZES.items():
                    for shot in SHOTS:
                        if only and shot.name not in only:
                            continue
                        context = sessions.get(shot.role)
                        if context is None:
                            context = browser.new_context(color_scheme="light")
                            sessions[shot.role] = context
                            if shot.role:
                                _sign_in(context.new_page(), base, *logins[shot.role])
                        page = context.new_page()
                        page.set_viewport_size({"width": width, "height": height})
                        path = shot.path
                        if path == "@first-supporter":
                            page.goto(base + "/directory/")
                            path = page.locator("#results li.supporter h2 a").first.get_attribute(
                                "href"
                            )
                        page.goto(base + path)
                        page.wait_for_load_state("networkidle")
                        target = out / f"{shot.name}-{size}.png"
                        page.screenshot(path=str(target), full_page=shot.full_page)
                        written.append(target)
                        print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
                        page.close()
                for context in sessions.values():
                    context.close()
                browser.close()
        finally:
            server.shutdown()
            shutil.rmtree(workdir, ignore_errors=True)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*", default=[])
    args = parser.parse_args()
    take(Path(args.out), set(args.only))


if __name__ == "__main__":
    main()
