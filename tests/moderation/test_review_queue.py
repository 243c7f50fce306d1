"""The review queue: evidence for a human, priority, cards, claims, and restarts."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.local.community import ref
from bot.core.actions import EditMessage, PostMessage, SendDirectMessage
from bot.core.capabilities import Capability
from bot.core.models import Message
from bot.core.refs import Ref
from bot.core.serialize import action_to_data
from moderation.cases import (
    CARE_REASON,
    CardRef,
    CaseAction,
    NewCase,
    NewReviewItem,
    ReviewItem,
    ReviewOutcome,
    ReviewStatus,
)
from moderation.review_cards import CARD_LIMIT, card_target, card_text, item_id_of
from moderation.review_queue import ReviewQueue
from tests.moderation.conftest import COMMUNITY, Rig, build_place, limited_platform


def queue(rig: Rig, staff_channel: str | None = "mod-log") -> ReviewQueue:
    return ReviewQueue(
        community=COMMUNITY,
        gateway=rig.platform,
        store=rig.store,
        clock=rig.clock,
        staff_channel=staff_channel,
    )


def chat(rig: Rig, lines: list[tuple[str, str, str]]) -> None:
    """Post messages a minute apart: (id, author, text)."""
    for ident, author, text in lines:
        rig.clock.set(rig.clock.now() + timedelta(minutes=1))
        rig.place.store(
            Message(
                ref=ref(ident),
                channel=ref("general"),
                author=rig.place.members[author].member,
                content=text,
                created_at=rig.clock.now(),
            )
        )


def item_about(message: str, member: str = "alice", priority: int = 1) -> NewReviewItem:
    return NewReviewItem(
        community=COMMUNITY.ref,
        source="rule",
        reason="uncertain abuse score 0.78",
        member=ref(member),
        message=ref(message),
        channel=ref("general"),
        rule="abuse-model",
        evidence={
            "original": "you people are something else",
            "details": {"scores": {"abuse": 0.78, "spam": 0.02}},
        },
        priority=priority,
    )


CONVERSATION = [
    ("m1", "bob", "first"),
    ("m2", "chloe", "second"),
    ("m3", "bob", "third"),
    ("m4", "chloe", "fourth"),
    ("m5", "alice", "you people are something else"),
    ("m6", "bob", "excuse me?"),
    ("m7", "chloe", "calm down"),
]


async def test_an_item_carries_context_history_scores_and_rule(rig: Rig) -> None:
    chat(rig, CONVERSATION)
    item = await queue(rig).add(item_about("m5"), headline="Review needed: alice")
    context = item.evidence["context"]
    assert [(c["side"], c["id"]) for c in context] == [
        ("before", "m2"),
        ("before", "m3"),
        ("before", "m4"),
        ("after", "m6"),
        ("after", "m7"),
    ], "three before, and what came after so far"
    assert item.evidence["member"] == {
        "name": "alice",
        "cases": 0,
        "active_points": 0,
        "member_days": 0.0,
        "account_days": None,
    }
    assert item.evidence["reach"] == 3
    assert item.rule == "abuse-model"
    assert item.priority == 2, "a member who joined today raises the priority"
    (posted,) = [a.action for a in rig.platform.applied]
    assert isinstance(posted, PostMessage)
    assert posted.channel == ref("mod-log")
    assert posted.content.splitlines() == [
        "Review needed: alice",
        "item 1 · priority 2 · rule abuse-model",
        "  chloe: second",
        "  bob: third",
        "  chloe: fourth",
        "> alice: you people are something else",
        "  bob: excuse me?",
        "  chloe: calm down",
        "Member alice: 0 earlier case(s), 0 active point(s), member for 0h",
        "Scores: abuse 0.78, spam 0.02",
        "Open: nobody is on it yet.",
    ]
    assert {b.target for b in posted.buttons} == {card_target(item.id)}
    assert [b.choice for b in posted.buttons] == [
        "claim",
        "remove",
        "warn",
        "timeout",
        "ban",
        "dismiss",
        "escalate",
    ]
    created = rig.platform.applied[0].result.ref
    assert created is not None
    assert item.card == CardRef(ref("mod-log"), created)


async def test_a_member_no_longer_here_is_named_as_their_case_names_them(rig: Rig) -> None:
    # "ghost" is no member of the place: the platform cannot say who they are.
    case = await rig.store.cases.open(
        NewCase(community=COMMUNITY.ref, member=ref("ghost"), member_name="Ghost Rider"),
        rig.clock.now(),
    )
    item = await queue(rig).add(
        replace(item_about("gone", member="ghost"), case_id=case.id), headline="Review"
    )
    (posted,) = [a.action for a in rig.platform.applied]
    assert item.evidence["member"] == {"name": "Ghost Rider", "cases": 0, "active_points": 0}
    assert isinstance(posted, PostMessage)
    assert "Member Ghost Rider: 0 earlier case(s), 0 active point(s)" in posted.content


async def test_an_earlier_welfare_alert_is_told_apart_from_earlier_cases(rig: Rig) -> None:
    # Alice was cared for once (a self-harm alert) and warned once: the card counted two
    # "earlier cases", as if being at risk were an offence.
    caring = SendDirectMessage(
        community=COMMUNITY.ref, member=ref("alice"), content="...", reason=CARE_REASON
    )
    welfare = NewCase(
        community=COMMUNITY.ref,
        member=ref("alice"),
        rule="self-harm",
        actions=(CaseAction(position=0, kind=caring.kind, payload=action_to_data(caring)),),
    )
    for new in (welfare, NewCase(community=COMMUNITY.ref, member=ref("alice"), points=1)):
        await rig.store.cases.open(new, rig.clock.now())
    await queue(rig).add(item_about("m5"), headline="Review needed: alice")
    (posted,) = [a.action for a in rig.platform.applied]
    assert isinstance(posted, PostMessage)
    assert (
        "Member alice: 1 earlier case(s), 1 active point(s), 1 earlier welfare alert(s), "
        "member for 0h"
    ) in posted.content


async def test_a_message_out_of_reach_has_no_context_and_an_item_without_staff_no_card(
    rig: Rig,
) -> None:
    item = await queue(rig, staff_channel=None).add(item_about("gone"), headline="Review")
    assert item.evidence["context"] == []
    assert item.card is None
    assert rig.platform.applied == []


async def test_items_claims_and_cards_survive_a_restart(rig: Rig) -> None:
    chat(rig, CONVERSATION)
    item = await queue(rig).add(item_about("m5"), headline="Review needed: alice")
    claimed = await rig.store.reviews.claim(item.id, "local:mod1", rig.clock.now())
    assert (claimed.status, claimed.claimed_by) == (ReviewStatus.CLAIMED, "local:mod1")
    await rig.reopen()
    (again,) = await rig.store.reviews.open_items(COMMUNITY.ref)
    assert again == claimed
    assert again.card == item.card
    assert await rig.store.reviews.about_message(COMMUNITY.ref, ref("m5")) == [again]
    assert await queue(rig).update_card(again, "Claimed by mod1.")
    edit = rig.platform.applied[-1].action
    assert isinstance(edit, EditMessage) and edit.content.endswith("Claimed by mod1.")
    assert "claim" not in [b.choice for b in edit.buttons], "someone is on it already"


async def test_a_claim_is_one_moderators_and_a_decided_item_cannot_be_claimed(rig: Rig) -> None:
    item = await queue(rig).add(item_about("m5"), headline="Review")
    now = rig.clock.now()
    results = await asyncio.gather(
        rig.store.reviews.claim(item.id, "local:mod1", now),
        rig.store.reviews.claim(item.id, "local:mod2", now),
        return_exceptions=True,
    )
    assert sum(isinstance(r, ValueError) for r in results) == 1
    await rig.store.reviews.claim(item.id, "local:mod1", now)  # harmless when it wins
    await rig.store.reviews.decide(item.id, ReviewOutcome.OK, "local:mod1", "", now)
    with pytest.raises(ValueError, match="decided"):
        await rig.store.reviews.claim(item.id, "local:mod1", now)


def test_button_targets_name_review_items_only() -> None:
    assert item_id_of(card_target(42)) == 42
    assert item_id_of("review:x") is None
    # A forged target: "²" passes str.isdigit, and SQLite refuses numbers past 64 bits.
    assert item_id_of("review:²") is None
    assert item_id_of("review:" + "9" * 30) is None
    assert item_id_of("poll:3") is None


async def test_a_card_stays_within_a_message_limit_dropping_far_context_first(rig: Rig) -> None:
    long = "word " * 100
    chat(rig, [(f"m{n}", "bob", f"{n} {long}") for n in range(1, 5)])
    chat(rig, [("m5", "alice", long), ("m6", "bob", f"6 {long}"), ("m7", "bob", f"7 {long}")])
    item = await queue(rig).add(item_about("m5"), headline="Review needed: alice " + long * 3)
    (posted,) = [a.action for a in rig.platform.applied]
    assert isinstance(posted, PostMessage)
    assert len(posted.content) <= CARD_LIMIT
    shown = [line.split()[1] for line in posted.content.splitlines() if line.startswith("  ")]
    assert "4" in shown and "6" in shown, "the nearest context stays"
    assert "1" not in shown, "the furthest goes first"
    assert posted.content.endswith("Open: nobody is on it yet.")
    assert len(item.evidence["context"]) == 5, "the item keeps all of it"


async def test_a_card_offers_no_sanction_the_platform_cannot_apply(rig: Rig) -> None:
    missing = {
        Capability.TIMEOUT.value,
        Capability.BAN.value,
        Capability.DELETE_MEMBER_MESSAGES.value,
    }
    platform = limited_platform(rig.clock, missing)
    place = build_place(platform)
    place.store(
        Message(
            ref=ref("m5"),
            channel=ref("general"),
            author=place.members["alice"].member,
            content="you people are something else",
            created_at=rig.clock.now(),
        )
    )
    limited = ReviewQueue(
        community=COMMUNITY,
        gateway=platform,
        store=rig.store,
        clock=rig.clock,
        staff_channel="mod-log",
    )
    await limited.add(item_about("m5"), headline="Review needed")
    (card,) = [a.action for a in platform.applied if isinstance(a.action, PostMessage)]
    assert [b.choice for b in card.buttons] == ["claim", "warn", "dismiss", "escalate"]


def test_a_display_name_written_as_a_masked_link_shows_where_it_leads_on_the_card() -> None:
    item = ReviewItem(
        id=1,
        status=ReviewStatus.OPEN,
        created_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        community=Ref("local", "acme"),
        source="report",
        reason="reported",
        evidence={"member": {"name": "[mod team](https://phish.example)", "cases": 0}},
    )
    text = card_text(item, "Open: nobody is on it yet.")
    assert "Member [mod team]\\(https://phish.example): 0 earlier case(s)" in text


def test_what_a_member_wrote_since_gives_way_oldest_first_and_the_card_keeps_its_status() -> None:
    later = [
        {"author": "alice", "text": f"line {n} " + "x" * 290, "where": "#general"} for n in range(8)
    ]
    item = ReviewItem(
        id=1,
        status=ReviewStatus.OPEN,
        created_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        community=Ref("local", "acme"),
        source="rule",
        reason="at risk",
        evidence={
            "headline": "Someone may be at risk: " + "h" * 400,
            "original": "I want to die " + "y" * 300,
            "author": "alice",
            "later": later,
        },
    )
    lines = card_text(item, "Claimed by mona.").splitlines()
    assert len("\n".join(lines)) <= CARD_LIMIT
    assert lines[-1] == "Claimed by mona.", "where the item stands is never cut"
    assert lines[2].startswith("> alice: I want to die")
    hidden = int(lines[3].removeprefix("> (").split()[0])
    shown = lines[4:-1]
    assert hidden + len(shown) == 8 and hidden > 3, "the oldest give way"
    assert shown[-1].startswith("> alice, later in #general: line 7 ")
