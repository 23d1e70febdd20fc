"""Running spiders from Python (the ``newsdiffs crawl`` command's engine).

This is the one place outside ``spiders/`` and ``pipelines/`` that imports
Scrapy, and it does so only when a crawl is run.
"""

from __future__ import annotations

import os
import time
from typing import Any


def project_settings(overrides: dict[str, Any] | None = None):
    """Scrapy settings of the project, wherever the command is run from."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsdiffs.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def spider_names(settings=None) -> list[str]:
    """Names of every spider in the project."""
    from scrapy.spiderloader import get_spider_loader

    return sorted(get_spider_loader(settings or project_settings()).list())


def run_spiders(names: list[str], overrides: dict[str, Any] | None = None,
                spider_args: dict[str, Any] | None = None) -> str:
    """Run the named spiders (all when empty) in one process; return a one-line summary."""
    from scrapy.crawler import CrawlerProcess

    settings = project_settings(overrides)
    known = spider_names(settings)
    for name in names:
        if name not in known:
            raise KeyError(f"unknown spider {name!r} (known: {', '.join(known)})")
    started = time.monotonic()
    process = CrawlerProcess(settings)
    crawlers = []
    for name in names or known:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler, **(spider_args or {}))
    process.start()
    totals = dict.fromkeys(("new", "changed", "unchanged", "failed"), 0)
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        for key in totals:
            totals[key] += stats.get(f"newsdiffs/{key}", 0)
    checked = sum(totals.values())
    return (
        f"checked {checked}, changed {totals['changed']}, new {totals['new']}, "
        f"unchanged {totals['unchanged']}, failed {totals['failed']} "
        f"in {time.monotonic() - started:.1f}s"
    )
