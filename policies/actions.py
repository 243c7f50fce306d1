"""The vocabulary of actions a policy may name, parsed and checked when the policy loads.

``delete``, ``warn``, ``review``, ``alert``, ``escalate`` (follow the escalation ladder),
``kick``, ``ban`` or ``ban:7d`` (a tempban), ``timeout:1h``, ``slowmode:30s`` and
``gate`` or ``gate:30m`` (a newcomer may not post until a moderator has looked), and
``care`` (a member who may be at risk: a caring private reply and moderators, never a
sanction; a message with a ``care`` match is never punished by another rule either).
"""

from __future__ import annotations

import enum
from collections.abc import Set
from dataclasses import dataclass
from datetime import timedelta

from bot.core.durations import parse_duration


class ActionKind(enum.StrEnum):
    """The kinds of action a policy can ask for."""

    DELETE = "delete"
    WARN = "warn"
    REVIEW = "review"
    ALERT = "alert"
    ESCALATE = "escalate"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"
    SLOWMODE = "slowmode"
    GATE = "gate"
    CARE = "care"


_NEEDS_DURATION = {ActionKind.TIMEOUT, ActionKind.SLOWMODE}
_MAY_HAVE_DURATION = _NEEDS_DURATION | {ActionKind.BAN, ActionKind.GATE}


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One action a policy names, with its duration where it has one."""

    kind: ActionKind
    duration: timedelta | None = None

    def __str__(self) -> str:
        if self.duration is None:
            return self.kind.value
        from bot.core.durations import format_duration  # noqa: PLC0415

        return f"{self.kind.value}:{format_duration(self.duration)}"


def parse_action(text: str) -> PlannedAction:
    """Parse one action name (``timeout:1h``).

    Raises:
        ValueError: If the kind is unknown or its duration is missing or malformed.
    """
    name, sep, rest = text.strip().partition(":")
    try:
        kind = ActionKind(name)
    except ValueError:
        known = ", ".join(k.value for k in ActionKind)
        raise ValueError(f"unknown action {name!r} (known: {known})") from None
    if not sep:
        if kind in _NEEDS_DURATION:
            raise ValueError(f"{kind.value} needs a duration, e.g. {kind.value}:1h")
        return PlannedAction(kind)
    if kind not in _MAY_HAVE_DURATION:
        raise ValueError(f"{kind.value} takes no duration")
    return PlannedAction(kind, parse_duration(rest))


def checked_actions(value: list[str] | None) -> list[str] | None:
    """Return action names as they are once each parses (a pydantic field check).

    Raises:
        ValueError: The first name that does not (see :func:`parse_action`).
    """
    for action in value or ():
        parse_action(action)
    return value


ON_AN_ACCOUNT = frozenset(
    {ActionKind.REVIEW, ActionKind.ALERT, ActionKind.GATE, ActionKind.KICK, ActionKind.BAN}
)
"""What a rule that judges a join (an account, no message) may do."""


def on_an_account(value: list[str]) -> list[str]:
    """Return the actions of a rule that judges joins, if each acts on an account.

    Raises:
        ValueError: For an action that needs a message (``delete``, ``warn``...).
    """
    refusal = (
        "{action} needs a message; a join has none (on_match takes review, alert, gate, kick "
        "and ban)"
    )
    return of_kinds(value, ON_AN_ACCOUNT, refusal)


def of_kinds(value: list[str], allowed: Set[ActionKind], refusal: str) -> list[str]:
    """Return action names if each is of an allowed kind (a pydantic field check).

    Args:
        value: The action names, each of which parses.
        allowed: The kinds the field takes.
        refusal: Why another kind is refused; ``{action}`` names the action.

    Raises:
        ValueError: For the first action of another kind.
    """
    for action in value:
        if parse_action(action).kind not in allowed:
            raise ValueError(refusal.format(action=repr(action)))
    return value
