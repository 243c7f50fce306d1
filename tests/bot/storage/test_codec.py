"""Column encodings: times keep their order as text, JSON stays standard."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.storage.codec import dump_json, from_db_time, load_json, to_db_time

offsets = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23)).map(
    lambda delta: timezone(timedelta(minutes=delta // timedelta(minutes=1)))
)
aware_times = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets
)


@given(aware_times)
def test_time_round_trips_as_aware_utc(when: datetime) -> None:
    text = to_db_time(when)
    assert len(text) == len("2024-05-01T12:00:00.000000+00:00")
    back = from_db_time(text)
    assert back == when
    assert back.tzinfo is UTC


@given(aware_times)
def test_time_text_is_iso_8601_in_utc_with_microseconds(when: datetime) -> None:
    expected = when.astimezone(UTC).isoformat(timespec="microseconds")
    assert to_db_time(when) == expected
    assert to_db_time(when.replace(microsecond=0)) == expected[:20] + "000000+00:00"


@given(aware_times, aware_times)
def test_time_text_order_is_time_order(first: datetime, second: datetime) -> None:
    assert (to_db_time(first) < to_db_time(second)) == (first < second)


def test_naive_times_are_taken_as_utc() -> None:
    assert to_db_time(datetime(2024, 5, 1, 12)) == "2024-05-01T12:00:00.000000+00:00"
    assert from_db_time("2024-05-01T12:00:00") == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_json_is_compact_and_keeps_unicode() -> None:
    assert dump_json({"a": [1, "é"]}) == '{"a":[1,"é"]}'
    assert load_json('{"a":[1,"é"]}') == {"a": [1, "é"]}


@pytest.mark.parametrize("value", [math.nan, math.inf, [-math.inf]])
def test_json_refuses_non_standard_numbers(value: object) -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        dump_json(value)
