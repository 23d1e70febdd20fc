"""Scrapy settings for newsdiffs (``scrapy.cfg`` points here).

Every project setting is prefixed ``NEWSDIFFS_``; override with ``-s NAME=VALUE``
or, for the database, the ``NEWSDIFFS_DB`` environment variable (read when the
settings are resolved, ``newsdiffs.config.apply_environment``, not at import).
The defaults are written once, in ``newsdiffs.config``.
"""

# Imported as a lower-case name: Scrapy takes every upper-case name here for a setting.
from newsdiffs import config as _config

BOT_NAME = "newsdiffs"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

#: The SQLite database the pipelines write.
NEWSDIFFS_DB = _config.DEFAULT_DB
#: A page whose cleaned body has fewer characters than this is a failed extraction.
NEWSDIFFS_MIN_BODY_CHARS = _config.DEFAULT_MIN_BODY_CHARS
#: Keep the page each version was read from (gzip-compressed, table ``version_html``)
#: so that ``newsdiffs reextract`` can read it again with a fixed extractor.
NEWSDIFFS_KEEP_HTML = _config.DEFAULT_KEEP_HTML
#: Contact URL put in the User-Agent so publishers can reach the operator. The
#: User-Agent, "newsdiffs/<version> (+<contact URL>)", follows it even when it
#: is given with -s (spiders.middlewares.UserAgentAddon); set USER_AGENT to replace it.
NEWSDIFFS_CONTACT_URL = _config.DEFAULT_CONTACT_URL
#: Re-check policy per source (defaults in newsdiffs.schedule), e.g.
#: {"bbc": {"finish_after": "14d", "tiers": [["3h", "10m"], ["1d", "1h"]], "gone": ["1h", "1d"]}}
#: A "default" entry applies to every source.
NEWSDIFFS_SCHEDULE: dict = {}
#: At most this many known articles re-checked per source per run, most overdue first.
NEWSDIFFS_MAX_DUE_PER_RUN = _config.DEFAULT_MAX_DUE_PER_RUN
#: Also re-check finished articles (``newsdiffs crawl --all``).
NEWSDIFFS_RECHECK_FINISHED = False
#: Re-check a tracked article whenever a feed lists it, due or not. None (the
#: default): only for feeds named with ``-a feeds=`` (what you name is fetched);
#: the spiders' own feeds then only add new articles, tracked ones keep their schedule.
NEWSDIFFS_RECHECK_FEED_LINKS = None
#: Spiders that ``newsdiffs crawl`` leaves out unless named.
NEWSDIFFS_DISABLED_SPIDERS: list = []
#: Seconds before the first retry of a 5xx/429/timeout; doubles each retry, capped.
NEWSDIFFS_RETRY_BACKOFF = _config.DEFAULT_RETRY_BACKOFF
NEWSDIFFS_RETRY_BACKOFF_MAX = _config.DEFAULT_RETRY_BACKOFF_MAX

#: Distributed mode: a shared scrapy-redis request queue and a Redis Stream of items read
#: by ``newsdiffs ingest`` (README "Running on many machines"). Unset: one machine, SQLite.
#: The ``NEWSDIFFS_REDIS_URL`` environment variable gives it too (``apply_environment``).
NEWSDIFFS_REDIS_URL = None

# EnvironmentAddon first: NEWSDIFFS_DB / NEWSDIFFS_REDIS_URL from the environment
# before the other add-ons read them.
ADDONS = {"newsdiffs.config.EnvironmentAddon": -10,
          "spiders.middlewares.UserAgentAddon": 0,
          "pipelines.distributed.DistributedAddon": 10}
DOWNLOADER_MIDDLEWARES = {
    # The same retries, with a wait before each (Scrapy's own retries at once).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    # Scrapy's robots.txt middleware let requests queued while robots.txt was
    # being fetched through unchecked; this one gives each of them the rules.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.SharedRobotsTxtMiddleware": 100,
    # Redirect loops and redirects to an article fetched in the same run end in a check.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "spiders.middlewares.ArticleRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "spiders.middlewares.ArticleMetaRefreshMiddleware": 580,
}
# Only http(s) is ever fetched: no handler reads local files, S3, FTP or data: URLs.
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}
# `scrapy crawl` checks the spider arguments (-a url=, urls=, feeds=) before it starts.
COMMANDS_MODULE = "spiders.commands"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Error pages are checks too: the spider sees them and records a failed check.
HTTPERROR_ALLOW_ALL = True
# A cache would answer re-checks without asking the site; never use one here.
HTTPCACHE_ENABLED = False
# Scrapy's check for a generator callback with ``return value`` re-parses the callback's
# source on most responses (its cache is keyed by the short-lived bound method: about
# 1 ms a page); tests/test_crawl_overhead.py runs that check once for every spider.
WARN_ON_GENERATOR_RETURN_VALUE = False
TELNETCONSOLE_ENABLED = False
# Scrapy's remote-control HTTP endpoint is not needed for unattended crawls.
# CrawlGuard (first, before components read settings): checks settings, takes the
# database lock for `scrapy crawl`, records the run, makes a failed run exit 1.
EXTENSIONS = {"scrapy.extensions.remote_control.RemoteControl": None,
              "spiders.extensions.CrawlGuard": -1000}
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.clean.CleanPipeline": 200,
    "pipelines.record.RecordPipeline": 300,
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
