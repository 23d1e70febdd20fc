"""Site spiders are data: name, feeds, fronts; the links they follow are their extractor's URL rules.

One table per site says which links a spider follows from its own feeds and
which it follows when feeds are given with ``-a feeds=`` / ``-a fronts=`` (a
local replay: the path alone is judged, whatever the host).
"""

from __future__ import annotations

import pytest
from spider_pages import GenericSpider

from newsdiffs.extract import (
    aljazeera,
    apnews,
    bbc,
    cnn,
    get_extractor,
    guardian,
    independent,
    npr,
    nytimes,
    reuters,
    washingtonpost,
)
from newsdiffs.extract.urlrules import rules_for
from spiders.aljazeera import AlJazeeraSpider
from spiders.apnews import APNewsSpider
from spiders.base import NewsSpider
from spiders.bbc import BBCSpider
from spiders.cnn import CNNSpider
from spiders.guardian import GuardianSpider
from spiders.independent import IndependentSpider
from spiders.npr import NPRSpider
from spiders.nytimes import NYTimesSpider
from spiders.reuters import ReutersSpider
from spiders.washingtonpost import WashingtonPostSpider

LOCAL = "http://127.0.0.1:8999"

#: spider -> (its extractor module, [(link, followed from its own feeds, followed with -a feeds=)])
TABLE = {
    BBCSpider: (bbc, [
        ("https://www.bbc.co.uk/news/articles/c9xq2example0o", True, True),
        ("https://www.bbc.com/news/uk-politics-12345678?at_medium=RSS", True, True),
        ("http://news.bbc.co.uk/1/hi/uk_politics/7984711.stm", True, True),
        ("https://www.bbc.co.uk/news/live/uk-politics-69999999", False, False),
        ("https://www.bbc.co.uk/news/av/world-us-canada-36306260", False, False),
        ("https://www.bbc.co.uk/sport/football/12345678", False, False),
        ("https://www.bbc.co.uk/news", False, False),
        ("https://www.bbc.co.uk.example.com/news/uk-12345678", False, True),
        (f"{LOCAL}/news/articles/c0feed001o", False, True),
        (f"{LOCAL}/news/videos/c0video123o", False, False),
    ]),
    CNNSpider: (cnn, [
        ("https://www.cnn.com/2023/12/04/weather/midwest-storm-power-outages/index.html", True, True),
        ("http://money.cnn.com/2016/11/29/news/ohare-workers-strike/index.html", True, True),
        ("https://www.cnn.com/2024/02/14/us/video/bear-hotel-lobby-digvid", False, False),
        ("https://www.cnn.com/politics/live-news/supreme-court-01-10-24/index.html", False, False),
        ("https://www.cnn.com/world", False, False),
        ("https://www.example.com/2023/12/04/weather/story/index.html", False, True),
        (f"{LOCAL}/videos/world/2024/02/14/flood-lon-orig.cnn", False, False),
    ]),
    ReutersSpider: (reuters, [
        ("https://www.reuters.com/technology/chipmaker-plant-ohio-2024-05-14/", True, True),
        ("https://www.reuters.com/article/us-usa-fed-idUSKBN1430G4", True, True),
        ("https://www.reuters.com/world/live/election-results-2024-11-05/", False, False),
        ("https://www.reuters.com/markets/quote/AAPL.O/", False, False),
        ("https://www.reuters.example.com/world/story-2024-05-14/", False, True),
        (f"{LOCAL}/world/", False, False),
    ]),
    GuardianSpider: (guardian, [
        ("https://www.theguardian.com/world/2024/jan/10/ceasefire-talks-resume", True, True),
        ("https://www.guardian.co.uk/politics/2010/may/11/coalition-deal", True, True),
        ("https://www.theguardian.com/world/live/2024/jan/10/news-live", False, False),
        ("https://www.theguardian.com/world", False, False),
        ("https://www.example.com/world/2024/jan/10/ceasefire-talks-resume", False, True),
        (f"{LOCAL}/world/gallery/2024/jan/10/photos", False, False),
    ]),
    NYTimesSpider: (nytimes, [
        ("https://www.nytimes.com/2024/04/09/world/europe/story.html", True, True),
        ("https://www.nytimes.com/2024/04/09/podcasts/the-daily/episode.html", False, False),
        ("https://www.nytimes.com/section/world", False, False),
        ("https://www.example.com/2024/04/09/nyregion/story.html", False, True),
        (f"{LOCAL}/slideshow/2024/04/09/travel/photos.html", False, False),
    ]),
    WashingtonPostSpider: (washingtonpost, [
        ("https://www.washingtonpost.com/politics/2024/05/02/senate-vote/?utm_source=rss", True, True),
        ("https://www.washingtonpost.com/world/2024/05/14/live-updates-israel-gaza/", False, False),
        ("https://www.washingtonpost.com/video/national/2024/05/02/drone-footage/", False, False),
        ("https://www.example.com/politics/2024/05/02/senate-vote/", False, True),
        (f"{LOCAL}/people/jordan-pike/", False, False),
    ]),
    APNewsSpider: (apnews, [
        ("https://apnews.com/article/3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9", True, True),
        ("https://hosted.ap.org/dailyexample/article/5c2e9a7b1d3f4e6a8b0c2d4e6f8a0b1c/bridge", True, True),
        ("https://apnews.com/live/election-results-updates-3-5-2024", False, False),
        ("https://apnews.com/hub/weather", False, False),
        ("https://example.com/article/story-3f1c0b9e2d7a4c55b8e6a1f0d2c4b7e9", False, True),
        (f"{LOCAL}/video/wildfire-1234567890abcdef1234567890abcdef", False, False),
    ]),
    AlJazeeraSpider: (aljazeera, [
        ("https://www.aljazeera.com/news/2024/3/12/floods-displace-thousands", True, True),
        ("https://www.aljazeera.com/news/liveblog/2024/3/12/israel-gaza-live", False, False),
        ("https://www.aljazeera.com/tag/climate-crisis/", False, False),
        ("https://www.aljazeera.net/news/2024/3/12/arabic-story", False, True),
        (f"{LOCAL}/gallery/2024/3/12/in-pictures-floods", False, False),
    ]),
    IndependentSpider: (independent, [
        ("https://www.independent.co.uk/news/uk/home-news/rail-fares-b2498765.html", True, True),
        ("https://www.independent.co.uk/news/uk/politics/budget-live-updates-b2510000.html", False, False),
        ("https://www.independent.co.uk/topic/rail", False, False),
        ("https://www.example.co.uk/news/uk/story-b2498765.html", False, True),
        (f"{LOCAL}/tv/news/flood-footage-v1234567", False, False),
    ]),
    NPRSpider: (npr, [
        ("https://www.npr.org/2024/04/18/nx-s1-4912345/bee-colonies-winter-losses", True, True),
        ("https://www.npr.org/templates/story/story.php?storyId=123456789", True, True),
        ("https://www.npr.org/templates/story/story.php", False, False),
        ("https://www.npr.org/podcasts/510289/planet-money", False, False),
        ("https://www.example.org/2024/04/18/nx-s1-4912345/story", False, True),
        (f"{LOCAL}/templates/story/story.php?storyId=123456789", False, True),  # the query counts
        (f"{LOCAL}/templates/story/story.php", False, False),
    ]),
}  # fmt: skip

ROWS = [
    pytest.param(spider, module, url, own, replayed, id=f"{spider.name}-{i}")
    for spider, (module, rows) in TABLE.items()
    for i, (url, own, replayed) in enumerate(rows)
]


@pytest.mark.parametrize(("spider_class", "module", "url", "own", "replayed"), ROWS)
def test_site_spider_follows_its_extractor_url_rules(spider_class, module, url, own, replayed):
    assert spider_class().is_article_url(url) is own
    assert spider_class(feeds=f"{LOCAL}/feed.xml").is_article_url(url) is replayed
    assert spider_class(fronts=f"{LOCAL}/").is_article_url(url) is replayed
    # The extractor module's function says the same, with one signature for every site.
    assert module.is_article_url(url) is own
    assert module.is_article_url(url, any_host=True) is replayed


@pytest.mark.parametrize(
    ("url", "news", "with_sport", "replayed", "replayed_with_sport"),
    [
        ("https://www.bbc.co.uk/news/uk-politics-12345678", True, True, True, True),
        ("https://www.bbc.co.uk/sport/football/12345678", False, True, False, True),
        ("https://www.bbc.com/sport/football/articles/c0sport123o", False, True, False, True),
        ("http://news.bbc.co.uk/sport1/hi/football/7984000.stm", False, True, False, True),
        ("https://www.bbc.co.uk/sport/live/football/12345678", False, False, False, False),
        (f"{LOCAL}/sport/football/articles/c0sport001o", False, False, False, True),
        (f"{LOCAL}/sport/live/football/12345678", False, False, False, False),
    ],
)  # fmt: skip
def test_bbc_sport_argument(url, news, with_sport, replayed, replayed_with_sport) -> None:
    feeds = f"{LOCAL}/rss.xml"
    assert BBCSpider().is_article_url(url) is news
    assert BBCSpider(sport="1").is_article_url(url) is with_sport
    assert BBCSpider(feeds=feeds).is_article_url(url) is replayed
    assert BBCSpider(sport="1", feeds=feeds).is_article_url(url) is replayed_with_sport
    assert bbc.is_article_url(url, any_host=True, extra=True) is replayed_with_sport
    for off in ("0", "no", "false", "off", ""):
        assert BBCSpider(sport=off).is_article_url(url) is news


@pytest.mark.parametrize("spider_class", list(TABLE))
def test_site_spider_is_data(spider_class: type[NewsSpider]) -> None:
    """A site's spider only names itself, its feeds and fronts (and, for the BBC, its
    sport argument): no methods, and the extractor named like it."""
    own = {k for k in vars(spider_class) if not k.startswith("__")} - {"extractor_name"}
    assert own <= {"name", "feeds", "fronts", "extra_paths_arg"}, own
    assert spider_class.extractor_name == spider_class.name
    spider = spider_class()
    assert spider.extractor.name == spider_class.name
    assert rules_for(spider.extractor) is TABLE[spider_class][0].URL_RULES


def test_a_spider_without_url_rules_follows_every_link() -> None:
    assert rules_for(get_extractor("generic")) is None
    spider = GenericSpider()
    assert spider.extractor_name == "generic"
    for url in ("https://www.example.com/anything", f"{LOCAL}/news/live/x", "https://bbc.co.uk/"):
        assert spider.is_article_url(url)
