"""Flood control: messages per channel and across channels, attachments and emoji."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from policies._emoji import emoji_count
from policies.rules.rate import RateParams, RateRule
from tests.policies.rules._builders import T0, recent, recorded, subject, windows

S = timedelta(seconds=1)


def rule(**params: int | float) -> RateRule:
    return RateRule("flood", RateParams.model_validate(params))


def test_messages_in_one_channel_up_to_the_limit_pass_and_one_more_is_flagged() -> None:
    flood = rule(per_seconds=10, max_in_channel=3, max_across_channels=40)
    two = [recent("alice", "general", T0 - i * S, f"hi {i}") for i in (1, 2)]
    assert flood.evaluate(subject("hello"), windows(messages=two)) is None
    three = [*two, recent("alice", "general", T0 - 3 * S, "hi 3")]
    hit = flood.evaluate(subject("hello"), windows(messages=three))
    assert hit is not None
    assert hit.reason == "4 messages in one channel within 10s"
    assert dict(hit.evidence) == {"count": 4}
    assert hit.severity is None
    assert not hit.review


def test_only_messages_within_the_window_count() -> None:
    flood = rule(per_seconds=10, max_in_channel=2, max_across_channels=40)
    at_edge = recent("alice", "general", T0 - 10 * S, "edge")
    too_old = recent("alice", "general", T0 - 10 * S - timedelta(milliseconds=1), "old")
    assert flood.evaluate(subject("hello"), windows(messages=[too_old, too_old])) is None
    assert flood.evaluate(subject("hello"), windows(messages=[too_old, at_edge])) is None
    both_in = [at_edge, recent("alice", "general", T0 - S, "new")]
    assert flood.evaluate(subject("hello"), windows(messages=both_in)) is not None


def test_other_members_and_other_channels_do_not_count_towards_one_channel() -> None:
    flood = rule(per_seconds=10, max_in_channel=2, max_across_channels=40)
    noise = [recent(f"user{i}", "general", T0 - S, "hi") for i in range(20)]
    elsewhere = [recent("alice", f"chan{i}", T0 - S, "hi") for i in range(5)]
    own = [recent("alice", "general", T0 - S, "hi")]
    ctx = windows(messages=[*noise, *elsewhere, *own])
    assert flood.evaluate(subject("hello"), ctx) is None


def test_messages_across_channels_are_counted_together() -> None:
    flood = rule(per_seconds=10, max_in_channel=3, max_across_channels=5)
    four = [recent("alice", f"chan{i}", T0 - S, f"hi {i}") for i in range(4)]
    assert flood.evaluate(subject("hello"), windows(messages=four)) is None
    five = [*four, recent("alice", "chan4", T0 - S, "hi 4")]
    hit = flood.evaluate(subject("hello", channel="general"), windows(messages=five))
    assert hit is not None
    assert hit.reason == "6 messages in 6 channels within 10s"
    assert dict(hit.evidence) == {"count": 6, "channels": 6}


def test_a_burst_in_the_current_channel_is_reported_as_one_channel() -> None:
    flood = rule(per_seconds=5, max_in_channel=3, max_across_channels=3)
    prior = [recent("alice", "general", T0 - S, f"hi {i}") for i in range(3)]
    hit = flood.evaluate(subject("hello"), windows(messages=prior))
    assert hit is not None
    assert hit.reason == "4 messages in one channel within 5s"


def test_attachments_up_to_the_limit_pass_and_one_more_is_flagged() -> None:
    flood = rule(per_seconds=30, max_attachments=3)
    prior = [recent("alice", "media", T0 - S, "", attachments=2)]
    assert flood.evaluate(subject("look", attachments=1), windows(messages=prior)) is None
    hit = flood.evaluate(subject("look", attachments=2), windows(messages=prior))
    assert hit is not None
    assert hit.reason == "4 attachments within 30s"
    assert dict(hit.evidence) == {"attachments": 4}


def test_attachments_are_unlimited_by_default() -> None:
    flood = rule(per_seconds=30)
    prior = [recent("alice", "media", T0 - S, "", attachments=50)]
    assert flood.evaluate(subject("look", attachments=10), windows(messages=prior)) is None


def test_emoji_in_one_message_up_to_the_limit_pass() -> None:
    flood = rule(max_emojis_per_message=5)
    assert flood.evaluate(subject("yay " + "🎉" * 5), windows()) is None
    hit = flood.evaluate(subject("yay " + "🎉" * 5 + "<:pepe:123>"), windows())
    assert hit is not None
    assert hit.reason == "6 emoji in one message"
    assert dict(hit.evidence) == {"emojis": 6}


def test_emoji_within_the_window_add_up() -> None:
    flood = rule(per_seconds=10, max_emojis=10)
    prior = [
        recent("alice", "general", T0 - 2 * S, "", emojis=5),
        recent("alice", "general", T0 - S, "", emojis=3),
        recent("bob", "general", T0 - S, "", emojis=100),
        recent("alice", "general", T0 - 11 * S, "", emojis=100),
    ]
    assert flood.evaluate(subject("😀😀"), windows(messages=prior)) is None
    hit = flood.evaluate(subject("😀😀😀"), windows(messages=prior))
    assert hit is not None
    assert hit.reason == "11 emoji within 10s"
    assert dict(hit.evidence) == {"emojis": 11}


def test_emoji_are_unlimited_by_default() -> None:
    flood = rule()
    assert flood.evaluate(subject("🎉" * 200), windows()) is None


def test_a_member_who_floods_is_flagged_when_windows_are_fed_as_the_cog_does() -> None:
    flood = rule(per_seconds=10, max_in_channel=4, max_across_channels=40)
    ctx = windows()
    hits = []
    for i in range(8):
        judged = subject(f"message {i}", at=T0 + i * S)
        hits.append(flood.evaluate(judged, ctx.moved_to(judged.message.created_at)))
        ctx.record_message(recorded(judged))
    assert [h is not None for h in hits] == [False] * 4 + [True] * 4


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("no emoji here :) <3", 0),
        ("😀", 1),
        ("😀 😀😀", 3),
        ("👍🏽", 1),  # a skin tone is part of the emoji
        ("👨‍👩‍👧", 1),  # a ZWJ family is one emoji
        ("🇫🇷", 1),  # a flag is two regional indicators, one emoji
        ("<:pepe:123456>", 1),
        ("<a:dance:42> and <:pepe:1>", 2),
    ],
)
def test_emoji_count(text: str, count: int) -> None:
    assert emoji_count(text) == count


def test_emoji_count_counts_shortcode_emoji() -> None:
    assert emoji_count(":tada: :fire: :partyparrot:") == 3


@pytest.mark.parametrize(
    "params",
    [
        {"per_seconds": 0},
        {"per_seconds": -1},
        {"per_seconds": 3601},
        {"max_in_channel": 0},
        {"max_across_channels": 0},
        {"max_attachments": -1},
        {"max_emojis": -1},
        {"per_secondz": 10},
    ],
)
def test_invalid_params_are_refused(params: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        RateParams.model_validate(params)


@settings(max_examples=100, deadline=None)
@given(text=st.text(), attachments=st.integers(0, 20))
def test_evaluate_never_raises(text: str, attachments: int) -> None:
    flood = rule(per_seconds=10, max_attachments=5, max_emojis_per_message=3, max_emojis=6)
    prior = [recent("alice", "general", T0 - S, text, attachments=1, emojis=2)]
    hit = flood.evaluate(subject(text, attachments=attachments), windows(messages=prior))
    assert hit is None or hit.reason
