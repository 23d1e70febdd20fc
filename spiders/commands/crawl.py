"""``scrapy crawl`` that refuses bad spider arguments in one line, before anything starts.

Scrapy would build the spider, whose ``__init__`` raises on a bad ``-a url=``,
``urls=`` or ``feeds=``, and print a traceback; this command checks them the
same way first (``newsdiffs.urls.validate_spider_args``), prints
``Error: ...`` and exits with status 2, like a usage error.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from newsdiffs.urls import SpiderArgError, validate_spider_args


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        # Here, before Scrapy sets up logging and the crawler: one line and nothing else.
        try:
            validate_spider_args(opts.spargs)
        except SpiderArgError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            sys.exit(2)
