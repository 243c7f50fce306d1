"""Keep modmail conversations and their transcripts in SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.cog import Storage
from bot.core.refs import Ref
from bot.storage import Database, MigrationSource, Row, sqlite_database
from bot.storage.codec import from_db_time, to_db_time

MODMAIL_MIGRATIONS = MigrationSource("modmail", "cogs._modmail_migrations")


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversation:
    """A member's conversation with the moderators.

    Attributes:
        id: Its number.
        community: The community the member wrote to.
        member: The member.
        member_name: Their name when it opened.
        thread: The staff thread it is held in, once opened.
        status: ``open`` or ``closed``.
        opened_at: When the member first wrote.
        close_reason: Why it was closed, once closed.
        closed_by: Who closed it.
        community_name: The community's name, as its members know it.
        staff_space: The community whose staff channel holds the thread, once opened.
        staff_channel: The staff channel the thread belongs to, once opened.
    """

    id: int
    community: Ref
    member: Ref
    member_name: str
    thread: Ref | None
    status: str
    opened_at: datetime
    close_reason: str = ""
    closed_by: str | None = None
    community_name: str = ""
    staff_space: Ref | None = None
    staff_channel: Ref | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptLine:
    """One message of a conversation: ``in`` from the member, ``out`` to them, or a ``note``."""

    direction: str
    author: str
    text: str
    at: datetime


class ModmailStore:
    """The modmail tables of one database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_for(self, community: Ref, member: Ref) -> Conversation | None:
        """Return a member's open conversation, if any."""
        row = await self._db.fetch_one(
            "SELECT * FROM modmail_conversations WHERE community = ? AND member = ? "
            "AND status = 'open'",
            (str(community), str(member)),
        )
        return _conversation(row) if row else None

    async def open_for_member(self, member: Ref) -> Conversation | None:
        """Return a member's latest open conversation with a thread, whichever community."""
        row = await self._db.fetch_one(
            "SELECT * FROM modmail_conversations WHERE member = ? AND status = 'open' "
            "AND thread IS NOT NULL ORDER BY id DESC LIMIT 1",
            (str(member),),
        )
        return _conversation(row) if row else None

    async def start(
        self, community: Ref, member: Ref, name: str, now: datetime, *, community_name: str = ""
    ) -> Conversation | None:
        """Open a conversation; ``None`` if one is open already (another task was first)."""
        result = await self._db.execute(
            "INSERT OR IGNORE INTO modmail_conversations "
            "(community, member, member_name, status, opened_at, community_name) "
            "VALUES (?, ?, ?, 'open', ?, ?)",
            (str(community), str(member), name, to_db_time(now), community_name),
        )
        if result.rowcount < 1 or result.lastrowid is None:
            return None
        return await self.get(result.lastrowid)

    async def get(self, conversation_id: int) -> Conversation | None:
        """Return a conversation by number."""
        row = await self._db.fetch_one(
            "SELECT * FROM modmail_conversations WHERE id = ?", (conversation_id,)
        )
        return _conversation(row) if row else None

    async def set_thread(
        self, conversation_id: int, thread: Ref, *, space: Ref, channel: Ref
    ) -> None:
        """Record the staff thread a conversation is held in, and its community and channel."""
        await self._db.execute(
            "UPDATE modmail_conversations SET thread = ?, staff_space = ?, staff_channel = ? "
            "WHERE id = ?",
            (str(thread), str(space), str(channel), conversation_id),
        )

    async def in_thread(self, thread: Ref) -> Conversation | None:
        """Return the open conversation a staff thread holds, whichever community it is for."""
        row = await self._db.fetch_one(
            "SELECT * FROM modmail_conversations WHERE thread = ? AND status = 'open'",
            (str(thread),),
        )
        return _conversation(row) if row else None

    async def close(self, conversation_id: int, by: str, reason: str, now: datetime) -> bool:
        """Close a conversation once; ``False`` if it was closed already."""
        result = await self._db.execute(
            "UPDATE modmail_conversations SET status = 'closed', closed_at = ?, closed_by = ?, "
            "close_reason = ? WHERE id = ? AND status = 'open'",
            (to_db_time(now), by, reason, conversation_id),
        )
        return result.rowcount > 0

    async def record(
        self, conversation_id: int, direction: str, author: str, text: str, at: datetime
    ) -> None:
        """Append a line to a conversation's transcript."""
        await self._db.execute(
            "INSERT INTO modmail_messages (conversation_id, direction, author, text, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (conversation_id, direction, author, text, to_db_time(at)),
        )

    async def transcript(self, conversation_id: int) -> list[TranscriptLine]:
        """Return a conversation's lines in order."""
        rows = await self._db.fetch_all(
            "SELECT direction, author, text, at FROM modmail_messages WHERE conversation_id = ? "
            "ORDER BY id",
            (conversation_id,),
        )
        return [
            TranscriptLine(
                direction=r["direction"],
                author=r["author"],
                text=r["text"],
                at=from_db_time(r["at"]),
            )
            for r in rows
        ]

    async def latest_held_in(self, space: Ref, member: Ref) -> Conversation | None:
        """Return a member's most recent conversation held in a staff space, for any community."""
        row = await self._db.fetch_one(
            "SELECT * FROM modmail_conversations WHERE staff_space = ? AND member = ? "
            "ORDER BY id DESC LIMIT 1",
            (str(space), str(member)),
        )
        return _conversation(row) if row else None

    async def latest_for(self, community: Ref, member: Ref) -> Conversation | None:
        """Return a member's most recent conversation, open or closed."""
        row = await self._db.fetch_one(
            "SELECT * FROM modmail_conversations WHERE community = ? AND member = ? "
            "ORDER BY id DESC LIMIT 1",
            (str(community), str(member)),
        )
        return _conversation(row) if row else None


def modmail_store_for(storage: Storage) -> ModmailStore:
    """Return the modmail tables of whatever storage the app opened.

    Raises:
        TypeError: If the backend has no modmail tables.
    """
    return ModmailStore(sqlite_database(storage, "modmail"))


def _conversation(row: Row) -> Conversation:
    return Conversation(
        id=row["id"],
        community=Ref.parse(row["community"]),
        member=Ref.parse(row["member"]),
        member_name=row["member_name"],
        thread=Ref.parse(row["thread"]) if row["thread"] else None,
        status=row["status"],
        opened_at=from_db_time(row["opened_at"]),
        close_reason=row["close_reason"],
        closed_by=row["closed_by"],
        community_name=row["community_name"],
        staff_space=Ref.parse(row["staff_space"]) if row["staff_space"] else None,
        staff_channel=Ref.parse(row["staff_channel"]) if row["staff_channel"] else None,
    )
