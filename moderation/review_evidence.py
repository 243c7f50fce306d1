"""What a moderator needs to judge a review item, gathered when it is queued.

The message alone is rarely enough: moderators see a few messages around it, who the
member is (their record, how new they are) and how many people it reached. The same
facts set the item's priority, so the queue shows the most urgent first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.models import Attachment, Member, Message
from bot.core.refs import Ref

CONTEXT_EACH_SIDE = 3
"""Messages of context kept before and after the message."""

RECENT_WINDOW = 50
"""How many of the channel's latest messages are read for context and reach."""

FILES_KEPT = 10
"""Files of one message kept in evidence (Discord allows ten a message)."""

_TEXT_LIMIT = 300
_REACH_SPAN = timedelta(hours=1)
_WIDE_REACH = 10  # members who posted in the channel within the span
_NEW_DAYS = 7.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Surroundings:
    """The message's neighbours in its channel, and how far it reaches."""

    before: tuple[Message, ...] = ()
    after: tuple[Message, ...] = ()
    reach: int = 0
    mentions_everyone: bool = False


def surroundings(recent_newest_first: Sequence[Message], message: Ref) -> Surroundings:
    """Find a message among a channel's latest messages and return what surrounds it.

    Reach counts the members who posted in the channel within an hour of the message;
    a message not among the latest (too old, deleted already) has no context.
    """
    ordered = [m for m in reversed(recent_newest_first) if not m.author.is_bot]
    index = next((i for i, m in enumerate(ordered) if m.ref == message), None)
    if index is None:
        return Surroundings()
    found = ordered[index]
    around = [m for m in ordered if abs(m.created_at - found.created_at) <= _REACH_SPAN]
    return Surroundings(
        before=tuple(ordered[max(0, index - CONTEXT_EACH_SIDE) : index]),
        after=tuple(ordered[index + 1 : index + 1 + CONTEXT_EACH_SIDE]),
        reach=len({m.author.ref for m in around}),
        mentions_everyone=found.mentions_everyone,
    )


def file_records(attachments: Sequence[Attachment]) -> list[dict[str, str]]:
    """Return the files a message carried as evidence keeps them: each one's name and link.

    A screenshot posted with no text, reported or caught by a rule, is the evidence itself.
    """
    return [{"filename": a.filename, "url": a.url} for a in attachments[:FILES_KEPT]]


def files_in(evidence: Mapping[str, Any]) -> list[Attachment]:
    """Return the files recorded in evidence by :func:`file_records` (none if none)."""
    records = evidence.get("files")
    if not isinstance(records, list):
        return []
    return [
        Attachment(filename=str(r.get("filename") or "file"), url=str(r.get("url") or ""))
        for r in records
        if isinstance(r, Mapping)
    ]


def context_lines(around: Surroundings) -> list[dict[str, str]]:
    """Return the context as JSON-compatible records, oldest first, texts shortened."""
    return [
        {
            "side": side,
            "id": m.ref.id,
            "author": m.author.name,
            "text": m.content[:_TEXT_LIMIT],
        }
        for side, messages in (("before", around.before), ("after", around.after))
        for m in messages
    ]


def reporters_in(evidence: Mapping[str, Any]) -> list[str]:
    """Return the members (refs as text) who reported an item's message, first first.

    The first reporter is kept under ``reporter``, the others under ``reporters``.
    """
    first = evidence.get("reporter")
    more = evidence.get("reporters")
    found = ([str(first)] if first else []) + (
        [str(r) for r in more] if isinstance(more, list) else []
    )
    return list(dict.fromkeys(found))


def days_since(when: datetime | None, now: datetime) -> float | None:
    """Return how many days ago something happened, or ``None`` when unknown."""
    return round((now - when).total_seconds() / 86400, 1) if when is not None else None


def member_summary(
    member: Member | None,
    *,
    cases: int,
    active_points: int,
    now: datetime,
    name: str = "",
    welfare: int = 0,
    staff_note: str = "",
) -> dict[str, object]:
    """Return a member's record in brief: name, cases, active points, ages in days.

    ``name`` names someone the platform no longer knows as a member (``member`` is
    ``None``): a card would otherwise call them "member". ``welfare`` counts earlier
    alerts that they may have been at risk: no offence, but what a moderator weighing a
    harsh message, or reaching out again, should know. ``staff_note`` is the latest note
    a moderator left on them (see ``staff_notes_line``), for the one deciding now.
    """
    cared: dict[str, object] = {"welfare": welfare} if welfare else {}
    if staff_note:
        cared["staff_note"] = staff_note
    if member is None:
        known = {"name": name} if name else {}
        return {**known, "cases": cases, "active_points": active_points, **cared}
    return {
        "name": member.shown_name,
        "cases": cases,
        "active_points": active_points,
        **cared,
        "member_days": days_since(member.joined_at, now),
        "account_days": days_since(member.account_created_at, now),
    }


def review_priority(
    base: int, *, reach: int, mentions_everyone: bool, summary: dict[str, object]
) -> int:
    """Raise a base priority (the rule's severity) for wide reach and for newcomers.

    A message many people saw does more harm; a new member or a new account is more
    often a spammer or a raider, and has no record to weigh against.
    """
    priority = base
    if reach >= _WIDE_REACH or mentions_everyone:
        priority += 1
    ages = [summary.get("member_days"), summary.get("account_days")]
    if any(isinstance(age, int | float) and age < _NEW_DAYS for age in ages):
        priority += 1
    return priority
