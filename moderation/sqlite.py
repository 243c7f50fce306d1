"""The SQLite implementation of the moderation repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core.refs import Ref
from bot.storage import Database, MigrationSource, Row, Transaction
from bot.storage.codec import dump_json, from_db_time, load_json, to_db_time
from moderation.cases import (
    ActionStatus,
    Appeal,
    AppealStatus,
    CardRef,
    Case,
    CaseAction,
    CaseStatus,
    NewCase,
    NewReviewItem,
    Note,
    ReviewItem,
    ReviewOutcome,
    ReviewStatus,
)
from moderation.examples import ExampleSource, LabelCount, LabelledExample
from moderation.repositories import (
    EVERY_ITEM,
    Backlog,
    Escalate,
    RecordedListEdit,
    ScheduledAction,
    Waiting,
)
from moderation.rule_stats import RuleStats
from policies.list_edits import ListEdit, entry_key

MODERATION_MIGRATIONS = MigrationSource("moderation", "moderation.migrations")
EVIDENCE_LIST_KEPT = 50
"""How many values a list in an item's evidence keeps (what its member wrote since...)."""

_CASE_COLUMNS = (
    "id, community, number, member, member_name, member_avatar, rule, severity, actions, actor, "
    "reason, evidence, message, channel, points, status, created_at, expires_at"
)


def _ref(text: str | None) -> Ref | None:
    return Ref.parse(text) if text else None


def _text(ref: Ref | None) -> str | None:
    return str(ref) if ref is not None else None


class SqliteCases:
    """Cases in the ``cases``, ``case_actions`` and ``case_notes`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(self, new: NewCase, now: datetime) -> Case:
        """Open a case with the next number of its community."""
        async with self._db.transaction() as tx:
            return await self._insert(tx, new, now)

    async def open_escalating(
        self, member: Ref, community: Ref, now: datetime, build: Escalate
    ) -> Case:
        """Read the member's active points and open the case ``build`` makes, atomically."""
        async with self._db.transaction() as tx:
            points = await _active_points(tx, community, member, now)
            return await self._insert(tx, build(points), now)

    async def _insert(self, tx: Transaction, new: NewCase, now: datetime) -> Case:
        row = await tx.fetch_one(
            "SELECT COALESCE(MAX(number), 0) + 1 AS next FROM cases WHERE community = ?",
            (str(new.community),),
        )
        number = int(row["next"]) if row else 1
        summary = [action.kind for action in new.actions]
        result = await tx.execute(
            "INSERT INTO cases (community, number, member, member_name, member_avatar, rule, "
            "severity, actions, actor, reason, evidence, message, channel, points, status, "
            "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                str(new.community),
                number,
                str(new.member),
                new.member_name,
                new.member_avatar,
                new.rule,
                new.severity,
                dump_json(summary),
                new.actor,
                new.reason,
                dump_json(dict(new.evidence)),
                _text(new.message),
                _text(new.channel),
                new.points,
                new.status.value,
                to_db_time(now),
                to_db_time(new.expires_at) if new.expires_at else None,
            ),
        )
        case_id = int(result.lastrowid or 0)
        await _insert_actions(tx, case_id, new.actions, now)
        found = await _case(tx, "id = ?", (case_id,))
        assert found is not None
        return found

    async def get(self, community: Ref, number: int) -> Case | None:
        """Return a case by its number in a community."""
        return await _case(self._db, "community = ? AND number = ?", (str(community), number))

    async def by_id(self, case_id: int) -> Case | None:
        """Return a case by its storage id."""
        return await _case(self._db, "id = ?", (case_id,))

    async def for_member(self, community: Ref, member: Ref, *, limit: int = 20) -> list[Case]:
        """Return a member's cases, newest first."""
        return await _cases(
            self._db,
            "community = ? AND member = ? ORDER BY number DESC LIMIT ?",
            (str(community), str(member), limit),
        )

    async def recent(
        self,
        community: Ref,
        *,
        limit: int = 20,
        status: CaseStatus | None = None,
        rule: str | None = None,
    ) -> list[Case]:
        """Return a community's latest cases, newest first: of a status, of a rule, if given."""
        state = status.value if status is not None else None
        return await _cases(
            self._db,
            "community = ? AND (? IS NULL OR status = ?) AND (? IS NULL OR rule = ?) "
            "ORDER BY number DESC LIMIT ?",
            (str(community), state, state, rule, rule, limit),
        )

    async def active_points(self, community: Ref, member: Ref, now: datetime) -> int:
        """Return the points of a member's active, unexpired cases."""
        async with self._db.transaction() as tx:
            return await _active_points(tx, community, member, now)

    async def add_note(self, case_id: int, author: str, text: str, now: datetime) -> None:
        """Append a note."""
        await self._db.execute(
            "INSERT INTO case_notes (case_id, at, author, text) VALUES (?, ?, ?, ?)",
            (case_id, to_db_time(now), author, text),
        )

    async def set_status(
        self, case_id: int, status: CaseStatus, *, points: int | None = None
    ) -> None:
        """Change a case's status, and its points when given."""
        if points is None:
            await self._db.execute(
                "UPDATE cases SET status = ? WHERE id = ?", (status.value, case_id)
            )
        else:
            await self._db.execute(
                "UPDATE cases SET status = ?, points = ? WHERE id = ?",
                (status.value, points, case_id),
            )

    async def set_reason(self, case_id: int, reason: str) -> None:
        """Change why a case was opened."""
        await self._db.execute("UPDATE cases SET reason = ? WHERE id = ?", (reason, case_id))

    async def set_action_payload(
        self, case_id: int, position: int, payload: Mapping[str, Any]
    ) -> None:
        """Change what one of a case's actions holds."""
        await self._db.execute(
            "UPDATE case_actions SET payload = ? WHERE case_id = ? AND position = ?",
            (dump_json(dict(payload)), case_id, position),
        )

    async def record_action(
        self, case_id: int, position: int, status: ActionStatus, error: str, now: datetime
    ) -> None:
        """Record an attempt at one of a case's actions."""
        await self._db.execute(
            "UPDATE case_actions SET status = ?, error = ?, attempts = attempts + 1, updated_at = ? "
            "WHERE case_id = ? AND position = ?",
            (status.value, error, to_db_time(now), case_id, position),
        )

    async def append_actions(
        self, case_id: int, actions: Sequence[CaseAction], now: datetime
    ) -> Case:
        """Add actions after the case's last one, renumbered in order; return the case.

        Raises:
            ValueError: If there is no such case.
        """
        async with self._db.transaction() as tx:
            if await tx.fetch_one("SELECT id FROM cases WHERE id = ?", (case_id,)) is None:
                raise ValueError(f"there is no case with id {case_id}")
            row = await tx.fetch_one(
                "SELECT COALESCE(MAX(position), -1) + 1 AS next FROM case_actions WHERE case_id = ?",
                (case_id,),
            )
            first = int(row["next"]) if row else 0
            renumbered = [replace(a, position=first + i) for i, a in enumerate(actions)]
            await _insert_actions(tx, case_id, renumbered, now)
            await tx.execute(
                "UPDATE cases SET actions = (SELECT json_group_array(kind) FROM "
                "(SELECT kind FROM case_actions WHERE case_id = ? ORDER BY position)) WHERE id = ?",
                (case_id, case_id),
            )
            found = await _case(tx, "id = ?", (case_id,))
        assert found is not None
        return found

    async def pending_actions(self, before: datetime) -> list[tuple[Case, int]]:
        """Return (case, position) of actions pending since before ``before``."""
        rows = await self._db.fetch_all(
            "SELECT case_id, position FROM case_actions WHERE status = 'pending' AND updated_at < ? "
            "ORDER BY case_id, position",
            (to_db_time(before),),
        )
        found: list[tuple[Case, int]] = []
        for row in rows:
            case = await self.by_id(int(row["case_id"]))
            if case is not None:
                found.append((case, int(row["position"])))
        return found


async def _insert_actions(
    tx: Transaction, case_id: int, actions: Sequence[CaseAction], now: datetime
) -> None:
    await tx.executemany(
        "INSERT INTO case_actions (case_id, position, kind, payload, status, attempts, error, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                case_id,
                a.position,
                a.kind,
                dump_json(dict(a.payload)),
                a.status.value,
                a.attempts,
                a.error,
                to_db_time(now),
            )
            for a in actions
        ],
    )


async def _active_points(tx: Transaction, community: Ref, member: Ref, now: datetime) -> int:
    row = await tx.fetch_one(
        "SELECT COALESCE(SUM(points), 0) AS points FROM cases WHERE community = ? AND member = ? "
        "AND status = 'active' AND (expires_at IS NULL OR expires_at > ?)",
        (str(community), str(member), to_db_time(now)),
    )
    return int(row["points"]) if row else 0


async def _case(source: Database | Transaction, where: str, params: Sequence[Any]) -> Case | None:
    found = await _cases(source, f"{where} LIMIT 1", params)
    return found[0] if found else None


async def _cases(source: Database | Transaction, where: str, params: Sequence[Any]) -> list[Case]:
    rows = await source.fetch_all(f"SELECT {_CASE_COLUMNS} FROM cases WHERE {where}", params)
    if not rows:
        return []
    ids = [int(r["id"]) for r in rows]
    marks = ", ".join("?" * len(ids))
    action_rows = await source.fetch_all(
        f"SELECT case_id, position, kind, payload, status, attempts, error FROM case_actions "
        f"WHERE case_id IN ({marks}) ORDER BY case_id, position",
        ids,
    )
    note_rows = await source.fetch_all(
        f"SELECT case_id, at, author, text FROM case_notes WHERE case_id IN ({marks}) ORDER BY id",
        ids,
    )
    actions: dict[int, list[CaseAction]] = {}
    for r in action_rows:
        actions.setdefault(int(r["case_id"]), []).append(
            CaseAction(
                position=int(r["position"]),
                kind=r["kind"],
                payload=load_json(r["payload"]),
                status=ActionStatus(r["status"]),
                attempts=int(r["attempts"]),
                error=r["error"],
            )
        )
    notes: dict[int, list[Note]] = {}
    for r in note_rows:
        notes.setdefault(int(r["case_id"]), []).append(
            Note(at=from_db_time(r["at"]), author=r["author"], text=r["text"])
        )
    return [
        _case_from(r, tuple(actions.get(int(r["id"]), ())), tuple(notes.get(int(r["id"]), ())))
        for r in rows
    ]


def _case_from(row: Row, actions: tuple[CaseAction, ...], notes: tuple[Note, ...]) -> Case:
    return Case(
        id=int(row["id"]),
        number=int(row["number"]),
        community=Ref.parse(row["community"]),
        member=Ref.parse(row["member"]),
        member_name=row["member_name"],
        member_avatar=row["member_avatar"],
        rule=row["rule"],
        severity=row["severity"],
        actor=row["actor"],
        reason=row["reason"],
        evidence=load_json(row["evidence"]),
        message=_ref(row["message"]),
        channel=_ref(row["channel"]),
        points=int(row["points"]),
        status=CaseStatus(row["status"]),
        created_at=from_db_time(row["created_at"]),
        expires_at=from_db_time(row["expires_at"]) if row["expires_at"] else None,
        actions=actions,
        notes=notes,
    )


class SqliteAppeals:
    """Appeals in the ``appeals`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(self, case_id: int, member: Ref, reason: str, now: datetime) -> Appeal:
        """Open an appeal; at most one is open per case.

        Raises:
            ValueError: If the case already has an open appeal.
        """
        async with self._db.transaction() as tx:
            if await tx.fetch_one(
                "SELECT id FROM appeals WHERE case_id = ? AND status = 'open'", (case_id,)
            ):
                raise ValueError("this case already has an open appeal")
            result = await tx.execute(
                "INSERT INTO appeals (case_id, member, reason, status, created_at) VALUES (?, ?, ?, 'open', ?)",
                (case_id, str(member), reason, to_db_time(now)),
            )
            row = await tx.fetch_one("SELECT * FROM appeals WHERE id = ?", (result.lastrowid,))
        assert row is not None
        return _appeal(row)

    async def open_for(self, case_id: int) -> Appeal | None:
        """Return the case's open appeal, if any."""
        row = await self._db.fetch_one(
            "SELECT * FROM appeals WHERE case_id = ? AND status = 'open'", (case_id,)
        )
        return _appeal(row) if row else None

    async def for_case(self, case_id: int) -> list[Appeal]:
        """Return every appeal of a case, oldest first."""
        return [
            _appeal(r)
            for r in await self._db.fetch_all(
                "SELECT * FROM appeals WHERE case_id = ? ORDER BY id", (case_id,)
            )
        ]

    async def decide(
        self, appeal_id: int, status: AppealStatus, decided_by: str, decision: str, now: datetime
    ) -> Appeal:
        """Record a decision on an open appeal.

        Raises:
            ValueError: If the appeal is not open.
        """
        async with self._db.transaction() as tx:
            result = await tx.execute(
                "UPDATE appeals SET status = ?, decided_by = ?, decision = ?, decided_at = ? "
                "WHERE id = ? AND status = 'open'",
                (status.value, decided_by, decision, to_db_time(now), appeal_id),
            )
            if result.rowcount != 1:
                raise ValueError("this appeal is not open")
            row = await tx.fetch_one("SELECT * FROM appeals WHERE id = ?", (appeal_id,))
        assert row is not None
        return _appeal(row)


def _waiting(community: Ref, only: Waiting) -> tuple[str, tuple[str, ...]]:
    """Return the condition and parameters that pick a community's waiting items, ``only`` those."""
    where = ["community = ?", "status IN ('open', 'claimed')"]
    params = [str(community)]
    for column, value in (
        ("rule", only.rule),
        ("source", only.source),
        ("claimed_by", only.claimed_by),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return " AND ".join(where), tuple(params)


def _appeal(row: Row) -> Appeal:
    return Appeal(
        id=int(row["id"]),
        case_id=int(row["case_id"]),
        member=Ref.parse(row["member"]),
        reason=row["reason"],
        status=AppealStatus(row["status"]),
        created_at=from_db_time(row["created_at"]),
        decided_at=from_db_time(row["decided_at"]) if row["decided_at"] else None,
        decided_by=row["decided_by"],
        decision=row["decision"],
    )


class SqliteReviews:
    """The review queue in the ``review_items`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, item: NewReviewItem, now: datetime) -> ReviewItem:
        """Queue an item."""
        result = await self._db.execute(
            "INSERT INTO review_items (community, case_id, source, member, message, channel, rule, reason, "
            "evidence, priority, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)",
            (
                str(item.community),
                item.case_id,
                item.source,
                _text(item.member),
                _text(item.message),
                _text(item.channel),
                item.rule,
                item.reason,
                dump_json(dict(item.evidence)),
                item.priority,
                to_db_time(now),
            ),
        )
        row = await self._db.fetch_one(
            "SELECT * FROM review_items WHERE id = ?", (result.lastrowid,)
        )
        assert row is not None
        return _review(row)

    async def open_items(
        self, community: Ref, *, limit: int = 50, only: Waiting = EVERY_ITEM
    ) -> list[ReviewItem]:
        """Return open and claimed items (``only`` those), highest priority first, then oldest."""
        where, params = _waiting(community, only)
        rows = await self._db.fetch_all(
            f"SELECT * FROM review_items WHERE {where} ORDER BY priority DESC, id LIMIT ?",
            (*params, limit),
        )
        return [_review(r) for r in rows]

    async def backlog(self, community: Ref, *, only: Waiting = EVERY_ITEM) -> Backlog:
        """Return how many items wait (``only`` those), how many are claimed, the oldest's time."""
        where, params = _waiting(community, only)
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS waiting, COALESCE(SUM(status = 'claimed'), 0) AS claimed, "
            f"MIN(created_at) AS oldest FROM review_items WHERE {where}",
            params,
        )
        if row is None or not row["waiting"]:
            return Backlog(waiting=0, claimed=0, oldest=None)
        return Backlog(
            waiting=int(row["waiting"]),
            claimed=int(row["claimed"]),
            oldest=from_db_time(row["oldest"]),
        )

    async def set_status(self, item_id: int, status: ReviewStatus) -> None:
        """Change an item's status."""
        await self._db.execute(
            "UPDATE review_items SET status = ? WHERE id = ?", (status.value, item_id)
        )

    async def expire_waiting(
        self, community: Ref, created_before: datetime, note: str, now: datetime
    ) -> list[ReviewItem]:
        """Expire the open and claimed items created before a time; return them.

        The status check is part of the update, so an item a moderator decides at the same
        moment is either decided or expired, never both.
        """
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(
                "UPDATE review_items SET status = 'expired', note = ?, decided_at = ? "
                "WHERE community = ? AND status IN ('open', 'claimed') AND created_at <= ? "
                "RETURNING *",
                (note, to_db_time(now), str(community), to_db_time(created_before)),
            )
        return sorted((_review(r) for r in rows), key=lambda item: item.id)

    async def count_expired_since(self, community: Ref, since: datetime) -> int:
        """Return how many items expired at or after a time."""
        row = await self._db.fetch_one(
            "SELECT count(*) FROM review_items WHERE community = ? AND status = 'expired' "
            "AND decided_at >= ?",
            (str(community), to_db_time(since)),
        )
        return int(row[0]) if row else 0

    async def get(self, item_id: int) -> ReviewItem | None:
        """Return an item by its id."""
        row = await self._db.fetch_one("SELECT * FROM review_items WHERE id = ?", (item_id,))
        return _review(row) if row else None

    async def for_case(self, case_id: int) -> list[ReviewItem]:
        """Return every item of a case, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM review_items WHERE case_id = ? ORDER BY id", (case_id,)
        )
        return [_review(r) for r in rows]

    async def about_message(self, community: Ref, message: Ref) -> list[ReviewItem]:
        """Return every item about a member's message, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM review_items WHERE community = ? AND message = ? ORDER BY id",
            (str(community), str(message)),
        )
        return [_review(r) for r in rows]

    async def claim(self, item_id: int, moderator: str, now: datetime) -> ReviewItem:
        """Mark a waiting item as claimed by a moderator; claiming it again is harmless.

        Raises:
            ValueError: If the item does not exist, is decided or expired, or another
                moderator claimed it already.
        """
        async with self._db.transaction() as tx:
            # The conditions are part of the update, so of two racing claims one wins.
            result = await tx.execute(
                "UPDATE review_items SET status = 'claimed', claimed_by = ?, "
                "claimed_at = COALESCE(claimed_at, ?) WHERE id = ? AND (status = 'open' "
                "OR (status = 'claimed' AND claimed_by = ?))",
                (moderator, to_db_time(now), item_id, moderator),
            )
            row = await tx.fetch_one("SELECT * FROM review_items WHERE id = ?", (item_id,))
        if row is None:
            raise ValueError(f"there is no review item {item_id}")
        if result.rowcount != 1:
            item = _review(row)
            if item.status is ReviewStatus.CLAIMED:
                raise ValueError(f"review item {item_id} is claimed by {item.claimed_by}")
            raise ValueError(f"review item {item_id} is {item.status.value}")
        return _review(row)

    async def set_card(self, item_id: int, card: CardRef) -> None:
        """Remember where the item's card was posted."""
        await self._db.execute(
            "UPDATE review_items SET card_channel = ?, card_message = ? WHERE id = ?",
            (str(card.channel), str(card.message), item_id),
        )

    async def set_card_status(self, item_id: int, status: str) -> None:
        """Remember the last line the item's card shows: where the item stands."""
        await self._db.execute(
            "UPDATE review_items SET card_status = ? WHERE id = ?", (status, item_id)
        )

    async def append_evidence(self, item_id: int, key: str, value: Any) -> ReviewItem:
        """Append a value to a list in the item's evidence, keeping the latest 50.

        Raises:
            ValueError: If there is no such item, or ``key`` is not a plain name.
        """
        if not key.isidentifier():
            raise ValueError(f"evidence key {key!r} is not a plain name")
        path = f"$.{key}"
        async with self._db.transaction() as tx:
            # Appended in place: two messages moments apart both arrive.
            await tx.execute(
                "UPDATE review_items SET evidence = json_insert(evidence, ?, json('[]')) "
                "WHERE id = ?",
                (path, item_id),
            )
            # The latest are kept: someone writing for hours grows no item for ever.
            await tx.execute(
                "UPDATE review_items SET evidence = json_remove(evidence, ?) "
                "WHERE id = ? AND json_array_length(evidence, ?) >= ?",
                (f"{path}[0]", item_id, path, EVIDENCE_LIST_KEPT),
            )
            await tx.execute(
                "UPDATE review_items SET evidence = json_insert(evidence, ?, json(?)) WHERE id = ?",
                (f"{path}[#]", dump_json(value), item_id),
            )
            row = await tx.fetch_one("SELECT * FROM review_items WHERE id = ?", (item_id,))
        if row is None:
            raise ValueError(f"there is no review item {item_id}")
        return _review(row)

    async def set_priority(self, item_id: int, priority: int) -> None:
        """Change an item's priority (an escalation)."""
        await self._db.execute(
            "UPDATE review_items SET priority = ? WHERE id = ?", (priority, item_id)
        )

    async def decide(
        self,
        item_id: int,
        outcome: ReviewOutcome,
        decided_by: str,
        note: str,
        now: datetime,
        *,
        example: LabelledExample | None = None,
    ) -> ReviewItem:
        """Decide an open or claimed item and store its example in one transaction.

        Raises:
            ValueError: If the item does not exist or is already decided or expired.
        """
        async with self._db.transaction() as tx:
            # The status check is part of the update, so of two racing decisions one wins.
            result = await tx.execute(
                "UPDATE review_items SET status = 'decided', outcome = ?, decided_by = ?, "
                "note = ?, decided_at = ? WHERE id = ? AND status IN ('open', 'claimed')",
                (outcome.value, decided_by, note, to_db_time(now), item_id),
            )
            if result.rowcount != 1:
                raise ValueError(f"review item {item_id} is not open")
            if example is not None:
                await _insert_example(tx, example)
            row = await tx.fetch_one("SELECT * FROM review_items WHERE id = ?", (item_id,))
        assert row is not None
        return _review(row)


def _review(row: Row) -> ReviewItem:
    return ReviewItem(
        id=int(row["id"]),
        community=Ref.parse(row["community"]),
        case_id=row["case_id"],
        source=row["source"],
        member=_ref(row["member"]),
        message=_ref(row["message"]),
        channel=_ref(row["channel"]),
        rule=row["rule"],
        reason=row["reason"],
        evidence=load_json(row["evidence"]),
        priority=int(row["priority"]),
        status=ReviewStatus(row["status"]),
        created_at=from_db_time(row["created_at"]),
        decided_at=from_db_time(row["decided_at"]) if row["decided_at"] else None,
        decided_by=row["decided_by"],
        outcome=ReviewOutcome(row["outcome"]) if row["outcome"] else None,
        note=row["note"],
        claimed_by=row["claimed_by"],
        claimed_at=from_db_time(row["claimed_at"]) if row["claimed_at"] else None,
        card=(
            CardRef(Ref.parse(row["card_channel"]), Ref.parse(row["card_message"]))
            if row["card_channel"] and row["card_message"]
            else None
        ),
        card_status=row["card_status"],
    )


class SqliteExamples:
    """Labelled examples in the ``labelled_examples`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, example: LabelledExample) -> int:
        """Store an example; return its id."""
        async with self._db.transaction() as tx:
            return await _insert_example(tx, example)

    async def recorded(
        self, community: Ref | None = None, *, since: datetime | None = None
    ) -> list[LabelledExample]:
        """Return the examples of one community (of all when ``None``), oldest first."""
        where = _text(community)
        after = to_db_time(since) if since is not None else None
        rows = await self._db.fetch_all(
            "SELECT * FROM labelled_examples WHERE (? IS NULL OR community = ?) "
            "AND (? IS NULL OR at >= ?) ORDER BY at, id",
            (where, where, after, after),
        )
        return [_example(r) for r in rows]

    async def count_by_label(self, community: Ref | None = None) -> dict[str, LabelCount]:
        """Return, per label, how many examples were violations and how many were not."""
        where = _text(community)
        rows = await self._db.fetch_all(
            "SELECT label, SUM(violation) AS violations, COUNT(*) - SUM(violation) AS allowed "
            "FROM labelled_examples WHERE (? IS NULL OR community = ?) GROUP BY label ORDER BY label",
            (where, where),
        )
        return {
            r["label"]: LabelCount(violations=int(r["violations"]), allowed=int(r["allowed"]))
            for r in rows
        }


async def _insert_example(tx: Transaction, example: LabelledExample) -> int:
    result = await tx.execute(
        "INSERT INTO labelled_examples (community, text, label, violation, source, rule, case_id, "
        "review_item_id, decided_by, language, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(example.community),
            example.text,
            example.label,
            int(example.violation),
            example.source.value,
            example.rule,
            example.case_id,
            example.review_item_id,
            example.decided_by,
            example.language,
            to_db_time(example.at),
        ),
    )
    return int(result.lastrowid or 0)


def _example(row: Row) -> LabelledExample:
    return LabelledExample(
        community=Ref.parse(row["community"]),
        text=row["text"],
        label=row["label"],
        violation=bool(row["violation"]),
        source=ExampleSource(row["source"]),
        decided_by=row["decided_by"],
        at=from_db_time(row["at"]),
        rule=row["rule"],
        case_id=row["case_id"],
        review_item_id=row["review_item_id"],
        language=row["language"],
    )


class SqliteSchedule:
    """Actions due later in the ``scheduled_actions`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, community: Ref, payload: Mapping[str, Any], due_at: datetime, case_id: int | None
    ) -> int:
        """Schedule an action; return its id."""
        result = await self._db.execute(
            _SCHEDULE, (str(community), case_id, dump_json(dict(payload)), to_db_time(due_at))
        )
        return int(result.lastrowid or 0)

    async def reschedule(
        self,
        community: Ref,
        kind: str,
        target: str,
        *,
        payload: Mapping[str, Any] | None,
        due_at: datetime,
        case_id: int | None,
    ) -> None:
        """Drop pending actions of a kind on a target and schedule ``payload``, in one go."""
        async with self._db.transaction() as tx:
            await tx.execute(_UNSCHEDULE, (str(community), kind, target, target))
            if payload is not None:
                values = (str(community), case_id, dump_json(dict(payload)), to_db_time(due_at))
                await tx.execute(_SCHEDULE, values)

    async def due(self, community: Ref, now: datetime) -> list[ScheduledAction]:
        """Return a community's actions due at or before ``now``, earliest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM scheduled_actions WHERE community = ? AND done = 0 AND due_at <= ? ORDER BY due_at, id",
            (str(community), to_db_time(now)),
        )
        return [
            ScheduledAction(
                id=int(r["id"]),
                community=Ref.parse(r["community"]),
                case_id=r["case_id"],
                payload=load_json(r["payload"]),
                due_at=from_db_time(r["due_at"]),
            )
            for r in rows
        ]

    async def next_due(self, community: Ref) -> datetime | None:
        """Return when a community's next action is due."""
        row = await self._db.fetch_one(
            "SELECT MIN(due_at) AS due FROM scheduled_actions WHERE community = ? AND done = 0",
            (str(community),),
        )
        return from_db_time(row["due"]) if row and row["due"] else None

    async def done(self, action_id: int) -> None:
        """Mark an action done."""
        await self._db.execute("UPDATE scheduled_actions SET done = 1 WHERE id = ?", (action_id,))

    async def cancel(self, community: Ref, kind: str, target: str) -> int:
        """Drop pending actions of a kind on a target; return how many."""
        result = await self._db.execute(_UNSCHEDULE, (str(community), kind, target, target))
        return result.rowcount


_SCHEDULE = (
    "INSERT INTO scheduled_actions (community, case_id, payload, due_at) VALUES (?, ?, ?, ?)"
)
_UNSCHEDULE = (
    "UPDATE scheduled_actions SET done = 1 WHERE community = ? AND done = 0 "
    "AND json_extract(payload, '$.kind') = ? AND (json_extract(payload, '$.member') = ? "
    "OR json_extract(payload, '$.channel') = ?)"
)


class SqliteShadows:
    """Rules shadowed at run time, in the ``shadowed_rules`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def shadowed(self, community: Ref) -> frozenset[str]:
        """Return the ids of shadowed rules."""
        rows = await self._db.fetch_all(
            "SELECT rule FROM shadowed_rules WHERE community = ?", (str(community),)
        )
        return frozenset(r["rule"] for r in rows)

    async def set(self, community: Ref, rule: str, shadow: bool, actor: str, now: datetime) -> None:
        """Shadow a rule, or enforce it again."""
        if shadow:
            await self._db.execute(
                "INSERT OR REPLACE INTO shadowed_rules (community, rule, since, actor) VALUES (?, ?, ?, ?)",
                (str(community), rule, to_db_time(now), actor),
            )
        else:
            await self._db.execute(
                "DELETE FROM shadowed_rules WHERE community = ? AND rule = ?",
                (str(community), rule),
            )


class SqliteRuleStats:
    """Per-rule figures read from the ``cases`` and ``review_items`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def per_rule(
        self, community: Ref | None = None, *, since: datetime | None = None
    ) -> list[RuleStats]:
        """Return the figures of every rule with a case or a review item, by rule id.

        Args:
            community: Whose figures; ``None`` for every community's.
            since: Only cases and review items opened at or after this time.
        """
        where = _text(community)
        after = to_db_time(since) if since is not None else None
        scope = (where, where, after, after)
        cases = await self._db.fetch_all(
            "SELECT rule, COUNT(*) AS cases, SUM(status != 'shadow') AS acted, "
            "SUM(status != 'shadow' AND (status = 'overturned' OR EXISTS (SELECT 1 FROM "
            "review_items r WHERE r.case_id = cases.id AND r.outcome = 'ok'))) AS reversed "
            "FROM cases WHERE rule IS NOT NULL AND (? IS NULL OR community = ?) "
            "AND (? IS NULL OR created_at >= ?) GROUP BY rule",
            scope,
        )
        # An appeal is a review item too, but only the cases a member contested reach it:
        # its outcome says nothing of how often the rule is right (one overturned appeal
        # would read as a precision of 0%), so appeals are counted apart.
        items = await self._db.fetch_all(
            "SELECT rule, SUM(source != 'appeal') AS items, "
            "SUM(source != 'appeal' AND outcome IS NOT NULL) AS decided, "
            # An undecided item's outcome is NULL, and SUM over NULLs alone is NULL.
            "COALESCE(SUM(source != 'appeal' AND outcome = 'violation'), 0) AS violations, "
            "SUM(source = 'appeal') AS appeals, "
            "COALESCE(SUM(source = 'appeal' AND outcome = 'ok'), 0) AS overturned "
            "FROM review_items WHERE rule IS NOT NULL AND (? IS NULL OR community = ?) "
            "AND (? IS NULL OR created_at >= ?) GROUP BY rule",
            scope,
        )
        figures: dict[str, dict[str, int]] = {}
        for row in cases:
            figures.setdefault(row["rule"], {}).update(
                cases=int(row["cases"]), acted=int(row["acted"]), reversed=int(row["reversed"])
            )
        for row in items:
            figures.setdefault(row["rule"], {}).update(
                review_items=int(row["items"]),
                decided=int(row["decided"]),
                violations=int(row["violations"]),
                appeals=int(row["appeals"]),
                overturned=int(row["overturned"]),
            )
        return [RuleStats(rule=rule, **counts) for rule, counts in sorted(figures.items())]


class SqliteListEdits:
    """Moderators' edits of rules' lists, in the ``rule_list_edits`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def edits(self, community: Ref) -> list[RecordedListEdit]:
        """Return a community's edits, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM rule_list_edits WHERE community = ? ORDER BY at, rowid",
            (str(community),),
        )
        return [
            RecordedListEdit(
                edit=ListEdit(
                    rule=r["rule"], list=r["list"], entry=r["entry"], added=bool(r["added"])
                ),
                actor=r["actor"],
                at=from_db_time(r["at"]),
            )
            for r in rows
        ]

    async def record(self, community: Ref, edit: ListEdit, actor: str, now: datetime) -> None:
        """Keep an edit, replacing any earlier one of the same entry of the same list."""
        await self._db.execute(
            "INSERT OR REPLACE INTO rule_list_edits "
            "(community, rule, list, entry, entry_key, added, actor, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                str(community),
                edit.rule,
                edit.list,
                edit.entry.strip(),
                entry_key(edit.entry),
                int(edit.added),
                actor,
                to_db_time(now),
            ),
        )

    async def drop(self, community: Ref, rule: str, list_name: str, entry: str) -> None:
        """Forget the edit of an entry: the list has it as the policy file does."""
        await self._db.execute(
            "DELETE FROM rule_list_edits WHERE community = ? AND rule = ? AND list = ? "
            "AND entry_key = ?",
            (str(community), rule, list_name, entry_key(entry)),
        )


class SqliteModerationStore:
    """Every moderation repository on one SQLite database.

    Args:
        db: The database, with :data:`MODERATION_MIGRATIONS` applied.
    """

    def __init__(self, db: Database) -> None:
        self._cases = SqliteCases(db)
        self._appeals = SqliteAppeals(db)
        self._reviews = SqliteReviews(db)
        self._schedule = SqliteSchedule(db)
        self._shadows = SqliteShadows(db)
        self._list_edits = SqliteListEdits(db)
        self._examples = SqliteExamples(db)
        self._stats = SqliteRuleStats(db)

    @property
    def cases(self) -> SqliteCases:
        """Return the cases."""
        return self._cases

    @property
    def appeals(self) -> SqliteAppeals:
        """Return the appeals."""
        return self._appeals

    @property
    def reviews(self) -> SqliteReviews:
        """Return the review queue."""
        return self._reviews

    @property
    def schedule(self) -> SqliteSchedule:
        """Return the actions due later."""
        return self._schedule

    @property
    def shadows(self) -> SqliteShadows:
        """Return the shadowed rules."""
        return self._shadows

    @property
    def list_edits(self) -> SqliteListEdits:
        """Return moderators' edits of rules' lists."""
        return self._list_edits

    @property
    def examples(self) -> SqliteExamples:
        """Return the labelled examples."""
        return self._examples

    @property
    def stats(self) -> SqliteRuleStats:
        """Return the per-rule figures."""
        return self._stats
