"""The sources file: validation with line numbers, writing, editing; the ``sources`` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsdiffs import sources as sources_module
from newsdiffs.cli import cli
from newsdiffs.sources import (
    Source,
    SourcesError,
    add_source,
    load_sources,
    make_source,
    parse_sources,
    remove_source,
    render_source,
    sources_path,
    toml_string,
)

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
# Our sources.

[[source]]
name = "gazette"
feeds = ["https://www.gazette.example/news/rss.xml"]
pattern = '^https://www\\.gazette\\.example/news/'

# The courier, read with its own selectors.
[[source]]
name = "courier"
sitemaps = "https://courier.example/news-sitemap.xml"
pattern = "/politics/"
body = "div.article-body"
exclude = ".related"
enabled = false
"""


def test_parse_good_file() -> None:
    gazette, courier = parse_sources(GOOD)
    assert gazette == Source(name="gazette", pattern=r"^https://www\.gazette\.example/news/",
                             feeds=("https://www.gazette.example/news/rss.xml",))
    assert gazette.enabled and not gazette.has_selectors
    assert gazette.allows("https://www.gazette.example/news/2024/story")
    assert not gazette.allows("https://www.gazette.example/sport/2024/story")
    assert courier.sitemaps == ("https://courier.example/news-sitemap.xml",) and courier.feeds == ()
    assert courier.urls == courier.sitemaps
    assert (courier.body, courier.title, courier.exclude) == ("div.article-body", None, ".related")
    assert courier.has_selectors and not courier.enabled


def test_example_file_is_valid() -> None:
    sources = load_sources(ROOT / "sources.example.toml")
    assert [s.name for s in sources] == ["gazette", "courier"]


def test_empty_file_has_no_sources() -> None:
    assert parse_sources("") == [] and parse_sources("# nothing yet\n") == []


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ('body = "div.article-body"', 'body = "div..x"', 13, "'body' is not a valid CSS selector"),
        ("enabled = false", 'enabled = "no"', 15, "'enabled' must be true or false"),
        ('pattern = "/politics/"', 'pattern = "(politics"', 12, "not a valid regular expression"),
        ('name = "courier"', 'name = "gazette"', 10, "a source named 'gazette' comes earlier"),
        ('name = "courier"', 'name = "The Courier"', 10, "must be lower-case letters"),
        ('sitemaps = "https://courier', 'sitemap = "https://courier', 11, "unknown key 'sitemap'"),
        ('sitemaps = "https://courier.example/news-sitemap.xml"', 'sitemaps = "ftp://x"', 11,
         "is not an http(s) URL"),
        ('sitemaps = "https://courier.example/news-sitemap.xml"', "sitemaps = [1, 2]", 11,
         "must be a URL or a list of URLs"),
        ('sitemaps = "https://courier.example/news-sitemap.xml"\n', "", 9, "has no feeds, sitemaps or fronts"),
        ('pattern = "/politics/"\n', "", 9, "has no 'pattern'"),
        ('name = "courier"\n', "", 9, "source without a 'name'"),
        ("# Our sources.", "timeout = 3", 1, "unknown key 'timeout'"),
        ("# Our sources.", "[settings]\nx = 1", 1, "unknown key 'settings'"),
        ('pattern = "/politics/"', 'pattern = "/politics/', 12, "invalid TOML"),
        ('name = "courier"', 'name = "courier"\nname = "x"', 11, "invalid TOML"),
    ],
)
def test_invalid_file_names_the_line(old: str, new: str, line: int, message: str) -> None:
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    with pytest.raises(SourcesError) as error:
        parse_sources(text, "my.toml")
    assert message in str(error.value)
    assert f"line {line}" in str(error.value), str(error.value)
    assert str(error.value).startswith("my.toml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="no sources file at"):
        load_sources(tmp_path / "absent.toml")


def test_sources_path_setting_then_environment_then_default(monkeypatch) -> None:
    monkeypatch.delenv("NEWSDIFFS_SOURCES", raising=False)
    assert sources_path() == Path("sources.toml")
    monkeypatch.setenv("NEWSDIFFS_SOURCES", "/etc/env.toml")
    assert sources_path() == Path("/etc/env.toml")
    assert sources_path("/srv/setting.toml") == Path("/srv/setting.toml")


@pytest.mark.parametrize(
    "value",
    [r"^https://a\.example/\d+$", 'div[data-x="y"]', "it's", 'both \' and "', "tab\there", "line\nbreak",
     "\x01ctl", "ünï©ode", ""],
)
def test_toml_string_round_trips(value: str) -> None:
    # tomllib, or tomli on Python 3.10, as the sources module reads files
    assert sources_module.tomllib.loads(f"x = {toml_string(value)}")["x"] == value


def test_render_reads_back() -> None:
    source = make_source(name="courier", feeds=["https://c.example/a.xml", "https://c.example/b.xml"],
                         sitemaps=["https://c.example/s.xml"], pattern=r"^https://c\.example/\d+",
                         body="div.copy", title='h1[itemprop="headline"]', exclude=".ad",
                         enabled=False)
    assert parse_sources(render_source(source)) == [source]
    minimal = make_source(name="g", feeds="https://g.example/rss", pattern="/news/")
    assert render_source(minimal) == (
        '[[source]]\nname = "g"\nfeeds = ["https://g.example/rss"]\npattern = "/news/"\n')


def test_make_source_errors_have_no_line() -> None:
    with pytest.raises(SourcesError, match="^'pattern' is not a valid regular expression"):
        make_source(name="g", feeds=["https://g.example/rss"], pattern="[")


def test_add_keeps_the_file_as_written() -> None:
    source = make_source(name="herald", feeds=["https://herald.example/rss"], pattern="/story/")
    text = add_source(GOOD, source)
    assert text.startswith(GOOD.rstrip() + "\n\n[[source]]\nname = \"herald\"")
    assert [s.name for s in parse_sources(text)] == ["gazette", "courier", "herald"]
    with pytest.raises(SourcesError, match="already exists"):
        add_source(text, source)
    assert parse_sources(add_source("", source)) == [source]


def test_remove_keeps_the_rest() -> None:
    text = remove_source(GOOD, "gazette")
    assert text.startswith("# Our sources.\n\n# The courier, read with its own selectors.\n[[source]]")
    assert [s.name for s in parse_sources(text)] == ["courier"]
    text = remove_source(GOOD, "courier")
    assert "The courier" not in text and text.endswith("news/'\n")
    assert [s.name for s in parse_sources(text)] == ["gazette"]
    assert parse_sources(remove_source(text, "gazette")) == []
    with pytest.raises(SourcesError, match="no source named 'herald'"):
        remove_source(GOOD, "herald")


# --- the commands -----------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_add_list_remove(tmp_path: Path) -> None:
    path = str(tmp_path / "sources.toml")
    result = run("sources", "add", "gazette", "-f", path, "--feed", "https://gazette.example/rss.xml",
                 "--feed", "https://gazette.example/world.xml", "--pattern", r"^https://gazette\.example/\d{4}/")
    assert result.exit_code == 0, result.output
    assert "added source gazette" in result.output
    result = run("sources", "add", "courier", "-f", path, "--sitemap", "https://courier.example/s.xml",
                 "--pattern", "/politics/", "--body", "div.copy", "--exclude", ".ad", "--disabled")
    assert result.exit_code == 0, result.output

    result = run("sources", "list", "-f", path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "gazette (enabled, generic extractor)",
        r"  pattern  ^https://gazette\.example/\d{4}/",
        "  feed     https://gazette.example/rss.xml",
        "  feed     https://gazette.example/world.xml",
        "courier (disabled, configured extractor)",
        "  pattern  /politics/",
        "  sitemap  https://courier.example/s.xml",
        "  body     div.copy",
        "  exclude  .ad",
    ]

    result = run("sources", "remove", "gazette", "-f", path)
    assert result.exit_code == 0, result.output
    assert [s.name for s in load_sources(path)] == ["courier"]


def test_the_file_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "env.toml"
    monkeypatch.setenv("NEWSDIFFS_SOURCES", str(path))
    result = run("sources", "add", "gazette", "--feed", "https://g.example/rss", "--pattern", "/n/")
    assert result.exit_code == 0, result.output
    assert [s.name for s in load_sources(path)] == ["gazette"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "gazette", "--feed", "https://g.example/rss", "--pattern", "/n/"], "already exists"),
        (["add", "herald", "--feed", "https://h.example/rss", "--pattern", "("],
         "not a valid regular expression"),
        (["add", "herald", "--pattern", "/n/"], "has no feeds, sitemaps or fronts"),
        (["add", "herald", "--feed", "https://h.example/rss", "--pattern", "/n/", "--body", "p::"],
         "not a valid CSS selector"),
        (["add", "bbc", "--feed", "https://h.example/rss", "--pattern", "/n/"], "name of a spider"),
        (["add", "Herald", "--feed", "https://h.example/rss", "--pattern", "/n/"], "lower-case"),
        (["remove", "herald"], "no source named 'herald'"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "gazette"\nfeeds = "https://g.example/rss"\npattern = "/n/"\n')
    before = path.read_text()
    result = run("sources", *args, "-f", str(path))
    assert result.exit_code != 0
    assert message in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert path.read_text() == before


def test_list_and_remove_without_a_file(tmp_path: Path) -> None:
    path = str(tmp_path / "none.toml")
    result = run("sources", "list", "-f", path)
    assert result.exit_code == 0 and "no sources file" in result.output
    result = run("sources", "remove", "x", "-f", path)
    assert result.exit_code != 0 and "no sources file" in result.output


def test_list_reports_an_invalid_file_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(GOOD.replace('pattern = "/politics/"', 'pattern = "(politics"'))
    result = run("sources", "list", "-f", str(path))
    assert result.exit_code != 0
    assert f"{path}, line 12: 'pattern' is not a valid regular expression" in result.output
