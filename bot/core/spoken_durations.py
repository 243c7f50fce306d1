"""Say a duration in words, in a member's language (``2 heures 30 minutes``, ``30 dni``).

Moderators type and read durations compactly (``1h30m``, see :mod:`bot.core.durations`);
members read them in their notices, where ``4w2d`` means little and reads as English in a
French sentence. The six seed languages have their unit words here; another language gets
the compact form, which no language reads as a foreign word. Durations offered while a
moderator types one are labelled in words too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta

from bot.core.durations import format_duration, parse_duration
from bot.core.language_tags import primary_subtag

SUGGESTED = ("10m", "1h", "1d", "7d")
"""Durations offered while a moderator types one."""
_SIZES = (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def _one_or_many(count: int) -> int:
    return 0 if count == 1 else 1


def _french(count: int) -> int:
    return 0 if count <= 1 else 1


def _polish(count: int) -> int:
    # 1 godzinę, 2-4 godziny (not 12-14), otherwise godzin.
    if count == 1:
        return 0
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return 1
    return 2


def _one_form(count: int) -> int:
    return 0


class _Words:
    """A language's unit words, the plural form a count takes, and how parts are joined."""

    def __init__(
        self, units: dict[str, tuple[str, ...]], form: Callable[[int], int], joiner: str = " "
    ) -> None:
        self.units = units
        self.form = form
        self.joiner = joiner

    def say(self, count: int, unit: str) -> str:
        word = self.units[unit][self.form(count)]
        return f"{count}{word}" if self.joiner == "" else f"{count} {word}"


_LANGUAGES = {
    "en": _Words(
        {
            "w": ("week", "weeks"),
            "d": ("day", "days"),
            "h": ("hour", "hours"),
            "m": ("minute", "minutes"),
            "s": ("second", "seconds"),
        },
        _one_or_many,
    ),
    "fr": _Words(
        {
            "w": ("semaine", "semaines"),
            "d": ("jour", "jours"),
            "h": ("heure", "heures"),
            "m": ("minute", "minutes"),
            "s": ("seconde", "secondes"),
        },
        _french,
    ),
    "nl": _Words(
        {
            "w": ("week", "weken"),
            "d": ("dag", "dagen"),
            "h": ("uur", "uur"),
            "m": ("minuut", "minuten"),
            "s": ("seconde", "seconden"),
        },
        _one_or_many,
    ),
    "da": _Words(
        {
            "w": ("uge", "uger"),
            "d": ("dag", "dage"),
            "h": ("time", "timer"),
            "m": ("minut", "minutter"),
            "s": ("sekund", "sekunder"),
        },
        _one_or_many,
    ),
    # The notices say "na {duration}" / "({duration})": the singular is the accusative.
    "pl": _Words(
        {
            "w": ("tydzień", "tygodnie", "tygodni"),
            "d": ("dzień", "dni", "dni"),
            "h": ("godzinę", "godziny", "godzin"),
            "m": ("minutę", "minuty", "minut"),
            "s": ("sekundę", "sekundy", "sekund"),
        },
        _polish,
    ),
    "ja": _Words(
        {"w": ("週間",), "d": ("日",), "h": ("時間",), "m": ("分",), "s": ("秒",)}, _one_form, ""
    ),
}
SPOKEN_LANGUAGES = frozenset(_LANGUAGES)
"""The languages whose unit words this module knows."""


def spoken_duration(duration: timedelta, language: str | None) -> str:
    """Return a duration in words in ``language``, largest units first.

    Weeks are named only for a whole number of them (``2 weeks``); otherwise days carry the
    count (``30 days``, not ``4 weeks 2 days``), as people say a month's ban. A language
    without unit words here gets the compact form (``1h30m``).

    Args:
        duration: The duration; zero or less reads as zero seconds.
        language: A BCP 47 tag (``fr-CA`` speaks French); ``None`` speaks English.
    """
    words = _LANGUAGES.get(primary_subtag(language) or "en")
    if words is None:
        return format_duration(duration)
    seconds = max(int(duration.total_seconds()), 0)
    if seconds == 0:
        return words.say(0, "s")
    sizes = _SIZES if seconds % 604_800 == 0 else _SIZES[1:]
    parts: list[str] = []
    for unit, size in sizes:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(words.say(count, unit))
    return words.joiner.join(parts)


def duration_choices(typed: str, suggested: tuple[str, ...] = SUGGESTED) -> list[tuple[str, str]]:
    """Return (label, value) durations to offer while a member types one.

    What they typed comes first when it reads as a duration (``90`` offers ``1h30m``),
    then the suggested durations that start with it; all of them when nothing else fits.
    """
    typed = typed.strip().lower()
    values: list[str] = []
    with contextlib.suppress(ValueError):
        values.append(format_duration(parse_duration(typed)))
    values += [s for s in suggested if s.startswith(typed) and s not in values]
    values = values or list(suggested)
    return [(f"{v} ({spoken_duration(parse_duration(v), 'en')})", v) for v in values]
