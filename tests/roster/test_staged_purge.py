"""Staged roster uploads (held between preview and confirm) do not outlive the hour."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.roster.conftest import fetch, person, roster_csv
from wnwa.roster import staging, uploads
from wnwa.tenants.scoping import tenant_context

HOUR = staging.MAX_AGE


@pytest.fixture
def folder(app, tmp_path, monkeypatch) -> Path:
    """A staging folder of this test's own, so other tests' uploads do not count."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path / "roster"


def staged(make, folder: Path, dept) -> tuple[int, str, Path]:
    """A chief of `dept` previews a roster: the chief's id, the confirm ticket, the staged file."""
    chief = make.officer(dept, chief=True)
    with tenant_context(dept.id):
        preview = uploads.preview_upload(
            dept, roster_csv([person(1), person(2)]), full_sync=False, actor=chief
        )
    assert preview.ticket
    ticket = staging.open_ticket(preview.ticket, department_id=dept.id, user_id=chief.id)
    path = folder / f"{ticket.key}.json"
    assert path.is_file()
    return chief.id, preview.ticket, path


def age(upload: tuple[int, str, Path], seconds: float) -> None:
    """Make the staged file `seconds` old (staging a file purges, so stage everything first)."""
    then = time.time() - seconds
    os.utime(upload[2], (then, then))


def purge(app) -> str:
    result = app.test_cli_runner().invoke(args=["roster", "purge-staged"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_removes_old_uploads_of_every_department_and_keeps_fresh_ones(
    app, make, folder
):
    north, south, east = (make.department() for _ in range(3))
    old = [
        staged(make, folder, north),
        staged(make, folder, north),
        staged(make, folder, south),
        staged(make, folder, east),
    ]
    fresh = [staged(make, folder, south), staged(make, folder, east)]
    for upload, seconds in zip(old, (HOUR + 60, 5 * HOUR, HOUR + 1, 30 * 24 * HOUR), strict=True):
        age(upload, seconds)
    age(fresh[1], HOUR - 60)

    assert purge(app) == "Removed 4 staged roster uploads older than 60 minutes.\n"

    assert sorted(folder.iterdir()) == sorted(path for _, _, path in fresh)
    for dept, (chief_id, token, _) in zip((north, north, south, east), old, strict=True):
        chief = fetch(dept, chief_id)
        with tenant_context(dept.id), pytest.raises(staging.StagedUploadGone):
            uploads.confirm_upload(dept, token, actor=chief)
    chief_id, token, _ = fresh[0]
    chief = fetch(south, chief_id)
    with tenant_context(south.id):
        result = uploads.confirm_upload(south, token, actor=chief)
    assert result.added == 2


def test_running_it_again_removes_nothing_more(app, make, folder):
    dept = make.department()
    old, kept = staged(make, folder, dept), staged(make, folder, dept)
    age(old, 2 * HOUR)

    assert purge(app) == "Removed 1 staged roster upload older than 60 minutes.\n"
    assert purge(app) == "Removed 0 staged roster uploads older than 60 minutes.\n"
    assert list(folder.iterdir()) == [kept[2]]


def test_it_runs_before_anything_was_ever_staged(app, folder):
    assert purge(app) == "Removed 0 staged roster uploads older than 60 minutes.\n"
    assert list(folder.iterdir()) == []


def test_staging_a_file_purges_old_uploads_by_the_same_rule(app, make, folder):
    first, second = make.department(), make.department()
    old, recent = staged(make, folder, first), staged(make, folder, first)
    age(old, HOUR + 60)
    age(recent, HOUR - 60)
    new = staged(make, folder, second)

    assert sorted(folder.iterdir()) == sorted([recent[2], new[2]])


def test_confirm_imports_the_kept_parse_without_reading_the_file_again(
    app, make, folder, monkeypatch
):
    from wnwa.roster import provisioning, roster

    dept = make.department()
    chief_id, token, path = staged(make, folder, dept)
    assert b"officer1@pd.example.gov" in path.read_bytes()  # the rows, as the preview read them

    def no_second_parse(data, **kwargs):
        raise AssertionError("the confirm step parsed the file again")

    monkeypatch.setattr(roster, "parse_roster", no_second_parse)
    monkeypatch.setattr(provisioning, "parse_roster", no_second_parse)
    chief = fetch(dept, chief_id)
    with tenant_context(dept.id):
        result = uploads.confirm_upload(dept, token, actor=chief)
    assert result.added == 2 and not path.exists()
