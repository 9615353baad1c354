"""A table's scroll box is a region landmark of its own: its name must differ from the
heading of the section around it, or a screen reader lists two landmarks by the same name
(axe: landmark-unique). Checked on every template, so a new table cannot repeat it."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_table_region_is_named_like_a_heading_of_its_page():
    repeated = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text()
        headings = {
            re.sub(r"\s+", " ", text).strip()
            for text in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", source, re.S)
        }
        for name in re.findall(r'role="region"[^>]*aria-label="([^"]+)"', source):
            if name in headings:
                repeated.append(f"{path.relative_to(TEMPLATES)}: {name}")
    assert not repeated, repeated
