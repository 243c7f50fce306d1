"""Events moderation announces for other cogs to react to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class RaidDetected(Event):
    """A spike of suspicious joins was detected; newcomers are held until ``until``.

    Attributes:
        until: When the hold ends.
        members: The names of the suspicious accounts.
    """

    until: datetime
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyChanged(Event):
    """The rules in force in a community changed: reloaded, shadowed or enforced again.

    What enforces the policy outside Steward (Discord's AutoMod rules) follows it: a rule
    put in shadow mode or on trial must stop blocking messages there too.
    """
