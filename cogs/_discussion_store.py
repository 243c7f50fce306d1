"""Keep discussion prompts, the posts made from them and the activity they drew, in SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.cog import Storage
from bot.core.models import Member
from bot.core.refs import Ref
from bot.storage import Database, MigrationSource, Row, sqlite_database
from bot.storage.codec import dump_json, from_db_time, load_json, to_db_time
from cogs._prompt_library import PromptEntry

DISCUSSION_MIGRATIONS = MigrationSource("discussions", "cogs._discussion_migrations")


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPrompt:
    """A prompt as stored.

    Attributes:
        id: The number moderators name it by.
        entry: Its text, topics, language, channel and answers.
        source: ``library``, ``command`` or ``import``.
        retired_at: When it was retired (removed, or fell flat too often), if it was.
        retired_reason: Why.
    """

    id: int
    entry: PromptEntry
    source: str
    retired_at: datetime | None = None
    retired_reason: str = ""

    @property
    def active(self) -> bool:
        """Return whether schedules may still pick it."""
        return self.retired_at is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Post:
    """One schedule slot and what became of it.

    Attributes:
        id: Its storage id.
        schedule: The schedule's name.
        slot_at: The slot's time (UTC).
        status: ``claimed`` (being posted), ``posted``, ``skipped`` or ``failed``.
        prompt_id: The prompt posted, once chosen.
        message: The posted message, once posted.
        thread: The thread opened on it, if any.
        posted_at: When it went out (later than the slot when posted late).
        note: Why it was skipped or failed, or that it was late.
        channel: Where it went, once posted.
        closes_at: When a poll closes (``None`` for prompts).
    """

    id: int
    schedule: str
    slot_at: datetime
    status: str
    prompt_id: int | None = None
    message: Ref | None = None
    thread: Ref | None = None
    posted_at: datetime | None = None
    note: str = ""
    channel: Ref | None = None
    closes_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Engagement:
    """How a post (or a prompt over all its posts) engaged the community.

    Attributes:
        replies: Replies in its thread or to it.
        participants: Distinct members who replied.
        reactions: Members' reactions to it.
        first_reply_after: From the post to its first reply, if it had one.
    """

    replies: int = 0
    participants: int = 0
    reactions: int = 0
    first_reply_after: timedelta | None = None

    @property
    def score(self) -> float:
        """Return one figure to rank by: people first, then replies, then reactions."""
        return self.participants + 0.5 * self.replies + 0.25 * self.reactions


@dataclass(frozen=True, slots=True, kw_only=True)
class Credit:
    """What a member's messages drew from others over a while.

    Attributes:
        member: Who.
        name: Their name as last seen.
        thanks: Thank-you replies.
        reactions: Reactions.
    """

    member: Ref
    name: str
    thanks: int
    reactions: int

    @property
    def total(self) -> int:
        """Return every credit together."""
        return self.thanks + self.reactions


_POST_COLUMNS = (
    "id, schedule, slot_at, status, prompt_id, message, thread, posted_at, note, channel, closes_at"
)


class DiscussionStore:
    """The discussions tables of one database.

    Args:
        db: The database, with :data:`DISCUSSION_MIGRATIONS` applied.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- prompts ---------------------------------------------------------------------

    async def sync_library(
        self, community: Ref, entries: Sequence[PromptEntry], now: datetime
    ) -> int:
        """Add the library's prompts that storage lacks; return how many were new.

        Prompts already stored keep their history, edits and retirement.
        """
        added = 0
        async with self._db.transaction() as tx:
            for entry in entries:
                result = await tx.execute(
                    "INSERT OR IGNORE INTO discussion_prompts (community, text, topics, language, "
                    "channel, answers, source, created_by, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'library', 'library', ?)",
                    (*_prompt_values(community, entry), to_db_time(now)),
                )
                added += max(result.rowcount, 0)
        return added

    async def add(
        self, community: Ref, entry: PromptEntry, *, source: str, by: str, now: datetime
    ) -> StoredPrompt | None:
        """Store a new prompt; ``None`` when the community already has that text."""
        result = await self._db.execute(
            "INSERT OR IGNORE INTO discussion_prompts (community, text, topics, language, "
            "channel, answers, source, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*_prompt_values(community, entry), source, by, to_db_time(now)),
        )
        if result.rowcount < 1 or result.lastrowid is None:
            return None
        return StoredPrompt(id=result.lastrowid, entry=entry, source=source)

    async def get(self, community: Ref, prompt_id: int) -> StoredPrompt | None:
        """Return one of a community's prompts by number."""
        row = await self._db.fetch_one(
            "SELECT * FROM discussion_prompts WHERE community = ? AND id = ?",
            (str(community), prompt_id),
        )
        return _prompt(row) if row else None

    async def prompts(self, community: Ref, *, retired: bool = False) -> list[StoredPrompt]:
        """Return a community's active prompts (and the retired ones when asked), by number."""
        rows = await self._db.fetch_all(
            "SELECT * FROM discussion_prompts WHERE community = ?"
            + ("" if retired else " AND retired_at IS NULL")
            + " ORDER BY id",
            (str(community),),
        )
        return [_prompt(row) for row in rows]

    async def edit(self, community: Ref, prompt_id: int, text: str) -> bool:
        """Change a prompt's text; ``False`` if it does not exist or the text is taken."""
        result = await self._db.execute(
            "UPDATE OR IGNORE discussion_prompts SET text = ? WHERE community = ? AND id = ?",
            (text, str(community), prompt_id),
        )
        return result.rowcount > 0

    async def retire(self, community: Ref, prompt_id: int, reason: str, now: datetime) -> bool:
        """Stop schedules picking a prompt; its posts and figures stay."""
        result = await self._db.execute(
            "UPDATE discussion_prompts SET retired_at = ?, retired_reason = ? "
            "WHERE community = ? AND id = ? AND retired_at IS NULL",
            (to_db_time(now), reason, str(community), prompt_id),
        )
        return result.rowcount > 0

    # -- posts -----------------------------------------------------------------------

    async def claim(self, community: Ref, schedule: str, slot: datetime) -> int | None:
        """Take a slot for posting; ``None`` if a post, skip or claim already holds it."""
        result = await self._db.execute(
            "INSERT OR IGNORE INTO discussion_posts (community, schedule, slot_at, status) "
            "VALUES (?, ?, ?, 'claimed')",
            (str(community), schedule, to_db_time(slot)),
        )
        return result.lastrowid if result.rowcount > 0 else None

    async def skip(self, community: Ref, schedule: str, slot: datetime, note: str) -> bool:
        """Mark a slot as skipped before anyone posts it; ``False`` if it is taken."""
        result = await self._db.execute(
            "INSERT OR IGNORE INTO discussion_posts (community, schedule, slot_at, status, note) "
            "VALUES (?, ?, ?, 'skipped', ?)",
            (str(community), schedule, to_db_time(slot), note),
        )
        return result.rowcount > 0

    async def posted(
        self,
        post_id: int,
        *,
        prompt_id: int | None,
        channel: Ref,
        message: Ref,
        thread: Ref | None,
        at: datetime,
        note: str = "",
    ) -> None:
        """Record that a claimed slot went out."""
        await self._db.execute(
            "UPDATE discussion_posts SET status = 'posted', prompt_id = ?, channel = ?, "
            "message = ?, thread = ?, posted_at = ?, note = ? WHERE id = ?",
            (
                prompt_id,
                str(channel),
                str(message),
                str(thread) if thread else None,
                to_db_time(at),
                note,
                post_id,
            ),
        )

    async def closes(self, post_id: int, at: datetime) -> None:
        """Record when a posted poll closes."""
        await self._db.execute(
            "UPDATE discussion_posts SET closes_at = ? WHERE id = ?", (to_db_time(at), post_id)
        )

    async def polls(self, community: Ref) -> list[Post]:
        """Return a community's posted polls, open or closed, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_POST_COLUMNS} FROM discussion_posts WHERE community = ? "
            "AND status = 'posted' AND closes_at IS NOT NULL ORDER BY closes_at",
            (str(community),),
        )
        return [_post(row) for row in rows]

    async def vote(self, post_id: int, member: Ref, answer: int, at: datetime) -> None:
        """Record a member's choice in a poll; a later vote replaces an earlier one."""
        await self._db.execute(
            "INSERT OR REPLACE INTO discussion_votes (post_id, member, answer, at) "
            "VALUES (?, ?, ?, ?)",
            (post_id, str(member), answer, to_db_time(at)),
        )

    async def unvote(self, post_id: int, member: Ref, answer: int) -> None:
        """Take a member's vote back, if it is still the given answer."""
        await self._db.execute(
            "DELETE FROM discussion_votes WHERE post_id = ? AND member = ? AND answer = ?",
            (post_id, str(member), answer),
        )

    async def votes(self, post_id: int) -> dict[int, int]:
        """Return a poll's votes per answer (0-based)."""
        rows = await self._db.fetch_all(
            "SELECT answer, COUNT(*) AS n FROM discussion_votes WHERE post_id = ? GROUP BY answer",
            (post_id,),
        )
        return {row["answer"]: row["n"] for row in rows}

    async def chose(self, post_id: int, prompt_id: int) -> None:
        """Record the prompt picked for a claimed slot, before it is sent."""
        await self._db.execute(
            "UPDATE discussion_posts SET prompt_id = ? WHERE id = ?", (prompt_id, post_id)
        )

    async def post(self, post_id: int) -> Post | None:
        """Return one slot's record."""
        row = await self._db.fetch_one(
            f"SELECT {_POST_COLUMNS} FROM discussion_posts WHERE id = ?", (post_id,)
        )
        return _post(row) if row else None

    async def failed(self, post_id: int, note: str) -> None:
        """Record that a claimed slot could not be posted, and why."""
        await self._db.execute(
            "UPDATE discussion_posts SET status = 'failed', note = ? WHERE id = ?", (note, post_id)
        )

    async def posts(
        self, community: Ref, *, status: str | None = None, limit: int = 500
    ) -> list[Post]:
        """Return a community's slots, newest first, optionally of one status."""
        rows = await self._db.fetch_all(
            f"SELECT {_POST_COLUMNS} FROM discussion_posts WHERE community = ?"
            + (" AND status = ?" if status else "")
            + " ORDER BY slot_at DESC, id DESC LIMIT ?",
            (str(community), status, limit) if status else (str(community), limit),
        )
        return [_post(row) for row in rows]

    async def taken_slots(self, community: Ref, schedule: str, since: datetime) -> set[datetime]:
        """Return the slots of a schedule since ``since`` that already have a row."""
        rows = await self._db.fetch_all(
            "SELECT slot_at FROM discussion_posts WHERE community = ? AND schedule = ? "
            "AND slot_at >= ?",
            (str(community), schedule, to_db_time(since)),
        )
        return {from_db_time(row["slot_at"]) for row in rows}

    # -- engagement ------------------------------------------------------------------

    async def record(self, post_id: int, kind: str, member: Ref, item: str, at: datetime) -> bool:
        """Count a reply or a reaction once; ``False`` if it was counted before."""
        result = await self._db.execute(
            "INSERT OR IGNORE INTO discussion_activity (post_id, kind, member, item, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (post_id, kind, str(member), item, to_db_time(at)),
        )
        return result.rowcount > 0

    async def credit(
        self, community: Ref, member: Member, *, kind: str, item: str, giver: Ref, at: datetime
    ) -> bool:
        """Credit a member with a thank-you or a reaction once; ``False`` if counted before."""
        result = await self._db.execute(
            "INSERT OR IGNORE INTO discussion_credits "
            "(community, member, member_name, kind, item, giver, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                str(community),
                str(member.ref),
                member.shown_name,
                kind,
                item,
                str(giver),
                to_db_time(at),
            ),
        )
        return result.rowcount > 0

    async def credits_since(self, community: Ref, since: datetime) -> list[Credit]:
        """Return members' credits since ``since``, most first (ties by name)."""
        rows = await self._db.fetch_all(
            "SELECT member, MAX(member_name) AS name, "
            "SUM(kind = 'thanks') AS thanks, SUM(kind = 'reaction') AS reactions "
            "FROM discussion_credits WHERE community = ? AND at >= ? GROUP BY member",
            (str(community), to_db_time(since)),
        )
        credits = [
            Credit(
                member=Ref.parse(row["member"]),
                name=row["name"],
                thanks=row["thanks"],
                reactions=row["reactions"],
            )
            for row in rows
        ]
        return sorted(credits, key=lambda c: (-c.total, c.name))

    async def engagement(self, community: Ref) -> dict[int, Engagement]:
        """Return every posted slot's engagement by post id (posts without any included)."""
        rows = await self._db.fetch_all(
            "SELECT p.id, p.posted_at, a.kind, a.member, a.at FROM discussion_posts p "
            "LEFT JOIN discussion_activity a ON a.post_id = p.id "
            "WHERE p.community = ? AND p.status = 'posted' ORDER BY p.id, a.at",
            (str(community),),
        )
        tallies: dict[int, _Tally] = {}
        for row in rows:
            tally = tallies.setdefault(row["id"], _Tally(from_db_time(row["posted_at"])))
            if row["kind"] is not None:
                tally.add(row["kind"], row["member"], from_db_time(row["at"]))
        return {post_id: tally.result() for post_id, tally in tallies.items()}


class _Tally:
    def __init__(self, posted_at: datetime) -> None:
        self.posted_at = posted_at
        self.replies = 0
        self.reactions = 0
        self.members: set[str] = set()
        self.first: datetime | None = None

    def add(self, kind: str, member: str, at: datetime) -> None:
        if kind == "reaction":
            self.reactions += 1
            return
        self.replies += 1
        self.members.add(member)
        self.first = at if self.first is None else min(self.first, at)

    def result(self) -> Engagement:
        return Engagement(
            replies=self.replies,
            participants=len(self.members),
            reactions=self.reactions,
            first_reply_after=self.first - self.posted_at if self.first else None,
        )


def discussion_store_for(storage: Storage) -> DiscussionStore:
    """Return the discussions tables of whatever storage the app opened.

    Raises:
        TypeError: If the backend has no discussions tables.
    """
    return DiscussionStore(sqlite_database(storage, "discussions"))


def _prompt_values(community: Ref, entry: PromptEntry) -> tuple[str, str, str, str, str, str]:
    return (
        str(community),
        entry.text,
        dump_json(list(entry.topics)),
        entry.language,
        entry.channel,
        dump_json(list(entry.answers)),
    )


def _prompt(row: Row) -> StoredPrompt:
    # Rows were validated when stored, but under the rules of their day: a language typed
    # before tags were checked ("French") must not make the library unreadable.
    return StoredPrompt(
        id=row["id"],
        entry=PromptEntry.model_construct(
            text=row["text"],
            topics=tuple(load_json(row["topics"])),
            language=row["language"],
            channel=row["channel"],
            answers=tuple(load_json(row["answers"])),
        ),
        source=row["source"],
        retired_at=from_db_time(row["retired_at"]) if row["retired_at"] else None,
        retired_reason=row["retired_reason"],
    )


def _post(row: Row) -> Post:
    return Post(
        id=row["id"],
        schedule=row["schedule"],
        slot_at=from_db_time(row["slot_at"]),
        status=row["status"],
        prompt_id=row["prompt_id"],
        message=Ref.parse(row["message"]) if row["message"] else None,
        thread=Ref.parse(row["thread"]) if row["thread"] else None,
        posted_at=from_db_time(row["posted_at"]) if row["posted_at"] else None,
        note=row["note"],
        channel=Ref.parse(row["channel"]) if row["channel"] else None,
        closes_at=from_db_time(row["closes_at"]) if row["closes_at"] else None,
    )
