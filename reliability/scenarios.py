"""The fault and attack scenarios of ``make reliability`` (README "Reliability").

Each scenario serves pages from a :class:`~reliability.server.FaultServer`
on 127.0.0.1, runs real crawls and reader commands in child processes, and
returns a :class:`Row`: how many checks were expected and recorded, versions
lost, duplicated or invented (phantom), the exit codes, the first error line
a user would see, and what went wrong. A *silent failure* is a run that lost
or could not store something yet exited 0 without a word.
"""

from __future__ import annotations

import json
import random
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from newsdiffs.demo.pages import render_article
from newsdiffs.store import Store

from . import changing_site as sitemod
from . import harness
from .changing_site import FEED, ChangingSite
from .server import FaultServer, Reply

# Control characters that must never reach a terminal or the database (tab, newline allowed).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass
class Row:
    """One line of the table."""

    name: str
    trials: int = 0
    expected: int = 0
    recorded: int = 0
    #: Checks that could not be stored and that the run reported (store errors).
    reported: int = 0
    lost: int = 0
    duplicated: int = 0
    phantom: int = 0
    silent: int = 0
    codes: list[int] = field(default_factory=list)
    error: str = "-"
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures and not (self.lost or self.duplicated or self.phantom
                                          or self.silent)

    def expect(self, condition: object, message: str) -> bool:
        if not condition:
            self.failures.append(message)
        return bool(condition)

    def ran(self, run: harness.Run, *, want: tuple[int, ...] = (0,)) -> harness.Run:
        """Note a child process: its exit code, the first error a user saw."""
        self.trials += 1
        self.codes.append(run.rc)
        line = run.error_line()
        if self.error == "-" and line != "-":
            self.error = line
        self.expect(run.rc in want, f"exit {run.rc} (wanted {want}): {tail(run.output)}")
        self.expect("Traceback" not in run.output and "Unhandled error" not in run.output,
                    f"traceback: {tail(run.output)}")
        return run

    def audited(self, audit: harness.Audit) -> None:
        self.recorded += audit.checks
        self.lost += audit.lost
        self.duplicated += audit.duplicated
        self.phantom += audit.phantom
        self.failures += audit.problems[:3]


def tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])[:400]


Scenario = Callable[[Path], Row]
SCENARIOS: dict[str, Scenario] = {}
#: The quick ones, also run by ``make test`` (tests/test_reliability_fast.py).
FAST: list[str] = []


def scenario(name: str, fast: bool = False) -> Callable[[Callable[[Row, Path], None]], Scenario]:
    def register(body: Callable[[Row, Path], None]) -> Scenario:
        def run(tmp: Path) -> Row:
            row = Row(name)
            started = time.monotonic()
            try:
                body(row, tmp)
            except Exception as exc:  # a scenario that breaks is a failed scenario, not a crash
                row.failures.append(f"scenario raised {type(exc).__name__}: {exc}")
            row.seconds = time.monotonic() - started
            return row

        SCENARIOS[name] = run
        if fast:
            FAST.append(name)
        return run

    return register


@contextmanager
def serving(site: ChangingSite | None = None) -> Iterator[FaultServer]:
    with FaultServer() as server:
        if site is not None:
            site.base = server.base
            server.route = site.route
        yield server


def new_site(n: int) -> ChangingSite:
    return ChangingSite(n, base="")


def site_rounds(row: Row, tmp: Path, site: ChangingSite, server: FaultServer, rounds: int,
                faults: Callable[[int], dict], settings: dict | None = None,
                want: tuple[int, ...] = (0,), strict: bool = True) -> harness.Audit:
    """Crawl ``site`` once per round with that round's faults; audit against what was served."""
    db = tmp / "site.db"
    for r in range(rounds):
        site.round = r
        site.faults = faults(r)
        row.ran(harness.crawl(db, args={"feeds": server.url(FEED)}, settings=settings),
                want=want)
    row.expected += site.n * rounds
    audit = harness.audit_site(db, site, server.hits(), strict=strict)
    row.audited(audit)
    row.expect(audit.checks == site.n * rounds,
               f"{audit.checks} checks for {site.n} articles x {rounds} runs")
    if audit.checks < site.n * rounds and all(c == 0 for c in row.codes) and row.error == "-":
        row.silent += 1
    return audit


def checks_of(db: Path, url: str) -> list[dict]:
    with Store(db, readonly=True) as store:
        article = store.article(url)
        return store.checks(article["id"]) if article else []


def versions_of(db: Path, url: str) -> list[dict]:
    with Store(db, readonly=True) as store:
        article = store.article(url)
        return store.versions(article["id"]) if article else []


def path(i: int) -> str:
    """The path of article ``i`` (its canonical link points there)."""
    return f"{sitemod.PREFIX}{sitemod.slug(i)}"


def page(i: int, paras: list[str], *, title: str | None = None, byline: str = "Sam Jones") -> str:
    """An article page in the layout the ``bbc`` spider reads."""
    a = sitemod.article(i, 0, blocks=[("p", p) for p in paras], title=title)
    a.byline = byline
    return render_article(a)


# -- faults -----------------------------------------------------------------------------


@scenario("5xx bursts (500/502/503, retried)")
def http_5xx(row: Row, tmp: Path) -> None:
    site = new_site(9)

    def burst(status: int, times: int) -> Callable[[int], Reply | None]:
        return lambda n: Reply("busy", status=status) if n < times else None

    def faults(r: int) -> dict:
        if r != 0:
            return {}
        paths = [path(i) for i in range(site.n)]
        # 0-5 answer a burst that the 2 retries outlast; 6-8 answer 500/502/503 every time.
        return {**{p: burst((500, 502, 503)[i % 3], 2) for i, p in enumerate(paths[:6])},
                **{p: Reply("down", status=(500, 502, 503)[i % 3])
                   for i, p in enumerate(paths[6:])}}

    with serving(site) as server:
        site_rounds(row, tmp, site, server, 2, faults)
    failed = [c for i in range(6, 9) for c in checks_of(tmp / "site.db", site.url(i))
              if c["outcome"] == "failed"]
    row.expect(len(failed) == 3, f"{len(failed)} failed checks for 3 pages down")


@scenario("stall past the timeout")
def stall(row: Row, tmp: Path) -> None:
    site = new_site(6)

    def faults(r: int) -> dict:
        return {path(i): Reply("late", fault="stall", seconds=4)
                for i in range(3)} if r == 0 else {}

    with serving(site) as server:
        site_rounds(row, tmp, site, server, 2, faults,
                    settings={"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "0"})
    statuses = [c["http_status"] for c in checks_of(tmp / "site.db", site.url(0))]
    row.expect(statuses[:1] == [None], f"timed-out check has status {statuses[:1]}")


@scenario("reset mid-body")
def reset(row: Row, tmp: Path) -> None:
    site = new_site(6)

    def faults(r: int) -> dict:
        return {path(i):
                Reply(page(i, sitemod.paragraphs(i, 5)), fault="reset")
                for i in range(3)} if r == 0 else {}

    with serving(site) as server:
        site_rounds(row, tmp, site, server, 2, faults, settings={"RETRY_TIMES": "1"})


@scenario("40 MB pages (with and without Content-Length)")
def huge(row: Row, tmp: Path) -> None:
    site = new_site(4)
    big = 40 * 1024 * 1024

    def faults(r: int) -> dict:
        if r != 0:
            return {}
        start = page(0, sitemod.paragraphs(0, 0))[:2000]
        return {path(0): Reply(start, fault="huge", size=big),
                path(1): Reply(start, fault="stream", size=big)}

    with serving(site) as server:
        site_rounds(row, tmp, site, server, 2, faults, settings={"RETRY_TIMES": "0"})
    for i in (0, 1):
        outcomes = [c["outcome"] for c in checks_of(tmp / "site.db", site.url(i))]
        row.expect(outcomes[:1] == ["failed"], f"40 MB page {i}: {outcomes}")


@scenario("404 then back")
def gone_and_back(row: Row, tmp: Path) -> None:
    site = new_site(4)

    def faults(r: int) -> dict:
        return {path(i): Reply("gone", status=404)
                for i in (0, 1)} if r == 1 else {}

    with serving(site) as server:
        site_rounds(row, tmp, site, server, 3, faults)
    with Store(tmp / "site.db", readonly=True) as store:
        status = store.article(site.url(0))["status"]
    row.expect(status == "active", f"article back after a 404 is {status!r}")


@scenario("consent page (200)")
def consent(row: Row, tmp: Path) -> None:
    site = new_site(4)
    consent_page = ("<html><head><title>Before you continue</title></head><body>"
                    "<p>We use cookies. Accept all or reject all to continue.</p>"
                    + "<p>Cookie settings and partners.</p>" * 20 + "</body></html>")

    def faults(r: int) -> dict:
        return {path(i): Reply(consent_page)
                for i in (0, 1)} if r == 1 else {}

    with serving(site) as server:
        site_rounds(row, tmp, site, server, 3, faults)
    outcomes = [c["outcome"] for c in checks_of(tmp / "site.db", site.url(0))]
    row.expect(outcomes[1:2] == ["failed"], f"consent page check: {outcomes}")


# -- crash safety and concurrency -------------------------------------------------------


@scenario("kill -9 during 22 crawls of a changing 200-article site")
def kill9(row: Row, tmp: Path) -> None:
    site = new_site(200)
    db = tmp / "kill.db"
    rng = random.Random(8)
    kills = completed = 0
    with serving(site) as server:
        cmd = harness.command(db, args={"feeds": server.url(FEED)})
        for r in range(22):
            site.round = r
            child = subprocess.Popen(cmd, cwd=harness.ROOT, env=harness.env(db),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
            # A random point: after k requests of this round (k past the end: no kill).
            k = rng.randint(0, 260)
            before = len(server.hits())
            deadline = time.monotonic() + 120
            while child.poll() is None and time.monotonic() < deadline:
                if len(server.hits()) - before >= k:
                    child.send_signal(signal.SIGKILL)
                    kills += 1
                    break
                time.sleep(0.01)
            err = child.communicate(timeout=120)[1]
            row.trials += 1
            if child.returncode != -signal.SIGKILL:
                completed += 1
                row.codes.append(child.returncode)
                row.expect(child.returncode == 0, f"round {r}: exit {child.returncode}: "
                                                  f"{tail(err)}")
            if db.exists():
                ok = harness.integrity(db)
                row.expect(ok == "ok", f"round {r}: integrity_check {ok}")
        # A last, clean crawl of the same round: every article must now hold what was served.
        row.ran(harness.crawl(db, args={"feeds": server.url(FEED)}))
        audit = harness.audit_site(db, site, server.hits(), strict=False)
    row.expected = site.n * (completed + 1)
    row.audited(audit)
    row.expect(audit.checks >= row.expected, f"{audit.checks} checks < {row.expected}")
    row.expect(kills >= 10 and completed >= 1, f"{kills} crawls killed, {completed} completed")
    row.error = (f"{kills} killed, {completed} completed, integrity ok" if not row.failures
                 else row.error)


@scenario("d05 two writers at once (2 scrapy crawl + reextract, symlinked db)")
def two_writers(row: Row, tmp: Path) -> None:
    site = new_site(12)
    db = tmp / "w.db"
    Store(db).close()
    link = tmp / "link.db"
    link.symlink_to(db)

    def slow(n: int) -> None:
        time.sleep(0.5)  # a slow site (12 pages, 2 at a time: 3 s), so that the crawls overlap
        return None

    with serving(site) as server:
        site.faults = {path(i): slow for i in range(site.n)}
        cmds = [harness.command(target, args={"feeds": server.url(FEED)}, tool="scrapy",
                                settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "2"})
                for target in (db, link)]
        children = [subprocess.Popen(c, cwd=harness.ROOT, env=harness.env(db),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    for c in cmds]
        deadline = time.monotonic() + 60
        while not server.hits(sitemod.PREFIX) and time.monotonic() < deadline:
            time.sleep(0.05)
        reextract = harness.cli(db, "reextract", "--db", str(db))
        runs = [harness.Run(c.wait(timeout=120), *c.communicate()) for c in children]
        audit = harness.audit_site(db, site, server.hits())
    everything = reextract.output + "".join(r.output for r in runs)
    row.expect("database is locked" not in everything, "database is locked")
    for run in runs:
        row.ran(run, want=(0, 1))
    row.ran(reextract, want=(0, 1))
    row.expect(sorted(r.rc for r in runs) == [0, 1], f"crawl exits {[r.rc for r in runs]}")
    refused = [r for r in runs if r.rc == 1]
    row.expect(refused and "not starting" in refused[0].output, "second crawl not refused")
    row.expected = site.n
    row.audited(audit)
    row.expect(audit.checks == site.n, f"{audit.checks} checks of {site.n}")


@scenario("readers during a crawl")
def readers(row: Row, tmp: Path) -> None:
    site = new_site(200)
    db = tmp / "r.db"
    with serving(site) as server:
        site.round = 0
        row.ran(harness.crawl(db, args={"feeds": server.url(FEED)}))
        site.round = 1
        child = subprocess.Popen(harness.command(db, args={"feeds": server.url(FEED)}),
                                 cwd=harness.ROOT, env=harness.env(db),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        reads = 0
        while child.poll() is None and reads < 40:
            for args in (("changes", "--db", str(db)),
                         ("history", "--db", str(db), site.url(reads % site.n)),
                         ("search", "--db", str(db), "harbour")):
                row.ran(harness.cli(db, *args))
                reads += 1
            with Store(db, readonly=True) as store:
                store.versions(store.article(site.url(reads % site.n))["id"])
                store.changes(limit=20)
            reads += 1
        row.ran(harness.Run(child.wait(timeout=120), *child.communicate()))
        audit = harness.audit_site(db, site, server.hits())
    row.expected = site.n * 2
    row.audited(audit)
    row.expect(reads >= 3, f"only {reads} reads during the crawl")
    row.error = f"{reads} reads, none failed" if not row.failures else row.error


# -- hostile input ----------------------------------------------------------------------


XXE_FEED = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
<rss version="2.0"><channel><title>t</title>
<item><title>&xxe;</title><link>{base}/news/articles/xxe&xxe;</link><description>&xxe;</description></item>
</channel></rss>"""

LAUGHS = '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n' + "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n' for n in range(1, 10)
) + ']>\n<rss version="2.0"><channel><title>&lol9;</title></channel></rss>'


def secret_file(tmp: Path) -> tuple[Path, str]:
    token = "TOPSECRET-7f3a9"
    secret = tmp / "secret.html"
    secret.write_text(page(0, [f"The secret {token} must never be stored, not even once, "
                               "by a crawler reading a feed with a loose pattern."] * 3),
                      encoding="utf-8")
    return secret, token


def stored_text(db: Path) -> str:
    """Every URL, title, byline and body in the database, in one string."""
    with Store(db, readonly=True) as store:
        parts = []
        for article in store.articles():
            parts.append(article["url"])
            for v in store.versions(article["id"]):
                parts += [v["url"] or "", v["title"] or "", v["byline"] or "", v["body"] or ""]
        return "\n".join(parts)


@scenario("hostile feeds (XXE, entity expansion, huge, odd schemes, offsite)", fast=True)
def hostile_feeds(row: Row, tmp: Path) -> None:
    site = new_site(5)
    secret, token = secret_file(tmp)
    db = tmp / "f.db"
    with serving(site) as server:
        site.extra_links = [f"file://{secret}", f"FILE://{secret}", "javascript:alert(1)",
                            "data:text/html,<script>alert(1)</script>", "mailto:x@example.com",
                            "ftp://127.0.0.1/news/articles/ftp1",
                            "http://offsite.invalid/news/articles/off1",
                            "http://127.0.0.1:99999/news/articles/port1"]
        site.faults = {
            "/xxe.xml": Reply(XXE_FEED.format(secret=secret, base=server.base),
                              content_type="application/rss+xml"),
            "/laughs.xml": Reply(LAUGHS, content_type="application/rss+xml"),
            "/huge.xml": Reply('<?xml version="1.0"?><rss><channel>', fault="huge",
                               size=12 * 1024 * 1024, content_type="application/rss+xml"),
        }
        feeds = ", ".join(f'"{server.url(p)}"' for p in (FEED, "/xxe.xml", "/laughs.xml",
                                                          "/huge.xml"))
        # A source of the generic feeds spider: only its own host's articles are followed.
        sources = tmp / "sources.toml"
        sources.write_text(f'[[source]]\nname = "local"\nfeeds = [{feeds}]\npattern = '
                           f"'^{re.escape(server.base)}/news/articles/'\n"
                           "body = '[data-component=\"text-block\"]'\n", encoding="utf-8")
        row.ran(harness.crawl(db, "feeds", settings={"RETRY_TIMES": "0",
                                                     "NEWSDIFFS_SOURCES": str(sources)}))
        fetched = {h.path for h in server.hits()}
        audit = harness.audit_site(db, site, server.hits())
    row.expected = site.n
    row.audited(audit)
    row.expect(audit.checks == site.n, f"{audit.checks} of {site.n} good links checked")
    text = stored_text(db)
    row.expect(token not in text and "root:" not in text, "a local file was stored")
    with Store(db, readonly=True) as store:
        urls = [a["url"] for a in store.articles()]
        feed_checks = store.feed_checks()
    row.expect(all(u.startswith(server.base + "/") for u in urls),
               f"stored offsite or odd URLs: {[u for u in urls if not u.startswith(server.base)]}")
    row.expect(not any("ftp1" in p or "off1" in p or "port1" in p for p in fetched),
               "fetched an odd link")
    failing = {c["url"].rsplit("/", 1)[-1] for c in feed_checks if not c["ok"]}
    row.expect({"laughs.xml", "huge.xml"} <= failing, f"failing feeds recorded: {failing}")


def rendered_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.suffix in (".html", ".xml", ".atom") and p.is_file()]


def unsafe_html(doc: lxml_html.HtmlElement, marker: str) -> list[str]:
    """Script elements carrying ``marker``, event attributes, and javascript: links."""
    bad = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "script" and marker in (el.text or ""):
            bad.append("script element from article text")
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                bad.append(f"attribute {name}")
            if name in ("href", "src", "action") and re.sub(r"[\s\x00-\x1f]", "", value).lower(
            ).startswith(("javascript:", "data:", "vbscript:")):
                bad.append(f"{name}={value[:40]}")
    return bad


HOSTILE_TITLE = '<script>alert("T0")</script> & "quotes" </title>'
HOSTILE = ['Ordinary words first <img src=x onerror=alert("I1")> then more ordinary words '
           "about the town council and its budget for the year.",
           '<script>alert("S1")</script> ]]> {{7*7}} <a href=javascript:alert(2)>x '
           "and a paragraph that goes on for a while about the harbour wall repairs."]


@scenario("d01+d02 hostile canonical URLs and article text: escaping (HTML, Atom, diff)")
def hostile_text(row: Row, tmp: Path) -> None:
    db = tmp / "x.db"
    out = tmp / "site"
    canonicals = ["JavaScript:alert(1)//", "mailto:x@example.com", "urn:isbn:1", "data:text/html,x",
                  "http://[bad/x"]
    rounds = [HOSTILE, [*HOSTILE, "A new paragraph <b onmouseover=alert(3)>hover added."]]
    with serving() as server:
        def route(where: str, n: int) -> Reply | None:
            if where == FEED:
                return Reply(sitemod.ChangingSite(0, server.base, extra_links=[
                    server.url(f"/news/articles/evil{j}") for j in range(len(canonicals))]).feed())
            m = re.fullmatch(r"/news/articles/evil(\d)", where)
            if not m:
                return None
            j = int(m.group(1))
            html = page(j, rounds[min(n, 1)], title=HOSTILE_TITLE, byline="<i>Evil</i> Byline")
            return Reply(html.replace(f'href="/news/articles/{sitemod.slug(j)}"',
                                      f'href="{canonicals[j]}"'))

        server.route = route
        for _ in rounds:
            row.ran(harness.crawl(db, args={"feeds": server.url(FEED)}))
        row.expected = 2 * len(canonicals)
    with Store(db, readonly=True) as store:
        articles = store.articles()
        row.recorded = sum(len(store.checks(a["id"])) for a in articles)
        nversions = [len(store.versions(a["id"])) for a in articles]
    row.expect(row.recorded == row.expected, f"{row.recorded} checks of {row.expected}")
    row.expect(all(a["url"].startswith("http://127.0.0.1:") for a in articles),
               f"identities {[a['url'] for a in articles]}")
    row.expect(nversions == [2] * len(canonicals), f"versions {nversions}")
    row.ran(harness.cli(db, "site", "--db", str(db), str(out)))
    url = articles[0]["url"]
    diff = harness.cli(db, "diff", "--db", str(db), "--format", "html", url, "1", "2")
    row.ran(diff)
    (out / "diff.html").write_text(diff.stdout, encoding="utf-8")
    files = rendered_files(out)
    row.expect(len(files) > 3, f"only {len(files)} rendered files")
    seen_text = False
    for rendered in files:
        data = rendered.read_bytes()
        if rendered.suffix == ".html":
            doc = lxml_html.fromstring(data)
            seen_text |= "onerror=alert(\"I1\")" in doc.text_content()
            bad = unsafe_html(doc, "alert")
        else:
            try:
                feed = etree.fromstring(data)
            except etree.XMLSyntaxError as exc:
                row.failures.append(f"{rendered.name}: not well-formed: {exc}")
                continue
            bad = []
            for el in feed.iter():
                if isinstance(el.tag, str) and el.get("href", "").lower().startswith("javascript"):
                    bad.append("javascript link")
                if isinstance(el.tag, str) and el.get("type") == "html" and el.text:
                    bad += unsafe_html(lxml_html.fragment_fromstring(el.text, create_parent="div"),
                                       "alert")
        row.expect(not bad, f"{rendered.relative_to(out)}: {sorted(set(bad))[:3]}")
    row.expect(seen_text, "the hostile text is not shown as text")
    row.error = f"{len(files)} files parsed, all escaped" if not row.failures else row.error


# -- the defects of issue 8 -------------------------------------------------------------


@scenario("d03 robots.txt Disallow: / with 20 queued pages")
def robots(row: Row, tmp: Path) -> None:
    site = new_site(20)
    site.robots = "User-agent: *\nDisallow: /\n"

    def slow_robots(n: int) -> Reply:
        return Reply(site.robots, content_type="text/plain", fault="stall", seconds=0.5)

    db = tmp / "robots.db"
    with serving(site) as server:
        site.faults = {"/robots.txt": slow_robots}
        urls = tmp / "urls.txt"
        urls.write_text("\n".join(site.url(i) for i in range(site.n)) + "\n", encoding="utf-8")
        row.ran(harness.crawl(db, args={"urls": str(urls)}))
        fetched = [h for h in server.hits(sitemod.PREFIX)]
    row.expect(not fetched, f"{len(fetched)} of 20 disallowed pages fetched")
    row.error = f"{len(fetched)} of 20 fetched" if row.error == "-" else row.error


@scenario("d04 write failures and bad settings fail loudly")
def write_failures(row: Row, tmp: Path) -> None:
    db = tmp / "w.db"
    site = new_site(20)
    with serving(site) as server:
        feeds = {"feeds": server.url(FEED)}
        for setting in ("NEWSDIFFS_MIN_BODY_CHARS=abc", "DOWNLOAD_TIMEOUT=abc"):
            name, value = setting.split("=")
            run = row.ran(harness.crawl(db, args=feeds, settings={name: value}), want=(1, 2))
            row.expect(len(run.output.strip().splitlines()) == 1, f"{setting}: {tail(run.output)}")
        corrupt = tmp / "corrupt.db"
        corrupt.write_bytes(b"SQLite format 3\x00" + b"\x13" * 4000)
        row.ran(harness.crawl(corrupt, args=feeds), want=(1,))
        # A full disk: room for the run's row, not for 20 checks.
        Store(db).close()
        limit = db.stat().st_size + 8192

        def small_files() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        cmd = harness.command(db, args=feeds, quiet=True)
        done = subprocess.run(cmd, cwd=harness.ROOT, env={**harness.env(db),
                              "PYTHONDONTWRITEBYTECODE": "1"}, capture_output=True, text=True,
                              timeout=120, preexec_fn=small_files)
        run = row.ran(harness.Run(done.returncode, done.stdout, done.stderr), want=(1,))
    m = re.search(r"store errors (\d+)", run.output)
    lost = int(m.group(1)) if m else 0
    with Store(db, readonly=True) as store:
        stored = sum(len(store.checks(a["id"])) for a in store.articles())
    row.expected, row.recorded, row.reported = site.n, stored, lost
    row.expect(m and lost + stored == site.n, f"{stored} stored + {lost} reported of {site.n}")
    if run.rc == 0 and stored < site.n:
        row.silent += 1
    status = harness.cli(db, "status", "--db", str(db))
    row.expect(status.rc == 1 and "WARNING" in status.output, f"status: {tail(status.output)}")


@scenario("d06 redirect loop and a move to a tracked page: one check each")
def redirects(row: Row, tmp: Path) -> None:
    site = new_site(4)
    db = tmp / "red.db"
    p = [path(i) for i in range(site.n)]
    with serving(site) as server:
        site.round = 0
        row.ran(harness.crawl(db, args={"feeds": server.url(FEED)}))
        site.faults = {
            p[0]: Reply("", status=301, headers={"Location": server.url(p[0] + "x")}),
            p[0] + "x": Reply("", status=301, headers={"Location": server.url(p[0])}),
            p[1]: Reply("", status=301, headers={"Location": server.url(p[2])}),
        }
        row.ran(harness.crawl(db, args={"feeds": server.url(FEED)}))
    counts = [len(checks_of(db, site.url(i))) for i in range(site.n)]
    row.expected, row.recorded = 2 * site.n, sum(counts)
    row.expect(counts == [2] * site.n, f"checks per article {counts}")
    with Store(db, readonly=True) as store:
        moved = store.article(site.url(1))["redirected_to"]
    row.expect(moved == site.url(2), f"redirected_to {moved}")
    loop = checks_of(db, site.url(0))[-1]
    row.expect(loop["outcome"] == "failed", f"loop check {loop['outcome']}")


def charset_page(i: int, text: str, meta: str | None) -> str:
    html = page(i, [text, "The second paragraph of this story is plain ASCII text, and long "
                          "enough for the page to count as an article with a real body."])
    return html.replace('<meta charset="utf-8">', f'<meta charset="{meta}">' if meta else "")


@scenario("d07 HTTP charset: BOM > header > meta > sniff")
def charset(row: Row, tmp: Path) -> None:
    text = "Le café de la fête à Noël, où l'été dure, a rouvert ses portes ce matin."
    cases = {  # path -> (body, Content-Type)
        path(1): (charset_page(1, text, None).encode("latin-1"),
                  "text/html; charset=iso-8859-1"),  # header only
        path(2): (b"\xef\xbb\xbf" + charset_page(2, text, "iso-8859-1").encode(),
                  "text/html; charset=iso-8859-1"),  # BOM wins
        path(3): (charset_page(3, text, "iso-8859-1").encode(),
                  "text/html; charset=utf-8"),  # header beats meta
        path(4): (charset_page(4, text, "iso-8859-1").encode("latin-1"),
                  "text/html"),  # meta only
    }
    db = tmp / "cs.db"
    with serving() as server:
        server.route = lambda where, n: (Reply(cases[where][0], content_type=cases[where][1])
                                         if where in cases else None)
        urls = tmp / "urls.txt"
        urls.write_text("\n".join(server.url(p) for p in cases) + "\n", encoding="utf-8")
        for _ in range(2):
            row.ran(harness.crawl(db, args={"urls": str(urls)}))
        for where in cases:
            versions = versions_of(db, server.url(where))
            row.recorded += len(checks_of(db, server.url(where)))
            row.expect(len(versions) == 1, f"{where}: {len(versions)} versions")
            row.phantom += max(0, len(versions) - 1)
            body = versions[0]["body"] if versions else ""
            row.expect(text in body, f"{where}: body {body[:60]!r}")
    row.expected = 2 * len(cases)


@scenario("d08 feeds spider: a file:// link in a loose-pattern source")
def file_links(row: Row, tmp: Path) -> None:
    secret, token = secret_file(tmp)
    db = tmp / "file.db"
    site = new_site(3)
    with serving(site) as server:
        site.extra_links = [f"file://{secret}", f"File://{secret}"]
        sources = tmp / "sources.toml"
        sources.write_text(f'[[source]]\nname = "local"\nfeeds = ["{server.url(FEED)}"]\n'
                           "pattern = '.'\n", encoding="utf-8")
        row.ran(harness.crawl(db, "feeds", settings={"NEWSDIFFS_SOURCES": str(sources)}))
        with Store(db, readonly=True) as store:
            articles = store.articles()
            row.recorded = sum(len(store.checks(a["id"])) for a in articles)
    row.expect(token not in stored_text(db), "the local file was stored")
    row.expect(all(a["url"].startswith("http://") for a in articles),
               f"identities {[a['url'] for a in articles if not a['url'].startswith('http')]}")
    # The feed's live page and video (404 here) are articles to the loose pattern too.
    row.expected = site.n + 2
    row.expect(row.recorded == row.expected, f"{row.recorded} checks of {row.expected}")


@scenario("d09 malformed links do not empty a feed", fast=True)
def malformed_links(row: Row, tmp: Path) -> None:
    site = new_site(5)
    with serving(site) as server:
        site.extra_links = ["http://127.0.0.1:99999/news/articles/bad1",
                            "http://[127.0.0.1/news/articles/bad2", "javascript:/news/articles/bad3",
                            "http://127.0.0.1:0/news/articles/bad4", "http:///news/articles/bad5"]
        site_rounds(row, tmp, site, server, 1, lambda r: site.faults)


@scenario("d10 lone surrogates and control characters")
def controls(row: Row, tmp: Path) -> None:
    db = tmp / "ctl.db"
    evil = "Red \x1b[31malert\x1b[0m bell \x07 title \x1b]0;pwned\x07 c1 \x9b2J end."
    html = page(0, [f"The council said {evil} and the harbour repairs would go ahead soon.",
                    "A second paragraph, plain, about the budget for the coming year ahead."],
                byline="BYLINE")
    html = html.replace('"name": "BYLINE"', '"name": "Sam \\ud800 Jones"')
    with serving() as server:
        server.route = lambda where, n: Reply(html) if where == path(0) else None
        url = server.url(path(0))
        row.ran(harness.crawl(db, args={"url": url}))
        row.ran(harness.crawl(db, args={"url": url}))
    checks = checks_of(db, url)
    versions = versions_of(db, url)
    row.expected, row.recorded = 2, len(checks)
    row.expect([c["outcome"] for c in checks] == ["new", "unchanged"],
               f"outcomes {[c['outcome'] for c in checks]}")
    for v in versions:
        for key in ("title", "byline", "body"):
            row.expect(not CONTROL.search(v[key] or ""), f"control characters stored in {key}")
    for args in (("show", url), ("history", url)):
        run = row.ran(harness.cli(db, args[0], "--db", str(db), *args[1:]))
        row.expect("\x1b" not in run.stdout and "\x07" not in run.stdout, f"raw escapes: {args[0]}")


@scenario("d11 partial pages, paywall teaser, CDN alternating")
def partial_pages(row: Row, tmp: Path) -> None:
    site = new_site(3)
    teaser = page(1, [sitemod.paragraphs(1, 0)[0], "Subscribe to continue reading."])

    def faults(r: int) -> dict:
        p = [path(i) for i in range(site.n)]
        out: dict = {}
        if r in (1, 3):
            out[p[0]] = Reply(page(0, sitemod.paragraphs(0, 0)), fault="close")
            out[p[1]] = Reply(teaser)
        # Article 2 alternates between two copies every round (a CDN).
        cdn = sitemod.article(2, r % 2)
        out[p[2]] = Reply(render_article(cdn), tag=(2, r % 2))
        return out

    site.frozen = {0, 1}  # their text never changes; 2 is served by ``faults``
    with serving(site) as server:
        site_rounds(row, tmp, site, server, 6, faults)
    counts = [len(versions_of(tmp / "site.db", site.url(i))) for i in range(site.n)]
    row.expect(counts == [1, 1, 2], f"versions per article {counts} (want 1, 1, 2)")


@scenario("d12 deep nesting (3,000 levels)")
def deep_nesting(row: Row, tmp: Path) -> None:
    db = tmp / "deep.db"

    def deep(last: str) -> str:
        html = page(0, [*sitemod.paragraphs(0, 1), last])
        return html.replace('<div id="main-content">', '<div id="main-content">' + "<div>" * 3000
                            ).replace("</main>", "</main>" + "</div>" * 3000)

    bodies = [deep("The last paragraph says the work will take six months in all."),
              deep("The last paragraph now says the work will take nine months in all.")]
    with serving() as server:
        server.route = lambda where, n: Reply(bodies[min(n, 1)]) if where == path(0) else None
        url = server.url(path(0))
        for _ in bodies:
            row.ran(harness.crawl(db, args={"url": url}))
    checks = checks_of(db, url)
    versions = versions_of(db, url)
    row.expected, row.recorded = 2, len(checks)
    last_words = ["six months", "nine months"]
    explained = [c for c in checks if c["outcome"] == "failed" and c["detail"]]
    stored_right = [w in v["body"] for v, w in zip(versions, last_words, strict=False)]
    row.expect(explained or (len(versions) == 2 and all(stored_right)),
               f"{len(versions)} versions, last paragraph kept: {stored_right}, "
               f"outcomes {[c['outcome'] for c in checks]}")
    row.lost += 0 if explained else max(0, 2 - sum(stored_right))


@scenario("d13 HTML entities decoded once")
def entities(row: Row, tmp: Path) -> None:
    db = tmp / "ent.db"
    text = ("Tags like &lt;p&gt; are markup, AT&amp;T is a company and &amp;nbsp; is "
            "an entity, the council said about the new website.")
    html = page(0, [text, "A second paragraph, plain, about the budget for the coming year."])
    with serving() as server:
        server.route = lambda where, n: Reply(html) if where == path(0) else None
        url = server.url(path(0))
        for _ in range(2):
            row.ran(harness.crawl(db, args={"url": url}))
    checks = checks_of(db, url)
    versions = versions_of(db, url)
    row.expected, row.recorded = 2, len(checks)
    row.expect(len(versions) == 1 and text in versions[0]["body"],
               f"stored {versions[0]['body'][:80]!r}" if versions else
               f"no version: {[c['detail'] for c in checks]}")
    row.phantom += max(0, len(versions) - 1)


@scenario("d14 schema from the future; readers never create a database")
def future_schema(row: Row, tmp: Path) -> None:
    db = tmp / "future.db"
    Store(db).close()
    with sqlite3.connect(db) as conn:  # sabotage, as the tests do: a newer version's migration
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('newsdiffs', 'm999_from_the_future', '2030-01-01')")
    conn.close()
    for args in (("status",), ("crawl", "bbc"), ("changes",)):
        run = row.ran(harness.cli(db, args[0], "--db", str(db), *args[1:]), want=(1,))
        row.expect("unknown migrations" in run.output, f"{args[0]}: {tail(run.output)}")
    empty = tmp / "empty.db"
    empty.touch()
    missing = tmp / "missing.db"
    for reader_db in (empty, missing):
        row.ran(harness.cli(reader_db, "changes", "--db", str(reader_db)), want=(1,))
    row.expect(empty.stat().st_size == 0 and not missing.exists(), "a reader created a database")


@scenario("d15 failing feeds are recorded and status warns")
def feed_health(row: Row, tmp: Path) -> None:
    db = tmp / "fh.db"
    with serving() as server:
        server.route = lambda where, n: {
            "/laughs.xml": Reply(LAUGHS, content_type="application/rss+xml"),
            "/huge.xml": Reply("<rss>", fault="huge", size=12 * 1024 * 1024),
            "/down.xml": Reply("down", status=503)}.get(where)
        feeds = ",".join(server.url(p) for p in ("/laughs.xml", "/huge.xml", "/down.xml"))
        row.ran(harness.crawl(db, args={"feeds": feeds}, settings={"RETRY_TIMES": "0"}))
    with Store(db, readonly=True) as store:
        rows = store.feed_checks()
    row.expected, row.recorded = 3, len(rows)
    row.expect(len(rows) == 3 and not any(r["ok"] for r in rows),
               f"feed checks {[(r['url'][-10:], r['ok']) for r in rows]}")
    status = harness.cli(db, "status", "--db", str(db))
    row.expect(status.rc == 1 and "feeds failing" in status.output,
               f"status {status.rc}: {tail(status.output)}")
    if status.rc == 0:
        row.silent += 1


BAD_CLI = [
    ("history", "http://[bad/x"), ("history", "http://127.0.0.1:99999/x"),
    ("show", "URL", "--version", "99999999999999999999"), ("diff", "URL", "1", "9" * 30),
    ("changes", "--since", "99999999d"), ("status", "--window", "99999999d"),
    ("export", "--since", "9999999999w"), ("metadata", "-o", "MISSING/dir/m.json"),
    ("crawl", "bbc", "--log", "/proc/x/y.log"), ("crawl", "bbc", "-s", "NEWSDIFFS_SCHEDULE={bad"),
    ("crawl", "bbc", "-s", "NEWSDIFFS_SCHEDULE=[1,2]"), ("crawl", "bbc", "-s", "LOG_LEVEL=BOGUS"),
    ("crawl", "bbc", "-a", "urls=/nonexistent"), ("crawl", "bbc", "-a", "urls=BINARY"),
    ("crawl", "bbc", "-a", "url=not a url"), ("crawl", "bbc", "-a", "url=javascript:alert(1)"),
    ("crawl", "bbc", "-a", "feeds=not-a-url"), ("crawl", "bbc", "-a", "url="),
    ("crawl", "bbc", "-s", "NEWSDIFFS_MAX_DUE_PER_RUN=-1"), ("search", ""),
]


@scenario("d16 bad CLI input: one-line errors, exit 1 or 2")
def bad_cli(row: Row, tmp: Path) -> None:
    db = tmp / "cli.db"
    site = new_site(1)
    binary = tmp / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    with serving(site):
        row.ran(harness.crawl(db, args={"url": site.url(0)}))
        before = db.read_bytes()
        for args in BAD_CLI:
            args = tuple(a.replace("URL", site.url(0)).replace("MISSING", str(tmp / "missing"))
                         .replace("BINARY", str(binary)) for a in args)
            run = row.ran(harness.cli(db, args[0], "--db", str(db), *args[1:]),
                          want=(1, 2))
            lines = run.output.strip().splitlines()
            row.expect(len(lines) == 1 and lines[0].startswith(("Error", "Usage")) or
                       (len(lines) > 1 and lines[0].startswith("Usage") and
                        lines[-1].startswith("Error")),
                       f"{' '.join(args)}: {tail(run.output)}")
            if run.rc == 0:
                row.silent += 1
        row.expected = row.recorded = len(BAD_CLI)
    row.expect(db.read_bytes() == before, "a refused command changed the database")
    row.error = f"{len(BAD_CLI)} inputs, all refused" if not row.failures else row.error


@scenario("d17 full disk: no leftovers, one-line errors")
def full_disk(row: Row, tmp: Path) -> None:
    db = tmp / "disk.db"
    site = new_site(20)
    with serving(site) as server:
        row.ran(harness.crawl(db, args={"feeds": server.url(FEED)}))
    out = tmp / "out"
    out.mkdir()

    def tiny(limit: int) -> Callable[[], None]:
        return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    for args, limit in ((("site", "--db", str(db), str(out / "site")), 4096),
                        (("export", "--db", str(db), "-o", str(out / "e.csv")), 0)):
        done = subprocess.run([sys.executable, "-m", "newsdiffs",
                               *args], cwd=harness.ROOT, env=harness.env(db),
                              capture_output=True, text=True, timeout=60, preexec_fn=tiny(limit))
        run = row.ran(harness.Run(done.returncode, done.stdout, done.stderr), want=(1,))
        row.expect(len(run.output.strip().splitlines()) == 1, f"{args[0]}: {tail(run.output)}")
    left = [p.name for p in out.rglob("*") if p.name.endswith(".tmp") or
            (p.is_file() and p.stat().st_size == 0)]
    row.expect(not left, f"left behind: {left[:5]}")
    fresh = tmp / "fresh" / "n.db"
    fresh.parent.mkdir()
    done = subprocess.run(harness.command(fresh, args={"url": site.url(0)}), cwd=harness.ROOT,
                          env=harness.env(fresh), capture_output=True, text=True, timeout=60,
                          preexec_fn=tiny(0))
    run = row.ran(harness.Run(done.returncode, done.stdout, done.stderr), want=(1,))
    row.expect(len(run.output.strip().splitlines()) == 1, f"crawl: {tail(run.output)}")


@scenario("d18 crawl --quiet: errors only, no INFO, no 'Gave up retrying'", fast=True)
def quiet(row: Row, tmp: Path) -> None:
    site = new_site(3)
    db = tmp / "q.db"
    with serving(site) as server:
        site.faults = {path(0): Reply("busy", status=503)}
        settings = {"LOG_LEVEL": "INFO", "RETRY_TIMES": "1"}
        run = row.ran(harness.crawl(db, args={"feeds": server.url(FEED)}, settings=settings,
                                    quiet=True))
        audit = harness.audit_site(db, site, server.hits())
    row.expected = site.n
    row.audited(audit)
    row.expect(run.output == "", f"--quiet printed: {tail(run.output)}")
    row.error = "(nothing printed)" if run.output == "" else row.error


def names(fast_only: bool = False) -> list[str]:
    return list(FAST if fast_only else SCENARIOS)


def as_json(rows: list[Row]) -> str:
    return json.dumps([r.__dict__ | {"passed": r.passed} for r in rows], indent=1)
