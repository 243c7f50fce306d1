"""Duplicates: one member repeating a text, and many accounts pasting one text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from policies.context import Subject
from policies.rules.duplicates import DuplicatesParams, DuplicatesRule
from policies.verdict import CAMPAIGN_COPIES, EARLIER_COPIES, Severity
from policies.windows import RecentWindows
from tests.policies.rules._builders import T0, recent, recorded, subject, windows

S = timedelta(seconds=1)
SPAM = "Buy cheap followers now at example dot com"
NEAR = "Buy cheap followers now at example dot net"  # about 91% alike once fingerprinted
OTHER = "Buy cheap likes now at example dot org"  # about 82% alike


def rule(**params: int | float) -> DuplicatesRule:
    return DuplicatesRule("dupes", DuplicatesParams.model_validate(params))


def posts(
    text: str, *, author: str = "alice", channels: tuple[str, ...] = ("general",), ago: int = 5
) -> list[Subject]:
    """Return one message per channel, ``ago`` seconds before T0 and then one second apart."""
    return [
        subject(text, author=author, channel=ch, at=T0 - (ago - i) * S)
        for i, ch in enumerate(channels)
    ]


def seen(*judged: Subject) -> RecentWindows:
    return windows(messages=[recorded(s) for s in judged])


def test_repeats_up_to_the_limit_pass_and_one_more_is_flagged() -> None:
    dupes = rule(max_repeats=3, max_accounts=0)
    two = posts(SPAM, channels=("general", "general"))
    assert dupes.evaluate(subject(SPAM), seen(*two)) is None
    three = posts(SPAM, channels=("general", "support", "random"))
    hit = dupes.evaluate(subject(SPAM), seen(*three))
    assert hit is not None
    assert hit.reason == "the same message 4 times within 60s in 3 channel(s)"
    # The copies before this one are named, so the whole run is removed, not the last.
    earlier = [[str(s.message.channel), str(s.message.ref)] for s in three]
    assert dict(hit.evidence) == {
        "copies": 4,
        "channels": 3,
        "kind": "repeat",
        EARLIER_COPIES: earlier,
    }
    assert hit.matched == (SPAM,)
    assert hit.severity is None


def test_copies_that_differ_only_in_case_spacing_and_punctuation_are_exact_copies() -> None:
    dupes = rule(max_repeats=2, max_accounts=0, similarity=1.0)
    prior = [
        *posts("BUY cheap followers now -- at example.dot.com!!!", ago=9),
        *posts("buy  cheap followers now at example dot com", ago=5),
    ]
    hit = dupes.evaluate(subject(SPAM), seen(*prior))
    assert hit is not None
    assert hit.evidence["copies"] == 3


def test_near_duplicates_count_by_similarity() -> None:
    prior = [*posts(NEAR, ago=9), *posts(NEAR, ago=5)]
    hit = rule(max_repeats=2, max_accounts=0, similarity=0.9).evaluate(subject(SPAM), seen(*prior))
    assert hit is not None
    assert hit.evidence["copies"] == 3
    strict = rule(max_repeats=2, max_accounts=0, similarity=0.95)
    assert strict.evaluate(subject(SPAM), seen(*prior)) is None


def test_different_messages_are_not_copies() -> None:
    dupes = rule(max_repeats=1, max_accounts=0, similarity=0.9)
    prior = [*posts(OTHER, ago=9), *posts("What is the best pizza in town anyway?", ago=5)]
    assert dupes.evaluate(subject(SPAM), seen(*prior)) is None


def test_only_copies_within_the_window_count() -> None:
    dupes = rule(per_seconds=60, max_repeats=1, max_accounts=0)
    old = [subject(SPAM, at=T0 - 61 * S)]
    assert dupes.evaluate(subject(SPAM), seen(*old)) is None
    recent_copy = [subject(SPAM, at=T0 - 60 * S)]
    assert dupes.evaluate(subject(SPAM), seen(*recent_copy)) is not None


def test_other_members_copies_do_not_count_as_repeats() -> None:
    dupes = rule(max_repeats=1, max_accounts=0)
    prior = [*posts(SPAM, author="bob"), *posts(SPAM, author="carol")]
    assert dupes.evaluate(subject(SPAM), seen(*prior)) is None


def test_the_same_text_from_many_accounts_is_a_copy_paste_raid() -> None:
    dupes = rule(max_accounts=3, max_repeats=10)
    two_others = [*posts(SPAM, author="bob", ago=9), *posts(SPAM, author="carol", ago=5)]
    assert dupes.evaluate(subject(SPAM), seen(*two_others)) is None  # 3 accounts: at the limit

    three_others = [*two_others, *posts(SPAM.upper() + "!!", author="dave", ago=3)]
    hit = dupes.evaluate(subject(SPAM), seen(*three_others))
    assert hit is not None
    assert hit.severity is Severity.HIGH
    # The others' copies are named for moderators to review, each its author's.
    others = [[str(s.message.channel), str(s.message.ref)] for s in three_others]
    assert dict(hit.evidence) == {
        "accounts": 4,
        "kind": "copy_paste_raid",
        CAMPAIGN_COPIES: others,
    }
    assert hit.reason == "the same text from 4 accounts within 60s"
    assert hit.matched == (SPAM,)
    # Alice's own earlier copy goes with hers; bob's, carol's and dave's are theirs.
    mine = posts(SPAM, author="alice", channels=("random",), ago=2)
    hit = dupes.evaluate(subject(SPAM), seen(*three_others, *mine))
    assert hit is not None
    assert hit.evidence[EARLIER_COPIES] == [["local:random", str(mine[0].message.ref)]]


def test_one_account_posting_a_text_many_times_is_one_account() -> None:
    dupes = rule(max_accounts=2, max_repeats=100)
    prior = posts(SPAM, author="bob", channels=("a", "b", "c", "d", "e"))
    assert dupes.evaluate(subject(SPAM), seen(*prior)) is None


def test_the_author_counts_once_among_the_accounts() -> None:
    dupes = rule(max_accounts=2, max_repeats=100)
    prior = [*posts(SPAM, author="alice", channels=("a", "b")), *posts(SPAM, author="bob")]
    assert dupes.evaluate(subject(SPAM), seen(*prior)) is None


def test_max_accounts_zero_turns_the_raid_check_off() -> None:
    dupes = rule(max_accounts=0, max_repeats=3)
    prior = [s for i in range(10) for s in posts(SPAM, author=f"raider{i}")]
    assert dupes.evaluate(subject(SPAM), seen(*prior)) is None


def test_the_raid_check_only_counts_accounts_within_the_window() -> None:
    dupes = rule(per_seconds=30, max_accounts=2)
    prior = [
        subject(SPAM, author="bob", at=T0 - 31 * S),
        subject(SPAM, author="carol", at=T0 - 29 * S),
    ]
    assert dupes.evaluate(subject(SPAM), seen(*prior)) is None


def test_short_texts_are_never_counted() -> None:
    dupes = rule(min_length=12, max_repeats=1, max_accounts=1)
    for text in ("ok", "thanks!", "lol lol lol", "+1 +1 +1 +1 +1", "!!! ??? ... :) :) :)"):
        prior = [s for i in range(5) for s in posts(text, author=f"user{i}")]
        prior += posts(text, channels=("a", "b", "c"))
        assert dupes.evaluate(subject(text), seen(*prior)) is None, text


def test_the_length_limit_is_on_letters_and_digits() -> None:
    dupes = rule(min_length=12, max_repeats=1, max_accounts=0)
    eleven = "abc def ghi jk"  # 11 letters
    twelve = "abc def ghi jkl"
    assert dupes.evaluate(subject(eleven), seen(*posts(eleven))) is None
    assert dupes.evaluate(subject(twelve), seen(*posts(twelve))) is not None


def test_a_raid_is_caught_as_the_cog_feeds_the_windows() -> None:
    dupes = rule(max_accounts=3, max_repeats=3)
    ctx = windows()
    hits = []
    for i in range(6):
        judged = subject(f"{SPAM}{'!' * i}", author=f"raider{i}", at=T0 + i * S)
        hits.append(dupes.evaluate(judged, ctx.moved_to(judged.message.created_at)))
        ctx.record_message(recorded(judged))
    kinds = [h.evidence["kind"] if h else None for h in hits]
    assert kinds == [None, None, None, "copy_paste_raid", "copy_paste_raid", "copy_paste_raid"]


def test_a_message_judged_against_itself_is_not_yet_a_copy() -> None:
    # The window never holds the message being judged; an empty one must never flag.
    dupes = rule(max_repeats=1, max_accounts=1)
    assert dupes.evaluate(subject(SPAM), windows()) is None


@pytest.mark.parametrize(
    "params",
    [
        {"per_seconds": 0},
        {"per_seconds": 86_401},
        {"min_length": 0},
        {"max_repeats": 0},
        {"similarity": 0},
        {"similarity": 1.01},
        {"max_accounts": -1},
    ],
)
def test_invalid_params_are_refused(params: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        DuplicatesParams.model_validate(params)


@settings(max_examples=100, deadline=None)
@given(text=st.text(), other=st.text())
def test_evaluate_never_raises(text: str, other: str) -> None:
    dupes = rule(min_length=1, max_repeats=1, max_accounts=1, similarity=0.5)
    prior = [recent("alice", "general", T0 - S, other), recent("bob", "general", T0 - S, text)]
    hit = dupes.evaluate(subject(text), windows(messages=prior))
    assert hit is None or hit.reason
