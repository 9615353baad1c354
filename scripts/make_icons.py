"""Draw the app icons (PNG) from wnwa/static/icons/icon.svg with the system Chromium.

    .venv/bin/python scripts/make_icons.py

The web app manifest lists them; the maskable one fills its square (no rounded corners) so a
phone can cut its own shape out of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "wnwa" / "static" / "icons"
SIZES = {"icon-192.png": 192, "icon-512.png": 512, "apple-touch-icon.png": 180}


def main() -> None:
    svg = (ICONS / "icon.svg").read_text()
    maskable = svg.replace('rx="96"', 'rx="0"')
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        for name, size, source in [
            *((name, size, svg) for name, size in SIZES.items()),
            ("icon-maskable-512.png", 512, maskable),
        ]:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(
                "<style>html,body{margin:0;background:transparent}svg{display:block;"
                f"width:{size}px;height:{size}px}}</style>{source}"
            )
            page.screenshot(path=str(ICONS / name), omit_background=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
