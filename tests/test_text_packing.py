"""The frame format of packed bodies (m017): exact round trips on awkward texts, a size that
follows the edit, damage detected, and frames written before m017 repacked in place."""

from __future__ import annotations

import random
import sqlite3

import pytest
import zstandard

from newsdiffs.store import (
    TEXT_DELTA,
    TEXT_DELTA_ZSTD,
    TEXT_MIN_BASE,
    NewVersion,
    Store,
    StoreError,
    migrations,
    pack_text,
    unpack_text,
)

PARAGRAPHS = [f"Paragraph {i}: the council met on Tuesday to discuss item {i * 7}." for i in range(8)]
BODY = "\n\n".join(PARAGRAPHS)

EDGE_CASES = {
    "both empty": ("", ""),
    "empty text": ("", BODY),
    "empty base": (BODY, ""),
    "identical": (BODY, BODY),
    "short base (no dictionary)": ("A short text.", "A short text!"),
    "text is a prefix of base": (BODY[:200], BODY),
    "base is a prefix of text": (BODY + "\n\nA new last paragraph.", BODY),
    "repeats overlap": ("a" * 100, "a" * 150),
    "unicode split inside a character": ("Café é 東京 🦆 end", "Café è 東京 🦊 end"),
    "unicode everywhere": ("“Ça va” — 東京\n\n🦆🦆🦆 " * 20, "“Ça va” — 東京\n\n🦆🦊🦆 " * 20),
    "paragraphs reordered": ("\n\n".join(PARAGRAPHS[::-1]), BODY),
    "one word changed": (BODY.replace("Tuesday", "Wednesday", 1), BODY),
    "changes at both ends": ("Breaking: " + BODY + " (updated)", BODY),
    "nul and control characters": ("a\x00b\x01c\r\n\td" * 10, "a\x00b\x01c\r\n\te" * 10),
}


@pytest.mark.parametrize("text,base", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_round_trip(text: str, base: str) -> None:
    for other in (base, None):  # a delta, and the text packed whole
        frame = pack_text(text, other)
        assert unpack_text(frame, other) == text


def test_huge_texts_round_trip_quickly() -> None:
    rng = random.Random(1)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyzé", k=rng.randint(2, 9)))
             for _ in range(2000)]
    base = "\n\n".join(" ".join(rng.choices(words, k=60)) for _ in range(4000))  # about 2 MB
    text = base[:500_000] + "An inserted sentence. " + base[500_000:1_500_000] + base[1_600_000:]
    for other in (base, None):
        frame = pack_text(text, other)
        assert unpack_text(frame, other) == text
    # Two distant edits: the bytes between them come from the base, not from the frame.
    assert len(pack_text(text, base)) < len(text) // 50
    rewritten = " ".join(rng.choices(words, k=300_000))
    assert unpack_text(pack_text(rewritten, base), base) == rewritten


def test_random_edits_round_trip() -> None:
    rng = random.Random(2)
    alphabet = "ab \n.é東🦆"
    for _ in range(2000):
        base = "".join(rng.choices(alphabet, k=rng.randint(0, 300)))
        text = list(base)
        for _ in range(rng.randint(0, 4)):
            at = rng.randint(0, len(text))
            text[at:at + rng.randint(0, 20)] = rng.choices(alphabet, k=rng.randint(0, 20))
        text = "".join(text)
        for other in (base, None):
            assert unpack_text(pack_text(text, other), other) == text


def test_a_frame_costs_about_what_changed() -> None:
    assert len(pack_text(BODY, BODY)) <= 4  # tag, prefix length, suffix length
    edited = BODY.replace("Tuesday", "Wednesday", 1)
    assert pack_text(edited, BODY)[0] == TEXT_DELTA
    assert len(pack_text(edited, BODY)) <= len("Wednes") + 5
    # A paragraph moved from the start to the end of a long article: copied from afar.
    rng = random.Random(3)
    long = [" ".join(f"w{rng.randrange(10_000)}" for _ in range(40)) for _ in range(300)]
    moved = "\n\n".join([*long[1:], long[0]])
    assert len(pack_text(moved, "\n\n".join(long))) < 60
    # A long text packed whole is compressed; a tiny one is kept raw (no zstd frame cost).
    assert len(pack_text(BODY * 20, None)) < len(BODY)
    assert len(pack_text("Hi.", None)) == 4


def test_a_damaged_or_mismatched_frame_is_refused() -> None:
    base = BODY
    text = BODY.replace("Tuesday", "Wednesday").replace("item 14", "item 15")
    frame = pack_text(text, base)
    with pytest.raises(ValueError):
        unpack_text(b"", base)
    with pytest.raises(ValueError):
        unpack_text(bytes([9]) + frame[1:], base)  # unknown tag
    with pytest.raises(ValueError):
        unpack_text(frame, None)  # a delta without its base
    with pytest.raises(ValueError):
        unpack_text(pack_text(text, None), base)  # a whole text where a delta belongs
    with pytest.raises(ValueError):
        unpack_text(frame, base[:10])  # reaches past a shorter base
    with pytest.raises(ValueError):
        unpack_text(frame[:1] + b"\xff" * 12, base)  # a varint that never ends


def store_history(store: Store, url: str, bodies: list[str]) -> int:
    for n, body in enumerate(bodies):
        at = f"2026-01-01T00:00:{n:02d}Z"
        store.record_check(
            url=url, source="bbc", checked_at=at, http_status=200,
            outcome="new" if n == 0 else "changed",
            new_version=NewVersion(fetched_at=at, url=url, title="T", byline=None,
                                   published=None, published_raw=None, modified=None,
                                   modified_raw=None, body=body, hash=f"{url}#{n}",
                                   chars_added=0, chars_removed=0, extractor="test/1"))
    return store.article(url)["id"]


def test_every_damaged_byte_of_a_stored_frame_is_an_error_never_a_wrong_text(db_path) -> None:
    bodies = [BODY.replace("Tuesday", day, 1) for day in ("Monday", "Tuesday", "?", "Friday")]
    bodies[2] = "\n\n".join(PARAGRAPHS[::-1])  # a zstd-packed middle, before and after
    with Store(db_path) as store:
        aid = store_history(store, "https://www.bbc.co.uk/news/damage", bodies)
        for number in (1, 2, 3):
            vid = store.version(aid, number)["id"]
            (frame,) = store.db.execute("SELECT frame FROM packed_bodies WHERE version_id = ?",
                                        [vid]).fetchone()
            assert frame[0] == (TEXT_DELTA if number == 1 else TEXT_DELTA_ZSTD)
            for at in range(len(frame)):
                for flip in (0x01, 0x80, 0xFF):
                    damaged = frame[:at] + bytes([frame[at] ^ flip]) + frame[at + 1:]
                    store.db.execute("UPDATE packed_bodies SET frame = ? WHERE version_id = ?",
                                     [damaged, vid])
                    try:
                        body = store.version_by_id(vid)["body"]
                    except StoreError:
                        continue
                    assert body == bodies[number - 1]
            store.db.execute("UPDATE packed_bodies SET frame = ? WHERE version_id = ?",
                             [frame, vid])
        assert [v["body"] for v in store.versions(aid)] == bodies


def legacy_frame(text: str, base: str | None) -> bytes:
    """A frame as m015 wrote it (README): a zstd frame, with the base as a raw-content
    dictionary when it has TEXT_MIN_BASE bytes or more."""
    data = b"" if base is None else base.encode("utf-8")
    if len(data) < TEXT_MIN_BASE:
        return zstandard.ZstdCompressor(level=3, write_checksum=False).compress(text.encode())
    dictionary = zstandard.ZstdCompressionDict(data, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    return zstandard.ZstdCompressor(level=3, dict_data=dictionary, write_checksum=False,
                                    write_dict_id=False).compress(text.encode())


def test_frames_written_before_m017_are_repacked_in_place(tmp_path) -> None:
    path = tmp_path / "m015.db"
    rng = random.Random(4)
    histories = {}
    for i, count in enumerate([1, 2, 5, 18, 35]):
        paragraphs = list(PARAGRAPHS)
        bodies = []
        for n in range(count):
            if n:
                paragraphs[rng.randrange(8)] = f"Rewritten {n}: “{rng.random()}” 東京."
            bodies.append("" if n == 3 else "\n\n".join(paragraphs))
        histories[f"https://www.bbc.co.uk/news/legacy{i}"] = bodies
    # Written now, then turned into what a database before m017 holds: the same tables,
    # frames as m015 wrote them, and no record of m017.
    with Store(path) as store:
        for url, bodies in histories.items():
            store_history(store, url, bodies)
        texts = {v["id"]: v["body"] for url in histories
                 for v in store.versions(store.article(url)["id"])}
        rows = store.db.execute("SELECT version_id, base_id FROM packed_bodies").fetchall()
        new_bytes = store.db.execute("SELECT sum(length(frame)) FROM packed_bodies").fetchone()[0]
    con = sqlite3.connect(path)
    with con:
        for vid, base_id in rows:
            con.execute("UPDATE packed_bodies SET frame = ? WHERE version_id = ?",
                        [legacy_frame(texts[vid], None if base_id is None else texts[base_id]),
                         vid])
        damaged = rows[0][0]  # a damaged legacy row does not stop the migration
        con.execute("UPDATE packed_bodies SET checksum = zeroblob(8) WHERE version_id = ?",
                    [damaged])
        con.execute("DELETE FROM _sqlite_migrations WHERE name = 'm017_text_packing'")
        (old_bytes,) = con.execute("SELECT sum(length(frame)) FROM packed_bodies").fetchone()
    con.close()
    with pytest.raises(StoreError):  # read-only opens do not migrate
        Store(path, readonly=True)
    with Store(path) as store:
        assert "m017_text_packing" in [m.name for m in migrations.applied(store.db)]
        frames = dict(store.db.execute("SELECT version_id, frame FROM packed_bodies"))
        assert frames[damaged][:4] == b"\x28\xb5\x2f\xfd"  # left as it was
        assert all(f[:4] != b"\x28\xb5\x2f\xfd" for v, f in frames.items() if v != damaged)
        assert sum(len(f) for f in frames.values()) < old_bytes
        with pytest.raises(StoreError, match="checksum"):
            store.version_by_id(damaged)
        for vid, body in texts.items():
            if vid != damaged:
                assert store.version_by_id(vid)["body"] == body
        assert store.search("Rewritten")
    assert new_bytes < old_bytes
