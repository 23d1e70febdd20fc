"""`newsdiffs cron install/show/remove` against a temporary crontab file (never the user's)."""

from __future__ import annotations

import shlex
import subprocess

import pytest
from click.testing import CliRunner

from newsdiffs.cli import cli

OTHER = "0 3 * * * /usr/local/bin/backup.sh # nightly backup\n"


@pytest.fixture
def tab(tmp_path):
    path = tmp_path / "crontab"
    path.write_text(OTHER)
    return path


def run(*args: str, env: dict | None = None):
    result = CliRunner().invoke(cli, list(args), env=env)
    return result


def entries(path) -> list[str]:
    return [line for line in path.read_text().splitlines() if "newsdiffs" in line]


def test_install_show_remove(tab, tmp_path):
    db = tmp_path / "data" / "news.db"
    result = run("cron", "install", "--db", str(db), "--every", "15m", "--crontab-file", str(tab))
    assert result.exit_code == 0, result.output
    [line] = entries(tab)
    fields, command = line[:12], line[13:].split(" # ")[0]
    assert fields == "*/15 * * * *"
    words = shlex.split(command)
    assert words[words.index("--db") + 1] == str(db.resolve())
    assert words[words.index("--log") + 1] == str(db.resolve().with_suffix(".log"))
    assert words[1:3] == ["crawl", "--db"] and "--quiet" in words
    assert OTHER.strip() in tab.read_text()  # other entries are left alone
    assert f"installed: {line}" in result.output

    # The command cron will run exists and works (asked only for its help here).
    help_run = subprocess.run([*words[:words.index("crawl") + 1], "--help"],
                              capture_output=True, text=True, timeout=60)
    assert help_run.returncode == 0 and "--log" in help_run.stdout

    shown = run("cron", "show", "--crontab-file", str(tab))
    assert shown.exit_code == 0 and shown.output.strip() == line

    removed = run("cron", "remove", "--db", str(db), "--crontab-file", str(tab))
    assert removed.exit_code == 0, removed.output
    assert "removed 1 entry" in removed.output
    assert entries(tab) == [] and tab.read_text().strip() == OTHER.strip()
    assert "no newsdiffs entry" in run("cron", "show", "--crontab-file", str(tab)).output


def test_install_replaces_the_entry_of_the_same_database(tab, tmp_path):
    db, other_db = tmp_path / "a.db", tmp_path / "b.db"
    for every in ("15m", "30m"):
        assert run("cron", "install", "--db", str(db), "--every", every,
                   "--crontab-file", str(tab)).exit_code == 0
    assert run("cron", "install", "--db", str(other_db), "--every", "1h", "--log",
               str(tmp_path / "b.log"), "bbc", "--crontab-file", str(tab)).exit_code == 0
    lines = entries(tab)
    assert len(lines) == 2
    assert lines[0].startswith("*/30 * * * *") and f"--db {db}" in lines[0]
    assert lines[1].startswith("@hourly ")  # python-crontab's spelling of 0 * * * *
    assert f"--log {tmp_path / 'b.log'}" in lines[1]
    assert lines[1].split(" # ")[0].endswith("--quiet bbc")
    assert run("cron", "remove", "--db", str(db), "--crontab-file", str(tab)).exit_code == 0
    assert len(entries(tab)) == 1


def test_crontab_file_from_environment(tmp_path):
    tab = tmp_path / "new-crontab"  # created when missing
    env = {"NEWSDIFFS_CRONTAB_FILE": str(tab), "NEWSDIFFS_DB": str(tmp_path / "n.db")}
    assert run("cron", "install", "--every", "1d", env=env).exit_code == 0
    assert entries(tab)[0].startswith("@daily ")  # python-crontab's spelling of 0 0 * * *
    assert f"--db {tmp_path / 'n.db'}" in entries(tab)[0]


@pytest.mark.parametrize("every", ["45m", "soon", "30s"])
def test_install_rejects_intervals_cron_cannot_keep(tab, every):
    result = run("cron", "install", "--every", every, "--crontab-file", str(tab))
    assert result.exit_code == 2 and "--every" in result.output
    assert entries(tab) == []


def test_dry_run_prints_the_line_and_writes_nothing(tab, tmp_path):
    db = tmp_path / "news.db"
    before = tab.read_text()
    result = run("cron", "install", "--dry-run", "--db", str(db), "--every", "30m", "bbc",
                 "cnn", "--crontab-file", str(tab))
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    assert line.startswith("*/30 * * * * ")
    command = shlex.split(line[13:].split(" # ")[0])
    assert command[1:4] == ["crawl", "--db", str(db.resolve())] and command[-2:] == ["bbc", "cnn"]
    assert line.endswith(f" # newsdiffs crawl {db.resolve()}")
    assert tab.read_text() == before  # the crontab is left alone
    missing = tmp_path / "no-crontab"
    assert run("cron", "install", "-n", "--crontab-file", str(missing)).exit_code == 0
    assert not missing.exists()
    # The same line is what a real install writes.
    assert run("cron", "install", "--db", str(db), "--every", "30m", "bbc", "cnn",
               "--crontab-file", str(tab)).exit_code == 0
    assert entries(tab) == [line]


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_install_rejects_unknown_spider_names(tab, dry_run):
    result = run("cron", "install", *dry_run, "bbc", "bcc", "--crontab-file", str(tab))
    assert result.exit_code == 2
    assert result.output.startswith("Error: unknown spider 'bcc' (known: ")
    assert "bbc" in result.output and entries(tab) == []
