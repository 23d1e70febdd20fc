"""Regenerate the screenshots in docs/: pages of the demo data's site, shot by headless Chromium.

index.png (recently changed articles), headlines.png (headline changes), version-page.png
(a version page, desktop) and version-page-390.png (the same on a 390 px wide phone).
tests/test_browser.py runs this script (``--out`` a temporary folder) and checks the images.

Run from the repository root: ``.venv/bin/python docs/screenshot.py`` (needs ``make browser``).
"""

from __future__ import annotations

import argparse
import mimetypes
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from reading_data import DEMO_BASE, build_demo_db  # noqa: E402

from newsdiffs.demo.server import Page, ReplayServer  # noqa: E402
from newsdiffs.static_site import article_dir, build_site  # noqa: E402
from newsdiffs.store import Store  # noqa: E402

#: The screenshots: file name, page of the site ({river}: the demo article with 3 versions),
#: window width and height.
SHOTS = [
    ("index.png", "index.html", 1100, 360),
    ("headlines.png", "headlines/index.html", 1100, 330),
    ("version-page.png", "{river}/2.html", 1100, 860),
    ("version-page-390.png", "{river}/2.html", 390, 844),
]


def chromium_command(chromium: str, profile: Path) -> list[str]:
    """Headless Chromium that stays on the page it is given (no background traffic)."""
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}"]


def site_pages(site: Path) -> dict[str, Page]:
    """Every file of a generated site, served by path."""
    pages = {}
    for path in site.rglob("*"):
        if path.is_file():
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            pages["/" + path.relative_to(site).as_posix()] = Page(
                path.read_bytes(), content_type=kind + "; charset=utf-8", etag=False)
    return pages


def take(out: Path, chromium: str) -> list[Path]:
    """Build the demo data's site, serve it on 127.0.0.1 and shoot every page of SHOTS."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with Store(build_demo_db(work / "demo.db")) as store:
            build_site(store, work / "site")
            river = article_dir(store.article(f"{DEMO_BASE}/news/articles/c1demo0001o"))
        with ReplayServer() as server:
            server.set_pages(site_pages(work / "site"))
            for name, page, width, height in SHOTS:
                subprocess.run([*chromium_command(chromium, work / "profile"),
                                f"--window-size={width},{height}",
                                f"--screenshot={out / name}",
                                server.url("/" + page.format(river=river))],
                               check=True, capture_output=True, timeout=60)
                written.append(out / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs",
                        help="folder to write the images to (default: docs/)")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium not found: run `make browser` first")
    for path in take(args.out, chromium):
        print(path)


if __name__ == "__main__":
    main()
