"""One identity for the mobile, AMP and edition copies of the sites we know, and article
lookup by URL that forgives a trailing slash (issue 10, part 5)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from newsdiffs.cli import cli, find_article
from newsdiffs.extract import (
    aljazeera,
    apnews,
    bbc,
    cnn,
    guardian,
    independent,
    npr,
    nytimes,
    reuters,
    washingtonpost,
)
from newsdiffs.store import Store
from newsdiffs.urls import SITE_HOSTS, canonicalize, lookup_keys, site_host, toggle_slash


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # mobile / AMP / edition hosts of known sites
        ("https://m.bbc.co.uk/news/uk-politics-49012345", "https://www.bbc.co.uk/news/uk-politics-49012345"),
        ("http://m.bbc.com/news/articles/c0abc123o", "https://www.bbc.co.uk/news/articles/c0abc123o"),
        ("https://edition.cnn.com/2023/12/04/weather/storm/index.html",
         "https://www.cnn.com/2023/12/04/weather/storm/index.html"),
        ("https://amp.cnn.com/cnn/2023/12/04/weather/storm/index.html",
         "https://www.cnn.com/2023/12/04/weather/storm/index.html"),
        ("https://mobile.nytimes.com/2017/07/18/us/drought-cattle-ranchers.html?smid=url-share",
         "https://www.nytimes.com/2017/07/18/us/drought-cattle-ranchers.html"),
        ("https://amp.theguardian.com/uk-news/2024/mar/12/ferry-fined",
         "https://www.theguardian.com/uk-news/2024/mar/12/ferry-fined"),
        ("https://mobile.reuters.com/world/europe/port-strike-ends-2026-01-20/",
         "https://www.reuters.com/world/europe/port-strike-ends-2026-01-20/"),
        ("https://m.apnews.com/article/storm-3f1c0b9e", "https://apnews.com/article/storm-3f1c0b9e"),
        ("https://M.NPR.ORG/2024/04/18/nx-s1-4912345/bees", "https://www.npr.org/2024/04/18/nx-s1-4912345/bees"),
        ("https://m.independent.co.uk/news/uk/rail-b2498765.html",
         "https://www.independent.co.uk/news/uk/rail-b2498765.html"),
        # AMP paths and parameters
        ("https://www.bbc.co.uk/news/amp/uk-politics-49012345",
         "https://www.bbc.co.uk/news/uk-politics-49012345"),
        ("https://www.bbc.com/news/amp/37341871", "https://www.bbc.co.uk/news/37341871"),
        ("https://www.aljazeera.com/amp/news/2024/3/12/floods",
         "https://www.aljazeera.com/news/2024/3/12/floods"),
        ("https://www.washingtonpost.com/politics/2024/05/02/metro/?outputType=amp",
         "https://www.washingtonpost.com/politics/2024/05/02/metro/"),
        # not a variant: unchanged
        ("https://money.cnn.com/2016/03/03/news/coffee/index.html",
         "https://money.cnn.com/2016/03/03/news/coffee/index.html"),
        ("https://www.cnn.com/cnn/2023/x", "https://www.cnn.com/cnn/2023/x"),
        ("https://www.bbc.co.uk/news/amp/", "https://www.bbc.co.uk/news/amp/"),
        ("https://news.example.org/outputType/?outputType=amp",
         "https://news.example.org/outputType/?outputType=amp"),
        ("https://m.example.com/news/1", "https://m.example.com/news/1"),
        ("https://edition.example.org/a", "https://edition.example.org/a"),
        ("https://amp.notthebbc.co.uk/news/1", "https://amp.notthebbc.co.uk/news/1"),
        ("https://www.theguardian.com/amp/x", "https://www.theguardian.com/amp/x"),
        ("http://127.0.0.1:8080/amp/news/1", "http://127.0.0.1:8080/amp/news/1"),
        # the trailing slash is part of the identity (Reuters and the Post use it)
        ("https://www.reuters.com/markets/story-2024-05-14/", "https://www.reuters.com/markets/story-2024-05-14/"),
        ("https://www.bbc.co.uk/news/uk-123/", "https://www.bbc.co.uk/news/uk-123/"),
    ],
)
def test_canonicalize_folds_known_variants_only(url: str, expected: str) -> None:
    assert canonicalize(url) == expected
    assert canonicalize(expected) == expected


def stored_identities() -> list[str]:
    """The identities the spiders store for the saved pages (``expected.json``)."""
    found = []
    for path in sorted(FIXTURES.glob("*/*/expected.json")):
        canonical = json.loads(path.read_text(encoding="utf-8")).get("canonical_url")
        if canonical:
            found.append(canonical)
    return found


@pytest.mark.parametrize("identity", stored_identities())
def test_a_stored_identity_canonicalizes_to_itself(identity: str) -> None:
    assert canonicalize(identity) == identity
    assert canonicalize(identity, fold=False) == identity


def test_fixtures_cover_the_folded_sites() -> None:
    hosts = {site_host(i.split("/")[2]) for i in stored_identities()}
    assert {"www.bbc.co.uk", "www.cnn.com", "www.theguardian.com", "www.nytimes.com",
            "www.washingtonpost.com", "www.reuters.com", "www.npr.org", "www.aljazeera.com",
            "www.independent.co.uk", "apnews.com"} <= hosts


@pytest.mark.parametrize(
    "module", [aljazeera, apnews, bbc, cnn, guardian, independent, npr, nytimes, reuters,
               washingtonpost], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_every_site_spider_has_its_hosts_folded(module) -> None:
    """The folding table knows each site's main domain and folds it to a host of the site."""
    domain = module.URL_RULES.domains[0]
    assert domain in SITE_HOSTS
    for prefix in ("m.", "mobile.", "amp.", "edition."):
        folded = site_host(prefix + domain)
        assert folded == SITE_HOSTS[domain]
        assert any(folded == d or folded.endswith("." + d) for d in module.URL_RULES.domains)


def test_a_folded_variant_is_still_an_article() -> None:
    for url in ("https://m.bbc.co.uk/news/articles/c0abc123o",
                "https://edition.cnn.com/2023/12/04/weather/storm/index.html",
                "https://amp.theguardian.com/uk-news/2024/mar/12/ferry-fined"):
        assert bbc.is_article_url(url) or cnn.is_article_url(url) or guardian.is_article_url(url)
        folded = canonicalize(url)
        assert bbc.is_article_url(folded) or cnn.is_article_url(folded) or guardian.is_article_url(
            folded)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/news/1", "https://a.example/news/1/"),
        ("https://a.example/news/1/", "https://a.example/news/1"),
        ("https://a.example/news/1/?id=2", "https://a.example/news/1?id=2"),
        ("https://a.example/", "https://a.example/"),
        ("https://a.example", "https://a.example"),
    ],
)
def test_toggle_slash(url: str, expected: str) -> None:
    assert toggle_slash(url) == expected


def test_lookup_keys_try_as_typed_then_folded_then_unfolded() -> None:
    assert lookup_keys(" https://m.bbc.co.uk/news/uk-1/#top ") == [
        "https://m.bbc.co.uk/news/uk-1/#top",
        "https://www.bbc.co.uk/news/uk-1/", "https://www.bbc.co.uk/news/uk-1",
        "https://m.bbc.co.uk/news/uk-1/", "https://m.bbc.co.uk/news/uk-1"]
    assert lookup_keys("https://www.reuters.com/a") == [
        "https://www.reuters.com/a", "https://www.reuters.com/a/"]


def add_article(store: Store, url: str, source: str = "bbc") -> None:
    store.db.execute(
        "INSERT INTO articles (url, source, first_seen, last_checked, next_check, status)"
        " VALUES (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z',"
        " 'active')", [url, source])


STORED = {
    "bbc": "https://www.bbc.co.uk/news/articles/c0abc123o",
    "cnn": "https://www.cnn.com/2023/12/04/weather/storm/index.html",
    "reuters": "https://www.reuters.com/world/europe/port-strike-ends-2026-01-20/",
    "old": "https://m.bbc.co.uk/news/uk-12345678",  # stored before hosts were folded
}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://www.bbc.co.uk/news/articles/c0abc123o/", "bbc"),
        ("http://m.bbc.co.uk/news/articles/c0abc123o", "bbc"),
        ("https://m.bbc.com/news/articles/c0abc123o/?at_medium=RSS", "bbc"),
        ("https://edition.cnn.com/2023/12/04/weather/storm/index.html", "cnn"),
        ("https://amp.cnn.com/cnn/2023/12/04/weather/storm/index.html#x", "cnn"),
        ("https://www.reuters.com/world/europe/port-strike-ends-2026-01-20", "reuters"),
        ("https://mobile.reuters.com/world/europe/port-strike-ends-2026-01-20", "reuters"),
        ("https://m.bbc.co.uk/news/uk-12345678", "old"),
        ("http://m.bbc.co.uk/news/uk-12345678/", "old"),
    ],
)
def test_find_article_accepts_variants(db_path, typed: str, stored: str) -> None:
    with Store(db_path) as store:
        for url in STORED.values():
            add_article(store, url)
        assert find_article(store, typed)["url"] == STORED[stored]


def test_history_by_a_variant_url(db_path) -> None:
    with Store(db_path) as store:
        add_article(store, STORED["reuters"], "reuters")
    runner = CliRunner()
    found = runner.invoke(cli, ["history", "--db", str(db_path),
                                "https://mobile.reuters.com/world/europe/port-strike-ends-2026-01-20"])
    assert found.exit_code == 0, found.output
    assert "no tracked article" not in found.output
    missing = runner.invoke(cli, ["history", "--db", str(db_path),
                                  "https://www.reuters.com/world/europe/another-story/"])
    assert missing.exit_code == 1
    assert "no tracked article with URL https://www.reuters.com/world/europe/another-story/" in (
        missing.output)
