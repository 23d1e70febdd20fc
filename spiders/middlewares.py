"""Scrapy components for polite fetching: an identifying User-Agent, retries with backoff,
robots.txt rules for every request, redirects that always end in a check.

Loaded by Scrapy from the settings (``ADDONS``, ``DOWNLOADER_MIDDLEWARES``);
the timing policy they apply lives in ``newsdiffs.schedule``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from newsdiffs.config import DEFAULT_RETRY_BACKOFF, DEFAULT_RETRY_BACKOFF_MAX, user_agent
from newsdiffs.schedule import backoff_delay, retry_after_seconds

logger = logging.getLogger(__name__)


class UserAgentAddon:
    """Sets ``USER_AGENT`` from ``NEWSDIFFS_CONTACT_URL``, also when that is given with ``-s``.

    It sets it at add-on priority, so a ``USER_AGENT`` given explicitly (in
    the project settings or with ``-s``) still wins. Robots.txt rules are
    matched against the same agent.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        settings.set("USER_AGENT", user_agent(settings.get("NEWSDIFFS_CONTACT_URL")),
                     priority="addon")


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, 429, timeouts, connection errors) with a wait before each one.

    The first retry waits ``NEWSDIFFS_RETRY_BACKOFF`` seconds, each next one
    twice as long, never more than ``NEWSDIFFS_RETRY_BACKOFF_MAX``; a server's
    longer ``Retry-After`` is honoured up to that cap. ``RETRY_TIMES`` and
    ``RETRY_HTTP_CODES`` work as in Scrapy.

    Giving up ("Gave up retrying ...") is logged as a warning, not an error:
    the spider records the page as a failed check, which the summary counts
    and ``newsdiffs status`` reports, so ``crawl --quiet`` (errors only) stays
    silent about it. An explicit ``RETRY_GIVE_UP_LOG_LEVEL`` still wins.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("NEWSDIFFS_RETRY_BACKOFF", DEFAULT_RETRY_BACKOFF)
        self.cap = settings.getfloat("NEWSDIFFS_RETRY_BACKOFF_MAX", DEFAULT_RETRY_BACKOFF_MAX)
        if (settings.getpriority("RETRY_GIVE_UP_LOG_LEVEL") or 0) <= SETTINGS_PRIORITIES["default"]:
            self.give_up_log_level = "WARNING"

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            header = response.headers.get(b"Retry-After")
            await self._wait(result, header.decode("latin-1") if header else None)
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result  # type: ignore[return-value]

    async def _wait(self, retry: Request, retry_after: str | None) -> None:
        asked = retry_after_seconds(retry_after, datetime.now(timezone.utc))
        delay = backoff_delay(retry.meta.get("retry_times", 1), self.base, self.cap, asked)
        if delay > 0:
            logger.debug("waiting %.1fs before retrying %s", delay, retry.url)
            self.crawler.stats.inc_value("newsdiffs/retry_wait_seconds", delay)
            await sleep(delay)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with the rules given to every request that waited.

    While a host's robots.txt is being fetched, Scrapy 2.19 lets every other
    request for that host wait on one shared Deferred; the first waiter's
    callback consumes the parser and the others get ``None``, which means
    "allowed" (with ``Disallow: /`` 3-5 of 20 queued pages were fetched).
    Here each waiter waits on its own Deferred, fed the parser by a callback
    that passes it on down the shared one.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred[RobotParser | None] = Deferred()
            pending.addCallback(_pass_on, waiter)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)


def _pass_on(result: Any, waiter: Deferred) -> Any:
    """Fire ``waiter`` with a Deferred's result and leave that result to the next callback."""
    waiter.callback(result)
    return result


class RedirectLoop(Exception):
    """A redirect leads back to a URL already visited on the way."""


#: Request meta set when a redirect leads to an article another request of the run
#: fetches: the redirect is not followed and the spider gets the 3xx (or refresh) page.
REDIRECTED_TO_REQUESTED = "newsdiffs_redirected_to_requested"


class _ArticleRedirects:
    """Redirect handling that always ends in a response or an error the spider sees.

    Scrapy sends a redirect's next request through the scheduler, whose
    duplicate filter dropped it silently when its URL was requested before:
    a loop (A -> A' -> A) or a move to an article fetched in the same run
    then left no check. Here a loop is a :class:`RedirectLoop` error (the
    request's errback records a failed check), and a redirect to an article
    another request of the run fetches (the spider's ``requested_elsewhere``)
    is not followed: the spider gets this response with meta
    ``REDIRECTED_TO_REQUESTED`` and notes where the article went.
    """

    crawler: Any

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            self.crawler.stats.inc_value("newsdiffs/redirect_loop")
            raise RedirectLoop("redirect loop: " + " -> ".join([*chain, redirected.url]))
        return super()._redirect(redirected, request, reason)  # type: ignore[misc]

    def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)  # type: ignore[misc]
        elsewhere = getattr(self.crawler.spider, "requested_elsewhere", None)
        if isinstance(result, Request) and elsewhere is not None and elsewhere(result.url, request):
            self.crawler.stats.inc_value("newsdiffs/redirect_to_requested")
            request.meta[REDIRECTED_TO_REQUESTED] = result.url
            return response
        return result


class ArticleRedirectMiddleware(_ArticleRedirects, RedirectMiddleware):
    """Scrapy's HTTP redirects (3xx + Location), with loops and repeats handled (see above)."""


class ArticleMetaRefreshMiddleware(_ArticleRedirects, MetaRefreshMiddleware):
    """Scrapy's ``<meta http-equiv=refresh>`` redirects, with loops and repeats handled."""
