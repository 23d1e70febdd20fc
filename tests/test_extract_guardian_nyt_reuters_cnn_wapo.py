"""Extractors and spiders of the Guardian, NYT, Reuters, CNN and Washington Post.

The extractors run against hand-written pages in ``tests/fixtures/<site>/<case>/``
(checked by ``fixture_check``); the spiders' link filters against URL tables,
and their feed discovery against small feeds and sitemaps written here.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fixture_check import case_id, check_fixture, fixture_cases, load_case
from scrapy.http import XmlResponse
from scrapy.utils.test import get_crawler

from newsdiffs.extract import extractor_for_url, get_extractor
from newsdiffs.extract.cnn import CNNExtractor
from newsdiffs.extract.guardian import GuardianExtractor
from newsdiffs.extract.nytimes import NYTimesExtractor
from newsdiffs.extract.reuters import ReutersExtractor
from newsdiffs.extract.washingtonpost import WashingtonPostExtractor
from spiders.base import NewsSpider
from spiders.cnn import CNNSpider
from spiders.guardian import GuardianSpider
from spiders.nytimes import NYTimesSpider
from spiders.reuters import ReutersSpider
from spiders.washingtonpost import WashingtonPostSpider

SITES = ("guardian", "nytimes", "reuters", "cnn", "washingtonpost")
CASES = fixture_cases(*SITES)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_fixture(case: Path) -> None:
    check_fixture(case, get_extractor(case.parent.name))


@pytest.mark.parametrize("site", SITES)
def test_fixtures_cover_articles_and_non_articles(site: str) -> None:
    cases = [load_case(c)[2] for c in CASES if c.parent.name == site]
    articles = [e for e in cases if "raises" not in e]
    # Two article layouts (or article kinds) and at least one page that must raise.
    assert len(articles) >= 2 and len(cases) > len(articles), site


@pytest.mark.parametrize(
    ("url", "extractor"),
    [
        ("https://www.theguardian.com/world/2024/may/01/some-story", GuardianExtractor),
        ("http://www.guardian.co.uk/film/2011/nov/18/kristen-wiig-bridesmaids", GuardianExtractor),
        ("https://www.nytimes.com/2024/04/09/nyregion/story.html", NYTimesExtractor),
        ("https://www.reuters.com/world/story-2024-05-14/", ReutersExtractor),
        (
            "http://uk.reuters.com/article/2014/12/30/uk-story-idUKKBN0K601G20141230",
            ReutersExtractor,
        ),
        ("https://edition.cnn.com/2021/03/08/uk/story/index.html", CNNExtractor),
        ("https://money.cnn.com/2016/11/29/news/story/index.html", CNNExtractor),
        ("https://www.washingtonpost.com/politics/2024/05/02/story/", WashingtonPostExtractor),
    ],
)
def test_urls_dispatch_to_their_extractor(url: str, extractor: type) -> None:
    assert isinstance(extractor_for_url(url), extractor)


# --- which links the spiders follow ------------------------------------------------

ARTICLE_URLS = {
    GuardianSpider: [
        ("https://www.theguardian.com/world/2024/may/01/ceasefire-talks-resume", True),
        ("https://www.theguardian.com/us-news/commentisfree/2018/jan/30/the-kind-of-night", True),
        ("https://www.theguardian.com/environment/2019/jun/04/otters-return?CMP=Share", True),
        ("http://www.guardian.co.uk/film/2011/nov/18/kristen-wiig-bridesmaids", True),
        ("https://www.theguardian.com/politics/live/2024/mar/06/budget-2024-live", False),
        ("https://www.theguardian.com/football/live/2018/jan/31/spurs-v-united-live", False),
        ("https://www.theguardian.com/us-news/video/2018/jan/31/protest-video", False),
        ("https://www.theguardian.com/science/gallery/2018/jan/31/blue-moon-in-pictures", False),
        ("https://www.theguardian.com/news/audio/2024/may/01/today-in-focus-podcast", False),
        ("https://www.theguardian.com/us-news/ng-interactive/2017/dec/08/timeline", False),
        ("https://www.theguardian.com/crosswords/cryptic/29000", False),
        ("https://www.theguardian.com/uk-news", False),
        ("https://www.theguardian.com/profile/priya-kapoor", False),
        ("https://www.example.com/world/2024/may/01/ceasefire-talks-resume", False),
    ],
    NYTimesSpider: [
        ("https://www.nytimes.com/2024/04/09/nyregion/rail-yard-park-council-vote.html", True),
        ("https://www.nytimes.com/2024/04/09/us/politics/senate-vote.html?smid=url-share", True),
        ("http://www.nytimes.com/2012/08/26/world/middleeast/Syria.html?partner=rss", True),
        ("https://www.nytimes.com/aponline/2024/04/09/world/ap-story.html", True),
        ("https://www.nytimes.com/live/2024/11/05/us/election-day", False),
        ("https://www.nytimes.com/interactive/2024/04/09/us/elections/results.html", False),
        ("https://www.nytimes.com/video/world/100000009401234/flood-footage.html", False),
        ("https://www.nytimes.com/2024/04/09/podcasts/the-daily/episode.html", False),
        ("https://www.nytimes.com/2024/04/09/briefing/morning-briefing.html", False),
        ("https://www.nytimes.com/slideshow/2024/04/09/travel/photos.html", False),
        ("https://www.nytimes.com/section/world", False),
        ("https://www.nytimes.com/", False),
        ("https://www.example.com/2024/04/09/nyregion/story.html", False),
    ],
    ReutersSpider: [
        ("https://www.reuters.com/technology/chipmaker-plant-ohio-2024-05-14/", True),
        ("https://www.reuters.com/world/europe/port-strike-ends-2026-01-20/", True),
        ("https://www.reuters.com/article/us-usa-fed-idUSKBN1430G4", True),
        ("https://www.reuters.com/article/us-awards-sag/parasite-scores-idUSKBN1ZI0EH", True),
        ("http://uk.reuters.com/article/2014/12/30/uk-indonesia-idUKKBN0K601G20141230", True),
        ("https://www.reuters.com/world/live/election-results-2024-11-05/", False),
        ("https://www.reuters.com/video/watch/idOV123456012024RP1/", False),
        ("https://www.reuters.com/pictures/best-photos-of-the-year-2024-12-10/", False),
        ("https://www.reuters.com/graphics/CLIMATE-HEAT/2024-05-14/", False),
        ("https://www.reuters.com/markets/quote/AAPL.O/", False),
        ("https://www.reuters.com/world/", False),
        ("https://www.reuters.com/authors/hana-kobayashi/", False),
        ("https://www.reuters.example.com/world/story-2024-05-14/", False),
    ],
    CNNSpider: [
        ("https://www.cnn.com/2023/12/04/weather/midwest-storm-power-outages/index.html", True),
        ("https://edition.cnn.com/2021/03/08/uk/meghan-harry-interview-intl/index.html", True),
        ("https://www.cnn.com/2024/05/01/politics/senate-vote", True),
        ("http://www.cnn.com/2010/POLITICS/08/13/democrats.social.security/index.html", True),
        ("http://money.cnn.com/2016/11/29/news/ohare-workers-strike/index.html", True),
        ("https://www.cnn.com/2024/02/14/us/video/bear-hotel-lobby-digvid", False),
        ("https://www.cnn.com/videos/world/2024/02/14/flood-lon-orig.cnn", False),
        ("https://www.cnn.com/politics/live-news/supreme-court-01-10-24/index.html", False),
        ("https://www.cnn.com/2024/01/10/world/gallery/photos-of-the-week/index.html", False),
        ("https://www.cnn.com/2024/01/10/style/gallery-owner-charged/index.html", True),
        ("https://www.cnn.com/audio/podcasts/5-things", False),
        ("https://www.cnn.com/interactive/2024/01/us/election-map/", False),
        ("https://www.cnn.com/world", False),
        ("https://www.example.com/2023/12/04/weather/story/index.html", False),
    ],
    WashingtonPostSpider: [
        ("https://www.washingtonpost.com/transportation/2024/05/02/metro-late-night/", True),
        ("https://www.washingtonpost.com/politics/2024/05/02/senate-vote/?utm_source=rss", True),
        (
            "http://www.washingtonpost.com/world/gunmen-storm-museum/2015/03/18/00202e76-cd73-11e4-8730-4f473416e759_story.html",
            True,
        ),
        ("https://www.washingtonpost.com/news/opinions/wp/2018/10/29/enough-platitudes/", True),
        (
            "https://www.washingtonpost.com/politics/2024/05/14/maryland-primary-election-live-updates/",
            False,
        ),
        ("https://www.washingtonpost.com/world/2024/05/14/live-updates-israel-gaza/", False),
        ("https://www.washingtonpost.com/video/national/2024/05/02/drone-footage/", False),
        ("https://www.washingtonpost.com/podcasts/post-reports/2024/05/02/episode/", False),
        ("https://www.washingtonpost.com/photography/2024/05/02/best-photos/", False),
        ("https://www.washingtonpost.com/graphics/2024/politics/election-results/", False),
        ("https://www.washingtonpost.com/politics/", False),
        ("https://www.washingtonpost.com/people/jordan-pike/", False),
        ("https://www.example.com/politics/2024/05/02/senate-vote/", False),
    ],
}
URL_TABLE = [
    pytest.param(spider, url, article, id=f"{spider.name}-{i}")
    for spider, rows in ARTICLE_URLS.items()
    for i, (url, article) in enumerate(rows)
]


@pytest.mark.parametrize(("spider_class", "url", "article"), URL_TABLE)
def test_is_article_url(spider_class: type[NewsSpider], url: str, article: bool) -> None:
    assert spider_class().is_article_url(url) is article


@pytest.mark.parametrize("spider_class", list(ARTICLE_URLS))
def test_feeds_given_on_the_command_line_are_judged_by_path(spider_class: type[NewsSpider]) -> None:
    spider = spider_class(feeds="http://127.0.0.1:8000/feed.xml")
    for url, article in ARTICLE_URLS[spider_class]:
        if "example.com" in url:
            continue
        local = urlsplit(url)._replace(scheme="http", netloc="127.0.0.1:8000").geturl()
        assert spider.is_article_url(local) is article, local
    assert spider.feed_urls == ("http://127.0.0.1:8000/feed.xml",)


@pytest.mark.parametrize("spider_class", list(ARTICLE_URLS))
def test_spider_has_feeds_and_its_extractor(spider_class: type[NewsSpider]) -> None:
    spider = spider_class()
    assert spider.feeds and all(f.startswith(("https://", "http://")) for f in spider.feeds)
    assert spider.extractor.name == spider_class.name == spider_class.extractor_name


# --- feed discovery -------------------------------------------------------------------

GUARDIAN_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" version="2.0">
<channel><title>World news | The Guardian</title><link>https://www.theguardian.com/world</link>
<item><title>Ceasefire talks resume</title>
<link>https://www.theguardian.com/world/2024/may/01/ceasefire-talks-resume</link>
<pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate><dc:creator>Priya Kapoor</dc:creator>
<guid>https://www.theguardian.com/world/2024/may/01/ceasefire-talks-resume</guid></item>
<item><title>Budget live</title><link>https://www.theguardian.com/politics/live/2024/may/01/budget-live</link></item>
<item><title>Flood video</title><link>https://www.theguardian.com/world/video/2024/may/01/flood-video</link></item>
<item><title>Week in pictures</title><link>https://www.theguardian.com/world/gallery/2024/may/01/week-in-pictures</link></item>
<item><title>Harbour fine</title><link>https://www.theguardian.com/uk-news/2024/may/01/harbour-fine</link></item>
</channel></rss>"""

NYT_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" version="2.0">
<channel><title>NYT &gt; Top Stories</title><link>https://www.nytimes.com</link>
<atom:link href="https://rss.nytimes.com/services/xml/rss/nyt/HomePage.xml" rel="self" type="application/rss+xml"/>
<item><title>Council Approves Rail Yard Park</title>
<link>https://www.nytimes.com/2024/04/09/nyregion/rail-yard-park.html</link>
<atom:link href="https://www.nytimes.com/2024/04/09/nyregion/rail-yard-park.html" rel="standout"/>
<guid isPermaLink="true">https://www.nytimes.com/2024/04/09/nyregion/rail-yard-park.html</guid></item>
<item><atom:link href="https://www.nytimes.com/2024/04/09/us/politics/senate.html" rel="standout"/>
<title>Senate Passes Bill</title><link>https://www.nytimes.com/2024/04/09/us/politics/senate.html</link></item>
<item><title>Election Live</title><link>https://www.nytimes.com/live/2024/04/09/us/election</link></item>
<item><title>Results Map</title><link>https://www.nytimes.com/interactive/2024/04/09/us/results.html</link></item>
</channel></rss>"""

REUTERS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc>https://www.reuters.com/technology/chipmaker-plant-ohio-2024-05-14/</loc>
<news:news><news:publication><news:name>Reuters</news:name><news:language>eng</news:language></news:publication>
<news:publication_date>2024-05-14T13:05:22.000Z</news:publication_date><news:title>Chipmaker to build plant</news:title></news:news></url>
<url><loc>https://www.reuters.com/pictures/photos-of-the-week-2024-05-14/</loc><news:news><news:title>Photos</news:title></news:news></url>
<url><loc>https://www.reuters.com/world/live/election-2024-05-14/</loc></url>
<url><loc>https://www.reuters.com/markets/us/stocks-rise-2024-05-14/</loc><lastmod>2024-05-14T15:00:00Z</lastmod></url>
</urlset>"""

REUTERS_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://www.reuters.com/arc/outboundfeeds/news-sitemap/?outputType=xml&amp;from=0</loc></sitemap>
<sitemap><loc>https://www.reuters.com/arc/outboundfeeds/news-sitemap/?outputType=xml&amp;from=100</loc></sitemap>
</sitemapindex>"""

CNN_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:media="http://search.yahoo.com/mrss/" version="2.0">
<channel><title>CNN.com - RSS Channel - App International Edition</title><link>https://www.cnn.com/app-international-edition/index.html</link>
<item><title>Storm knocks out power</title><link>https://www.cnn.com/2023/12/04/weather/midwest-storm/index.html</link>
<guid isPermaLink="true">https://www.cnn.com/2023/12/04/weather/midwest-storm/index.html</guid><pubDate>Mon, 04 Dec 2023 14:02:11 GMT</pubDate></item>
<item><title>Bear in lobby</title><link>https://www.cnn.com/2023/12/04/us/video/bear-hotel-lobby-digvid</link></item>
<item><title>Live: Supreme Court</title><link>https://www.cnn.com/politics/live-news/supreme-court-12-04-23/index.html</link></item>
<item><title>Gas prices fall</title><guid isPermaLink="true">https://edition.cnn.com/2023/12/04/business/gas-prices/index.html</guid></item>
</channel></rss>"""

WAPO_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
<channel><title>World</title><link>https://www.washingtonpost.com/world</link>
<item><title>Metro adds late trains</title>
<link>https://www.washingtonpost.com/transportation/2024/05/02/metro-late-night/?utm_source=rss&amp;utm_medium=referral&amp;utm_campaign=wp_local</link>
<dc:creator>Jordan Pike</dc:creator><pubDate>Thu, 02 May 2024 20:31:07 +0000</pubDate></item>
<item><title>Primary live updates</title><link>https://www.washingtonpost.com/politics/2024/05/14/primary-election-live-updates/</link></item>
<item><title>Drone footage</title><link>https://www.washingtonpost.com/video/national/2024/05/02/drone-footage/</link></item>
<item><title>Post Reports</title><link>https://www.washingtonpost.com/podcasts/post-reports/2024/05/02/episode/</link></item>
</channel></rss>"""

FEEDS = {
    GuardianSpider: (GUARDIAN_RSS, [
        "https://www.theguardian.com/world/2024/may/01/ceasefire-talks-resume",
        "https://www.theguardian.com/uk-news/2024/may/01/harbour-fine",
    ]),
    NYTimesSpider: (NYT_RSS, [
        "https://www.nytimes.com/2024/04/09/nyregion/rail-yard-park.html",
        "https://www.nytimes.com/2024/04/09/us/politics/senate.html",
    ]),
    ReutersSpider: (REUTERS_SITEMAP, [
        "https://www.reuters.com/technology/chipmaker-plant-ohio-2024-05-14/",
        "https://www.reuters.com/markets/us/stocks-rise-2024-05-14/",
    ]),
    CNNSpider: (CNN_RSS, [
        "https://www.cnn.com/2023/12/04/weather/midwest-storm/index.html",
        "https://edition.cnn.com/2023/12/04/business/gas-prices/index.html",
    ]),
    WashingtonPostSpider: (WAPO_RSS, [
        "https://www.washingtonpost.com/transportation/2024/05/02/metro-late-night/?utm_source=rss&utm_medium=referral&utm_campaign=wp_local",
    ]),
}  # fmt: skip


def _requests_from_feed(spider_class: type[NewsSpider], body: bytes, db_path: Path) -> list:
    crawler = get_crawler(spider_class, {"NEWSDIFFS_DB": str(db_path)})
    spider = spider_class.from_crawler(crawler)
    try:
        response = XmlResponse(spider.feeds[0], body=body)
        return list(spider.parse_feed(response))
    finally:
        spider.closed("finished")


@pytest.mark.parametrize("spider_class", list(FEEDS), ids=[s.name for s in FEEDS])
def test_feed_discovery(spider_class: type[NewsSpider], tmp_path: Path) -> None:
    body, expected = FEEDS[spider_class]
    requests = _requests_from_feed(spider_class, body, tmp_path / "test.db")
    assert [r.url for r in requests] == expected
    assert all(r.callback.__name__ == "parse_article" for r in requests)


def test_reuters_sitemap_index_is_followed(tmp_path: Path) -> None:
    requests = _requests_from_feed(ReutersSpider, REUTERS_INDEX, tmp_path / "test.db")
    assert [(r.url, r.callback.__name__) for r in requests] == [
        ("https://www.reuters.com/arc/outboundfeeds/news-sitemap/?outputType=xml&from=0", "parse_feed"),
        ("https://www.reuters.com/arc/outboundfeeds/news-sitemap/?outputType=xml&from=100", "parse_feed"),
    ]  # fmt: skip


CNN_HEAD = """<html><head><meta property="og:type" content="article">
<title>Bridge reopens after repairs</title></head><body><h1>Bridge reopens after repairs</h1>"""
CNN_LEDE = "The bridge reopened to traffic on Monday after eight months of repairs, officials said."
CNN_MORE = "Engineers replaced two of its four cables and resurfaced the deck, the city said."


@pytest.mark.parametrize("body", [
    # zone layout (2014-2022): the dateline is a <cite> inside the first paragraph
    f'<div class="zn-body__paragraph"><cite class="el-editorial-source">Denver (CNN)</cite>'
    f'{CNN_LEDE}</div><div class="zn-body__paragraph">{CNN_MORE}</div>',
    # current layout: place and source apart, in a source line above the paragraphs
    f'<div class="article__content"><div class="source"><cite class="source__cite">'
    f'<span class="source__location">Denver</span><span class="source__text">CNN</span>'
    f'&nbsp;&mdash;&nbsp;</cite></div><p class="paragraph">{CNN_LEDE}</p>'
    f'<p class="paragraph">{CNN_MORE}</p></div>',
])
def test_cnn_dateline_reads_the_same_in_either_layout(body: str) -> None:
    url = "https://www.cnn.com/2024/03/04/us/denver-bridge-reopens/index.html"
    item = CNNExtractor()(f"{CNN_HEAD}{body}</body></html>", url)
    assert [b.text for b in item.body] == [f"Denver (CNN) \u2014 {CNN_LEDE}", CNN_MORE]
