"""What the guidelines cog keeps about one member outside the case tables: a held raid's join.

A detected raid's joins are kept in the cog's state while the raid is held and for a day
after (``/raid show|ban|kick``; see :mod:`cogs._held_raid`), each with the account's
name and picture. Exporting shows the member's joins; erasing replaces their name with
their platform id, drops their picture and keeps the join's facts (when they joined, how
old the account was), as a case keeps its bare facts: ``/raid ban`` can still act on a
raider who asked to be forgotten.

A raid still held in a running Steward writes its joins again at its next join, from
memory: an erasure made during the hold holds once the hold ends (30 minutes by default).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.core.protocols import MemberRecords
from bot.core.refs import Ref
from bot.storage.member_data import MemberDataTables
from cogs._held_raid import KEY as HELD_RAID

COG = "guidelines"
"""The cog whose state holds the raid (``Guidelines.name``; not imported, to stay light)."""
_HELD = "SELECT value FROM cog_state WHERE community = ? AND cog = ? AND key = ?"


class GuidelinesMemberData(MemberDataTables):
    """The member's joins in the raid the guidelines cog holds, or held in the last day."""

    section = "guidelines"

    async def export_member(self, community: Ref, member: Ref) -> MemberRecords:
        """Return the member's joins in the held raid."""
        raid = await self._held_raid(community)
        return {"held_raid_joins": _joins_of(raid, member)}

    async def erase_member(self, community: Ref, member: Ref) -> dict[str, int]:
        """Replace the member's name in the held raid's joins with their id; drop their picture."""
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(_HELD, (str(community), COG, HELD_RAID))
            raid = _parsed(row["value"] if row is not None else None)
            named = [
                j for j in _joins_of(raid, member) if j.get("name") != member.id or j.get("avatar")
            ]
            if not named:
                return {"held_raid_joins": 0}
            for join in named:
                join["name"], join["avatar"] = member.id, ""
            await tx.execute(
                "UPDATE cog_state SET value = ? WHERE community = ? AND cog = ? AND key = ?",
                (json.dumps(raid), str(community), COG, HELD_RAID),
            )
        return {"held_raid_joins": len(named)}

    async def _held_raid(self, community: Ref) -> dict[str, Any]:
        row = await self._db.fetch_one(_HELD, (str(community), COG, HELD_RAID))
        return _parsed(row["value"] if row is not None else None)


def _parsed(value: object) -> dict[str, Any]:
    """Return the stored raid as data; nothing when there is none or it cannot be read."""
    try:
        data = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _joins_of(raid: Mapping[str, Any], member: Ref) -> list[dict[str, Any]]:
    """Return the member's joins in a stored raid (the very dicts, to change in place)."""
    joins = raid.get("joins")
    if not isinstance(joins, list):
        return []
    return [j for j in joins if isinstance(j, dict) and j.get("member") == str(member)]
