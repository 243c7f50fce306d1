"""Review cards: a review item as a message with buttons in the staff channel.

A card shows what a moderator needs to decide (the message, its context, the member's
record, the scores and the rule) and offers the decisions as buttons. Each button's
target names the item (``review:42``) and its choice names the decision (``remove``), so
a click on any platform arrives as the same ``ComponentClicked``. Warn, Timeout and Ban
ask the moderator why first, where the platform has forms.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.actions import Button, ButtonStyle
from bot.core.capabilities import Capabilities, Capability
from bot.core.commands import plain_number
from bot.core.quoting import excerpt, file_line, quoted
from moderation.cases import JOINED, REACH_OUT, RENAMED, ReviewItem
from moderation.review_evidence import files_in

TARGET_PREFIX = "review:"


class CardChoice(enum.StrEnum):
    """What a button on a review card does."""

    CLAIM = "claim"
    REMOVE = "remove"
    WARN = "warn"
    TIMEOUT = "timeout"
    BAN = "ban"
    DISMISS = "dismiss"
    ESCALATE = "escalate"
    REACHED_OUT = "reached_out"
    RIGHT = "right"


CARE_CHOICES = (
    CardChoice.CLAIM,
    CardChoice.REACHED_OUT,
    CardChoice.DISMISS,
    CardChoice.ESCALATE,
)
"""Choices on the card of someone who may be at risk: nobody is punished for that.

Reached out closes the item as the rule being right (someone was at risk, and a moderator
reached out); Dismiss closes it as a false alarm.
"""

TRIAL_SOURCE = "trial"
"""The source of an item that asks moderators to judge a rule on trial (in shadow mode)."""

TRIAL_CHOICES = (CardChoice.RIGHT, CardChoice.DISMISS)
"""Choices on the card of a rule's trial: was the rule right about this message?

Nothing happened to the member (the rule is in shadow mode), and nothing happens on either
choice: the judgement is the rule's precision before it goes live, and a labelled example.
"""

_LABELS = {
    CardChoice.CLAIM: ("Claim", ButtonStyle.PRIMARY),
    CardChoice.REMOVE: ("Remove", ButtonStyle.DANGER),
    CardChoice.WARN: ("Warn", ButtonStyle.DANGER),
    CardChoice.TIMEOUT: ("Timeout", ButtonStyle.DANGER),
    CardChoice.BAN: ("Ban", ButtonStyle.DANGER),
    CardChoice.DISMISS: ("Dismiss (not a violation)", ButtonStyle.SUCCESS),
    CardChoice.ESCALATE: ("Escalate", ButtonStyle.SECONDARY),
    CardChoice.REACHED_OUT: ("Reached out", ButtonStyle.SUCCESS),
    CardChoice.RIGHT: ("Rule was right", ButtonStyle.PRIMARY),
}
_CARE_LABELS = {CardChoice.DISMISS: "Not at risk (false alarm)"}
"""Labels that read otherwise on the card of someone who may be at risk."""
_TRIAL_LABELS = {CardChoice.DISMISS: "Rule was wrong"}
"""Labels that read otherwise on the card of a rule's trial."""
_REGULAR = tuple(c for c in CardChoice if c not in {CardChoice.REACHED_OUT, CardChoice.RIGHT})
"""Choices on any other card."""


def for_care(item: ReviewItem) -> bool:
    """Return whether an item's card was made for someone who may be at risk."""
    choices = item.evidence.get("choices")
    return isinstance(choices, list) and CardChoice.REACHED_OUT.value in choices


def for_trial(item: ReviewItem) -> bool:
    """Return whether an item asks moderators to judge a rule on trial."""
    return item.source == TRIAL_SOURCE


QUESTIONS = {
    CardChoice.WARN: "Why warn this member?",
    CardChoice.TIMEOUT: "Why time this member out?",
    CardChoice.BAN: "Why ban this member?",
}
"""What a sanction's button asks the moderator before it acts (a form, where the platform
has one): the answer goes on the case, the member's notice and the audit log."""
_QUOTE_LIMIT = 300
_LATER_SHOWN = 5
"""How many of the lines a member wrote after their item was queued its card shows."""
CARD_LIMIT = 1900
"""The most characters a card's text has: within Discord's 2,000 per message."""


def card_target(item_id: int) -> str:
    """Return the target every button of an item's card carries (``review:42``)."""
    return f"{TARGET_PREFIX}{item_id}"


def item_id_of(target: str) -> int | None:
    """Return the item a button target names, or ``None`` if it names no review item."""
    if not target.startswith(TARGET_PREFIX):
        return None
    return plain_number(target.removeprefix(TARGET_PREFIX))


_NEEDS: Mapping[CardChoice, Capability] = {
    CardChoice.REMOVE: Capability.DELETE_MEMBER_MESSAGES,
    CardChoice.TIMEOUT: Capability.TIMEOUT,
    CardChoice.BAN: Capability.BAN,
}


def offered(item: ReviewItem, capabilities: Capabilities | None = None) -> tuple[CardChoice, ...]:
    """Return the choices an item's card offers, in order.

    Remove needs a message; warn, timeout and ban need a member; claim disappears once
    someone is on it. A card made for someone at risk offers no sanction. Given the
    platform's capabilities, a card offers no sanction the platform cannot apply (a Slack
    bot token neither times out, bans, nor removes members' messages).
    """
    stored = item.evidence.get("choices")
    choices = (
        tuple(CardChoice(c) for c in stored if c in CardChoice.__members__.values())
        if isinstance(stored, list)
        else _REGULAR
    )
    kept: list[CardChoice] = []
    for choice in choices:
        if choice is CardChoice.CLAIM and item.claimed_by:
            continue
        if choice is CardChoice.REMOVE and item.message is None:
            continue
        if choice in {CardChoice.WARN, CardChoice.TIMEOUT, CardChoice.BAN} and item.member is None:
            continue
        needed = _NEEDS.get(choice)
        if capabilities is not None and needed is not None and not capabilities.has(needed):
            continue
        kept.append(choice)
    return tuple(kept)


def card_buttons(item: ReviewItem, capabilities: Capabilities | None = None) -> tuple[Button, ...]:
    """Return the buttons of a waiting item's card; a decided item's card has none."""
    if not item.waiting:
        return ()
    target = card_target(item.id)
    relabelled = _CARE_LABELS if for_care(item) else _TRIAL_LABELS if for_trial(item) else {}
    return tuple(
        Button(
            target=target,
            choice=c.value,
            label=relabelled.get(c) or _LABELS[c][0],
            style=_LABELS[c][1],
            asks_reason=QUESTIONS.get(c, ""),
        )
        for c in offered(item, capabilities)
    )


MESSAGE_GONE = "message_gone"
"""The evidence key listing when a waiting item's message was deleted on the platform."""
EDITED = "edited"
"""The key of a later line that is the item's own message as its author edited it, and when."""


def card_text(item: ReviewItem, status: str) -> str:
    """Return a card's text: headline, message in context, member, scores, rule, status.

    The text stays within :data:`CARD_LIMIT`: context furthest from the message goes
    first, then the oldest of what the member wrote since (the latest stays), and only
    then is the text cut.
    """
    evidence = item.evidence
    headline = excerpt(
        str(evidence.get("headline") or f"Review needed: {item.reason}"), _QUOTE_LIMIT
    )
    facts = [f"item {item.id}", f"priority {item.priority}"]
    if item.rule:
        facts.append(f"rule {item.rule}")
    if evidence.get("case"):
        facts.append(f"case {evidence['case']}")
    before, message, after = _conversation(evidence)
    later = _later_records(evidence)
    shown = min(len(later), _LATER_SHOWN)
    tail: list[str] = []
    member = evidence.get("member")
    if isinstance(member, Mapping):
        tail.append(_member_line(member))
        if member.get("staff_note"):  # written by a moderator: already quoted and cut
            tail.append(str(member["staff_note"]))
    if evidence.get(REACH_OUT):  # written by Steward: already whole
        tail.append(str(evidence[REACH_OUT]))
    scores = _scores(evidence)
    if scores:
        tail.append(f"Scores: {scores}")
    gone = evidence.get(MESSAGE_GONE)
    if isinstance(gone, list) and gone:  # written by Steward: a time on the wall clock
        tail.append(
            f"The message was deleted at {gone[-1]}; a decision still counts for its member."
        )
    tail.append(excerpt(status, _QUOTE_LIMIT))

    def joined() -> str:
        since = _later_lines(later, shown)
        return "\n".join([headline, " · ".join(facts), *before, *message, *since, *after, *tail])

    while len(joined()) > CARD_LIMIT and (before or after or shown > 1):
        if before or after:
            if len(before) >= len(after):
                before.pop(0)
            else:
                after.pop()
        else:
            shown -= 1
    return joined()[:CARD_LIMIT]


def _conversation(evidence: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Return the lines before the message, the message's own line, and the lines after."""
    context = evidence.get("context")
    records = [c for c in context if isinstance(c, Mapping)] if isinstance(context, list) else []
    before = [_quoted("  ", c) for c in records if c.get("side") == "before"]
    after = [_quoted("  ", c) for c in records if c.get("side") == "after"]
    original = evidence.get("original")
    text = original if isinstance(original, str) else ""
    files = files_in(evidence)
    message: list[str] = []
    if evidence.get(JOINED):  # judged as they arrived: the text is their name
        message.append(f"> {quoted(str(evidence.get('author') or text))} joined")
    elif evidence.get(RENAMED):  # judged as they took a name: the text is that name
        who = quoted(str(evidence.get("author") or "member"))
        message.append(f"> {who} took the name {quoted(text)}")
    elif text or files:  # a screenshot alone is the message too
        who = evidence.get("author") or "member"
        message.append(f"> {quoted(str(who))}: {excerpt(text, _QUOTE_LIMIT)}")
        message += [f"> {file_line(file)}" for file in files]
    return before, message, after


def latest_edit(evidence: Mapping[str, Any]) -> str | None:
    """Return what the item's message says since its author last edited it, if they did."""
    edits = [r for r in _later_records(evidence) if r.get(EDITED)]
    return str(edits[-1].get("text", "")) if edits else None


def _later_records(evidence: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Return what the member wrote since the item was queued, oldest first."""
    later = evidence.get("later")
    return [r for r in later if isinstance(r, Mapping)] if isinstance(later, list) else []


def _later_lines(records: Sequence[Mapping[str, Any]], shown: int) -> list[str]:
    """Return the latest ``shown`` of them as lines, saying how many earlier ones are not."""
    kept = records[len(records) - shown :] if shown else []
    lines = [
        f"> {quoted(str(r.get('author', 'member')))}, {_when(r)}: "
        f"{excerpt(str(r.get('text', '')), _QUOTE_LIMIT)}"
        for r in kept
    ]
    hidden = len(records) - len(lines)
    return ([f"> ({hidden} earlier line(s) not shown)"] if hidden else []) + lines


def _when(record: Mapping[str, Any]) -> str:
    """Return when and where a later line was written: an edit of the message says so."""
    if record.get(EDITED):  # written by Steward: a time on the wall clock
        return f"edited at {record[EDITED]} to"
    where = record.get("where")
    return f"later in {where}" if where else "later"


def _quoted(indent: str, record: Mapping[str, Any]) -> str:
    author = quoted(str(record.get("author", "?")))
    return f"{indent}{author}: {excerpt(str(record.get('text', '')), _QUOTE_LIMIT)}"


def _member_line(member: Mapping[str, Any]) -> str:
    parts = [
        f"{quoted(str(member.get('name', 'member')))}: {member.get('cases', 0)} earlier case(s)",
        f"{member.get('active_points', 0)} active point(s)",
    ]
    if member.get("welfare"):
        parts.append(f"{member['welfare']} earlier welfare alert(s)")
    for key, words in (("member_days", "member for"), ("account_days", "account")):
        days = member.get(key)
        if isinstance(days, int | float):
            parts.append(f"{words} {age_words(days)}")
    return "Member " + ", ".join(parts)


def age_words(days: float) -> str:
    """Return an age in days as cards show it: hours under a day (``12h``), else days (``3d``)."""
    if days < 1:
        return f"{round(days * 24)}h"
    return f"{round(days)}d"


def _scores(evidence: Mapping[str, Any]) -> str:
    details = evidence.get("details")
    found = details.get("scores") if isinstance(details, Mapping) else None
    if not isinstance(found, Mapping):
        return ""
    ranked: Sequence[tuple[str, Any]] = sorted(
        found.items(), key=lambda kv: -float(kv[1]) if isinstance(kv[1], int | float) else 0.0
    )
    return ", ".join(
        f"{label} {value:.2f}" for label, value in ranked if isinstance(value, int | float)
    )
