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


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """A member whose private messages no longer reach the moderators of a staff space.

    Attributes:
        member: The member.
        member_name: Their name when they were blocked.
        reason: Why, as the member is told.
        blocked_by: The moderator who blocked them.
        blocked_at: When.
        until: When the block ends by itself; ``None`` lasts until it is lifted.
        told: Whether the member has been told (once) that their messages do not arrive.
    """

    member: Ref
    member_name: str
    reason: str
    blocked_by: str
    blocked_at: datetime
    until: datetime | None
    told: bool


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
        self,
        conversation_id: int,
        direction: str,
        author: str,
        text: str,
        at: datetime,
        *,
        relayed: bool = True,
    ) -> int:
        """Append a line to a conversation's transcript; return its number.

        Args:
            conversation_id: The conversation.
            direction: ``in`` from the member, ``out`` to them, or a ``note``.
            author: Who wrote it.
            text: What they wrote.
            at: When.
            relayed: ``False`` for a member's line the staff thread does not have yet, to
                be marked by :meth:`mark_relayed` or posted by :meth:`take_held`.
        """
        result = await self._db.execute(
            "INSERT INTO modmail_messages (conversation_id, direction, author, text, at, relayed) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (conversation_id, direction, author, text, to_db_time(at), int(relayed)),
        )
        if result.lastrowid is None:
            raise RuntimeError("SQLite gave no number to a transcript line")
        return result.lastrowid

    async def mark_relayed(self, line_id: int) -> None:
        """Note that the staff thread has a line."""
        await self._db.execute("UPDATE modmail_messages SET relayed = 1 WHERE id = ?", (line_id,))

    async def member_lines_since(self, conversation_id: int, since: datetime) -> int:
        """Return how many lines the member wrote in a conversation at or after ``since``."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS lines FROM modmail_messages WHERE conversation_id = ? "
            "AND direction = 'in' AND at >= ?",
            (conversation_id, to_db_time(since)),
        )
        return int(row["lines"]) if row else 0

    async def first_held_at(self, conversation_id: int) -> datetime | None:
        """Return when the earliest line still held back from the staff thread was written."""
        row = await self._db.fetch_one(
            "SELECT MIN(at) AS first FROM modmail_messages WHERE conversation_id = ? "
            "AND relayed = 0",
            (conversation_id,),
        )
        return from_db_time(row["first"]) if row and row["first"] else None

    async def take_held(self, conversation_id: int) -> list[TranscriptLine]:
        """Mark a conversation's held lines relayed and return them, in order.

        Taking is one write, so two callers never both get the same lines.
        """
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(
                "UPDATE modmail_messages SET relayed = 1 "
                "WHERE conversation_id = ? AND relayed = 0 "
                "RETURNING id, direction, author, text, at",
                (conversation_id,),
            )
        rows.sort(key=lambda r: int(r["id"]))
        return [_line(r) for r in rows]

    async def with_held_lines(self, community: Ref) -> list[int]:
        """Return the community's conversations that have lines held back from their thread."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT c.id FROM modmail_conversations c JOIN modmail_messages m "
            "ON m.conversation_id = c.id AND m.relayed = 0 WHERE c.community = ?",
            (str(community),),
        )
        return [int(r["id"]) for r in rows]

    async def block(
        self,
        space: Ref,
        member: Ref,
        *,
        name: str,
        reason: str,
        by: str,
        now: datetime,
        until: datetime | None,
    ) -> None:
        """Block a member from the staff space's modmail, replacing an earlier block."""
        await self._db.execute(
            "INSERT OR REPLACE INTO modmail_blocks "
            "(space, member, member_name, reason, blocked_by, blocked_at, until, told) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (
                str(space),
                str(member),
                name,
                reason,
                by,
                to_db_time(now),
                to_db_time(until) if until else None,
            ),
        )

    async def unblock(self, space: Ref, member: Ref) -> bool:
        """Lift a member's block; ``False`` if they were not blocked."""
        result = await self._db.execute(
            "DELETE FROM modmail_blocks WHERE space = ? AND member = ?", (str(space), str(member))
        )
        return result.rowcount > 0

    async def blocks(self, space: Ref, now: datetime) -> list[Block]:
        """Return the staff space's blocks in force at ``now``, latest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM modmail_blocks WHERE space = ? AND (until IS NULL OR until > ?) "
            "ORDER BY blocked_at DESC",
            (str(space), to_db_time(now)),
        )
        return [_block(r) for r in rows]

    async def block_on(self, space: Ref, member: Ref, now: datetime) -> Block | None:
        """Return a member's block in force at ``now``, if any."""
        row = await self._db.fetch_one(
            "SELECT * FROM modmail_blocks WHERE space = ? AND member = ? "
            "AND (until IS NULL OR until > ?)",
            (str(space), str(member), to_db_time(now)),
        )
        return _block(row) if row else None

    async def serve(self, community: Ref, space: Ref) -> None:
        """Record the staff space that holds a community's modmail."""
        await self._db.execute(
            "INSERT OR REPLACE INTO modmail_served (community, space) VALUES (?, ?)",
            (str(community), str(space)),
        )

    async def blocked_for(self, community: Ref, member: Ref, now: datetime) -> Block | None:
        """Return a member's block in force where a community's modmail is held, if any."""
        row = await self._db.fetch_one(
            "SELECT b.* FROM modmail_blocks b JOIN modmail_served s ON s.space = b.space "
            "WHERE s.community = ? AND b.member = ? AND (b.until IS NULL OR b.until > ?)",
            (str(community), str(member), to_db_time(now)),
        )
        return _block(row) if row else None

    async def mark_told(self, space: Ref, member: Ref) -> bool:
        """Note that a blocked member was told; ``False`` if they had been already."""
        result = await self._db.execute(
            "UPDATE modmail_blocks SET told = 1 WHERE space = ? AND member = ? AND told = 0",
            (str(space), str(member)),
        )
        return result.rowcount > 0

    async def transcript(
        self, conversation_id: int, *, last: int | None = None
    ) -> list[TranscriptLine]:
        """Return a conversation's lines in order: all, or only the ``last`` ones."""
        rows = await self._db.fetch_all(
            "SELECT * FROM (SELECT id, direction, author, text, at FROM modmail_messages "
            "WHERE conversation_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
            (conversation_id, -1 if last is None else last),
        )
        return [_line(r) for r in rows]

    async def line_count(self, conversation_id: int) -> int:
        """Return how many lines a conversation's transcript has."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS lines FROM modmail_messages WHERE conversation_id = ?",
            (conversation_id,),
        )
        return int(row["lines"]) if row else 0

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


def _line(row: Row) -> TranscriptLine:
    return TranscriptLine(
        direction=row["direction"],
        author=row["author"],
        text=row["text"],
        at=from_db_time(row["at"]),
    )


def _block(row: Row) -> Block:
    return Block(
        member=Ref.parse(row["member"]),
        member_name=row["member_name"],
        reason=row["reason"],
        blocked_by=row["blocked_by"],
        blocked_at=from_db_time(row["blocked_at"]),
        until=from_db_time(row["until"]) if row["until"] else None,
        told=bool(row["told"]),
    )
