"""Clean the text fields of an item (see ``newsdiffs.normalize``)."""

from __future__ import annotations

from itemadapter import ItemAdapter

from newsdiffs.normalize import clean_blocks, clean_text
from newsdiffs.urls import canonicalize


class NormalisePipeline:
    """Entities decoded, NFC, invisible characters dropped, whitespace collapsed, empty blocks dropped."""

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("error"):
            return item
        adapter["title"] = clean_text(adapter.get("title"))
        adapter["byline"] = clean_text(adapter.get("byline")) or None
        adapter["body"] = clean_blocks(adapter.get("body") or [])
        adapter["canonical_url"] = canonicalize(adapter.get("canonical_url") or adapter["url"])
        return item
