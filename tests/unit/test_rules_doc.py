"""Everything the code relies on is written down in the repository (docs/RULES.md and friends),
and what docs/RULES.md states agrees with the code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from wnwa.billing.terms import DEFAULT_TIERS
from wnwa.tenants.quota import band

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "RULES.md"

# Documents that live outside the repository; nothing in it may send a reader there.
OUTSIDE = ("DESIGN" + ".md", "FIELD-NOTES" + ".md", "STYLE" + ".md", "../" + "shared")
TEXT_SUFFIXES = {".py", ".md", ".txt", ".html", ".sh", ".toml", ".cfg", ".ini", ".mako", ".js"}
TEXT_SUFFIXES |= {".css", ".yml", ".yaml", ".json", ".sql", ""}


def repo_files() -> list[Path]:
    """Tracked files plus new ones not ignored (so a file is checked before its commit)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    paths = [ROOT / name for name in listed.split("\0") if name]
    return [p for p in paths if p.is_file() and p.suffix in TEXT_SUFFIXES]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def test_nothing_cites_a_document_outside_the_repository():
    hits = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in repo_files()
        for n, line in enumerate(_text(path).splitlines(), 1)
        if any(name in line for name in OUTSIDE)
    ]
    assert not hits, "cites a document that is not in the repository: " + ", ".join(hits)


def _table(heading: str) -> list[list[str]]:
    """The first markdown table after `heading` in docs/RULES.md, as rows of cells."""
    text = _text(RULES)
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif rows:
            break
    return rows


def _number(cell: str) -> int:
    return int(cell.replace(",", "").replace("$", ""))


def test_quota_reference_values_in_the_rules_match_the_formula():
    sworn, minimum, target = _table("## 3. Peer-supporter quota")
    assert sworn[0] == "sworn" and minimum[0] == "minimum" and target[0] == "target"
    assert len(sworn) > 10
    for n, low, high in zip(sworn[1:], minimum[1:], target[1:], strict=True):
        result = band(_number(n))
        assert (result.minimum, result.target) == (_number(low), _number(high)), n


def test_the_starting_tier_table_in_the_rules_matches_the_code():
    rows = _table("## 7. Membership and billing")[1:]
    stated = []
    for bounds, fee in rows:
        lower, _, upper = bounds.rstrip("+").partition("-")
        stated.append((_number(lower), _number(upper) if upper else None, _number(fee) * 100))
    assert stated == [(t.lower, t.upper, t.annual_cents) for t in DEFAULT_TIERS]


def test_every_cited_rule_exists():
    """`docs/RULES.md 2.5` names a numbered rule; `docs/RULES.md 3` a section."""
    text = _text(RULES)
    sections = set(re.findall(r"^## (\d+)\. ", text, flags=re.M))
    rules = set(re.findall(r"^(\d+\.\d+) ", text, flags=re.M))
    cited = re.compile(r"docs/RULES\.md,? (\d+(?:\.\d+)?)((?:,? (?:and )?\d+\.\d+)*)")
    unknown = []
    for path in repo_files():
        for first, more in cited.findall(_text(path)):
            for number in [first, *re.findall(r"\d+\.\d+", more)]:
                if number not in (rules if "." in number else sections):
                    unknown.append(f"{path.relative_to(ROOT)}: docs/RULES.md {number}")
    assert not unknown, unknown
    assert {"2.5", "3.2"} <= rules and {"1", "7"} <= sections
