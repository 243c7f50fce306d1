"""What the core tables keep about one member, and the helpers every package's answer uses.

The core keeps two things about a member: the audit log's entries of what was done to
them, and cog state. A cog keeps what is a member's under a key ending in ``:<member id>``
(a member's language, where their direct messages go, a welcome gate), or as a record
whose ``author`` is the member's ref (a request routing passed to a team). By those
conventions a cog's state about a member is found without the core knowing the cog.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.core.protocols import MemberRecords
from bot.core.refs import Ref
from bot.storage.database import Database, Row

ERASED = "(erased)"
"""What an erased text reads as: the record stays, what the member wrote or was told does not."""


def records(rows: Iterable[Row], json_columns: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Return rows as JSON-compatible records, the named JSON text columns parsed."""
    found = []
    for row in rows:
        record = dict(row)
        for column in json_columns:
            if isinstance(record.get(column), str):
                record[column] = json.loads(record[column])
        found.append(record)
    return found


def keyed_to(member: Ref) -> str:
    """Return the ``LIKE`` pattern of the cog state keys kept for one member."""
    escaped = member.id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%:{escaped}"


class MemberDataTables:
    """A package's tables of member data in one database; subclasses name their ``section``.

    Args:
        db: The database.
    """

    section = ""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def forget_texts_before(
        self, community: Ref, cutoff: datetime, now: datetime
    ) -> dict[str, int]:
        """Keep no member's words past ``cutoff``; tables with none of their words have none."""
        del community, cutoff, now
        return {}


class CoreMemberData(MemberDataTables):
    """The audit log's entries about a member, and the cog state kept for them.

    A member id names one person across their platform, and a platform adapter keeps
    some state for a person under a place of its own rather than a community's (a
    Discord member's language): the cog state kept for the id anywhere on the platform
    is theirs.
    """

    section = "core"

    async def export_member(self, community: Ref, member: Ref) -> MemberRecords:
        """Return the audit log entries that target the member, and their cog state."""
        audit = await self._db.fetch_all(
            "SELECT * FROM audit_log WHERE community = ? AND target = ? ORDER BY id",
            (str(community), str(member)),
        )
        state = await self._db.fetch_all(
            "SELECT * FROM cog_state WHERE " + _STATE_OF_MEMBER + " ORDER BY community, cog, key",
            _state_params(community, member),
        )
        return {
            "audit_log": records(audit, ["detail"]),
            "cog_state": records(state, ["value"]),
        }

    async def erase_member(self, community: Ref, member: Ref) -> dict[str, int]:
        """Drop the member's cog state; keep the audit log's facts, not its words about them."""
        async with self._db.transaction() as tx:
            audit = await tx.execute(
                "UPDATE audit_log SET reason = ?, detail = NULL "
                "WHERE community = ? AND target = ? AND (reason != ? OR detail IS NOT NULL)",
                (ERASED, str(community), str(member), ERASED),
            )
            state = await tx.execute(
                "DELETE FROM cog_state WHERE " + _STATE_OF_MEMBER,
                _state_params(community, member),
            )
        return {"audit_log": audit.rowcount, "cog_state": state.rowcount}


# Kept for their id anywhere on the community's platform (an id names one person across it),
# or a record of the community's that names them as its author.
_STATE_OF_MEMBER = (
    "((key LIKE ? ESCAPE '\\' AND community LIKE ?) "
    "OR (community = ? AND json_extract(value, '$.author') = ?))"
)


def _state_params(community: Ref, member: Ref) -> tuple[str, str, str, str]:
    return (keyed_to(member), f"{community.platform}:%", str(community), str(member))
