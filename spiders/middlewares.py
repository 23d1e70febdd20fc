"""Scrapy components for polite fetching: an identifying User-Agent, retries with backoff.

Loaded by Scrapy from the settings (``ADDONS``, ``DOWNLOADER_MIDDLEWARES``);
the timing policy they apply lives in ``newsdiffs.schedule``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import sleep

from newsdiffs.schedule import backoff_delay, retry_after_seconds

logger = logging.getLogger(__name__)


def user_agent(contact_url: str | None) -> str:
    """``newsdiffs/<version> (+<contact URL>)``: who is fetching, and how to reach them."""
    try:
        version = package_version("newsdiffs")
    except PackageNotFoundError:  # running from a source tree that is not installed
        version = "0"
    return f"newsdiffs/{version} (+{contact_url})" if contact_url else f"newsdiffs/{version}"


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
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("NEWSDIFFS_RETRY_BACKOFF", 2.0)
        self.cap = settings.getfloat("NEWSDIFFS_RETRY_BACKOFF_MAX", 60.0)

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
