"""Scrapy settings for newsdiffs (``scrapy.cfg`` points here).

Every project setting is prefixed ``NEWSDIFFS_``; override with ``-s NAME=VALUE``
or, for the database, the ``NEWSDIFFS_DB`` environment variable.
"""

import os

BOT_NAME = "newsdiffs"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

#: The SQLite database the pipelines write.
NEWSDIFFS_DB = os.environ.get("NEWSDIFFS_DB", "newsdiffs.db")
#: A page whose cleaned body has fewer characters than this is a failed extraction.
NEWSDIFFS_MIN_BODY_CHARS = 150
#: Contact URL put in the User-Agent so publishers can reach the operator.
NEWSDIFFS_CONTACT_URL = "https://github.com/newsdiffs/newsdiffs"

USER_AGENT = f"newsdiffs/0.1 (+{NEWSDIFFS_CONTACT_URL})"
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
TELNETCONSOLE_ENABLED = False
# Scrapy's remote-control HTTP endpoint is not needed for unattended crawls.
EXTENSIONS = {"scrapy.extensions.remote_control.RemoteControl": None}
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.normalise.NormalisePipeline": 200,
    "pipelines.store.StorePipeline": 300,
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
