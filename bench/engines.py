# ruff: noqa: S603 - a local benchmark starting its own tools on loopback
"""A benchmark's run on both engines, the same for every script in bench/.

SQLite runs in this process. PostgreSQL runs in a throwaway cluster (scripts/with_postgres.sh):
the same script starts again there with `--engine postgresql --json FILE` and hands its figures
back in FILE. The report is written by the run that saw both engines, or by a one-engine run
started by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--json", help="write this engine's result here (internal)")


def run(
    args: argparse.Namespace,
    *,
    script: str,
    forward: list[str],
    sqlite: Callable[[], dict],
    postgresql: Callable[[str, str], dict],
    required: bool = True,
    timeout: int = 3600,
) -> list[dict]:
    """Each engine's figures, as `args.engine` asks. `postgresql(app_url, owner_url)` runs in
    the cluster; `forward` are the arguments its run gets too. Without `required`, a PostgreSQL
    run that produced nothing is reported on stderr and the SQLite figures still count."""
    results = []
    if args.engine in ("sqlite", "both"):
        results.append(sqlite())
    if args.engine == "postgresql":
        result = postgresql(
            os.environ["WNWA_TEST_DATABASE_URL"], os.environ["MIGRATION_DATABASE_URL"]
        )
        if args.json:
            Path(args.json).write_text(json.dumps(result))
        results.append(result)
    if args.engine == "both":
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "pg.json"
            command = [str(ROOT / "scripts" / "with_postgres.sh"), sys.executable, script]
            command += ["--engine", "postgresql", *forward, "--json", str(out)]
            # it exits 1 when a target is missed; its figures still count
            subprocess.run(command, cwd=ROOT, check=False, timeout=timeout)
            if out.exists():
                results.append(json.loads(out.read_text()))
            elif required:
                raise RuntimeError("the PostgreSQL run produced no figures")
            else:
                print("the PostgreSQL run produced no figures", file=sys.stderr)
    return results


def publish(args: argparse.Namespace, text: str, path: Path) -> None:
    """Prints the report; writes it unless this is the PostgreSQL half of a two-engine run."""
    print(text)
    if args.engine == "both" or not args.json:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
