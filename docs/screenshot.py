"""Regenerate docs/version-page.png: a version page of the demo data, shot by headless Chromium.

Run from the repository root: ``.venv/bin/python docs/screenshot.py`` (needs ``make browser``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from reading_data import DEMO_BASE, build_demo_db  # noqa: E402

from newsdiffs.demo.server import Page, ReplayServer  # noqa: E402
from newsdiffs.site import article_dir, build_site  # noqa: E402
from newsdiffs.store import Store  # noqa: E402


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium not found: run `make browser` first")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with Store(build_demo_db(work / "demo.db")) as store:
            build_site(store, work / "site")
            page = f"{article_dir(store.article(f'{DEMO_BASE}/news/articles/c1demo0001o'))}/2.html"
        with ReplayServer() as server:
            server.set_pages({"/" + page: Page((work / "site" / page).read_bytes())})
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", f"--user-data-dir={work / 'profile'}",
                            "--window-size=1100,860",
                            f"--screenshot={ROOT / 'docs' / 'version-page.png'}",
                            server.url("/" + page)], check=True, capture_output=True)
    print(ROOT / "docs" / "version-page.png")


if __name__ == "__main__":
    main()
