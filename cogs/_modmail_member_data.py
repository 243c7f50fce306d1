"""What modmail keeps about one member: their conversations with staff, and a block.

Erasing deletes every line of their conversations (what they wrote, what staff answered
and noted) and their names; a conversation's row stays, so an open thread still finds
its member, and a block stays in force with its reason erased.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.protocols import MemberRecords
from bot.core.refs import Ref
from bot.storage.codec import to_db_time
from bot.storage.member_data import ERASED, MemberDataTables, records

_BLOCKS_OF = (
    "SELECT * FROM modmail_blocks WHERE member = ? AND (space = ? OR space IN "
    "(SELECT space FROM modmail_served WHERE community = ?)) ORDER BY space"
)


class ModmailMemberData(MemberDataTables):
    """The member's modmail conversations, their transcripts and any block."""

    section = "modmail"

    async def export_member(self, community: Ref, member: Ref) -> MemberRecords:
        """Return the member's conversations, every line of them, and blocks."""
        conversations = records(
            await self._db.fetch_all(
                "SELECT * FROM modmail_conversations WHERE community = ? AND member = ? "
                "ORDER BY id",
                (str(community), str(member)),
            )
        )
        ids = [c["id"] for c in conversations]
        marks = ", ".join("?" * len(ids)) or "NULL"
        lines = records(
            await self._db.fetch_all(
                f"SELECT * FROM modmail_messages WHERE conversation_id IN ({marks}) ORDER BY id",
                ids,
            )
        )
        blocks = records(
            await self._db.fetch_all(_BLOCKS_OF, (str(member), str(community), str(community)))
        )
        return {"conversations": conversations, "messages": lines, "blocks": blocks}

    async def erase_member(self, community: Ref, member: Ref) -> dict[str, int]:
        """Delete the member's transcripts; keep their conversations' and block's bare facts."""
        found = await self.export_member(community, member)
        async with self._db.transaction() as tx:
            for line in found["messages"]:
                await tx.execute("DELETE FROM modmail_messages WHERE id = ?", (line["id"],))
            for conversation in found["conversations"]:
                await tx.execute(
                    "UPDATE modmail_conversations SET member_name = '', close_reason = ? "
                    "WHERE id = ?",
                    (ERASED if conversation["close_reason"] else "", conversation["id"]),
                )
            for block in found["blocks"]:
                await tx.execute(
                    "UPDATE modmail_blocks SET member_name = '', reason = ? "
                    "WHERE space = ? AND member = ?",
                    (ERASED, block["space"], block["member"]),
                )
        return {table: len(found[table]) for table in found}

    async def forget_texts_before(
        self, community: Ref, cutoff: datetime, now: datetime
    ) -> dict[str, int]:
        """Delete the transcripts of conversations closed before ``cutoff``."""
        del now
        deleted = await self._db.execute(
            "DELETE FROM modmail_messages WHERE conversation_id IN (SELECT id FROM "
            "modmail_conversations WHERE community = ? AND status = 'closed' AND closed_at < ?)",
            (str(community), to_db_time(cutoff)),
        )
        return {"messages": deleted.rowcount}
