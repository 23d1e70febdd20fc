"""The article item: what an extractor returns and the pipelines store.

Items are plain dataclasses read through ``itemadapter.ItemAdapter`` so that
Scrapy's machinery (feeds, pipelines) treats them like any other item while the
core stays free of Scrapy imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["paragraph", "subheading", "list_item"]

#: How each block kind is written into the stored ``body`` text. Paragraphs are
#: bare; the markers keep structure visible in plain text (and in Datasette)
#: and let :func:`blocks_from_text` read a stored body back into blocks.
BLOCK_PREFIX: dict[str, str] = {"paragraph": "", "subheading": "## ", "list_item": "- "}


@dataclass(frozen=True)
class Block:
    """One block of article body text: a paragraph, a subheading or a list item."""

    text: str
    kind: BlockKind = "paragraph"

    def as_text(self) -> str:
        """The block as written in the stored body (with its kind marker)."""
        return BLOCK_PREFIX[self.kind] + self.text


@dataclass
class ArticleItem:
    """An extracted news article at one point in time.

    Text fields hold plain text (never markup). Dates come twice: ``*_raw`` is
    the string exactly as the site gave it, the plain field is the parsed
    ISO 8601 time (``None`` when it could not be parsed).
    """

    #: URL that was fetched.
    url: str
    #: Identity of the article: canonical link / og:url, cleaned (see ``newsdiffs.urls``).
    canonical_url: str = ""
    #: Source name, the spider that tracks it (``bbc``, ``guardian`` ...).
    source: str = ""
    title: str = ""
    byline: str | None = None
    published: str | None = None
    published_raw: str | None = None
    modified: str | None = None
    modified_raw: str | None = None
    #: Body blocks in reading order.
    body: list[Block] = field(default_factory=list)
    #: When the response was received, ISO 8601 UTC.
    fetched_at: str = ""
    #: HTTP status of the response.
    http_status: int = 200
    #: Name and version of the extractor that produced the fields.
    extractor: str = ""
    extractor_version: str = ""
    #: Why extraction failed, when the extractor or spider knows (else ``None``).
    error: str | None = None
    #: For a tracked article whose URL now leads to another article (an HTTP
    #: redirect or a new canonical URL): the other article's URL.
    redirected_to: str | None = None
    #: Conditional-fetch validators sent back on the next check.
    etag: str | None = None
    last_modified: str | None = None
    #: Raw response body, kept (compressed) for re-extraction; may be ``None``.
    html: bytes | None = field(default=None, repr=False)
    #: Charset label of the response's ``Content-Type`` header (``None``: none), kept with
    #: ``html`` so that a re-extraction decodes the page exactly as the crawl did.
    charset: str | None = None
    #: Digest of the fetched page and what read it (``newsdiffs.revision.page_digest``), kept
    #: with the article (``articles.page_digest``); ``None``: not computed.
    page_digest: str | None = None
    #: The page is byte for byte the one the article's latest text was read from (its
    #: ``page_digest`` is the stored one): not extracted again, title and body are empty.
    same_page: bool = False
    #: Every text field is cleaned as stored and the canonical URL canonicalised: set by
    #: :func:`newsdiffs.revision.clean_item` only (cleaning such an item again changes nothing,
    #: so the pipelines and the store skip it). Not sent between machines: an ingest cleans
    #: what it receives itself.
    cleaned: bool = False

    def body_text(self) -> str:
        """The body as stored: one block per paragraph, blocks separated by a blank line."""
        return blocks_to_text(self.body)


def blocks_to_text(blocks: list[Block]) -> str:
    """Join blocks into the stored body text."""
    return "\n\n".join(b.as_text() for b in blocks)


def split_blocks(text: str) -> list[str]:
    """Stored body text -> the stored block strings (kind markers kept)."""
    return [b for b in text.split("\n\n") if b]


def parse_block(text: str) -> Block:
    """One stored block string (with its kind marker) -> :class:`Block` (inverse of
    :meth:`Block.as_text`)."""
    for kind, prefix in BLOCK_PREFIX.items():
        if prefix and text.startswith(prefix):
            return Block(text[len(prefix) :], kind)  # type: ignore[arg-type]
    return Block(text)


def blocks_from_text(text: str) -> list[Block]:
    """Read stored body text back into blocks (inverse of :func:`blocks_to_text`)."""
    return [parse_block(chunk) for chunk in split_blocks(text)]
