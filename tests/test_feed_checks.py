"""Every feed and sitemap fetch is recorded, and `newsdiffs status` warns about a source whose
feeds fail or bring no new links (issue 8: 15).

Before, an over-size feed was a raw Twisted traceback, a billion-laughs feed
gave 0 entries without a word, and a source whose feeds all failed showed
"no articles tracked yet" with exit status 0.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from spider_pages import bbc_page, rss, run

from newsdiffs.cli import cli
from newsdiffs.demo.server import Page
from newsdiffs.feed_links import FeedError, parse_feed
from newsdiffs.store import Store
from newsdiffs.times import to_iso

NOW = datetime.now(timezone.utc)

BILLION_LAUGHS = '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n' + "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n' for n in range(1, 10)
) + ']>\n<rss><channel><item><title>&lol9;</title><link>http://a.example/news/1</link></item>' \
    '</channel></rss>'


def ago(**delta) -> str:
    return to_iso(NOW - timedelta(**delta))


def status(db_path, *args: str):
    return CliRunner().invoke(cli, ["status", "--db", str(db_path), *args])


def test_billion_laughs_is_refused_not_read_as_empty():
    try:
        entries = parse_feed(BILLION_LAUGHS, "http://a.example/")
    except FeedError as exc:
        assert "entities" in str(exc)
    else:
        raise AssertionError(f"read as a feed with {len(entries)} entries")


def test_every_feed_fetch_is_recorded_without_a_traceback(server, db_path):
    good = "/news/articles/c0feedok01o"
    huge = rss(*(server.url(f"/news/articles/c0huge{n:04d}o") for n in range(2000)))
    server.set_pages({
        "/good.xml": Page(rss(server.url(good)), content_type="application/rss+xml"),
        "/huge.xml": Page(huge, content_type="application/rss+xml"),
        "/down.xml": Page("oops", status=500),
        "/laughs.xml": Page(BILLION_LAUGHS, content_type="application/rss+xml"),
        good: bbc_page("c0feedok01o"),
    })
    feeds = ",".join(server.url(p) for p in ("/good.xml", "/huge.xml", "/down.xml", "/laughs.xml"))
    result = run(db_path, "bbc", "-a", f"feeds={feeds}", "-s", "DOWNLOAD_MAXSIZE=50000")
    assert len(huge) > 50000
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    with Store(db_path) as store:
        rows = {r["url"].rsplit("/", 1)[1]: r for r in store.feed_checks("bbc")}
        assert store.article(server.url(good))["version_count"] == 1
    assert set(rows) == {"good.xml", "huge.xml", "down.xml", "laughs.xml"}
    ok = rows["good.xml"]
    assert (ok["ok"], ok["http_status"], ok["entries"], ok["new_links"], ok["error"]) == (
        1, 200, 1, 1, None)
    assert rows["down.xml"]["ok"] == 0 and rows["down.xml"]["error"] == "HTTP 500"
    assert rows["huge.xml"]["ok"] == 0 and rows["huge.xml"]["http_status"] is None
    assert rows["huge.xml"]["error"].startswith("download failed")
    assert rows["laughs.xml"]["ok"] == 0 and "entities" in rows["laughs.xml"]["error"]
    assert result.stderr.count("WARNING") >= 3


def feed_check(store: Store, source: str, at: str, ok: bool, new_links: int = 0) -> None:
    store.record_feed_check(source=source, url=f"https://{source}.example/rss.xml",
                            checked_at=at, http_status=200 if ok else None, ok=ok,
                            entries=5 if ok else 0, new_links=new_links,
                            error=None if ok else "download failed: timeout")


def test_status_warns_about_failing_feeds_of_a_source_without_articles(db_path):
    with Store(db_path) as store:
        for hours in (1, 2, 3):
            feed_check(store, "broken", ago(hours=hours), ok=False)
    result = status(db_path)
    assert result.exit_code == 1, result.output
    assert "no articles tracked yet" not in result.output
    assert ("WARNING broken: feeds failing: 3 of 3 feed fetches failed in the last 24h "
            "(last error: download failed: timeout)") in result.output


def test_status_warns_when_feeds_bring_no_new_links(db_path):
    with Store(db_path) as store:
        feed_check(store, "stale", ago(hours=30), ok=True, new_links=4)
        feed_check(store, "stale", ago(hours=2), ok=True)
        feed_check(store, "fresh", ago(hours=2), ok=True, new_links=1)
        feed_check(store, "fresh", ago(hours=1), ok=True)
    result = status(db_path)
    assert result.exit_code == 1, result.output
    assert "WARNING stale: no new links from its feeds for 1 day" in result.output
    assert "fresh: no new links" not in result.output and "feeds failing" not in result.output
