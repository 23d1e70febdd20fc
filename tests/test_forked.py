"""tests/forked.py answers as a new ``python -m`` process would (the crawl tests rely on it)."""

from __future__ import annotations

import os
import subprocess
import sys

import forked
import pytest

PROBE = """
import os, sys, time
print("cwd", os.getcwd())
print("env", os.environ.get("FORKED_PROBE"))
print("argv", sys.argv[1:])
print("stdin", sys.stdin.read().strip())
print("to stderr", file=sys.stderr)
if sys.argv[1:] == ["sleep"]:
    time.sleep(30)
if sys.argv[1:] == ["raise"]:
    raise ValueError("boom")
sys.exit(int(sys.argv[1]) if sys.argv[1:] and sys.argv[1].isdigit() else 0)
"""


@pytest.fixture
def probe(tmp_path):
    (tmp_path / "forked_probe.py").write_text(PROBE, encoding="utf-8")
    return tmp_path


def both(cmd, **kwargs):
    fast = forked.run(cmd, capture_output=True, text=True, timeout=60, **kwargs)
    real = subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kwargs)
    return fast, real


def test_a_module_gets_cwd_environment_arguments_and_stdin(probe):
    cmd = [sys.executable, "-m", "forked_probe", "3", "two words"]
    fast, real = both(cmd, cwd=probe, env={**os.environ, "FORKED_PROBE": "x y"}, input="hello")
    assert (fast.returncode, fast.stdout, fast.stderr) == (real.returncode, real.stdout,
                                                           real.stderr)
    assert fast.returncode == 3
    assert fast.stdout.splitlines() == [f"cwd {probe}", "env x y", "argv ['3', 'two words']",
                                        "stdin hello"]
    assert fast.stderr == "to stderr\n"


def test_an_uncaught_exception_is_status_1_with_its_traceback(probe):
    fast, real = both([sys.executable, "-m", "forked_probe", "raise"], cwd=probe)
    assert fast.returncode == real.returncode == 1
    assert fast.stderr.splitlines()[-1] == real.stderr.splitlines()[-1] == "ValueError: boom"


def test_the_cli_answers_the_same(tmp_path):
    cmd = [sys.executable, "-m", "newsdiffs", "crawl", "--db", str(tmp_path / "n.db"), "nosuch"]
    fast, real = both(cmd)
    assert (fast.returncode, fast.stdout, fast.stderr) == (real.returncode, real.stdout,
                                                           real.stderr)
    assert fast.returncode == 2 and "unknown spider 'nosuch'" in fast.stderr


def test_a_timeout_kills_the_command_and_the_next_one_runs(probe):
    with pytest.raises(subprocess.TimeoutExpired):
        forked.run([sys.executable, "-m", "forked_probe", "sleep"], cwd=probe,
                   capture_output=True, text=True, timeout=1)
    after = forked.run([sys.executable, "-m", "forked_probe", "0"], cwd=probe,
                       capture_output=True, text=True, timeout=60)
    assert after.returncode == 0 and after.stdout.startswith(f"cwd {probe}\n")
