"""Durations as moderators type them: parsing, formatting and their round trip."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.core.durations import format_duration, format_wait, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1w2d3h4m5s", timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)),
        ("1H30M", timedelta(hours=1, minutes=30)),
        ("  1h 30m ", timedelta(hours=1, minutes=30)),
        ("1 h", timedelta(hours=1)),
        ("30m30m", timedelta(hours=1)),
        ("0s", timedelta(0)),
        ("999999s", timedelta(seconds=999999)),
    ],
)
def test_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "minutes"), [("45", 45), ("0", 0), (" 5 ", 5), ("999999", 999999)]
)
def test_a_bare_number_means_minutes(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "h",
        "1x",
        "1.5h",
        "-5m",
        "+5m",
        "1h-30m",
        "1h and 30m",
        "1234567",
        "1234567s",
        "m30",
        "1h30",
        "²",
    ],
)
def test_garbage_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the cause
        parse_duration(text)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=-30), "0s"),
        (timedelta(milliseconds=500), "0s"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=1), "1h"),
        (timedelta(days=1, hours=2), "1d2h"),
        (timedelta(days=8), "1w1d"),
        (timedelta(weeks=2, seconds=1), "2w1s"),
    ],
)
def test_format(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text


@pytest.mark.parametrize("text", ["90m", "25h", "1h90s", "10080m", "1w0d"])
def test_format_of_parse_is_canonical(text: str) -> None:
    canonical = format_duration(parse_duration(text))
    assert parse_duration(canonical) == parse_duration(text)
    assert format_duration(parse_duration(canonical)) == canonical


@given(st.integers(min_value=0, max_value=10**10))
def test_parse_reads_back_what_format_writes(seconds: int) -> None:
    duration = timedelta(seconds=seconds)
    assert parse_duration(format_duration(duration)) == duration


@given(st.integers(min_value=0, max_value=999999), st.sampled_from("smhdw"))
def test_format_of_any_single_unit_reads_back(count: int, unit: str) -> None:
    duration = parse_duration(f"{count}{unit}")
    assert parse_duration(format_duration(duration)) == duration


_TYPED = st.text(alphabet=st.sampled_from("0123456789smhdwSMHDWx.-+ \t:"), max_size=40)


@given(_TYPED)
def test_parse_of_typed_text_returns_a_duration_or_raises_value_error(text: str) -> None:
    try:
        duration = parse_duration(text)
    except ValueError:
        return
    assert duration >= timedelta(0)


@given(st.text())
@example("1\u017f")  # LATIN SMALL LETTER LONG S
@example("999999w" * 200)
def test_parse_duration_raises_only_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_duration(text)


def test_a_wrong_duration_says_how_to_write_one() -> None:
    with pytest.raises(ValueError, match=r"^'abc' is not a duration: try 10m, 2h or 7d$"):
        parse_duration(" abc ")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "1m"), (59, "1m"), (61, "1m"), (3_900, "1h5m"), (3_959, "1h5m"), (90_000, "1d1h")],
)
def test_a_wait_reads_in_whole_minutes_and_never_as_nothing(seconds: int, shown: str) -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert format_wait(start, start + timedelta(seconds=seconds)) == shown
