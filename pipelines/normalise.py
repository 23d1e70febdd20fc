"""Clean the text fields of an item (see ``newsdiffs.normalize`` and ``newsdiffs.revision``)."""

from __future__ import annotations

from itemadapter import ItemAdapter

from newsdiffs.revision import clean_item


class NormalisePipeline:
    """Entities decoded, NFC, invisible characters dropped, whitespace collapsed, empty blocks dropped.

    The cleaning is :func:`newsdiffs.revision.clean_item`, the same function
    ``newsdiffs reextract`` and ``newsdiffs extract`` use, so a stored hash is
    reproduced exactly when a page is read again.
    """

    def process_item(self, item):
        if ItemAdapter(item).get("error"):
            return item
        return clean_item(item)
