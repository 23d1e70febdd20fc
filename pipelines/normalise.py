"""Clean the text fields of an item (see ``newsdiffs.normalize`` and ``newsdiffs.revision``)."""

from __future__ import annotations

from itemadapter import ItemAdapter

from newsdiffs.normalize import clean_text
from newsdiffs.revision import clean_item


class NormalisePipeline:
    """Entities decoded, NFC, invisible characters dropped, whitespace collapsed, empty blocks dropped.

    The cleaning is :func:`newsdiffs.revision.clean_item`, the same function
    ``newsdiffs reextract`` and ``newsdiffs extract`` use, so a stored hash is
    reproduced exactly when a page is read again.
    """

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("error"):
            # A failed check stores only its reason: no control character from a header.
            adapter["error"] = clean_text(adapter["error"]) or "failed"
            return item
        return clean_item(item)
