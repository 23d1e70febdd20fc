"""Pages are decoded as browsers decode them: BOM > HTTP header charset > <meta> > sniffing.

The table tests :func:`newsdiffs.charset.decode_page` alone; the crawl tests serve
each case from 127.0.0.1, crawl it twice (one version, the right text, no U+FFFD)
and read the kept pages again with ``newsdiffs reextract`` (nothing to correct:
a kept page is decoded with the charset its header declared).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from newsdiffs.charset import charset_label, decode_page, header_charset, page_encoding
from newsdiffs.cli import cli
from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page
from newsdiffs.store import Store

TEXT = "Caf\u00e9 owner\u2019s \u00a3200 \u201cbest\u201d cr\u00e8me br\u00fbl\u00e9e"
UTF8 = f"<p>{TEXT}</p>".encode()
CP1252 = f"<p>{TEXT}</p>".encode("cp1252")


def meta(label: str) -> bytes:
    return f'<meta charset="{label}">'.encode()


@pytest.mark.parametrize(
    "body, charset, codec, source, text",
    [
        # BOM beats everything, even a header and a meta that say otherwise.
        (b"\xef\xbb\xbf" + meta("iso-8859-1") + UTF8, "iso-8859-1", "utf-8", "bom", TEXT),
        ("\ufeff<p>x\u00e9</p>".encode("utf-16-le"), "utf-8", "utf-16-le", "bom", "<p>x\u00e9"),
        # The header beats the page's own declaration, both ways round.
        (meta("utf-8") + CP1252, "iso-8859-1", "cp1252", "header", TEXT),
        (meta("iso-8859-1") + UTF8, "utf-8", "utf-8", "header", TEXT),
        (CP1252, "latin1", "cp1252", "header", TEXT),
        (CP1252, "us-ascii", "cp1252", "header", TEXT),  # WHATWG: ascii is windows-1252
        (UTF8, "UTF8", "utf-8", "header", TEXT),
        ("<p>\u65e5\u672c</p>".encode("shift_jis"), "shift_jis", "cp932", "header",
         "\u65e5\u672c"),
        # A header label nobody knows is ignored: the page decides.
        (meta("iso-8859-1") + CP1252, "no-such-charset", "cp1252", "meta", TEXT),
        (meta("iso-8859-1") + CP1252, None, "cp1252", "meta", TEXT),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?>' + CP1252, None, "cp1252", "meta", TEXT),
        # A page declaring UTF-16 in ASCII bytes is not UTF-16 (HTML prescan rule).
        (meta("utf-16") + UTF8, None, "utf-8", "meta", TEXT),
        # Nothing declared: UTF-8 if it reads as UTF-8, else windows-1252.
        (UTF8, None, "utf-8", "sniff", TEXT),
        (CP1252, None, "cp1252", "sniff", TEXT),
        (UTF8 + b"\xff", None, "utf-8", "sniff", TEXT),  # one stray byte in a UTF-8 page
        (b"<p>plain</p>", None, "utf-8", "sniff", "<p>plain</p>"),
    ],
)
def test_encoding_order(body, charset, codec, source, text):
    assert page_encoding(body, charset) == (codec, source)
    decoded = decode_page(body, charset)
    assert text in decoded
    assert not decoded.startswith("\ufeff")


@pytest.mark.parametrize(
    "content_type, label",
    [
        ("text/html; charset=ISO-8859-1", "iso-8859-1"),
        ('text/html;charset="utf-8"', "utf-8"),
        ("text/html; Charset = 'latin1' ; q=1", "latin1"),
        (b"text/html; charset=windows-1252", "windows-1252"),
        ("text/html", None),
        ("", None),
        (None, None),
        ("text/html; charset=", None),
        ("text/html; charset=\x1b[31m", None),
        ("text/html; charset=" + "x" * 100, None),
    ],
)
def test_header_charset(content_type, label):
    assert header_charset(content_type) == label


def test_charset_label():
    assert charset_label(" UTF-8 ") == "utf-8"
    assert charset_label("utf 8") is None


def test_text_is_returned_as_is():
    assert decode_page("<p>\u00e9</p>", "iso-8859-1") == "<p>\u00e9</p>"
    assert decode_page("\ufeff<p>x</p>") == "<p>x</p>"


# --- the crawl: each case twice, one version, the right text ------------------------------

ARTICLE = DemoArticle(
    slug="c9cset0000o",
    title="Caf\u00e9 owner\u2019s \u00a3200 cr\u00e8me br\u00fbl\u00e9e plan",
    published="2026-11-20T08:00:00.000Z",
    ago="2 hours ago",
    byline="Ren\u00e9e Fran\u00e7ois",
    blocks=[
        ("p", "The caf\u00e9 on the harbour will sell cr\u00e8me br\u00fbl\u00e9e for \u00a32, "
              "its owner said on Tuesday, \u201cfor as long as the eggs last\u201d."),
        ("p", "Customers at the na\u00efve-art gallery next door said the pr\u00e9cis of "
              "the plan was welcome \u2013 and long overdue."),
        ("p", "The council said a licence would be decided upon at its next meeting, "
              "which is due to take place in the spring."),
    ],
)
UTF8_META = '<meta charset="utf-8">'


def _page(slug: str, meta_tag: str) -> str:
    page = render_article(replace(ARTICLE, slug=slug))
    assert UTF8_META in page
    return page.replace(UTF8_META, meta_tag)


#: name -> (the page's bytes, its Content-Type). The text is the same in every case.
CASES = {
    # Latin-1 bytes, the charset only in the HTTP header.
    "header-only": lambda s: (_page(s, "").encode("cp1252"), "text/html; charset=iso-8859-1"),
    # Latin-1 bytes; the page's own <meta> wrongly says UTF-8: the header wins.
    "header-beats-meta": lambda s: (_page(s, UTF8_META).encode("cp1252"),
                                    "text/html; charset=ISO-8859-1"),
    # UTF-8 bytes; the <meta> wrongly says Latin-1: the header wins.
    "header-beats-wrong-meta": lambda s: (
        _page(s, '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">')
        .encode(), "text/html; charset=utf-8"),
    # UTF-8 with a BOM; the header wrongly says Latin-1: the BOM wins.
    "bom-beats-header": lambda s: (b"\xef\xbb\xbf" + _page(s, "").encode(),
                                   "text/html; charset=iso-8859-1"),
    # Latin-1, declared in <meta> only.
    "meta-only": lambda s: (_page(s, '<meta charset="iso-8859-1">').encode("cp1252"),
                            "text/html"),
    # Nothing declared anywhere: sniffed.
    "sniffed": lambda s: (_page(s, "").encode("cp1252"), "text/html"),
}


def _serve_all(server) -> dict[str, str]:
    """Serve every case at its own article path; name -> URL."""
    pages, urls = {}, {}
    for i, (name, make) in enumerate(CASES.items(), 1):
        slug = f"c9cset000{i}o"
        body, content_type = make(slug)
        pages[f"/news/articles/{slug}"] = Page(body, content_type=content_type, etag=False)
        urls[name] = server.url(f"/news/articles/{slug}")
    server.set_pages(pages)
    return urls


def test_every_case_twice_is_one_version_with_the_right_text(server, db_path, crawl, tmp_path):
    urls = _serve_all(server)
    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(urls.values()) + "\n", encoding="utf-8")
    crawl(db_path, "bbc", "-a", f"urls={url_file}")
    crawl(db_path, "bbc", "-a", f"urls={url_file}")
    with Store(db_path) as store:
        for name, url in urls.items():
            article = store.article(url)
            versions = store.versions(article["id"])
            checks = store.checks(article["id"])
            assert [c["outcome"] for c in checks] == ["new", "unchanged"], name
            assert len(versions) == 1, name
            v = versions[0]
            assert v["title"] == ARTICLE.title, name
            assert v["byline"] == ARTICLE.byline, name
            assert v["body"] == "\n\n".join(t for _, t in ARTICLE.blocks), name
            assert "\ufffd" not in v["body"] + v["title"], name

    # The kept pages read again decode exactly as the crawl did: nothing to correct.
    result = CliRunner().invoke(cli, ["reextract", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert f"{len(CASES)} re-extracted, 0 corrected, {len(CASES)} unchanged, 0 failed" in (
        result.output)


def test_extract_command_uses_the_served_charset(server):
    urls = _serve_all(server)
    result = CliRunner().invoke(cli, ["extract", urls["header-only"], "--source", "bbc"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == ARTICLE.title
    assert [b["text"] for b in data["body"]] == [t for _, t in ARTICLE.blocks]


def test_extract_command_charset_option_for_a_saved_page(tmp_path):
    body, _ = CASES["header-only"]("c9cset0009o")
    saved = tmp_path / "page.html"
    saved.write_bytes(body)
    url = "https://www.bbc.co.uk/news/articles/c9cset0009o"
    # Saved without its header: the bytes are sniffed (windows-1252 here, right by luck);
    # with --charset the page is read as it was served.
    result = CliRunner().invoke(cli, ["extract", str(saved), "--url", url, "--charset",
                                      "ISO-8859-1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["title"] == ARTICLE.title
    bad = CliRunner().invoke(cli, ["extract", str(saved), "--url", url, "--charset", "a b"])
    assert bad.exit_code == 2 and "not a charset label" in bad.output
