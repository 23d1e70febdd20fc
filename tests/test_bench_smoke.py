"""``make bench`` stays runnable: a tiny run of the cheap benchmarks prints its figures line."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_runner_prints_one_line_of_figures():
    env = {**os.environ, "BENCH_SCALE": "0.01", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "run.py", "--only", "diffs,storage,pipeline"],
                            cwd=ROOT / "bench", env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    figures = dict(pair.split("=") for pair in re.findall(r"(\w+=[\d.]+)", last))
    assert last.startswith("bench: ")
    assert set(figures) == {"pipeline_unchanged_items_s", "text_bytes_ratio", "html_bytes_ratio",
                            "rebuild_ms"}
    assert 0 < float(figures["html_bytes_ratio"]) < 1
    assert "giant_one_word" in result.stdout and "BAD" not in result.stdout


def test_bench_runner_refuses_an_unknown_benchmark():
    result = subprocess.run([sys.executable, "run.py", "--only", "nosuch"], cwd=ROOT / "bench",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown benchmark(s): nosuch" in result.stderr
