"""A real browser: headless Chromium loads a generated version page from 127.0.0.1.

A small probe script (added to a copy of the page, test-only) reports the
layout: two columns side by side on a wide window, stacked on a phone-sized
one, highlights coloured, and no script from article text ever run.
"""

import json
import shutil
import struct
import subprocess
from pathlib import Path

import lxml.html
import pytest
from reading_data import DEMO_BASE, HOSTILE_BODY_2, HOSTILE_URL, build_demo_db

from newsdiffs.demo.server import Page, ReplayServer
from newsdiffs.site import article_dir, build_site
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


def test_screenshot(site):
    server, tmp, _, river = site
    shot = tmp / "version-page.png"
    chromium(tmp, server.url("/" + river), "--window-size=1100,900", f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1100, 900)
    assert len(data) > 20_000  # a rendered page, not a blank one
