"""Extractors: plain-Python functions from (HTML, URL) to an :class:`ArticleItem`.

No Scrapy here. Each site module defines an :class:`Extractor` subclass; defining
it registers it for its domains, so dispatch by URL needs no hand-kept list.
"""

from __future__ import annotations

from .base import (
    ExtractionError,
    Extractor,
    UnknownExtractor,
    extractor_for_url,
    get_extractor,
    registry,
)

__all__ = ["ExtractionError", "Extractor", "UnknownExtractor", "extractor_for_url", "get_extractor",
           "registry"]


def load_all() -> None:
    """Import every extractor module so that all of them are registered."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")
