"""What the moderation tables keep about one member: shown on request, erased on request.

Erasing keeps a case's bare facts under the member's platform id (its number, rule,
status, points, expiry and what kinds of action it took), so a ban still holds, the points
that count still count and the rule's figures stay true. Everything the member wrote,
everything written about them, and their names go: the message and its context, the
reason and notes, the notices sent to them, their appeals' words, and the labelled
examples their messages became. Their lines in the context of other members' review
items are erased too, found by the names their cases knew them by.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.protocols import MemberRecords
from bot.core.refs import Ref
from bot.storage.codec import to_db_time
from bot.storage.database import Transaction
from bot.storage.member_data import ERASED, MemberDataTables, records
from moderation.cases import STAFF_NOTE
from moderation.review_evidence import reporters_in

_KEPT_CASE_EVIDENCE = frozenset({"moderator", STAFF_NOTE, "would_do"})
"""What a case's evidence keeps once erased: who acted, and what it was, never the text."""
_KEPT_ITEM_EVIDENCE = frozenset({"appeal", "case"})
"""What a review item's evidence keeps once erased: what it points at."""
_SPOKEN_ACTION_FIELDS = frozenset({"content", "text"})
"""The fields of an action's payload that hold words sent or posted."""


def _spoken(field: str, value: object, case_reason: str) -> bool:
    """Return whether an action's payload field holds words about the member.

    What was sent or posted, and the case's reason, which a case copies onto its actions
    (a moderator's words, or a rule's, which may quote the message).
    """
    return field in _SPOKEN_ACTION_FIELDS or (field == "reason" and value == case_reason)


class ModerationMemberData(MemberDataTables):
    """The member's cases, appeals, review items and the examples learnt from them."""

    section = "moderation"

    async def export_member(self, community: Ref, member: Ref) -> MemberRecords:
        """Return the member's cases (with notes and actions), appeals, items and examples."""
        where = (str(community), str(member))
        cases = records(
            await self._db.fetch_all(
                "SELECT * FROM cases WHERE community = ? AND member = ? ORDER BY number", where
            ),
            ["actions", "evidence"],
        )
        case_ids = [c["id"] for c in cases]
        notes = await self._for_cases("case_notes", case_ids)
        actions = await self._for_cases("case_actions", case_ids, ["payload"])
        appeals = await self._for_cases("appeals", case_ids)
        items = records(
            await self._db.fetch_all(
                "SELECT * FROM review_items WHERE community = ? AND member = ? ORDER BY id", where
            ),
            ["evidence"],
        )
        examples = await self._examples(case_ids, [i["id"] for i in items])
        return {
            "cases": cases,
            "case_notes": notes,
            "case_actions": actions,
            "appeals": appeals,
            "review_items": items,
            "labelled_examples": examples,
            "lines_in_other_review_items": await self._lines_elsewhere(community, member, cases),
            "reports_in_other_cases": records(
                await self._db.fetch_all(
                    "SELECT id, number, evidence FROM cases WHERE community = ? "
                    "AND member != ? AND json_extract(evidence, '$.reporter') = ? ORDER BY id",
                    (*where, str(member)),
                ),
                ["evidence"],
            ),
        }

    async def erase_member(self, community: Ref, member: Ref) -> dict[str, int]:
        """Erase the member's words and names from every moderation record about them."""
        found = await self.export_member(community, member)
        cases, items = found["cases"], found["review_items"]
        changed = dict.fromkeys(found, 0)
        async with self._db.transaction() as tx:
            for case in cases:
                await _keep_only(tx, "cases", case, _KEPT_CASE_EVIDENCE, marker="erased")
                await tx.execute(
                    "UPDATE cases SET member_name = '', member_avatar = '', reason = ? "
                    "WHERE id = ?",
                    (ERASED, case["id"]),
                )
            changed["cases"] = len(cases)
            for note in found["case_notes"]:
                await tx.execute(
                    "UPDATE case_notes SET text = ? WHERE id = ?", (ERASED, note["id"])
                )
            changed["case_notes"] = len(found["case_notes"])
            reasons = {c["id"]: c["reason"] for c in cases}
            for action in found["case_actions"]:
                # Its words go; its kind of reason stays (a caring reply is known by it).
                payload = {
                    k: ERASED if _spoken(k, v, reasons[action["case_id"]]) else v
                    for k, v in action["payload"].items()
                }
                # One still to retry would send or post the erased words: it is not retried.
                await tx.execute(
                    "UPDATE case_actions SET payload = ?, "
                    "error = CASE WHEN status = 'pending' THEN ? ELSE error END, "
                    "status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END "
                    "WHERE id = ?",
                    (
                        json.dumps(payload),
                        "not retried: the member's data was erased",
                        action["id"],
                    ),
                )
            changed["case_actions"] = len(found["case_actions"])
            for appeal in found["appeals"]:
                await tx.execute(
                    "UPDATE appeals SET reason = ?, decision = ? WHERE id = ?",
                    (ERASED, ERASED if appeal["decision"] else "", appeal["id"]),
                )
            changed["appeals"] = len(found["appeals"])
            for item in items:
                await _keep_only(tx, "review_items", item, _KEPT_ITEM_EVIDENCE, marker="erased")
                # A card still waiting would ask about words no longer kept: it is closed.
                await tx.execute(
                    "UPDATE review_items SET reason = ?, note = '', card_status = '', "
                    "status = CASE WHEN status IN ('open', 'claimed') THEN 'expired' "
                    "ELSE status END WHERE id = ?",
                    (ERASED, item["id"]),
                )
            changed["review_items"] = len(items)
            for example in found["labelled_examples"]:
                await tx.execute("DELETE FROM labelled_examples WHERE id = ?", (example["id"],))
            changed["labelled_examples"] = len(found["labelled_examples"])
            changed["lines_in_other_review_items"] = await self._erase_lines_elsewhere(
                tx, member, found["lines_in_other_review_items"]
            )
            # A case a moderator opened from their report keeps who reported it.
            for case in found["reports_in_other_cases"]:
                await tx.execute(
                    "UPDATE cases SET evidence = ? WHERE id = ?",
                    (json.dumps(without_reporter(case["evidence"], member)), case["id"]),
                )
            changed["reports_in_other_cases"] = len(found["reports_in_other_cases"])
        return changed

    async def forget_texts_before(
        self, community: Ref, cutoff: datetime, now: datetime
    ) -> dict[str, int]:
        """Drop the messages, context and files kept on cases and items opened before ``cutoff``.

        A case that counts at ``now``, or waits for an appeal or a review, keeps them: the
        member may still contest it. The examples learnt before ``cutoff`` go too.
        """
        before, at = to_db_time(cutoff), to_db_time(now)
        async with self._db.transaction() as tx:
            cases = records(
                await tx.fetch_all(
                    "SELECT id, evidence FROM cases WHERE community = ? AND created_at < ? "
                    "AND status NOT IN ('appealed', 'review') "
                    "AND NOT (status = 'active' AND expires_at IS NOT NULL AND expires_at > ?) "
                    "AND json_extract(evidence, '$.texts_forgotten') IS NULL",
                    (str(community), before, at),
                ),
                ["evidence"],
            )
            for case in cases:
                await _keep_only(tx, "cases", case, _KEPT_CASE_EVIDENCE, marker="texts_forgotten")
            items = records(
                await tx.fetch_all(
                    "SELECT id, evidence FROM review_items WHERE community = ? AND created_at < ? "
                    "AND status IN ('decided', 'expired') "
                    "AND json_extract(evidence, '$.texts_forgotten') IS NULL",
                    (str(community), before),
                ),
                ["evidence"],
            )
            for item in items:
                await _keep_only(
                    tx, "review_items", item, _KEPT_ITEM_EVIDENCE, marker="texts_forgotten"
                )
            examples = await tx.execute(
                "DELETE FROM labelled_examples WHERE community = ? AND at < ?",
                (str(community), before),
            )
        return {
            "cases": len(cases),
            "review_items": len(items),
            "labelled_examples": examples.rowcount,
        }

    async def _for_cases(
        self, table: str, case_ids: list[int], json_columns: list[str] | None = None
    ) -> list[dict[str, Any]]:
        if not case_ids:
            return []
        marks = ", ".join("?" * len(case_ids))
        rows = await self._db.fetch_all(
            f"SELECT * FROM {table} WHERE case_id IN ({marks}) ORDER BY id",
            case_ids,
        )
        return records(rows, json_columns or [])

    async def _examples(self, case_ids: list[int], item_ids: list[int]) -> list[dict[str, Any]]:
        """Return the labelled examples made from the member's cases and review items."""
        if not case_ids and not item_ids:
            return []
        cases = ", ".join("?" * len(case_ids)) or "NULL"
        items = ", ".join("?" * len(item_ids)) or "NULL"
        rows = await self._db.fetch_all(
            f"SELECT * FROM labelled_examples WHERE case_id IN ({cases}) "
            f"OR review_item_id IN ({items}) ORDER BY id",
            [*case_ids, *item_ids],
        )
        return records(rows)

    async def _lines_elsewhere(
        self, community: Ref, member: Ref, cases: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Return what of the member others' review items keep: their lines, their reports.

        Context records name their author as the platform named them then; the member's
        cases keep the names they were known by. A report keeps its reporter's id.
        """
        names = {str(c["member_name"]) for c in cases if c["member_name"]}
        rows = await self._db.fetch_all(
            "SELECT id, evidence FROM review_items WHERE community = ? "
            "AND (member IS NULL OR member != ?) ORDER BY id",
            (str(community), str(member)),
        )
        found = []
        for item in records(rows, ["evidence"]):
            evidence = item["evidence"]
            context = evidence.get("context")
            lines = [
                r
                for r in (context if isinstance(context, list) else [])
                if isinstance(r, dict) and r.get("author") in names
            ]
            reported = str(member) in reporters_in(evidence)
            if lines or reported:
                found.append({"review_item": item["id"], "lines": lines, "reported": reported})
        return found

    async def _erase_lines_elsewhere(
        self, tx: Transaction, member: Ref, found: list[dict[str, Any]]
    ) -> int:
        """Erase the member's lines from others' review items, and their name as a reporter."""
        for each in found:
            row = await tx.fetch_one(
                "SELECT evidence FROM review_items WHERE id = ?", (each["review_item"],)
            )
            if row is None:
                continue
            evidence = json.loads(row["evidence"])
            ids = {line.get("id") for line in each["lines"]}
            evidence["context"] = [
                {**r, "author": ERASED, "text": ERASED} if r.get("id") in ids else r
                for r in evidence.get("context", [])
            ]
            if each["reported"]:
                evidence = without_reporter(evidence, member)
            await tx.execute(
                "UPDATE review_items SET evidence = ? WHERE id = ?",
                (json.dumps(evidence), each["review_item"]),
            )
        return len(found)


def without_reporter(evidence: dict[str, Any], member: Ref) -> dict[str, Any]:
    """Return evidence with ``member`` no longer among the reporters of its message."""
    kept = [r for r in reporters_in(evidence) if r != str(member)]
    cleaned = {k: v for k, v in evidence.items() if k not in {"reporter", "reporters"}}
    return {**cleaned, "reporters": kept} if kept else cleaned


async def _keep_only(
    tx: Transaction, table: str, record: dict[str, Any], kept: frozenset[str], *, marker: str
) -> None:
    """Keep only the ``kept`` keys of a record's evidence, marked with why the rest went.

    ``erased`` (on request) or ``texts_forgotten`` (kept as long as configured).
    """
    evidence = {k: v for k, v in record["evidence"].items() if k in kept}
    await tx.execute(
        f"UPDATE {table} SET evidence = ? WHERE id = ?",
        (json.dumps({**evidence, marker: True}), record["id"]),
    )
