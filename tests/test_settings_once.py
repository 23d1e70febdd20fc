"""Settings resolved in one place: ``-s`` honoured by extract/reextract, ``NEWSDIFFS_DB`` from
the environment when settings are resolved (never at import), named domain errors."""

from __future__ import annotations

import ast
import importlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.settings import Settings

from newsdiffs import config
from newsdiffs.cli import cli
from newsdiffs.crawl import UnknownSpider, chosen_spiders, project_settings
from newsdiffs.items import ArticleItem, Block
from newsdiffs.revision import clean_item, new_version
from newsdiffs.schedule import ScheduleError, parse_duration
from newsdiffs.sources import add_source, make_source
from newsdiffs.store import Store
from newsdiffs.times import BadDuration, parse_span

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "tests" / "fixtures" / "bbc" / "current-2024"
URL = "https://news.example/story/settings-1"
PAGE = """<html><head><title>Harbour wall repairs to start in spring</title></head><body>
<h1>Harbour wall repairs to start in spring</h1><div class="story">
<p>Repairs to the storm-damaged harbour wall will begin in March, the town council said.</p>
<p>The work is expected to take eleven weeks and will close the east pier to walkers.</p>
<p class="related">Related: Storm leaves trail of damage along the coast</p>
</div></body></html>"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def gazette_sources(path: Path) -> Path:
    path.write_text(add_source("", make_source(
        name="gazette", feeds=["https://news.example/rss.xml"], pattern="^https://news.example/",
        body="div.story", exclude=".related")), encoding="utf-8")
    return path


# --- -s NAME=VALUE on the sources commands (extract, reextract) ---------------------------

def test_extract_honours_min_body_chars_given_with_set():
    page = str(CASE / "page.html")
    result = invoke("extract", page, "--source", "bbc")
    assert result.exit_code == 0, result.output
    chars = sum(len(b["text"]) for b in json.loads(result.output)["body"])
    result = invoke("extract", page, "--source", "bbc", "-s", f"NEWSDIFFS_MIN_BODY_CHARS={chars * 10}")
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["problem"].endswith(f"< {chars * 10})")
    result = invoke("extract", page, "--source", "bbc", "--set", "NEWSDIFFS_MIN_BODY_CHARS=1")
    assert result.exit_code == 0 and json.loads(result.output)["problem"] is None


def test_extract_reads_the_sources_file_given_with_set(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSDIFFS_SOURCES", raising=False)
    monkeypatch.chdir(tmp_path)  # no sources.toml here
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    result = invoke("extract", str(page), "--url", URL, "--source", "gazette")
    assert result.exit_code == 1 and "no extractor or source named 'gazette'" in result.output
    sources = gazette_sources(tmp_path / "elsewhere.toml")
    result = invoke("extract", str(page), "--url", URL, "--source", "gazette",
                    "-s", f"NEWSDIFFS_SOURCES={sources}", "-s", "NEWSDIFFS_MIN_BODY_CHARS=10")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["extractor"].startswith("configured/")
    assert "Related:" not in " ".join(b["text"] for b in out["body"])


def test_reextract_honours_set_overrides(db_path, tmp_path, monkeypatch):
    from newsdiffs.extract.configured import ConfiguredExtractor

    monkeypatch.delenv("NEWSDIFFS_SOURCES", raising=False)
    monkeypatch.chdir(tmp_path)
    sources = gazette_sources(tmp_path / "gazette.toml")
    item = clean_item(ConfiguredExtractor(body="div.story", exclude=".related")(PAGE, URL))
    with Store(db_path) as store:
        store.record_check(url=URL, source="gazette", checked_at="2026-02-01T10:00:00Z",
                           http_status=200, outcome="new", html=PAGE.encode(),
                           new_version=new_version(item, fetched_at="2026-02-01T10:00:00Z",
                                                   previous=None))
    base = ["reextract", "--db", str(db_path), "--dry-run"]
    result = invoke(*base, "-s", f"NEWSDIFFS_SOURCES={sources}", "-s", "NEWSDIFFS_MIN_BODY_CHARS=10")
    assert result.exit_code == 0, result.output
    assert "1 re-extracted, 0 would be corrected, 1 unchanged, 0 failed" in result.output
    # The same body is now "near-empty": the threshold given with -s is the one used.
    result = invoke(*base, "-s", f"NEWSDIFFS_SOURCES={sources}",
                    "-s", "NEWSDIFFS_MIN_BODY_CHARS=100000")
    assert result.exit_code == 0, result.output
    assert "near-empty body" in result.output and "1 failed" in result.output
    # Without the -s sources file the configured source is unknown.
    result = invoke(*base)
    assert "no extractor or source named 'gazette'" in result.output


def test_sources_commands_use_the_file_given_with_set(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSDIFFS_SOURCES", raising=False)
    monkeypatch.chdir(tmp_path)
    chosen = tmp_path / "chosen.toml"
    result = invoke("sources", "add", "gazette", "--feed", "https://news.example/rss.xml",
                    "--pattern", "^https://news.example/", "-s", f"NEWSDIFFS_SOURCES={chosen}")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"added source gazette to {chosen}"
    assert not (tmp_path / "sources.toml").exists()
    result = invoke("sources", "list", "--set", f"NEWSDIFFS_SOURCES={chosen}")
    assert result.exit_code == 0 and result.output.startswith("gazette (enabled")
    # --file typed on the command line still names the file.
    result = invoke("sources", "list", "--file", str(tmp_path / "other.toml"),
                    "-s", f"NEWSDIFFS_SOURCES={chosen}")
    assert result.output.strip() == f"no sources file at {tmp_path / 'other.toml'}"
    # And -s wins over the environment variable, as in a crawl.
    monkeypatch.setenv("NEWSDIFFS_SOURCES", str(tmp_path / "env.toml"))
    result = invoke("sources", "remove", "gazette", "-s", f"NEWSDIFFS_SOURCES={chosen}")
    assert result.exit_code == 0 and result.output.strip() == f"removed source gazette from {chosen}"


@pytest.mark.parametrize("command", ["extract", "reextract"])
def test_a_bad_set_value_is_a_one_line_usage_error(command, db_path):
    args = [str(CASE / "page.html")] if command == "extract" else ["--db", str(db_path)]
    result = invoke(command, *args, "-s", "NEWSDIFFS_MIN_BODY_CHARS=abc")
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "Error: setting NEWSDIFFS_MIN_BODY_CHARS='abc': expected a number"]
    result = invoke(command, *args, "-s", "NOEQUALS")
    assert result.exit_code == 2 and "expected NAME=VALUE" in result.output


# --- the environment: read when settings are resolved ------------------------------------

def test_newsdiffs_db_from_the_environment_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSDIFFS_DB", str(tmp_path / "env.db"))
    assert project_settings().get("NEWSDIFFS_DB") == str(tmp_path / "env.db")
    # -s still wins over the environment, as it did over the project value.
    overridden = project_settings({"NEWSDIFFS_DB": str(tmp_path / "set.db")})
    assert overridden.get("NEWSDIFFS_DB") == str(tmp_path / "set.db")
    monkeypatch.setenv("NEWSDIFFS_DB", "")
    assert project_settings().get("NEWSDIFFS_DB") == config.DEFAULT_DB


def test_scrapy_crawl_gets_the_environment_through_the_addon(monkeypatch, tmp_path):
    """``scrapy crawl`` builds its own settings: the add-on, listed first, applies the variables."""
    settings = Settings()
    settings.setmodule("newsdiffs.settings", priority="project")
    assert settings.getwithbase("ADDONS")["newsdiffs.config.EnvironmentAddon"] == min(
        settings.getwithbase("ADDONS").values())
    monkeypatch.setenv("NEWSDIFFS_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("NEWSDIFFS_REDIS_URL", "redis://127.0.0.1:1/0")
    settings.set("NEWSDIFFS_REDIS_URL", "redis://127.0.0.1:2/0", priority="cmdline")  # -s
    config.EnvironmentAddon().update_settings(settings)
    assert settings.get("NEWSDIFFS_DB") == str(tmp_path / "env.db")
    assert settings.get("NEWSDIFFS_REDIS_URL") == "redis://127.0.0.1:2/0"


def test_importing_the_settings_reads_no_environment(monkeypatch, tmp_path):
    import newsdiffs.settings as settings_module

    monkeypatch.setenv("NEWSDIFFS_DB", str(tmp_path / "at-import.db"))
    monkeypatch.setenv("NEWSDIFFS_REDIS_URL", "redis://127.0.0.1:1/0")
    importlib.reload(settings_module)
    assert settings_module.NEWSDIFFS_DB == config.DEFAULT_DB
    assert settings_module.NEWSDIFFS_REDIS_URL is None
    # Changed after the import: the value when the settings are resolved counts.
    monkeypatch.setenv("NEWSDIFFS_DB", str(tmp_path / "later.db"))
    monkeypatch.delenv("NEWSDIFFS_REDIS_URL")
    settings = project_settings()
    assert settings.get("NEWSDIFFS_DB") == str(tmp_path / "later.db")
    assert settings.get("NEWSDIFFS_REDIS_URL") is None


def _import_time_env_reads(path: Path) -> list[int]:
    """Lines outside any function that read ``os.environ`` / ``os.getenv``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[int] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return
        if (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
                and isinstance(node.value, ast.Name) and node.value.id == "os"):
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_no_module_reads_the_environment_at_import():
    modules = [p for d in ("newsdiffs", "spiders", "pipelines") for p in (ROOT / d).rglob("*.py")]
    assert len(modules) > 20
    reads = {str(p.relative_to(ROOT)): lines for p in modules
             if (lines := _import_time_env_reads(p))}
    assert reads == {}


def test_defaults_are_the_project_settings():
    import newsdiffs.settings as settings_module

    for name, default in [("NEWSDIFFS_DB", config.DEFAULT_DB),
                          ("NEWSDIFFS_MIN_BODY_CHARS", config.DEFAULT_MIN_BODY_CHARS),
                          ("NEWSDIFFS_KEEP_HTML", config.DEFAULT_KEEP_HTML),
                          ("NEWSDIFFS_CONTACT_URL", config.DEFAULT_CONTACT_URL),
                          ("NEWSDIFFS_MAX_DUE_PER_RUN", config.DEFAULT_MAX_DUE_PER_RUN),
                          ("NEWSDIFFS_RETRY_BACKOFF", config.DEFAULT_RETRY_BACKOFF),
                          ("NEWSDIFFS_RETRY_BACKOFF_MAX", config.DEFAULT_RETRY_BACKOFF_MAX)]:
        assert getattr(settings_module, name) == default, name
    # Scrapy takes every upper-case name of the module for a setting: no DEFAULT_* leak.
    assert not [n for n in vars(settings_module) if n.startswith("DEFAULT_")]


# --- named domain errors, one duration reader ----------------------------------------------

def test_an_unknown_spider_is_a_named_error_not_a_key_error():
    with pytest.raises(UnknownSpider) as caught:
        chosen_spiders(["bcc"], project_settings())
    assert not isinstance(caught.value, KeyError)
    assert str(caught.value).startswith("unknown spider 'bcc' (known: ")


def test_one_duration_reader_two_behaviours():
    # The schedule: 0 allowed, unbounded, numbers are seconds; options: more than 0, bounded.
    assert parse_duration("0s") == timedelta(0) and parse_duration(90) == timedelta(seconds=90)
    with pytest.raises(BadDuration, match="must be more than 0"):
        parse_span("0s")
    assert parse_duration("40000d") == timedelta(days=40000)
    with pytest.raises(BadDuration, match="too long"):
        parse_span("40000d")
    for text in ("1h30m", "2w", "45s"):
        assert parse_duration(text) == parse_span(text)
    # Beyond what a timedelta holds: the schedule's own one-line error, not an OverflowError.
    with pytest.raises(ScheduleError, match="cannot read duration '999999999999d'"):
        parse_duration("999999999999d")


def test_reextract_core_runs_without_the_command_line(db_path):
    from newsdiffs.reextract import reextract

    item = clean_item(ArticleItem(url=URL, canonical_url=URL, title="Harbour wall repairs",
                                  body=[Block("Repairs will begin in March. " * 10)]))
    with Store(db_path) as store:
        store.record_check(url=URL, source="example", checked_at="2026-02-01T10:00:00Z",
                           http_status=200, outcome="new", html=PAGE.encode(),
                           new_version=new_version(item, fetched_at="2026-02-01T10:00:00Z",
                                                   previous=None))
        lines: list[str] = []
        report = reextract(store, dry_run=True, say=lines.append)
    # Stored as "generic" by default (no extractor name on the item): read again by it.
    assert report.read == 1 and report.failed + report.corrected + report.unchanged == 1
    assert report.summary(dry_run=True).startswith("1 articles: 1 with a kept page, 1 re-extracted")
    assert len(lines) == report.failed + report.corrected
