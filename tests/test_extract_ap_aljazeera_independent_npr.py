"""AP, Al Jazeera, The Independent and NPR: extractors, article URLs and feed discovery.

Extractor cases are hand-written pages in ``tests/fixtures/<site>/<case>/``
(see ``tests/fixture_check.py``); the spiders' feed discovery runs against
small feed documents written here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_check import case_id, check_fixture, fixture_cases, load_case
from scrapy.http import Request, XmlResponse
from scrapy.utils.test import get_crawler

from newsdiffs.extract import aljazeera, apnews, extractor_for_url, get_extractor, independent, npr
from newsdiffs.extract.layouts import css_blocks
from newsdiffs.extract.metadata import parse_date, without_by
from newsdiffs.extract.page import parse_html
from newsdiffs.items import Block
from spiders.aljazeera import AlJazeeraSpider
from spiders.apnews import APNewsSpider
from spiders.independent import IndependentSpider
from spiders.npr import NPRSpider

SITES = ("apnews", "aljazeera", "independent", "npr")
CASES = fixture_cases(*SITES)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_fixture(case: Path) -> None:
    check_fixture(case, get_extractor(case.parent.name))


@pytest.mark.parametrize("site", SITES)
def test_every_site_has_articles_and_a_page_that_is_not_one(site: str) -> None:
    cases = [load_case(c)[2] for c in CASES if c.parent.name == site]
    assert sum("raises" not in e for e in cases) >= 2, site
    assert any("raises" in e for e in cases), site


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://apnews.com/article/some-story-3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9", "apnews"),
        ("https://hosted.ap.org/paper/article/5c2e9a7b1d3f4e6a8b0c2d4e6f8a0b1c/story", "apnews"),
        ("https://www.aljazeera.com/news/2024/3/12/some-story", "aljazeera"),
        ("https://www.independent.co.uk/news/uk/story-b2498765.html", "independent"),
        ("https://www.npr.org/2024/04/18/nx-s1-4912345/story", "npr"),
    ],
)
def test_urls_dispatch_to_their_extractor(url: str, name: str) -> None:
    assert extractor_for_url(url).name == name


# --- which URLs are articles -----------------------------------------------------------

AP_URLS = [
    ("https://apnews.com/article/maine-storm-power-outages-3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9", True),
    ("https://apnews.com/article/3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9", True),
    ("https://apnews.com/article/election-2024-trump-biden-debate", True),
    ("https://www.apnews.com/3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9", True),
    ("https://hosted.ap.org/dailyexample/article/5c2e9a7b1d3f4e6a8b0c2d4e6f8a0b1c/bridge-repairs", True),
    ("https://apnews.com/article/maine-storm-3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9?utm_source=x", True),
    ("https://apnews.com/live/election-results-updates-3-5-2024", False),
    ("https://apnews.com/video/wildfire-california-evacuations-1234567890abcdef1234567890abcdef", False),
    ("https://apnews.com/photo-gallery/eclipse-photos-3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9", False),
    ("https://hosted.ap.org/dailyexample/gallery/5c2e9a7b1d3f4e6a8b0c2d4e6f8a0b1c/bridge", False),
    ("https://apnews.com/hub/weather", False),
    ("https://apnews.com/projects/election-results-2024/", False),
    ("https://apnews.com/podcasts/ap-news-now", False),
    ("https://apnews.com/", False),
    ("https://apnews.com/us-news", False),
    ("https://example.com/article/story-3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9", False),
]
AJ_URLS = [
    ("https://www.aljazeera.com/news/2024/3/12/floods-displace-thousands-in-southern-malawi", True),
    ("https://www.aljazeera.com/features/2024/1/5/inside-the-port", True),
    ("https://www.aljazeera.com/opinions/2023/12/31/what-comes-next", True),
    ("https://www.aljazeera.com/economy/2024/2/1/oil-prices-rise/", True),
    ("https://www.aljazeera.com/news/2019/11/service-members-killed-crash-191120070028895.html", True),
    ("https://www.aljazeera.com/ajimpact/nasas-commercial-moon-shot-191119041538885.html", True),
    ("https://www.aljazeera.com/indepth/features/long-read-191101120000000.html", True),
    ("https://www.aljazeera.com/news/liveblog/2024/3/12/israel-gaza-live-aid-convoy", False),
    ("https://www.aljazeera.com/video/newsfeed/2024/3/12/flood-footage", False),
    ("https://www.aljazeera.com/gallery/2024/3/12/in-pictures-floods", False),
    ("https://www.aljazeera.com/program/inside-story/2024/3/12/episode", False),
    ("https://www.aljazeera.com/podcasts/the-take/", False),
    ("https://www.aljazeera.com/programmes/start-here/2019/11/space-race-191117114435068.html", False),
    ("https://www.aljazeera.com/tag/climate-crisis/", False),
    ("https://www.aljazeera.com/news/", False),
    ("https://www.aljazeera.net/news/2024/3/12/arabic-story", False),
]
INDEPENDENT_URLS = [
    ("https://www.independent.co.uk/news/uk/home-news/rail-fares-rise-commuters-b2498765.html", True),
    ("https://www.independent.co.uk/news/uk/politics/coronavirus-fine-penalty-b671230.html", True),
    ("https://www.independent.co.uk/climate-change/news/heatwave-record-b2400000.html", True),
    ("https://www.independent.co.uk/life-style/how-to-live-longer-diet-b2300000.html", True),
    ("https://www.independent.co.uk/news/world/europe/election-result-a8912345.html", True),
    ("https://www.independent.co.uk/news/uk/politics/budget-2024-live-updates-b2510000.html", False),
    ("https://www.independent.co.uk/news/world/ukraine-russia-war-news-live-b2062346.html", False),
    ("https://www.independent.co.uk/tv/news/flood-footage-v1234567", False),
    ("https://www.independent.co.uk/news/uk/in-pictures-floods-b2400001.html", False),
    ("https://www.independent.co.uk/topic/rail", False),
    ("https://www.independent.co.uk/author/holly-example", False),
    ("https://www.independent.co.uk/news/uk", False),
    ("https://www.example.co.uk/news/uk/story-b2498765.html", False),
]
NPR_URLS = [
    ("https://www.npr.org/2024/04/18/nx-s1-4912345/bee-colonies-winter-losses", True),
    ("https://www.npr.org/sections/thetwo-way/2016/12/15/505723552/jury-finds-dylann-roof-guilty", True),
    ("http://www.npr.org/2016/12/07/504723705/trial-begins", True),
    ("https://www.npr.org/sections/health-shots/2023/06/01/1179000000/measles", True),
    ("https://www.npr.org/templates/story/story.php?storyId=123456789", True),
    ("https://www.npr.org/2024/11/05/g-s1-32000/election-day-live-updates", False),
    ("https://www.npr.org/podcasts/510289/planet-money", False),
    ("https://www.npr.org/programs/morning-edition/2024/04/18/nx-s1-4912000/morning-edition", False),
    ("https://www.npr.org/transcripts/1183000001", False),
    ("https://www.npr.org/sections/pictureshow/2023/05/01/1170000000/photos-of-spring", False),
    ("https://www.npr.org/series/tiny-desk-concerts/", False),
    ("https://www.npr.org/sections/news/", False),
    ("https://www.npr.org/templates/story/story.php", False),
    ("https://www.example.org/2024/04/18/nx-s1-4912345/story", False),
]


@pytest.mark.parametrize(("url", "article"), AP_URLS)
def test_ap_is_article_url(url: str, article: bool) -> None:
    assert apnews.is_article_url(url) is article


@pytest.mark.parametrize(("url", "article"), AJ_URLS)
def test_aljazeera_is_article_url(url: str, article: bool) -> None:
    assert aljazeera.is_article_url(url) is article


@pytest.mark.parametrize(("url", "article"), INDEPENDENT_URLS)
def test_independent_is_article_url(url: str, article: bool) -> None:
    assert independent.is_article_url(url) is article


@pytest.mark.parametrize(("url", "article"), NPR_URLS)
def test_npr_is_article_url(url: str, article: bool) -> None:
    assert npr.is_article_url(url) is article


# --- feed discovery -------------------------------------------------------------------

SPIDERS = {"apnews": APNewsSpider, "aljazeera": AlJazeeraSpider, "independent": IndependentSpider,
           "npr": NPRSpider}


def make_spider(name: str, db_path: Path, **kwargs: str):
    cls = SPIDERS[name]
    return cls.from_crawler(get_crawler(cls, {"NEWSDIFFS_DB": str(db_path)}), **kwargs)


def rss(*links: str) -> bytes:
    items = "".join(f"<item><title>Story {i}</title><link>{link}</link></item>"
                    for i, link in enumerate(links))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>'
            f"{items}</channel></rss>").encode()


def news_sitemap(*links: str) -> bytes:
    urls = "".join(
        f"<url><loc>{link}</loc><news:news><news:publication><news:name>AP News</news:name>"
        f"<news:language>eng</news:language></news:publication>"
        f"<news:publication_date>2024-01-10T14:05:12Z</news:publication_date>"
        f"<news:title>Story</news:title></news:news></url>" for link in links)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
            'sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"{urls}</urlset>").encode()


def discovered(spider, feed_url: str, body: bytes) -> list[str]:
    response = XmlResponse(url=feed_url, body=body, request=Request(feed_url))
    try:
        return [r.url for r in spider.parse_feed(response)]
    finally:
        spider.closed("finished")


FEED_CASES = {
    "apnews": (news_sitemap, AP_URLS),
    "aljazeera": (rss, AJ_URLS),
    "independent": (rss, INDEPENDENT_URLS),
    "npr": (rss, NPR_URLS),
}


@pytest.mark.parametrize("name", SITES)
def test_feed_discovery_follows_articles_only(name: str, db_path: Path) -> None:
    spider = make_spider(name, db_path)
    assert spider.feed_urls and all(u.startswith("https://") for u in spider.feed_urls)
    document, table = FEED_CASES[name]
    links = [url for url, _ in table]
    found = discovered(spider, spider.feed_urls[0], document(*links, links[0]))
    assert found == [url for url, article in table if article]  # each once, in feed order


@pytest.mark.parametrize(
    ("name", "article_path", "skipped_path"),
    [
        ("apnews", "/article/storm-3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9", "/live/election-day"),
        ("aljazeera", "/news/2024/3/12/floods", "/news/liveblog/2024/3/12/gaza"),
        ("independent", "/news/uk/rail-fares-b2498765.html", "/news/uk/budget-live-updates-b2510000.html"),
        ("npr", "/2024/04/18/nx-s1-4912345/bees", "/podcasts/510289/planet-money"),
    ],
)
def test_feeds_given_as_argument_judge_links_by_path(name, article_path, skipped_path, db_path):
    local = "http://127.0.0.1:8999"
    spider = make_spider(name, db_path, feeds=f"{local}/feed.xml")
    assert spider.trust_feed_hosts and spider.feed_urls == (f"{local}/feed.xml",)
    body = (news_sitemap if name == "apnews" else rss)(local + article_path, local + skipped_path)
    assert discovered(spider, f"{local}/feed.xml", body) == [local + article_path]


# --- the shared selector reading -------------------------------------------------------


def test_css_blocks_drop_promos_separators_and_furniture() -> None:
    sel = parse_html(
        "<form><div class='story'><p>One <a href='/x'>linked</a> word.</p>"
        "<h4>More:</h4><ul><li><a href='/a'>Promo A</a></li></ul><ul><li><a href='/b'>Promo B</a></li></ul>"
        "<h2>Real heading</h2><ul><li>A point</li><li><a href='/c'>A linked point</a> with text</li></ul>"
        "<figure><figcaption>Caption</figcaption></figure><div class='ad'><p>Ad text</p></div>"
        "<blockquote><p>Quoted</p></blockquote><p>___</p><p>* * *</p></div></form>"
    )
    assert css_blocks(sel, "div.story", ".ad") == [
        Block("One linked word."),
        Block("Real heading", "subheading"),
        Block("A point", "list_item"),
        Block("A linked point with text", "list_item"),
        Block("Quoted"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1704912063000", "2024-01-10T18:41:03Z"),
        ("1704912063", "2024-01-10T18:41:03Z"),
        ("2024-04-18T05:00:42-04:00", "2024-04-18T09:00:42Z"),
        ("19 Nov 2019 07:09 GMT", "2019-11-19T07:09:00Z"),
        ("Nov. 20, 2019 6:02 AM EST", None),
        (None, None),
    ],
)
def test_parse_date_reads_unix_times_too(raw: str | None, expected: str | None) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(("raw", "name"), [("By JANE EXAMPLE", "JANE EXAMPLE"),
                                           ("by\u00a0Laura Winter", "Laura Winter"),
                                           ("Byron Example", "Byron Example")])
def test_without_by(raw: str, name: str) -> None:
    assert without_by(raw) == name
