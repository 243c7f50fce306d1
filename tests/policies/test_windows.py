"""Recent windows: what they return, what they forget, and how much they keep."""

from __future__ import annotations

import re
import tracemalloc
from datetime import UTC, datetime, timedelta

from policies.context import Context, RecentMessage
from policies.windows import RecentWindows, fingerprint
from tests.policies.rules._builders import T0, join, recent, ref, windows

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
S = timedelta(seconds=1)


def test_windows_satisfy_the_context_protocol() -> None:
    ctx: Context = windows()
    assert ctx.now == T0


def test_a_fresh_window_is_empty() -> None:
    kept = RecentWindows()
    assert kept.recent_messages(EPOCH) == []
    assert kept.joins(EPOCH) == []
    assert kept.by_member(ref("alice"), EPOCH) == []
    assert kept.in_channel(ref("general"), EPOCH) == []
    assert kept.with_text("hello", EPOCH) == []


def test_by_member_returns_only_that_members_messages_since_a_time_oldest_first() -> None:
    a1 = recent("alice", "general", T0 - 30 * S, "one")
    b1 = recent("bob", "general", T0 - 25 * S, "two")
    a2 = recent("alice", "support", T0 - 20 * S, "three")
    a3 = recent("alice", "general", T0 - 10 * S, "four")
    kept = windows(T0, messages=[a3, b1, a1, a2])
    assert kept.by_member(ref("alice"), T0 - 60 * S) == [a1, a2, a3]
    assert kept.by_member(ref("alice"), T0 - 20 * S) == [a2, a3]  # at `since` counts
    assert kept.by_member(ref("alice"), T0 - 20 * S + timedelta(microseconds=1)) == [a3]
    assert kept.by_member(ref("bob"), T0 - 60 * S) == [b1]
    assert kept.by_member(ref("carol"), T0 - 60 * S) == []


def test_in_channel_returns_only_that_channels_messages_oldest_first() -> None:
    g1 = recent("alice", "general", T0 - 30 * S, "one")
    s1 = recent("alice", "support", T0 - 25 * S, "two")
    g2 = recent("bob", "general", T0 - 5 * S, "three")
    kept = windows(T0, messages=[g1, s1, g2])
    assert kept.in_channel(ref("general"), T0 - 60 * S) == [g1, g2]
    assert kept.in_channel(ref("general"), T0 - 10 * S) == [g2]
    assert kept.in_channel(ref("support"), T0 - 60 * S) == [s1]
    assert kept.in_channel(ref("random"), T0 - 60 * S) == []


def test_with_text_matches_the_exact_text_key_only() -> None:
    key = fingerprint("free nitro at example dot com!")
    x1 = recent("alice", "general", T0 - 30 * S, key)
    x2 = recent("bob", "support", T0 - 20 * S, key)
    other = recent("carol", "general", T0 - 10 * S, key + "x")
    kept = windows(T0, messages=[x1, x2, other])
    assert kept.with_text(key, T0 - 60 * S) == [x1, x2]
    assert kept.with_text(key, T0 - 20 * S) == [x2]
    assert kept.with_text(key + "x", T0 - 60 * S) == [other]
    assert kept.with_text("freenitro", T0 - 60 * S) == []


def test_an_empty_text_is_not_indexed() -> None:
    empty = recent("alice", "general", T0 - S, "")
    kept = windows(T0, messages=[empty])
    assert kept.with_text("", EPOCH) == []
    assert kept.recent_messages(EPOCH) == [empty]


def test_recent_messages_returns_everything_since_a_time_oldest_first() -> None:
    items = [recent(f"u{i}", f"c{i % 2}", T0 - (10 - i) * S, f"text {i}") for i in range(10)]
    kept = windows(T0, messages=reversed(items))
    assert kept.recent_messages(EPOCH) == items
    assert kept.recent_messages(T0 - 3 * S) == items[7:]
    assert kept.recent_messages(T0 + S) == []


def test_joins_returns_joins_since_a_time_oldest_first() -> None:
    items = [join(f"n{i}", T0 - (5 - i) * S) for i in range(5)]
    kept = windows(T0, joins=items)
    assert kept.joins(EPOCH) == items
    assert kept.joins(T0 - 2 * S) == items[3:]


def test_moved_to_sets_now_and_returns_the_same_windows() -> None:
    kept = RecentWindows()
    assert kept.moved_to(T0) is kept
    assert kept.now == T0
    assert kept.moved_to(T0 + S).now == T0 + S


def test_moved_to_never_goes_backwards() -> None:
    old = recent("alice", "general", T0 - timedelta(minutes=10), "old")
    kept = windows(T0, messages=[old], horizon=timedelta(minutes=15))
    kept.moved_to(T0 - timedelta(hours=1))
    assert kept.now == T0
    kept.moved_to(T0 + timedelta(minutes=4))  # old is 14 minutes old: still kept
    assert kept.now == T0 + timedelta(minutes=4)
    assert kept.recent_messages(EPOCH) == [old]
    kept.moved_to(T0)
    assert kept.now == T0 + timedelta(minutes=4)


def test_items_older_than_the_horizon_are_forgotten_after_moved_to() -> None:
    horizon = timedelta(minutes=15)
    old = recent("alice", "general", T0, "old text")
    fresh = recent("alice", "general", T0 + timedelta(minutes=10), "old text")
    old_join = join("n1", T0)
    fresh_join = join("n2", T0 + timedelta(minutes=10))
    kept = windows(
        T0 + timedelta(minutes=10),
        messages=[old, fresh],
        joins=[old_join, fresh_join],
        horizon=horizon,
    )
    assert kept.recent_messages(EPOCH) == [old, fresh]
    assert kept.joins(EPOCH) == [old_join, fresh_join]

    kept.moved_to(T0 + horizon + S)  # old is now past the horizon, fresh is not
    assert kept.recent_messages(EPOCH) == [fresh]
    assert kept.joins(EPOCH) == [old_join, fresh_join], "joins are kept longer, for raid holds"

    kept.moved_to(T0 + kept.join_horizon + S)
    assert kept.joins(EPOCH) == [fresh_join]

    kept.moved_to(T0 + timedelta(hours=3))  # everything is past both horizons
    assert kept.recent_messages(EPOCH) == []
    assert kept.joins(EPOCH) == []
    assert kept.by_member(ref("alice"), EPOCH) == []
    assert kept.in_channel(ref("general"), EPOCH) == []
    assert kept.with_text("old text", EPOCH) == []


def test_an_item_exactly_at_the_horizon_is_kept() -> None:
    horizon = timedelta(minutes=15)
    item = recent("alice", "general", T0, "text")
    kept = windows(T0 + horizon, messages=[item], horizon=horizon)
    assert kept.recent_messages(EPOCH) == [item]


def test_per_key_reads_forget_items_older_than_the_horizon_too() -> None:
    horizon = timedelta(minutes=15)
    kept = RecentWindows(horizon=horizon)
    kept.moved_to(T0)
    kept.record_message(recent("alice", "general", T0, "old text"))
    kept.moved_to(T0 + timedelta(minutes=14))  # sweeps the indexes; the message is kept
    kept.moved_to(T0 + timedelta(minutes=16))  # past the horizon, less than horizon/4 later
    assert kept.recent_messages(EPOCH) == []
    assert kept.by_member(ref("alice"), EPOCH) == []
    assert kept.in_channel(ref("general"), EPOCH) == []
    assert kept.with_text("old text", EPOCH) == []


def test_max_messages_and_max_joins_bound_what_is_kept() -> None:
    kept = RecentWindows(max_messages=10, max_joins=4)
    kept.moved_to(T0)
    items = [recent("alice", "general", T0, f"text {i}") for i in range(25)]
    for item in items:
        kept.record_message(item)
    joins = [join(f"n{i}", T0) for i in range(9)]
    for joined in joins:
        kept.record_join(joined)
    assert kept.recent_messages(EPOCH) == items[-10:]
    assert kept.joins(EPOCH) == joins[-4:]


def test_per_key_reads_are_bounded_too() -> None:
    kept = RecentWindows(max_messages=1_000)
    kept.moved_to(T0)
    for i in range(500):
        kept.record_message(recent("alice", "general", T0, "same"))
        kept.record_message(recent(f"u{i}", "other", T0, f"t{i}"))
    assert 0 < len(kept.by_member(ref("alice"), EPOCH)) <= 50
    assert 0 < len(kept.in_channel(ref("general"), EPOCH)) <= 50
    assert 0 < len(kept.with_text("same", EPOCH)) <= 50


def test_memory_stays_flat_under_100k_messages() -> None:
    authors = [ref(f"u{i}") for i in range(300)]
    channels = [ref(f"c{i}") for i in range(7)]
    texts = [f"textnumber{i}" for i in range(400)]
    kept = RecentWindows(max_messages=1_000)
    at = T0
    sizes: list[int] = []
    try:
        for i in range(100_000):
            at += timedelta(milliseconds=5)  # 500 s in all: nothing expires by time
            kept.moved_to(at).record_message(
                RecentMessage(
                    message=ref(f"m{i:06}"),
                    channel=channels[i % 7],
                    author=authors[i % 300],
                    at=at,
                    canonical=texts[i % 400],
                )
            )
            if i + 1 == 25_000:  # the indexes hold the latest 20k messages at most
                tracemalloc.start()
            if i + 1 in (50_000, 100_000):
                sizes.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert len(kept.recent_messages(EPOCH)) == 1_000
    assert all(len(kept.by_member(a, EPOCH)) <= 50 for a in authors)
    assert all(len(kept.in_channel(c, EPOCH)) <= 50 for c in channels)
    assert all(len(kept.with_text(t, EPOCH)) <= 50 for t in texts)
    assert sizes[1] - sizes[0] < 256 * 1024, f"grew by {sizes[1] - sizes[0]} bytes"


def test_messages_beyond_max_messages_are_forgotten_everywhere() -> None:
    kept = RecentWindows(max_messages=100)
    kept.moved_to(T0)
    for i in range(2_000):
        kept.record_message(recent(f"raider{i}", f"c{i}", T0, f"spam{i}"))
    assert len(kept.recent_messages(EPOCH)) == 100
    assert kept.by_member(ref("raider0"), EPOCH) == []
    assert kept.in_channel(ref("c0"), EPOCH) == []
    assert kept.with_text("spam0", EPOCH) == []


def test_fingerprint_keeps_letters_and_digits_alike_for_ascii_and_other_text() -> None:
    # ASCII text takes a faster way; it must keep exactly what the general one keeps.
    for code in range(128):
        text = f"a{chr(code)}1_{chr(code)}"
        general = re.sub(r"[\W_]+", "", text)
        assert fingerprint(text) == general, repr(text)
    assert fingerprint("Free NITRO, at example.com!") == "FreeNITROatexamplecom"
    assert fingerprint("Gratis-Nitro: på dansk, ½ pris!") == "GratisNitropådansk½pris"
