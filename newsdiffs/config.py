"""Checks of the settings a crawl reads, made before anything is fetched.

A bad ``-s NAME=VALUE`` used to surface as a Scrapy traceback in the middle of
a run ("Unhandled error in Deferred") while the command exited 0; here it is
one :class:`BadSetting` with a one-line message. ``settings`` is anything with
Scrapy's ``get``/``getint``/``getfloat``/``getbool``/``getdict`` methods; this
module does not import Scrapy.

It is also the one place the ``NEWSDIFFS_*`` defaults are written (``DEFAULT_*``:
``newsdiffs/settings.py`` and every component that reads a setting use them), and
where the environment variables that stand in for settings are read
(:func:`apply_environment`), when settings are resolved, never at import.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from .schedule import ScheduleError, policy_for


class BadSetting(ValueError):
    """A setting has a value the crawl cannot use (``name``: which one)."""

    def __init__(self, message: str, name: str = "") -> None:
        super().__init__(message)
        self.name = name


# --- Defaults: each NEWSDIFFS_* default is written here and only here ------------------
#: The SQLite database the pipelines write (also ``--db``'s default).
DEFAULT_DB = "newsdiffs.db"
#: A page whose cleaned body has fewer characters than this is a failed extraction.
DEFAULT_MIN_BODY_CHARS = 150
#: Keep the page each version was read from (for ``newsdiffs reextract``).
DEFAULT_KEEP_HTML = True
#: Contact URL put in the User-Agent.
DEFAULT_CONTACT_URL = "https://github.com/newsdiffs/newsdiffs"
#: Known articles re-checked per source per run, at most.
DEFAULT_MAX_DUE_PER_RUN = 500
#: Seconds before the first retry, and the most any retry waits.
DEFAULT_RETRY_BACKOFF = 2.0
DEFAULT_RETRY_BACKOFF_MAX = 60.0
#: Prefix of every Redis key of a distributed deployment.
DEFAULT_REDIS_PREFIX = "newsdiffs"

#: Settings that an environment variable of the same name gives when neither ``-s``
#: nor a spider sets them (README "Settings": ``NEWSDIFFS_DB`` "or env").
ENV_SETTINGS = ("NEWSDIFFS_DB", "NEWSDIFFS_REDIS_URL")
#: Scrapy's priority of the project settings module (``SETTINGS_PRIORITIES["project"]``).
PROJECT_PRIORITY = 20


def apply_environment(settings: Any, environ: Mapping[str, str] | None = None) -> None:
    """Give each of :data:`ENV_SETTINGS` its environment variable's value (when set and not
    empty), at project priority: ``-s NAME=VALUE`` and a spider's own settings still win.

    Called where settings are resolved (``newsdiffs.crawl.project_settings``, and
    :class:`EnvironmentAddon` for ``scrapy crawl``), so the variable is read at that
    moment, not when ``newsdiffs.settings`` is imported.
    """
    environ = os.environ if environ is None else environ
    for name in ENV_SETTINGS:
        value = environ.get(name)
        if value and (settings.getpriority(name) or 0) <= PROJECT_PRIORITY:
            settings.set(name, value, priority=PROJECT_PRIORITY)


class EnvironmentAddon:
    """Scrapy add-on that runs :func:`apply_environment` on a crawler's settings (``scrapy
    crawl`` and scrapyd resolve the settings themselves)."""

    def update_settings(self, settings: Any) -> None:
        apply_environment(settings)


#: Whole-number settings and the least value each may take.
INT_SETTINGS = {
    "NEWSDIFFS_MIN_BODY_CHARS": 0,
    "NEWSDIFFS_MAX_DUE_PER_RUN": 0,
    "CONCURRENT_REQUESTS": 1,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "RETRY_TIMES": 0,
    "DOWNLOAD_MAXSIZE": 0,
    "DOWNLOAD_WARNSIZE": 0,
    "CLOSESPIDER_ITEMCOUNT": 0,
    "CLOSESPIDER_PAGECOUNT": 0,
    "CLOSESPIDER_ERRORCOUNT": 0,
}
#: Number settings (seconds and factors) and the least value each may take.
FLOAT_SETTINGS = {
    "DOWNLOAD_TIMEOUT": 0.001,
    "DOWNLOAD_DELAY": 0.0,
    "CLOSESPIDER_TIMEOUT": 0.0,
    "NEWSDIFFS_RETRY_BACKOFF": 0.0,
    "NEWSDIFFS_RETRY_BACKOFF_MAX": 0.0,
    "AUTOTHROTTLE_START_DELAY": 0.0,
    "AUTOTHROTTLE_MAX_DELAY": 0.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 0.001,
}
#: True/false settings (``None`` allowed where the default is ``None``).
BOOL_SETTINGS = ("NEWSDIFFS_KEEP_HTML", "NEWSDIFFS_RECHECK_FINISHED",
                 "NEWSDIFFS_RECHECK_FEED_LINKS", "ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED",
                 "RETRY_ENABLED", "HTTPERROR_ALLOW_ALL")
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def _number(settings: Any, name: str, kind: type, minimum: float) -> None:
    raw = settings.get(name)
    if raw is None:
        return
    try:
        value = settings.getint(name) if kind is int else settings.getfloat(name)
    except (TypeError, ValueError):
        raise BadSetting(f"setting {name}={raw!r}: expected a number", name) from None
    if kind is int and isinstance(raw, float) and raw != value:
        raise BadSetting(f"setting {name}={raw!r}: expected a whole number", name)
    if value < minimum:
        least = "more than 0" if 0 < minimum < 0.01 else f"at least {minimum:g}"
        raise BadSetting(f"setting {name}={raw!r}: must be {least}", name)


def check_schedule(settings: Any, sources: list[str] | tuple[str, ...] = ()) -> None:
    """``NEWSDIFFS_SCHEDULE`` must be a JSON object of policies that parse."""
    raw = settings.get("NEWSDIFFS_SCHEDULE")
    try:
        schedule = settings.getdict("NEWSDIFFS_SCHEDULE")
    except (TypeError, ValueError):
        raise BadSetting(f"setting NEWSDIFFS_SCHEDULE={raw!r}: expected a JSON object, e.g. "
                         '{"bbc": {"finish_after": "14d"}}', "NEWSDIFFS_SCHEDULE") from None
    for source in dict.fromkeys([*schedule, *sources]):
        try:
            policy_for(str(source), schedule)
        except (ScheduleError, TypeError, ValueError) as exc:
            raise BadSetting(f"setting NEWSDIFFS_SCHEDULE: {exc}", "NEWSDIFFS_SCHEDULE") from None


def check_settings(settings: Any, sources: list[str] | tuple[str, ...] = ()) -> None:
    """Raise :class:`BadSetting` for the first setting a crawl could not use."""
    for name, minimum in INT_SETTINGS.items():
        _number(settings, name, int, minimum)
    for name, low in FLOAT_SETTINGS.items():
        _number(settings, name, float, low)
    for name in BOOL_SETTINGS:
        if settings.get(name) is None:
            continue
        try:
            settings.getbool(name)
        except (TypeError, ValueError):
            raise BadSetting(f"setting {name}={settings.get(name)!r}: expected True or False "
                             "(or 1/0)", name) from None
    level = settings.get("LOG_LEVEL")
    if not isinstance(level, int) and level not in LOG_LEVELS:  # Scrapy wants capitals
        raise BadSetting(f"setting LOG_LEVEL={level!r}: choose from {', '.join(LOG_LEVELS)}",
                         "LOG_LEVEL")
    if not str(settings.get("NEWSDIFFS_DB") or "").strip():
        raise BadSetting("setting NEWSDIFFS_DB is empty: name the database file", "NEWSDIFFS_DB")
    check_schedule(settings, sources)


def log_level(settings: Any) -> int:
    """The numeric ``LOG_LEVEL`` (after :func:`check_settings`)."""
    level = settings.get("LOG_LEVEL")
    return level if isinstance(level, int) else logging.getLevelName(level)


def settings_user_agent(settings: Any) -> str:
    """The User-Agent a crawl with these settings sends: ``USER_AGENT`` when given (in the
    project settings or with ``-s``), else :func:`user_agent` of ``NEWSDIFFS_CONTACT_URL``
    (as ``spiders.middlewares.UserAgentAddon`` sets it)."""
    from scrapy.settings import SETTINGS_PRIORITIES

    if (settings.getpriority("USER_AGENT") or 0) > SETTINGS_PRIORITIES["default"]:
        return settings.get("USER_AGENT")
    return user_agent(settings.get("NEWSDIFFS_CONTACT_URL"))


@functools.cache
def newsdiffs_version() -> str:
    """The installed package's version ("0" in a source tree that is not installed); read
    once (a metadata lookup costs about a millisecond)."""
    try:
        return package_version("newsdiffs")
    except PackageNotFoundError:
        return "0"


def user_agent(contact_url: str | None) -> str:
    """``newsdiffs/<version> (+<contact URL>)``: who is fetching, and how to reach them
    (the crawl's User-Agent, and ``newsdiffs extract``'s)."""
    version = newsdiffs_version()
    return f"newsdiffs/{version} (+{contact_url})" if contact_url else f"newsdiffs/{version}"
