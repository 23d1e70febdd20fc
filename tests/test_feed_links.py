import pytest

from newsdiffs.feed_links import FeedError, is_sitemap_index, parse_feed

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>One &amp; two</title><link>https://example.org/news/1</link>
<pubDate>Sat, 23 May 2009 09:15:34 GMT</pubDate></item>
<item><title>Guid only</title><guid isPermaLink="true">https://example.org/news/2</guid></item>
<item><title>Not a link</title><guid isPermaLink="false">abc</guid></item>
</channel></rss>"""

ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title>A</title><link rel="alternate" href="/a"/><link rel="edit" href="/edit"/>
<updated>2016-02-01T17:54:50+01:00</updated></entry></feed>"""

NEWS_SITEMAP = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://example.org/s/1</loc><news:news><news:title>S1</news:title>
<news:publication_date>2024-05-01T10:00:00Z</news:publication_date></news:news></url>
<url><loc>https://example.org/s/2</loc><lastmod>2024-05-02</lastmod></url></urlset>"""

INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://example.org/sitemap-1.xml</loc></sitemap></sitemapindex>"""


def test_rss():
    entries = parse_feed(RSS)
    assert [e.url for e in entries] == ["https://example.org/news/1", "https://example.org/news/2"]
    assert entries[0].title == "One & two"
    assert entries[0].published == "Sat, 23 May 2009 09:15:34 GMT"


def test_atom_resolves_relative_links_and_takes_alternate():
    entries = parse_feed(ATOM, "https://example.org/feed")
    assert [(e.url, e.published) for e in entries] == [
        ("https://example.org/a", "2016-02-01T17:54:50+01:00")]


def test_news_sitemap_and_index():
    entries = parse_feed(NEWS_SITEMAP)
    assert [(e.url, e.title, e.published) for e in entries] == [
        ("https://example.org/s/1", "S1", "2024-05-01T10:00:00Z"),
        ("https://example.org/s/2", None, "2024-05-02"),
    ]
    assert not is_sitemap_index(NEWS_SITEMAP)
    assert is_sitemap_index(INDEX)
    assert [e.url for e in parse_feed(INDEX)] == ["https://example.org/sitemap-1.xml"]


def test_latin1_feed():
    body = '<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><item><title>Café</title>' \
           "<link>http://x/1</link></item></channel></rss>"
    assert parse_feed(body.encode("latin-1"))[0].title == "Café"


@pytest.mark.parametrize("body", [b"<html><body>not a feed</body></html>", b"", b"plain text"])
def test_not_a_feed(body):
    with pytest.raises(FeedError):
        parse_feed(body)
