"""The plain-text diff of two stored versions (``newsdiffs diff``), and terminal-safe text.

Stored pages may hold control characters (escape sequences from before
``clean_text`` dropped them); :func:`visible` shows each as ``\\xNN`` so that no
terminal acts on them. Colour, when asked for, is added after that: the only
escape sequences in the output are our own.
"""

from __future__ import annotations

import re

from .diff import SEPARATOR, Row, VersionDiff, WordOp, compare_versions
from .render import later, summary

# C0 controls but tab and newline, DEL, C1 controls: a terminal acts on these (ESC starts
# colour, cursor and title sequences, BEL rings, CR overwrites a line, 0x9b is a one-byte CSI).
TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: SGR codes of the styles used (the sequences ``click.style`` writes for them).
_RED, _GREEN, _UNDERLINE, _STRIKE, _RESET = "31", "32", "4", "9", "0"


def visible(text: str) -> str:
    """Text safe for a terminal: each control character but tab and newline shown as ``\\xNN``."""
    return TERMINAL_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _style(text: str, *codes: str) -> str:
    return "".join(f"\x1b[{code}m" for code in codes) + text + f"\x1b[{_RESET}m"


def _styled_words(ops: list[WordOp], color: bool) -> str:
    out = []
    for k, w in enumerate(ops):
        if w.op != "equal" and not w.text.strip():
            # Whitespace swapped for whitespace (a split or merge): show the new spacing.
            if w.op == "insert":
                out.append(w.text)
                continue
            if any(n.op == "insert" and not n.text.strip() for n in ops[max(k - 1, 0) : k + 2]):
                continue
        # Stored text is made visible before our own colour codes are added around it.
        text = visible(w.text)
        if w.op == "equal":
            out.append(text)
        elif w.op == "delete":
            out.append(_style(text, _RED, _STRIKE) if color else f"[-{text}-]")
        else:
            out.append(_style(text, _GREEN, _UNDERLINE) if color else f"{{+{text}+}}")
    return "".join(out)


def _diff_row_lines(row: Row, rows: list[Row], color: bool) -> list[str]:
    if row.op == "changed":
        note = ""
        if len(row.left) != len(row.right):
            note = (f"(split into {len(row.right)} paragraphs) " if len(row.left) == 1
                    else f"({len(row.left)} paragraphs merged) ")
        return ["~ " + note + _styled_words(row.words, color)]
    if row.op == "inserted":
        text = visible(SEPARATOR.join(b.as_text() for b in row.right))
        return ["+ " + (_style(text, _GREEN) if color else text)]
    if row.op == "deleted":
        text = visible(SEPARATOR.join(b.as_text() for b in row.left))
        return ["- " + (_style(text, _RED) if color else text)]
    if row.op == "moved" and row.left:
        return []  # shown once, where it went
    if row.op == "moved":
        text = _styled_words(row.words, color) if row.words else visible(row.right[0].as_text())
        origin = rows[row.partner].left_index if row.partner is not None else None
        return [f"> (moved from paragraph {(origin or 0) + 1}) " + text]
    return []


def text_diff(old: dict, new: dict, color: bool = False, diff: VersionDiff | None = None) -> str:
    """A readable word-level diff of two stored versions (title, byline, then changed blocks).

    Deleted words show as ``[-word-]``, inserted as ``{+word+}`` (or in colour);
    lines start with ``~`` (changed), ``+`` (added), ``-`` (removed), ``>`` (moved).
    """
    diff = diff or compare_versions(old, new)
    when = later(old["fetched_at"], new["fetched_at"])
    lines = [visible(f"--- version {old['version']}  {old['fetched_at']}"),
             visible(f"+++ version {new['version']}  {new['fetched_at']}  ({when})"),
             summary(diff), ""]
    if diff.title.changed:
        lines += ["Title: " + _styled_words(diff.title.words, color), ""]
    if diff.byline.changed:
        lines += ["Byline: " + _styled_words(diff.byline.words, color), ""]
    for row in diff.rows:
        for line in _diff_row_lines(row, diff.rows, color):
            lines += [line, ""]
    if len(lines) == 4:
        lines.append("(no text change)")
    return "\n".join(lines).rstrip() + "\n"
