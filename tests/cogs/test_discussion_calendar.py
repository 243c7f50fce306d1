"""Posting calendars in local time, and the prompt library format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bot.core.clock import zone
from cogs._prompt_library import LibraryError, dump_library, load_library, parse_library
from cogs._schedules import ScheduleSettings, latest_slot, next_slot, slots_between

AMSTERDAM = zone("Europe/Amsterdam")


def test_a_local_time_keeps_its_wall_clock_through_both_clock_changes() -> None:
    spring = slots_between(
        "30 2 * * *",
        AMSTERDAM,
        datetime(2026, 3, 28, tzinfo=UTC),
        datetime(2026, 3, 31, tzinfo=UTC),
    )
    # 02:30 does not exist on 29 March: it fires at 03:00, the first minute that does.
    assert [s.astimezone(AMSTERDAM).strftime("%d %H:%M") for s in spring] == [
        "28 02:30",
        "29 03:00",
        "30 02:30",
    ]
    autumn = slots_between(
        "30 2 * * *",
        AMSTERDAM,
        datetime(2026, 10, 24, tzinfo=UTC),
        datetime(2026, 10, 27, tzinfo=UTC),
    )
    # 02:30 happens twice on 25 October: it fires once.
    assert [s.isoformat() for s in autumn] == [
        "2026-10-24T00:30:00+00:00",
        "2026-10-25T00:30:00+00:00",
        "2026-10-26T01:30:00+00:00",
    ]


def test_the_latest_slot_includes_the_exact_moment() -> None:
    slot = datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert latest_slot("0 10 * * mon", AMSTERDAM, slot) == slot
    assert latest_slot("0 10 * * mon", AMSTERDAM, slot.replace(minute=0, hour=7)) == datetime(
        2026, 3, 23, 9, tzinfo=UTC
    )


@pytest.mark.parametrize("cron", ["every monday", "0 10 * *", "61 10 * * mon", "0 10 * * mon 2026"])
def test_a_bad_cron_expression_is_refused_with_the_reason(cron: str) -> None:
    with pytest.raises(ValidationError, match="five-field cron"):
        ScheduleSettings(name="weekly", cron=cron, channel="general")


@pytest.mark.parametrize("cron", ["0 9 30 2 *", "0 9 31 4,6,9,11 *"])
def test_a_cron_expression_that_never_comes_round_is_refused(cron: str) -> None:
    # Valid syntax, so croniter took it; the cog failed later, looking for the next slot.
    with pytest.raises(ValidationError, match="never comes round"):
        ScheduleSettings(name="weekly", cron=cron, channel="general")


def test_a_leap_day_comes_round() -> None:
    settings = ScheduleSettings(name="leap", cron="0 9 29 2 *", channel="general")
    slot = next_slot(settings.cron, AMSTERDAM, datetime(2026, 3, 1, tzinfo=UTC))
    assert slot == datetime(2028, 2, 29, 8, tzinfo=UTC)


def test_a_schedule_language_is_a_tag_or_empty_for_the_communitys() -> None:
    assert ScheduleSettings(name="weekly", cron="0 10 * * mon", channel="general").language == ""
    chosen = ScheduleSettings(name="weekly", cron="0 10 * * mon", channel="general", language="FR")
    assert chosen.language == "fr"
    with pytest.raises(ValidationError, match="'French' is not a language tag"):
        ScheduleSettings(name="weekly", cron="0 10 * * mon", channel="general", language="French")


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Atlantis'"):
        zone("Europe/Atlantis")


def test_the_starter_library_loads_and_a_library_round_trips() -> None:
    starter = load_library(None)
    assert len(starter.prompts) >= 8
    assert any(p.answers for p in starter.prompts), "it has a poll"
    again = parse_library(dump_library(starter.prompts))
    assert again.prompts == starter.prompts


def test_a_broken_library_names_the_source_and_the_key() -> None:
    with pytest.raises(LibraryError, match=r"mine.toml: prompts\.0\.topic: Extra inputs"):
        parse_library('[[prompts]]\ntext = "Hello there"\ntopic = "x"\n', source="mine.toml")
    with pytest.raises(LibraryError, match=r"prompts\.0\.language: .*'english' is not a language"):
        parse_library('[[prompts]]\ntext = "Hello there"\nlanguage = "english"\n')
    with pytest.raises(LibraryError, match=r"mine\.toml: not valid TOML"):
        parse_library("[[prompts]\n", source="mine.toml")
    with pytest.raises(LibraryError, match=r"mine\.toml: not valid TOML: nested too deeply"):
        parse_library("x = " + "[" * 5_000 + "]" * 5_000, source="mine.toml")
    with pytest.raises(LibraryError, match="cannot read the prompt library"):
        load_library("/nonexistent/prompts.toml")
