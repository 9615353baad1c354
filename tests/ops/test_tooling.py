"""The newcomer's tools: `make run` (ports, logins, how to stop), `make clean`, `.ci/run`'s
package check and a quiet lint step."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bandit_prints_nothing_and_finds_nothing():
    run = subprocess.run(
        [str(VENV_BIN / "bandit"), "-q", "-c", "pyproject.toml", "-r", "wnwa", "config.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "nosec encountered" not in run.stdout + run.stderr
    assert "WARNING" not in run.stdout + run.stderr


def test_string_built_sql_is_still_checked_by_ruff(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('def q(table):\n    return f"SELECT * FROM {table} WHERE id = 1"\n')
    run = subprocess.run(
        [str(VENV_BIN / "ruff"), "check", "--no-cache", "--select", "S608", str(sample)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and "S608" in run.stdout


def test_make_clean_removes_what_is_generated_and_keeps_the_sources(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    generated = [
        ".venv/bin/python",
        ".hypothesis/examples/x",
        ".pytest_cache/v",
        ".ruff_cache/x",
        "wnwa.egg-info/PKG-INFO",
        "instance/wnwa.sqlite3",
        "instance/wnwa.sqlite3-wal",
        "instance/outbox/1.eml",
        "instance/uploads/roster-staging/x",
        "instance/bench/directory-us.sqlite3",
        "instance/.wnwa-job-0123456789abcdef.lock",
        "wnwa/__pycache__/x.pyc",
        "tests/unit/__pycache__/y.pyc",
        "build/lib/x",
    ]
    sources = ["wnwa/__init__.py", "tests/unit/test_x.py", "docs/RULES.md", "Makefile"]
    for name in generated + sources[:-1]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    run = subprocess.run(
        ["make", "--no-print-directory", "clean"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    left = [name for name in generated if (tmp_path / name).exists()]
    assert not left
    assert not (tmp_path / "instance").exists()
    assert all((tmp_path / name).exists() for name in sources)
    assert "Error" not in run.stderr and "ignored" not in run.stderr


def _stub(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


def test_ci_installs_python3_venv_when_venv_cannot_work(tmp_path):
    """A Debian python3 without ensurepip cannot make .venv; .ci/run then installs
    python3-venv (it installs whatever .ci/missing-packages prints)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("initdb", "psql", "chromium", "redis-server"):
        _stub(bin_dir, tool, "exit 0\n")
    _stub(bin_dir, "python3", 'case "$*" in *ensurepip*) exit 1;; esac\nexit 0\n')
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHON": str(bin_dir / "python3")}
    run = subprocess.run(
        [str(ROOT / ".ci" / "missing-packages")], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["python3-venv"]

    env["PYTHON"] = sys.executable  # a Python that has venv and ensurepip
    run = subprocess.run(
        [str(ROOT / ".ci" / "missing-packages")], env=env, capture_output=True, text=True
    )
    assert run.stdout.split() == []
    assert ".ci/missing-packages" in (ROOT / ".ci" / "run").read_text()


def test_make_run_serves_on_the_given_ports_prints_logins_and_stops_on_ctrl_c(tmp_path):
    from wnwa.demo import demo_logins

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port, stripe_port, redis_port = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "STRIPE_PORT": str(stripe_port),
        "REDIS_PORT": str(redis_port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "VENV": str(VENV_BIN.parent),
        "WNWA_CONFIG": "development",
    }
    for name in (
        "REDIS_URL",
        "PUBLIC_BASE_URL",
        "SECRET_KEY",
        "STRIPE_API_BASE",
        "MIGRATION_DATABASE_URL",  # set by scripts/with_postgres.sh: make run migrates DATABASE_URL
        "WNWA_TEST_DATABASE_URL",
    ):
        env.pop(name, None)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"VENV={VENV_BIN.parent}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 240
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                    status = response.status
                    break
            except OSError:
                time.sleep(1)
        text = log.read_text()
        assert status == 200, text[-3000:]
        assert f"http://127.0.0.1:{port}" in text
        # localstripe's webhooks reach this server, not a default port
        assert f"delivers webhooks to http://127.0.0.1:{port}/billing/stripe/webhook" in text
        for login in demo_logins():
            assert login.email in text
        assert "Ctrl+C" in text
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl+C in the terminal sends
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    time.sleep(1)
    for p in (port, stripe_port, redis_port):
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", p)) != 0, f"port {p} still answers after Ctrl+C"


def test_the_environment_file_in_deploy_md_reads_the_same_in_a_shell(tmp_path):
    """systemd's EnvironmentFile= and deploy/flask.sh (`set -a; . file`) both read it: one
    KEY=value per line, quoted where a value has spaces or <>, no comment after a value."""
    text = (ROOT / "docs" / "DEPLOY.md").read_text()
    block = text.split("`/etc/wnwa/env`, read by systemd", 1)[1].split("```sh\n", 1)[1]
    sample = tmp_path / "env"
    sample.write_text(block.split("```", 1)[0])
    for line in sample.read_text().splitlines():
        assert line.startswith("#") or ("=" in line and " #" not in line), line
    shell = subprocess.run(
        ["sh", "-c", f"set -a; . {sample}; env"], capture_output=True, text=True, check=True
    )
    read = dict(line.split("=", 1) for line in shell.stdout.splitlines() if "=" in line)
    assert read["SMTP_PORT"] == "587" and read["STRIPE_WEBHOOK_SECRET"] == "whsec_..."
    assert read["MAIL_FROM"] == "WeNeverWalkAlone <no-reply@weneverwalkalone.org>"
    assert read["SECRET_KEY_FALLBACKS"] == ""
    assert "flask.sh" in (ROOT / "deploy" / "crontab").read_text()
    assert subprocess.run(["sh", "-n", str(ROOT / "deploy" / "flask.sh")]).returncode == 0
