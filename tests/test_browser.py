"""A real browser: headless Chromium loads a generated version page from 127.0.0.1.

A small probe script (added to a copy of the page, test-only) reports the
layout: two columns side by side on a wide window, stacked on a phone-sized
one, highlights coloured, and no script from article text ever run. The
screenshots of docs/ (index, headline changes, version page on a desktop and
a 390 px phone) are taken by docs/screenshot.py and their pixels checked.
"""

import json
import shutil
import struct
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from reading_data import DEMO_BASE, HOSTILE_BODY_2, HOSTILE_TITLE, HOSTILE_URL, build_demo_db

from newsdiffs.demo.server import Page, ReplayServer
from newsdiffs.static_site import article_dir, build_site
from newsdiffs.store import Store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (make browser installs it)")

# Any alert() from article text would set the title to XSS.
TRAP = "<script>window.alert = () => { document.title = 'XSS'; };</script>"
PROBE = """<script>
const box = el => { const r = el.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
          display: getComputedStyle(el).display}; };
const row = document.querySelector('.row.changed');
const eq = document.querySelector('.row.equal');
const out = {
  width: window.innerWidth,
  old: box(row.querySelector('.cell.old')), new: box(row.querySelector('.cell.new')),
  equalOld: box(eq.querySelector('.cell.old')),
  del: getComputedStyle(document.querySelector('.diff del')).backgroundColor,
  ins: getComputedStyle(document.querySelector('.diff ins')).backgroundColor,
  title: document.title,
};
const pre = document.createElement('pre'); pre.id = 'probe';
pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
</script>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    with Store(build_demo_db(tmp / "demo.db", hostile=True)) as store:
        build_site(store, tmp / "site")
        page = f"{article_dir(store.article(HOSTILE_URL))}/2.html"
        river = f"{article_dir(store.article(f'{DEMO_BASE}/news/articles/c1demo0001o'))}/2.html"
    html = (tmp / "site" / page).read_text(encoding="utf-8")
    probed = html.replace("<head>", "<head>" + TRAP, 1).replace("</body>", PROBE + "</body>", 1)
    pages = {"/" + page: Page(html), "/probe.html": Page(probed),
             "/" + river: Page((tmp / "site" / river).read_bytes())}
    with ReplayServer() as server:
        server.set_pages(pages)
        yield server, tmp, page, river


def chromium(tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp / 'profile'}", *args,
           url]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def probe(server, tmp, size: str) -> dict:
    dom = chromium(tmp, server.url("/probe.html"), f"--window-size={size}", "--dump-dom").stdout
    return json.loads(lxml.html.fromstring(dom).get_element_by_id("probe").text_content())


def test_wide_window_shows_two_columns_side_by_side(site):
    server, tmp, _, _ = site
    p = probe(server, tmp, "1200,900")
    assert p["width"] == 1200
    assert abs(p["old"]["top"] - p["new"]["top"]) < 1  # same row
    assert p["new"]["left"] >= p["old"]["right"] - 1  # right of it
    assert p["old"]["width"] > 300 and p["new"]["width"] > 300
    assert p["del"] not in ("rgba(0, 0, 0, 0)", "transparent", p["ins"])
    assert p["ins"] not in ("rgba(0, 0, 0, 0)", "transparent")
    assert p["title"] != "XSS"


def test_phone_sized_window_stacks_the_columns(site):
    server, tmp, _, _ = site
    p = probe(server, tmp, "390,844")
    assert p["new"]["top"] >= p["old"]["bottom"] - 1  # below, not beside
    assert abs(p["new"]["left"] - p["old"]["left"]) < 1
    assert p["equalOld"]["display"] == "none"  # unchanged text shown once
    assert p["title"] != "XSS"


def test_dom_text_is_exact_and_inert(site):
    server, tmp, page, _ = site
    dom = chromium(tmp, server.url("/" + page), "--dump-dom").stdout
    doc = lxml.html.fromstring(dom)
    assert not doc.xpath("//img | //*[@onerror]")
    assert len(doc.xpath("//script")) == 0
    cells = doc.xpath("//div[contains(@class,'row') and not(contains(@class,'title'))"
                      " and not(contains(@class,'byline'))]"
                      "/div[contains(@class,'cell new')]/*[self::p or self::h3]")
    assert [c.text_content() for c in cells] == [b.text for b in HOSTILE_BODY_2]


def search(tmp: Path, query: str) -> tuple[list[tuple[str, str]], str]:
    """Open the site's search.html from disk with ``?q=``: the results (text, href), status."""
    url = f"{(tmp / 'site' / 'search.html').as_uri()}?q={quote(query)}"
    dom = chromium(tmp, url, "--dump-dom", "--virtual-time-budget=5000",
                   "--allow-file-access-from-files").stdout
    doc = lxml.html.fromstring(dom)
    assert not doc.xpath("//ol[@id='results']//*[self::script or self::img or @onerror]")
    return ([(a.text_content(), a.get("href")) for a in doc.xpath("//ol[@id='results']/li/a")],
            doc.get_element_by_id("search-status").text_content())


def test_search_page_finds_current_and_earlier_headlines_without_a_server(site):
    _, tmp, _, _ = site
    with Store(tmp / "demo.db") as store:
        river = f"{article_dir(store.article(f'{DEMO_BASE}/news/articles/c1demo0001o'))}/index.html"
        hostile = f"{article_dir(store.article(HOSTILE_URL))}/index.html"
    current = [("Council approves £14m river crossing despite cost concerns", river)]
    assert search(tmp, "river CROSSING") == (current, "1 found in all articles.")
    assert search(tmp, "exeter")[0] == current  # only in an earlier headline
    assert search(tmp, "no-such-words") == ([], "0 found in all articles.")
    # A headline holding markup is shown as text, never run or parsed.
    found, _ = search(tmp, "<script>alert(1)</script>")
    assert found == [(HOSTILE_TITLE + " <i>", hostile)]


# -- screenshots (docs/screenshot.py) ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
LINE = (0xD9, 0xD9, 0xD9)  # --line: table rules
DEL_BG = (0xFF, 0xDC, 0xDC)  # --del-bg
INS_BG = (0xD4, 0xF4, 0xD4)  # --ins-bg


def png_pixels(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    """Width, height and RGB rows of an 8-bit non-interlaced RGB(A) PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, head = 8, b"", ()
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", data[pos + 8:pos + 8 + length])
        elif kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = head
    assert depth == 8 and colour in (2, 6) and interlace == 0, head
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride) if kind else ():
            a, b = (line[i - bpp] if i >= bpp else 0), prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 4:  # Paeth
                p = a + b - c
                a = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else (
                    b if abs(p - b) <= abs(p - c) else c)
            line[i] = (line[i] + (a, b, (a + b) // 2, a)[kind - 1]) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    out = tmp_path_factory.mktemp("shots")
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "screenshot.py"), "--out",
                             str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


@pytest.mark.parametrize("name, size, rules, highlighted", [
    # The index: the site header, the table head and one rule under each of the 2 articles.
    ("index.png", (1100, 360), 4, 0),
    # Old headline struck out in red, the new one in green.
    ("headlines.png", (1100, 330), 3, 3000),
    # Words and a whole added paragraph highlighted, the columns side by side ...
    ("version-page.png", (1100, 860), 8, 1000),
    # ... and on a phone, stacked (the rules span the whole width).
    ("version-page-390.png", (390, 844), 5, 1000),
])
def test_screenshots_of_the_site(shots, name, size, rules, highlighted):
    width, height, rows = png_pixels((shots / name).read_bytes())
    assert (width, height) == size
    colours = Counter(p for row in rows for p in row)
    assert len(colours) > 200  # text was rendered, not a blank page
    assert sum(row.count(LINE) >= 0.9 * width for row in rows) >= rules
    assert colours[DEL_BG] >= highlighted and colours[INS_BG] >= highlighted
    if name == "version-page.png":  # the added paragraph: a green cell in the right column
        assert colours[INS_BG] > 20_000
        assert all(row[width // 4] != INS_BG for row in rows)
