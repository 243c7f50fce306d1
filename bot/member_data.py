"""A member's data on request: everything a community keeps about them, shown or erased.

Members of a brand's community may ask what is kept about them, or to be forgotten (the
GDPR's rights of access and erasure, and their like elsewhere). Each package that keeps
something about members answers for its own tables (a ``MemberDataHolder``); this module
asks them all. An erasure is itself noted in the audit log, without the member's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.protocols import AuditEntry, MemberDataHolder
from bot.core.refs import Ref
from bot.storage import Database, SqliteStorage
from bot.storage.member_data import CoreMemberData
from cogs._discussion_member_data import DiscussionMemberData
from cogs._guidelines_member_data import GuidelinesMemberData
from cogs._modmail_member_data import ModmailMemberData
from moderation.member_data import ModerationMemberData

ERASURE_ACTION = "erase_member_data"
"""The audit log's name for an erasure."""


def member_data_holders(db: Database) -> list[MemberDataHolder]:
    """Return every package's holder of member data, moderation's before the core's.

    Moderation finds the member's lines in others' review items by the names their cases
    keep, so it erases before anything else forgets those names.
    """
    return [
        ModerationMemberData(db),
        ModmailMemberData(db),
        DiscussionMemberData(db),
        GuidelinesMemberData(db),
        CoreMemberData(db),
    ]


async def find_member(storage: SqliteStorage, community: Ref, given: str) -> Ref:
    """Return the member ``given`` names: their platform id (``discord:`` or not), or a name.

    A request names a person as they know themselves; staff may only know the name. An id
    is taken as it is when a case or a conversation names it, else a name is looked up
    (the newest record naming them); failing both, the text is taken as an id.
    """
    named = given.lstrip("@").removeprefix(f"{community.platform}:")
    as_id = Ref(community.platform, named)
    for table in ("cases", "modmail_conversations"):
        row = await storage.db.fetch_one(
            f"SELECT member FROM {table} WHERE community = ? AND member = ? LIMIT 1",
            (str(community), str(as_id)),
        )
        if row is not None:
            return as_id
    for table in ("cases", "modmail_conversations"):
        row = await storage.db.fetch_one(
            f"SELECT member FROM {table} WHERE community = ? AND member_name = ? "
            "ORDER BY id DESC LIMIT 1",
            (str(community), named),
        )
        if row is not None:
            return Ref.parse(str(row["member"]))
    return as_id


async def export_member(
    storage: SqliteStorage, community: Ref, member: Ref, now: datetime
) -> dict[str, Any]:
    """Return everything the community keeps about a member, by package and table."""
    sections = {
        holder.section: await holder.export_member(community, member)
        for holder in member_data_holders(storage.db)
    }
    return {
        "community": str(community),
        "member": str(member),
        "exported_at": now.isoformat(),
        "records": sum(len(rows) for tables in sections.values() for rows in tables.values()),
        "data": sections,
    }


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure changed.

    Attributes:
        changed: The records changed, by package and table.
        log_emptied: Whether the database's write-ahead log, which keeps pages as they
            were, was emptied after (not while a running Steward was reading).
    """

    changed: dict[str, dict[str, int]]
    log_emptied: bool


async def erase_member(
    storage: SqliteStorage, community: Ref, member: Ref, now: datetime, *, by: str
) -> Erasure:
    """Erase what a member wrote and what names them; note the erasure in the audit log.

    What is deleted or replaced is overwritten in the file, not only unlinked.
    """
    db = storage.db
    await db.set_secure_delete(on=True)
    try:
        changed = {
            holder.section: await holder.erase_member(community, member)
            for holder in member_data_holders(storage.db)
        }
    finally:
        await db.set_secure_delete(on=False)
    total = sum(n for tables in changed.values() for n in tables.values())
    await storage.audit.record(
        AuditEntry(
            community=community,
            at=now,
            action=ERASURE_ACTION,
            actor=by,
            target=str(member),
            reason="member data erased on request",
            detail={"records": total},
        )
    )
    return Erasure(changed, log_emptied=await db.empty_log())
