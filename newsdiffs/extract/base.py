"""Extractor base class and the domain registry."""

from __future__ import annotations

from typing import ClassVar

from ..items import ArticleItem
from ..urls import host_of
from .urlrules import on_domains


class ExtractionError(Exception):
    """The page holds no extractable article (consent wall, error page, empty body)."""


#: name -> extractor class
registry: dict[str, type[Extractor]] = {}


class UnknownExtractor(LookupError):
    """No extractor is registered under the name asked for."""


class Extractor:
    """Base class: subclasses set ``name``, ``version``, ``domains`` and implement ``extract``.

    ``extract`` returns an :class:`ArticleItem` with url, canonical_url, title,
    byline, dates and body filled in (``source``, ``fetched_at`` and the HTTP
    fields are the spider's job). Text may still be untidy: the normalise
    pipeline cleans it. It raises :class:`ExtractionError` when the page is not
    an article it can read.
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    #: Host names (without ``www.``) this extractor handles; subdomains match too.
    domains: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            registry[cls.name] = cls

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        raise NotImplementedError

    def __call__(self, html: str | bytes, url: str) -> ArticleItem:
        item = self.extract(html, url)
        item.extractor = item.extractor or self.name
        item.extractor_version = item.extractor_version or self.version
        return item


def get_extractor(name: str) -> Extractor:
    """The registered extractor called ``name``."""
    from . import load_all

    load_all()
    try:
        return registry[name]()
    except KeyError:
        raise UnknownExtractor(f"no extractor named {name!r}") from None


def extractor_for_url(url: str, default: str | None = "generic") -> Extractor | None:
    """The extractor whose domains match the URL's host, else ``default``."""
    from . import load_all

    load_all()
    host = host_of(url)
    for cls in registry.values():
        if on_domains(host, cls.domains):
            return cls()
    return registry[default]() if default and default in registry else None
