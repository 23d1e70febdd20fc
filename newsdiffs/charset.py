"""Page bytes to text, the way browsers choose the encoding: BOM > HTTP header > meta > sniff.

One function, :func:`decode_page`, decodes every page newsdiffs reads: a
crawled response (with the charset of its ``Content-Type`` header), a page
given to ``newsdiffs extract`` and a kept page read again by
``newsdiffs reextract`` (with the header charset stored beside it). The same
bytes and header therefore always give the same text, so a page is never a
different version only because it was decoded another way.

Labels are resolved as the WHATWG Encoding Standard reads them (``iso-8859-1``,
``latin1`` and ``us-ascii`` are windows-1252); a label nobody knows is
ignored, as browsers do, and the next source decides.
"""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

#: A charset label worth keeping (``iso-8859-1``, ``Shift_JIS``, ``utf-8``); anything else is noise.
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,39}$")
#: The ``charset`` parameter of a Content-Type header.
_CHARSET_PARAM = re.compile(r"""(?:^|;)\s*charset\s*=\s*["']?\s*([^"';\s]*)""", re.I)


def header_charset(content_type: str | bytes | None) -> str | None:
    """The charset label a ``Content-Type`` header declares, lower-cased (``None``: none or junk).

    ``"text/html; charset=ISO-8859-1"`` -> ``"iso-8859-1"``. The label is kept
    as declared (not resolved) so that it can be stored and read again.
    """
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    if not content_type:
        return None
    match = _CHARSET_PARAM.search(content_type)
    return charset_label(match.group(1)) if match else None


def charset_label(label: str) -> str | None:
    """A charset label as stored: trimmed, lower-cased; ``None`` when it is not one at all."""
    label = label.strip().lower()
    return label if _LABEL.match(label) else None


def _resolve(label: str | None) -> str | None:
    """The Python codec for a header charset label, as browsers map it; ``None`` if unknown."""
    if not label:
        return None
    encoding = http_content_type_encoding(f"text/html; charset={label}")
    if encoding in ("utf-16", "utf-32"):  # no BOM: the WHATWG default byte order
        encoding += "-le"
    return encoding


def _declared_in_page(body: bytes) -> str | None:
    """The encoding a ``<meta>`` or XML declaration in the page's first bytes names."""
    encoding = html_body_declared_encoding(body)
    if encoding and codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        # A page that could declare it in ASCII is not UTF-16 (HTML prescan rule).
        return "utf-8"
    return encoding


def _sniff(body: bytes) -> str:
    """UTF-8 when the bytes read as UTF-8 (a stray bad byte allowed), else windows-1252."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if c > "\x7f" and c != "\ufffd")
    return "utf-8" if good > bad else "cp1252"


def page_encoding(body: bytes, charset: str | None = None) -> tuple[str, str]:
    """``(codec, where it came from)`` for page bytes: ``bom``, ``header``, ``meta`` or ``sniff``.

    ``charset`` is the label of the HTTP ``Content-Type`` header (see
    :func:`header_charset`), ``None`` when there was none.
    """
    encoding, _ = read_bom(body)
    if encoding:
        return encoding, "bom"
    encoding = _resolve(charset)
    if encoding:
        return encoding, "header"
    encoding = _declared_in_page(body)
    if encoding:
        return encoding, "meta"
    return _sniff(body), "sniff"


def decode_page(body: bytes | str, charset: str | None = None) -> str:
    """Page bytes as text: BOM, else the header ``charset``, else ``<meta charset>``, else sniffed.

    Bytes the encoding cannot read become U+FFFD; a BOM is dropped. Text is
    returned as it is.
    """
    if isinstance(body, str):
        return body.removeprefix("\ufeff")
    _, bom = read_bom(body)
    encoding, found = page_encoding(body, charset)
    if found == "bom" and bom:
        body = body[len(bom):]
    return body.decode(encoding, errors="replace").removeprefix("\ufeff")
