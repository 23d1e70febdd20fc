"""Clean the text fields of an item (see ``newsdiffs.text`` and ``newsdiffs.revision``)."""

from __future__ import annotations

from newsdiffs.revision import clean_item


class CleanPipeline:
    """NFC, control and invisible characters dropped, whitespace collapsed, empty blocks dropped.

    The cleaning is :func:`newsdiffs.revision.clean_item`, the same function
    ``newsdiffs reextract`` and ``newsdiffs extract`` use, so a stored hash is
    reproduced exactly when a page is read again. In the project's pipelines the
    validate pipeline has cleaned the item already: it passes through unchanged.
    A failed check's reason is cleaned too: no control character from a header.
    """

    def process_item(self, item):
        return clean_item(item)
