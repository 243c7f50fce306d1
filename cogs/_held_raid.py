"""A detected raid's joins, kept in the cog's state so its hold outlasts a restart.

The raid rule reads holds from the recent joins, which live in memory: a redeploy, a
crash or a configuration reload during a raid would free the raiders' messages from
review and greet the next wave. The guidelines cog keeps the joins since a spike (and
those while it is held) under :data:`KEY` and puts them back when it loads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.refs import Ref
from policies.context import RecentJoin

logger = logging.getLogger(__name__)

KEY = "held_raid"
"""The cog state key of the latest raid: held, or over for less than :data:`ACTIONABLE`."""
ACTIONABLE = timedelta(hours=24)
"""How long after its hold a raid's accounts are still there to act on (``/raid``)."""


@dataclass(frozen=True, slots=True)
class HeldRaid:
    """A raid being held: the joins since its spike's window began, and when it ends."""

    since: datetime
    until: datetime
    joins: tuple[RecentJoin, ...]

    def to_data(self) -> dict[str, Any]:
        """Return it as JSON-compatible data."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "joins": [
                {
                    "member": str(j.member),
                    "name": j.name,
                    "at": j.at.isoformat(),
                    "created": j.account_created.isoformat() if j.account_created else None,
                    "avatar": j.avatar,
                }
                for j in self.joins
            ],
        }

    def with_joins(self, joins: Iterable[RecentJoin]) -> HeldRaid:
        """Return it with the joins now known."""
        return HeldRaid(since=self.since, until=self.until, joins=tuple(joins))


def held_raid_from(data: Any) -> HeldRaid | None:
    """Return a stored raid, or ``None`` when there is none or it cannot be read.

    Unreadable state (written by another version, or damaged) is logged and dropped: the
    community is then no worse off than before raids were kept.
    """
    if data is None:
        return None
    try:
        joins = tuple(
            RecentJoin(
                member=Ref.parse(j["member"]),
                name=str(j["name"]),
                at=datetime.fromisoformat(j["at"]),
                account_created=datetime.fromisoformat(j["created"]) if j["created"] else None,
                avatar=str(j.get("avatar") or ""),  # kept by versions since pictures were
            )
            for j in data["joins"]
        )
        return HeldRaid(
            since=datetime.fromisoformat(data["since"]),
            until=datetime.fromisoformat(data["until"]),
            joins=joins,
        )
    except (KeyError, TypeError, ValueError):
        logger.warning("the raid kept from before could not be read; it is dropped", exc_info=True)
        return None
