"""Text that is never story, by class, and the filter every extractor runs its body through.

Selectors keep most furniture out, but some of it sits inside the story
container as ordinary paragraphs, or arrives through trafilatura. Each class
below is a list of patterns matched against a whole block (or, for suffixes,
the end of one); :func:`drop_boilerplate` removes such blocks and tidies the
rest. The classes:

* **ads**: "Advertisement", "Advertisement · Scroll to continue", "Story continues below";
* **gallery**: "[1/5] ... Purchase Licensing Rights", "Photo: AFP", "(Getty Images)" credit lines;
* **standards**: "Our Standards: The Thomson Reuters Trust Principles.";
* **banners**: "This is a breaking news story ...", "This story has been updated";
* **promos**: newsletter "Sign up", newsletter launches ending in their call ("... Sign up
  here."), "[... Get New York Today in your inbox.]", notes that a story first ran in a
  newsletter, "What to know ..." / "Read more:" / "Related:" teasers, "More from ...",
  "Popular", app download lines, "Follow us on Facebook ..." lines, "Continue reading"
  buttons, comment prompts;
* **appeals**: donation and subscription appeals, paywall prompts ("Get the full story",
  "Start trial", "Already a subscriber?"), letters-to-the-editor solicitations;

Embedded posts (tweets) are left to each site's selectors: some sources'
expected texts keep a quoted tweet as part of the story.

A rail heading ("More from Reuters", "Popular", "Most read") is dropped; when
what follows it reads as a rail of other stories, the story ends there.
A drop cap set apart from its word ("T" + "he president") is joined again.
Link suffixes that only screen readers need (", opens new tab") are cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..items import Block

_I = re.I


#: Key words of the slow patterns: a pattern is only tried on a block whose case-folded
#: text contains one of them (every match contains one, so this only saves time).
KEY_WORDS: dict[re.Pattern[str], tuple[str, ...]] = {}


class _Keyed(str):
    """A pattern's source with the words one of which every match contains."""

    words: tuple[str, ...] = ()


def _keyed(pattern: str, *words: str) -> _Keyed:
    keyed = _Keyed(pattern)
    keyed.words = words
    return keyed


def _compile(source: str, pattern: str) -> re.Pattern[str]:
    compiled = re.compile(pattern, _I)
    if isinstance(source, _Keyed):
        KEY_WORDS[compiled] = source.words
    return compiled


def _whole(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(_compile(p, rf"^\s*(?:{p})\s*$") for p in patterns)


#: Ad slots and their labels.
ADS = _whole(
    r"advertisements?(?:\s*[·|•-]\s*scroll to continue)?",
    r"scroll to continue(?: with content)?",
    r"(?:story|article) continues below(?: (?:this )?advert(?:isement)?)?",
    r"skip advert(?:isement)?",
    r"(?:sponsored|paid)(?: content| post)?",
)
#: Photo galleries and credit lines.
GALLERY = (
    re.compile(r"^\s*\[\d+/\d+\]"),  # "[1/5] Police officers stand ..." (Reuters galleries)
    _compile(_keyed(r"\bPurchase Licensing Rights\b", "licensing rights"),
             r"\bPurchase Licensing Rights\b"),
    *_whole(
        r"(?:photo|photograph|image|picture|foto|bild|credit|photo credit)s?\s*(?::|/|by)\s*"
        r"[^.!?]{1,60}",
        r"\(?(?:[A-Z][\w.&' -]{1,40}/)*(?:getty images|afp|reuters|ap photo|epa|shutterstock|"
        r"pa(?: media| wire)?)(?:/[\w.&' -]{1,40})*\)?",
    ),
)
#: Trust-principles footers.
STANDARDS = (re.compile(r"^\s*Our Standards:", _I),
             _compile(_keyed("", "trust principles"), r"Trust Principles\.?\s*$"))
#: Banners above or below a story that are about the page, not the news.
BANNERS = _whole(
    r"this is a (?:breaking|developing)(?: news?)? story[^.]{0,80}\.?(?:\s*(?:[-\u2013\u2014]\s*)?"
    r"(?:please )?(?:refresh|check back|follow|more to (?:follow|come))[^.]{0,80}\.?)*",
    r"(?:this (?:story|article) (?:is developing|has been updated|will be updated)[^.]{0,80}\.?)",
    r"breaking(?: news)?",
)
#: "Read also", "You may be interested", "Related" in the other languages newsdiffs reads
#: (Spanish, Portuguese, French, Italian, German, Dutch, Polish).
TEASER_LABELS = (
    r"(?:lea|lee|leia|vea|veja|ve|mira|(?:à |a )?lire|(?:à |a )?voir|leggi|czytaj|zobacz|"
    r"lees|lesen sie) (?:también|tambien|também|aussi|également|anche|te[zż]|także|ook|auch)"
    r"|(?:también )?(?:le|te) (?:puede|podría) interesar|puede interesarte|puedes ver"
    r"|(?:notas|noticias|art[ií]culos) relacionad[oa]s|mat[ée]rias relacionadas"
    r"|saiba mais|leia mais|lea m[aá]s|lee m[aá]s|leer m[aá]s|dowiedz si[eę] wi[eę]cej"
    r"|(?:ti )?potrebbe(?:ro)? interessarti|das k[öo]nnte sie (?:auch )?interessieren"
    r"|zum weiterlesen|auch lesen|mehr themen|weitere themen|schon gelesen\??"
)
#: Newsletter boxes, teasers and related-story labels.
PROMOS = _whole(
    # a teaser in another language: "Lea también: ...", "À lire aussi : ..."
    rf"(?:{TEASER_LABELS})\s*[:|>»]\s*.{{1,200}}",
    r"m[aá]s sobre [^.!?:]{1,60}:\s*.{1,200}",
    r"sign up(?: here| now| for [^.!?]{0,80})?[.!:]?(?:\s*\S.{0,120})?",
    r"(?:subscribe|register) (?:to|for) (?:our|the) [^.!?]{0,60}newsletters?[^.!?]{0,80}[.!]?",
    r"get (?:our|the) [^.!?]{0,40}newsletter[^.!?]{0,80}[.!]?",
    r"what to know(?: about)?[^.!?]{0,120}[:?]?",
    r"(?:read|see|watch|listen|lire|lesen sie|mehr zum thema|also read|read also|related|"
    r"related coverage|more|recommended|editor'?s picks?)\s*(?:more)?\s*[:|>»]\s*.{0,200}",
    r"(?:read|see) more(?: about [^.!?]{0,80}| stories| here)?[.:!]?",
    r"click here to (?:get|download|read|subscribe|sign up)[^.!?]{0,80}[.!]?",
    r"download (?:the|our) [^.!?]{0,40}app[^.!?]{0,80}[.!]?",
    # newsletter boxes: a short block about a newsletter that asks for a sign-up, in the voice
    # of a promo (it speaks to the reader, or starts with the call); a story sentence about
    # newsletters ("newsletters, which readers subscribe to for a fee, ...") does neither
    _keyed(r"(?=.{0,200}\b(?:our|your|you|us|here|free|now|today)\b|\s*(?:sign up|subscribe|"
           r"get|join|receive|suscr\w+|abonn\w+)\b)"
           r"(?=[^.!?]{0,160}\bnewsletters?\b)(?=.{0,160}\b(?:sign(?:ing)? up|subscrib(?:e|ing)|inbox|"
           r"get up to speed|delivered|sent (?:\w+ )?(?:days?|times?|every)|suscri\w+|abonn\w+))"
           r"[^\n]{0,200}", "newsletter"),
    _keyed(r"[^\n]{0,120}\b(?:free )?sign up(?: now| here)?[.!]?", "sign up"),
    # the sign-up box's instructions: "Simply pop your email into the box ...", "Every day
    # we'll send you a roundup email of ..."
    _keyed(r"(?:[\w']+ ){0,2}(?:pop|put|enter|type|drop|add) your e-?mail(?: address)?\b"
           r"[^\n]{0,200}", "mail"),
    _keyed(r"[^\n]{0,80}\bwe(?:'|\u2019)?ll send you [^.!?\n]{0,60}\b(?:e-?mails?|newsletters?|"
           r"round-?ups?|briefings?|digests?)\b[^\n]{0,200}", "send you"),
    # a newsletter announced, then the call: "... a weekly newsletter bringing you ... Sign up here."
    _keyed(r"[^\n]{0,300}\bnewsletters?\b[^\n]{0,300}[.!?]\s*(?:sign up|subscribe)"
           r"(?: here| now| today| for free)?[.!]?", "newsletter"),
    # "[What you need to know to start the day: Get New York Today in your inbox.]"
    _keyed(r"\[?(?:[^\n\]]{0,100}[:.]\s*)?get [^.!?\]]{1,60} (?:in|to) your inbox[.!]?\]?",
           "inbox"),
    r"get [^.!?]{0,60}\bby e-?mail\b[^\n]{0,120}",
    r"you may (?:occasionally )?receive promotional (?:content|offers)[^.!?]{0,80}[.!]?",
    r"(?:posted|published|updated) (?:on |at )?[^.!?]{0,40}\d{4}[^.!?]{0,30}(?:[ap]\.?m\.?)?",
    # social follow lines: "Follow us on Facebook, Twitter and Instagram."
    r"(?:s[ií]guenos|siga-nos|suivez-nous|folgen sie uns|seguici) (?:en|no|nas?|sur|auf|su) "
    r"[^.!?]{0,120}(?:facebook|twitter|instagram|youtube|tiktok|telegram|whatsapp)[^.!?]{0,80}"
    r"[.!]?",
    r"follow (?:us|[^.!?]{1,60}) on (?:facebook|twitter|x|instagram|youtube|tiktok|linkedin|"
    r"threads|bluesky|whatsapp|telegram|google news|apple news|flipboard|social media)\b"
    r"[^.!?]{0,120}[.!]?",
    # a "Continue reading" button left in the text
    r"continue reading(?: the (?:main )?(?:story|article))?(?: below)?[.\u2026]*",
    # the note that a story first ran in a newsletter, with how to subscribe
    r"(?:this (?:article|story) (?:first )?(?:appeared|ran) in|cet article est paru dans) "
    r"(?:our|notre|the) [^.!?]{0,40}newsletter\b[^\n]{0,400}",
    # the comment form's notices (an author's own "Tell us in the comments" line is kept)
    r"you must (?:confirm your (?:public )?display name|be logged in|sign in) (?:before|to) "
    r"comment(?:ing)?[^\n]{0,80}",
    r"please log ?out and then log ?in again[^\n]{0,120}",
    _keyed(r"[^\n]{0,160}\b(?:or )?listen (?:back|again|live) (?:here|now|on [^.!?]{1,40})[.!]?",
           "listen"),
    # teasers of the site's other stories and share prompts: "Also on rt.com ...", "Like this
    # story? Share it with a friend!"
    r"also on [\w-]+(?:\.[\w-]+)+\b.{0,200}",
    r"(?:like|liked|enjoy(?:ed)?) this (?:story|article)\?[^\n]{0,100}",
    r"share (?:this (?:story|article)|it) with (?:a friend|your friends)[.!]?",
)
#: Donation and subscription appeals, paywall prompts.
APPEALS = _whole(
    r"get the full story[^.!?]{0,120}[.!]?",
    r"start (?:your |a )?(?:free )?trial[^.!?]{0,80}[.!]?",
    r"already (?:a subscriber|have an account)\??(?:\s*(?:sign|log) in\.?)?",
    r"(?:subscribe|subscribe now|support (?:us|our (?:\w+ )?(?:journalism|newsroom|reporting|work)|"
    r"(?:independent |local |quality |public[- ]service )+(?:journalism|news|reporting)))[.!]?"
    r"(?:\s+.{0,160})?",
    r"(?:please )?(?:consider )?(?:donate|donating|make a donation|making a donation|"
    r"(?:make|making) a (?:contribution|gift)|become a (?:member|supporter|subscriber))\b.{0,200}",
    r"(?:this (?:article|content) is (?:for|available to) subscribers|"
    r"subscribe to (?:continue|keep) reading)[^.!?]{0,120}[.!]?",
    r"(?:continue|keep) reading (?:with|for)[^.!?]{0,80}[.!]?",
    _keyed(r"[^.!?]{0,60}\bis committed to publishing a diversity of letters\b.{0,400}",
           "diversity of letters"),
    r"(?:we want to hear (?:what you think|from you)|submit a letter to the editor|"
    r"(?:write|e-?mail) (?:to )?us at|puede escribirnos|schreiben sie uns)\b[^\n]{0,200}",
    r"(?:want to )?read (?:the full|more of this) (?:story|article)\??[^.!?]{0,80}[.!]?",
)
#: Every class, by name (the order does not matter).
CLASSES: dict[str, Sequence[re.Pattern[str]]] = {
    "ads": ADS,
    "gallery": GALLERY,
    "standards": STANDARDS,
    "banners": BANNERS,
    "promos": PROMOS,
    "appeals": APPEALS,
}
#: The heading of a rail of other stories: it and what follows are never this story.
RAIL_HEADING = _whole(
    r"(?:most )?popular(?: (?:now|today|stories|articles|on \S+))?",
    r"most (?:read|viewed|shared|watched|emailed)(?: (?:stories|articles|today|now))?",
    r"more (?:from|on|in|stories from|news from|about) [^.!?]{1,60}",
    r"(?:you (?:may|might) (?:also )?like|recommended(?: for you| stories)?|"
    r"related (?:stories|articles|coverage|content|news)|read next|up next|"
    r"trending(?: now| stories)?|latest (?:news|stories)|top stories|"
    r"(?:more|other) (?:top |opinion )?(?:stories|columns|columnists|opinion))[:.]?",
    rf"(?:{TEASER_LABELS})[:.]?",
)
#: Link suffixes for screen readers only.
LINK_SUFFIX = re.compile(r",?\s*opens new tab\b", _I)
#: A block with no letter or digit: a separator line ("____", "* * *"), or nothing.
_WORDLESS = re.compile(r"^[\W_]*$")
#: A drop cap: one capital letter alone in a block.
_DROP_CAP = re.compile(r"^[^\W\d_]$")
_LOWER_START = re.compile(r"^[^\W\d_]")


def boilerplate_class(text: str) -> str | None:
    """The class (``"ads"``, ``"promos"`` ...) of a block that is never story, else ``None``."""
    folded = text.casefold()
    for name, plain, keyed in _BY_CLASS:
        if plain is not None and plain.search(text):
            return name
        for words, pattern in keyed:
            if any(w in folded for w in words) and pattern.search(text):
                return name
    return None


def _by_class() -> list[tuple[str, re.Pattern[str] | None,
                              list[tuple[tuple[str, ...], re.Pattern[str]]]]]:
    """Each class as one alternation of its plain patterns (one regex call instead of
    dozens) plus its keyed patterns, each tried only when one of its key words occurs."""
    out = []
    for name, patterns in CLASSES.items():
        plain = [p.pattern for p in patterns if p not in KEY_WORDS]
        keyed = [(KEY_WORDS[p], p) for p in patterns if p in KEY_WORDS]
        out.append((name, re.compile("|".join(f"(?:{p})" for p in plain), _I) if plain else None,
                    keyed))
    return out


_BY_CLASS = _by_class()


def is_rail_heading(text: str) -> bool:
    """Whether a block is the heading of a rail of other stories ("More from ...", "Popular")."""
    return any(p.match(text) for p in RAIL_HEADING)


def _join_drop_caps(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        if out and _DROP_CAP.match(out[-1].text) and _LOWER_START.match(block.text) and \
                block.text[0].islower():
            out[-1] = Block(out[-1].text + block.text, block.kind)
        else:
            out.append(block)
    return out


#: A rail heading only ends the story after this much story text (a rail at the top is skipped).
RAIL_AFTER_CHARS = 300


def drop_boilerplate(blocks: Iterable[Block]) -> list[Block]:
    """``blocks`` without the classes of :data:`CLASSES`, cut at a rail, tidied.

    A rail heading is dropped; when it comes after :data:`RAIL_AFTER_CHARS` of
    story text and what follows it reads as a rail (headlines, share buttons,
    teasers: :func:`~newsdiffs.extract.recall.is_rail_run`) holding less prose
    than the story above it, the body ends there (a "More on ..." box inside a
    story, with the story going on below it, never cuts the story short).
    Blocks without a letter or digit (separator lines) go. Drop caps are joined
    to their word and ", opens new tab" suffixes cut.
    """
    from .recall import is_prose, is_rail_run, text_length  # recall imports this module

    out: list[Block] = []
    for block in _join_drop_caps(list(blocks)):
        text = LINK_SUFFIX.sub("", block.text).strip()
        if _WORDLESS.match(text) or boilerplate_class(text):
            continue
        out.append(Block(text, block.kind) if text != block.text else block)
    seen = 0
    for i, block in enumerate(out):
        if is_rail_heading(block.text):
            rest = [b for b in out[i + 1 :] if not is_rail_heading(b.text)]
            if seen >= RAIL_AFTER_CHARS and (not rest or is_rail_run(rest)) and text_length(
                    [b for b in rest if is_prose(b)]) < seen:
                return [b for b in out[:i] if not is_rail_heading(b.text)]
        else:
            seen += len(block.text)
    return [b for b in out if not is_rail_heading(b.text)]
