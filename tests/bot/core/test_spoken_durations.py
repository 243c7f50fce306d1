"""Durations in members' words and languages, and the durations offered as one types."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.spoken_durations import duration_choices, spoken_duration

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("duration", "language", "said"),
    [
        (timedelta(minutes=90), "en", "1 hour 30 minutes"),
        (DAY + timedelta(seconds=1), "en-GB", "1 day 1 second"),
        (30 * DAY, "en", "30 days"),  # not 4 weeks 2 days
        (14 * DAY, "en", "2 weeks"),
        (timedelta(0), None, "0 seconds"),
        (-HOUR, "en", "0 seconds"),
        (HOUR, "fr", "1 heure"),
        (30 * DAY, "fr-CA", "30 jours"),
        (timedelta(minutes=10), "nl", "10 minuten"),
        (HOUR, "nl", "1 uur"),
        (3 * HOUR, "nl", "3 uur"),
        (timedelta(days=7), "da", "1 uge"),
        (2 * HOUR, "da", "2 timer"),
        (HOUR, "pl", "1 godzinę"),
        (3 * HOUR, "pl", "3 godziny"),
        (5 * HOUR, "pl", "5 godzin"),
        (12 * HOUR, "pl", "12 godzin"),
        (22 * HOUR, "pl", "22 godziny"),
        (timedelta(minutes=90), "ja", "1時間30分"),
        (timedelta(minutes=90), "de", "1h30m"),  # no words for German: the compact form
    ],
)
def test_a_duration_is_said_in_the_members_language(
    duration: timedelta, language: str | None, said: str
) -> None:
    assert spoken_duration(duration, language) == said


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("", ["10m", "1h", "1d", "7d"]),
        ("1", ["1m", "10m", "1h", "1d"]),
        ("90", ["1h30m"]),
        ("2H", ["2h"]),
        ("abc", ["10m", "1h", "1d", "7d"]),
    ],
)
def test_choices_read_back_what_was_typed_then_suggest(typed: str, offered: list[str]) -> None:
    assert [value for _, value in duration_choices(typed)] == offered


def test_choices_are_labelled_in_words() -> None:
    assert duration_choices("90")[0][0] == "1h30m (1 hour 30 minutes)"
    assert duration_choices("7d")[0][0] == "1w (1 week)"
