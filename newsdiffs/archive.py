"""Evidence: a Wayback Machine capture of each new version (Save Page Now).

A separate step after a crawl (``newsdiffs archive``, or ``newsdiffs crawl
--archive``), so that archiving never delays or blocks storing a version. It
picks articles whose latest version has no capture yet (the live page is that
version; an older version cannot be captured any more), asks
``<endpoint><url>`` for a capture, and records the answer in the ``archives``
table: the capture's URL, or the failure, tried again by later runs up to a
number of attempts. Requests are spaced by a delay and capped per run; an
answer of 429 (too many requests) ends the run.

Save Page Now answers a capture request with a redirect (``Location``) or a
``Content-Location`` header naming ``/web/<14-digit timestamp>/<url>``.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .links import http_link
from .store import Store
from .times import now_iso

DEFAULT_ENDPOINT = "https://web.archive.org/save/"
USER_AGENT = "newsdiffs (+https://github.com/newsdiffs/newsdiffs; Save Page Now)"
#: Where a capture lives: ``/web/20261120080000/https://...`` (path of the archive host).
_CAPTURE_PATH = re.compile(r"^/web/\d{14}[a-z_]*/https?://", re.IGNORECASE)


class ArchiveError(ValueError):
    """An archive setting that cannot be used, e.g. an endpoint that is not http(s)."""


class CaptureFailed(Exception):
    """Save Page Now did not give a capture; ``rate_limited`` for an HTTP 429 answer."""

    def __init__(self, message: str, *, rate_limited: bool = False) -> None:
        super().__init__(message)
        self.rate_limited = rate_limited


@dataclass(frozen=True)
class ArchiveSettings:
    """How ``newsdiffs archive`` asks for captures."""

    endpoint: str = DEFAULT_ENDPOINT
    #: Capture requests per run, at most.
    limit: int = 20
    #: Seconds between two requests.
    delay: float = 10.0
    #: A version whose capture failed this many times is not asked for again.
    max_attempts: int = 3
    timeout: float = 60.0

    def __post_init__(self) -> None:
        endpoint = http_link(self.endpoint)
        if endpoint is None:
            raise ArchiveError(f"archive endpoint {self.endpoint!r} is not an http(s) URL")
        object.__setattr__(self, "endpoint", endpoint)  # without surrounding spaces
        if self.limit < 0 or self.delay < 0 or self.max_attempts < 1 or self.timeout <= 0:
            raise ArchiveError("archive limit, delay, attempts and timeout must be positive")


@dataclass
class ArchiveReport:
    """What an archive run did."""

    requested: int = 0
    archived: int = 0
    failed: int = 0
    #: The run stopped early because the archive answered 429.
    rate_limited: bool = False

    def __str__(self) -> str:
        text = (f"{self.requested} captures requested: {self.archived} archived, "
                f"{self.failed} failed")
        return text + (" (stopped: the archive asked us to slow down)"
                       if self.rate_limited else "")


def capture_request_url(endpoint: str, url: str) -> str:
    """The Save Page Now request for ``url``: the endpoint followed by the URL."""
    return endpoint + url


def capture_from_headers(headers: dict[str, str], endpoint: str) -> str | None:
    """The capture URL from an answer's ``Content-Location`` or ``Location``, made absolute
    against the endpoint; ``None`` unless it is a ``/web/<timestamp>/<url>`` capture."""
    for name in ("content-location", "location"):
        value = headers.get(name)
        if not value:
            continue
        absolute = urljoin(endpoint, value.strip())
        if http_link(absolute) and _CAPTURE_PATH.match(urlsplit(absolute).path):
            return absolute
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep a redirect as the answer: its ``Location`` is the capture (not worth fetching)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def request_capture(url: str, *, endpoint: str, timeout: float) -> str:
    """Ask Save Page Now to capture ``url``; the capture's URL, or :class:`CaptureFailed`."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(capture_request_url(endpoint, url),
                                     headers={"User-Agent": USER_AGENT})
    try:
        with opener.open(request, timeout=timeout) as response:
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx and 5xx
        status, headers = exc.code, exc.headers
        exc.close()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CaptureFailed(f"request failed: {reason}") from None
    if status == 429:
        raise CaptureFailed("HTTP 429 (too many requests)", rate_limited=True)
    if status >= 400:
        raise CaptureFailed(f"HTTP {status}")
    found = capture_from_headers({k.lower(): v for k, v in headers.items()}, endpoint)
    if found is None:
        raise CaptureFailed(f"HTTP {status} without a capture location")
    return found


def archive_versions(store: Store, settings: ArchiveSettings, *,
                     clock: Callable[[], str] = now_iso,
                     sleep: Callable[[float], None] = time.sleep,
                     capture: Callable[..., str] = request_capture,
                     since: str | None = None) -> ArchiveReport:
    """Request captures for up to ``settings.limit`` versions and record each answer."""
    report = ArchiveReport()
    todo = store.to_archive(limit=settings.limit, max_attempts=settings.max_attempts,
                            since=since)
    for row in todo:
        if report.requested:
            sleep(settings.delay)
        report.requested += 1
        url = http_link(row["url"])
        try:
            if url is None:
                raise CaptureFailed("not an http(s) URL")
            found = capture(url, endpoint=settings.endpoint, timeout=settings.timeout)
        except CaptureFailed as exc:
            report.failed += 1
            store.record_archive(row["version_id"], at=clock(), error=str(exc))
            if exc.rate_limited:
                report.rate_limited = True
                break
            continue
        report.archived += 1
        store.record_archive(row["version_id"], at=clock(), archive_url=found)
    return report
