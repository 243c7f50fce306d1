"""Moderation repositories on a real SQLite file: cases, appeals, queue, schedule, examples."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.refs import Ref
from moderation.cases import (
    ActionStatus,
    AppealStatus,
    CaseAction,
    CaseStatus,
    NewCase,
    NewReviewItem,
    ReviewOutcome,
    ReviewStatus,
)
from moderation.examples import ExampleSource, LabelCount, LabelledExample
from moderation.repositories import Backlog
from moderation.sqlite import EVIDENCE_LIST_KEPT
from policies.list_edits import ListEdit
from tests.moderation.conftest import COMMUNITY, START, Rig

ALICE = Ref("local", "alice")
OTHER = Ref("local", "elsewhere")


def new_case(
    points: int = 1, *, member: Ref = ALICE, community: Ref = COMMUNITY.ref, days: float = 30
) -> NewCase:
    return NewCase(
        community=community,
        member=member,
        member_name=member.id,
        rule="profanity",
        severity="medium",
        reason="swearing",
        points=points,
        expires_at=START + timedelta(days=days),
        evidence={"original": "f.u.c.k", "matched": ["fuck*"]},
        actions=(
            CaseAction(position=0, kind="delete_message", payload={"kind": "delete_message"}),
        ),
    )


async def test_cases_are_numbered_per_community(rig: Rig) -> None:
    first = await rig.store.cases.open(new_case(), START)
    second = await rig.store.cases.open(new_case(), START)
    elsewhere = await rig.store.cases.open(new_case(community=OTHER), START)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.label == "#1"
    assert first.actions[0].status is ActionStatus.PENDING
    assert first.evidence["matched"] == ["fuck*"]


async def test_active_points_count_only_unexpired_active_cases(rig: Rig) -> None:
    await rig.store.cases.open(new_case(1, days=10), START)
    await rig.store.cases.open(new_case(2, days=40), START)
    pardoned = await rig.store.cases.open(new_case(5), START)
    await rig.store.cases.set_status(pardoned.id, CaseStatus.PARDONED)
    assert await rig.store.cases.active_points(COMMUNITY.ref, ALICE, START) == 3
    later = START + timedelta(days=20)
    assert await rig.store.cases.active_points(COMMUNITY.ref, ALICE, later) == 2
    case = await rig.store.cases.get(COMMUNITY.ref, 1)
    assert case is not None
    assert case.status_at(later) is CaseStatus.EXPIRED
    assert case.status_at(START) is CaseStatus.ACTIVE


async def test_two_escalations_at_once_see_each_others_points(rig: Rig) -> None:
    seen: list[int] = []

    def build(points_before: int) -> NewCase:
        seen.append(points_before)
        return new_case(1)

    await asyncio.gather(
        *(rig.store.cases.open_escalating(ALICE, COMMUNITY.ref, START, build) for _ in range(8))
    )
    assert sorted(seen) == list(range(8))
    assert await rig.store.cases.active_points(COMMUNITY.ref, ALICE, START) == 8


async def test_notes_are_appended_never_overwritten(rig: Rig) -> None:
    case = await rig.store.cases.open(new_case(), START)
    await rig.store.cases.add_note(case.id, "mod1", "first look", START)
    await rig.store.cases.add_note(case.id, "mod2", "agreed", START + timedelta(minutes=1))
    found = await rig.store.cases.by_id(case.id)
    assert found is not None
    assert [(n.author, n.text) for n in found.notes] == [("mod1", "first look"), ("mod2", "agreed")]


async def test_a_case_survives_a_restart(rig: Rig) -> None:
    case = await rig.store.cases.open(new_case(), START)
    await rig.store.cases.record_action(case.id, 0, ActionStatus.APPLIED, "", START)
    await rig.reopen()
    found = await rig.store.cases.get(COMMUNITY.ref, case.number)
    assert found is not None
    assert found.reason == "swearing"
    assert found.actions[0].status is ActionStatus.APPLIED
    assert found.actions[0].attempts == 1


async def test_pending_actions_are_found_after_a_restart(rig: Rig) -> None:
    case = await rig.store.cases.open(new_case(), START)
    await rig.reopen()
    pending = await rig.store.cases.pending_actions(START + timedelta(minutes=5))
    assert [(c.id, position) for c, position in pending] == [(case.id, 0)]
    assert await rig.store.cases.pending_actions(START) == []


async def test_one_open_appeal_per_case(rig: Rig) -> None:
    case = await rig.store.cases.open(new_case(), START)
    appeal = await rig.store.appeals.open(case.id, ALICE, "it was a quote", START)
    with pytest.raises(ValueError, match="already has an open appeal"):
        await rig.store.appeals.open(case.id, ALICE, "again", START)
    decided = await rig.store.appeals.decide(
        appeal.id, AppealStatus.OVERTURNED, "local:mod2", "fair point", START
    )
    assert decided.status is AppealStatus.OVERTURNED
    assert decided.decided_by == "local:mod2"
    with pytest.raises(ValueError, match="not open"):
        await rig.store.appeals.decide(appeal.id, AppealStatus.UPHELD, "local:mod3", "", START)
    await rig.store.appeals.open(case.id, ALICE, "new evidence", START)
    assert len(await rig.store.appeals.for_case(case.id)) == 2


async def test_review_queue_orders_by_priority_then_age(rig: Rig) -> None:
    low = await rig.store.reviews.add(
        NewReviewItem(community=COMMUNITY.ref, source="rule", reason="low", priority=0), START
    )
    high = await rig.store.reviews.add(
        NewReviewItem(community=COMMUNITY.ref, source="rule", reason="high", priority=3), START
    )
    await rig.store.reviews.add(
        NewReviewItem(community=OTHER, source="rule", reason="other", priority=9), START
    )
    await rig.reopen()
    assert [i.id for i in await rig.store.reviews.open_items(COMMUNITY.ref)] == [high.id, low.id]
    await rig.store.reviews.set_status(high.id, ReviewStatus.DECIDED)
    assert [i.reason for i in await rig.store.reviews.open_items(COMMUNITY.ref)] == ["low"]


async def test_the_backlog_counts_what_waits_and_since_when(rig: Rig) -> None:
    assert await rig.store.reviews.backlog(COMMUNITY.ref) == Backlog(
        waiting=0, claimed=0, oldest=None
    )
    items = [
        await rig.store.reviews.add(
            NewReviewItem(community=COMMUNITY.ref, source="rule", reason=f"r{i}"),
            START + timedelta(minutes=i),
        )
        for i in range(3)
    ]
    await rig.store.reviews.add(
        NewReviewItem(community=OTHER, source="rule", reason="elsewhere"), START - timedelta(days=1)
    )
    await rig.store.reviews.claim(items[2].id, "local:mod1", START + timedelta(minutes=5))
    await rig.store.reviews.set_status(items[0].id, ReviewStatus.DECIDED)
    await rig.reopen()
    assert await rig.store.reviews.backlog(COMMUNITY.ref) == Backlog(
        waiting=2, claimed=1, oldest=START + timedelta(minutes=1)
    )


async def test_schedule_due_cancel_and_restart(rig: Rig) -> None:
    payload = {"kind": "unban", "member": "local:alice"}
    await rig.store.schedule.add(COMMUNITY.ref, payload, START + timedelta(days=7), None)
    second = await rig.store.schedule.add(
        COMMUNITY.ref, {"kind": "unban", "member": "local:bob"}, START + timedelta(days=1), None
    )
    await rig.reopen()
    assert await rig.store.schedule.next_due(COMMUNITY.ref) == START + timedelta(days=1)
    assert [
        d.id for d in await rig.store.schedule.due(COMMUNITY.ref, START + timedelta(days=2))
    ] == [second]
    assert await rig.store.schedule.cancel(COMMUNITY.ref, "unban", "local:alice") == 1
    await rig.store.schedule.done(second)
    assert await rig.store.schedule.due(COMMUNITY.ref, START + timedelta(days=30)) == []


async def test_a_rescheduled_action_replaces_the_pending_one_or_goes(rig: Rig) -> None:
    payload = {"kind": "unban", "member": "local:alice"}
    await rig.store.schedule.add(COMMUNITY.ref, payload, START + timedelta(days=1), None)
    later = START + timedelta(days=3)
    await rig.store.schedule.reschedule(
        COMMUNITY.ref, "unban", "local:alice", payload=payload, due_at=later, case_id=None
    )
    await rig.reopen()
    (due,) = await rig.store.schedule.due(COMMUNITY.ref, START + timedelta(days=30))
    assert (due.due_at, dict(due.payload)) == (later, payload)
    await rig.store.schedule.reschedule(
        COMMUNITY.ref, "unban", "local:alice", payload=None, due_at=later, case_id=None
    )
    assert await rig.store.schedule.next_due(COMMUNITY.ref) is None


async def test_shadowed_rules_persist(rig: Rig) -> None:
    await rig.store.shadows.set(COMMUNITY.ref, "caps", True, "local:mod1", START)
    await rig.reopen()
    assert await rig.store.shadows.shadowed(COMMUNITY.ref) == frozenset({"caps"})
    await rig.store.shadows.set(COMMUNITY.ref, "caps", False, "local:mod1", START)
    assert await rig.store.shadows.shadowed(COMMUNITY.ref) == frozenset()


async def test_list_edits_persist_one_row_an_entry_its_latest_edit(rig: Rig) -> None:
    lists = rig.store.list_edits
    added = ListEdit("insults", "words.en", "Lampbreaker*", added=True)
    await lists.record(COMMUNITY.ref, added, "local:mod1", START)
    await lists.record(COMMUNITY.ref, ListEdit("spam-links", "deny", "x.example", True), "a", START)
    # The same entry in another case is the same entry: its latest edit replaces the first.
    taken_out = ListEdit("insults", "words.en", "lampbreaker*", added=False)
    await lists.record(COMMUNITY.ref, taken_out, "local:mod2", START + timedelta(minutes=1))
    await rig.reopen()
    kept = await rig.store.list_edits.edits(COMMUNITY.ref)
    assert [(r.edit, r.actor) for r in kept] == [
        (ListEdit("spam-links", "deny", "x.example", True), "a"),
        (taken_out, "local:mod2"),
    ]
    assert kept[1].at == START + timedelta(minutes=1)
    await rig.store.list_edits.drop(COMMUNITY.ref, "insults", "words.en", "LAMPBREAKER* ")
    assert [r.edit.rule for r in await rig.store.list_edits.edits(COMMUNITY.ref)] == ["spam-links"]
    assert await rig.store.list_edits.edits(Ref("local", "elsewhere")) == []


def example(
    text: str,
    *,
    violation: bool = True,
    label: str = "abuse",
    community: Ref = COMMUNITY.ref,
    minutes: int = 0,
    review_item_id: int | None = None,
) -> LabelledExample:
    return LabelledExample(
        community=community,
        text=text,
        label=label,
        violation=violation,
        source=ExampleSource.REVIEW,
        decided_by="local:mod1",
        at=START + timedelta(minutes=minutes),
        rule="abuse-model",
        review_item_id=review_item_id,
        language="en",
    )


async def test_labelled_examples_survive_a_restart_by_community_and_time(rig: Rig) -> None:
    case = await rig.store.cases.open(new_case(), START)
    first = LabelledExample(
        community=COMMUNITY.ref,
        text="you people are something else",
        label="abuse",
        violation=False,
        source=ExampleSource.APPEAL,
        decided_by="local:mod2",
        at=START,
        rule="abuse-model",
        case_id=case.id,
        language="en",
    )
    await rig.store.examples.add(first)
    await rig.store.examples.add(example("buy followers now", label="spam", minutes=10))
    await rig.store.examples.add(example("elsewhere", community=OTHER, minutes=5))
    bare = LabelledExample(
        community=COMMUNITY.ref,
        text="what the heck",
        label="profanity",
        violation=True,
        source=ExampleSource.REVIEW,
        decided_by="local:mod1",
        at=START + timedelta(minutes=20),
    )
    await rig.store.examples.add(bare)
    await rig.reopen()
    ours = await rig.store.examples.recorded(COMMUNITY.ref)
    assert ours[0] == first
    assert ours[2] == bare
    assert [e.text for e in ours] == [
        "you people are something else",
        "buy followers now",
        "what the heck",
    ]
    assert [e.text for e in await rig.store.examples.recorded()] == [
        "you people are something else",
        "elsewhere",
        "buy followers now",
        "what the heck",
    ]
    since = await rig.store.examples.recorded(since=START + timedelta(minutes=5))
    assert [e.text for e in since] == ["elsewhere", "buy followers now", "what the heck"]
    assert await rig.store.examples.count_by_label(COMMUNITY.ref) == {
        "abuse": LabelCount(violations=0, allowed=1),
        "profanity": LabelCount(violations=1, allowed=0),
        "spam": LabelCount(violations=1, allowed=0),
    }
    everywhere = await rig.store.examples.count_by_label()
    assert everywhere["abuse"] == LabelCount(violations=1, allowed=1)
    assert everywhere["abuse"].total == 2


async def test_a_review_item_is_decided_once_even_by_racing_moderators(rig: Rig) -> None:
    item = await rig.store.reviews.add(
        NewReviewItem(
            community=COMMUNITY.ref,
            source="rule",
            reason="uncertain abuse score",
            evidence={"original": "you people are something else"},
        ),
        START,
    )
    later = START + timedelta(minutes=3)

    async def decide(moderator: str, outcome: ReviewOutcome) -> str:
        try:
            await rig.store.reviews.decide(
                item.id,
                outcome,
                moderator,
                f"by {moderator}",
                later,
                example=example(
                    "you people are something else",
                    violation=outcome is ReviewOutcome.VIOLATION,
                    review_item_id=item.id,
                ),
            )
        except ValueError as error:
            return str(error)
        return "decided"

    results = await asyncio.gather(
        decide("local:mod1", ReviewOutcome.VIOLATION), decide("local:mod2", ReviewOutcome.OK)
    )
    assert sorted(results) == ["decided", f"review item {item.id} is not open"]
    await rig.reopen()
    decided = await rig.store.reviews.get(item.id)
    assert decided is not None
    assert decided.status is ReviewStatus.DECIDED
    assert decided.decided_at == later
    winner = decided.decided_by
    assert winner in {"local:mod1", "local:mod2"}
    assert decided.note == f"by {winner}"
    (stored,) = await rig.store.examples.recorded(COMMUNITY.ref)
    assert stored.violation is (decided.outcome is ReviewOutcome.VIOLATION)
    assert stored.review_item_id == item.id
    assert await rig.store.reviews.open_items(COMMUNITY.ref) == []
    with pytest.raises(ValueError, match="not open"):
        await rig.store.reviews.decide(item.id, ReviewOutcome.OK, "local:mod3", "", later)
    with pytest.raises(ValueError, match="not open"):
        await rig.store.reviews.decide(item.id + 100, ReviewOutcome.OK, "local:mod3", "", later)
    assert len(await rig.store.examples.recorded()) == 1


async def test_review_items_are_found_by_id_and_by_case(rig: Rig) -> None:
    case = await rig.store.cases.open(new_case(), START)
    first = await rig.store.reviews.add(
        NewReviewItem(community=COMMUNITY.ref, source="rule", reason="look", case_id=case.id),
        START,
    )
    second = await rig.store.reviews.add(
        NewReviewItem(community=COMMUNITY.ref, source="appeal", reason="appeal", case_id=case.id),
        START,
    )
    await rig.store.reviews.add(
        NewReviewItem(community=COMMUNITY.ref, source="rule", reason="unrelated"), START
    )
    assert [i.id for i in await rig.store.reviews.for_case(case.id)] == [first.id, second.id]
    found = await rig.store.reviews.get(second.id)
    assert found is not None
    assert (found.source, found.status, found.outcome, found.decided_by) == (
        "appeal",
        ReviewStatus.OPEN,
        None,
        None,
    )
    assert await rig.store.reviews.get(second.id + 100) is None


async def test_what_came_later_is_appended_to_an_item_and_its_card_line_kept(rig: Rig) -> None:
    item = await rig.store.reviews.add(
        NewReviewItem(
            community=COMMUNITY.ref, source="rule", reason="look", evidence={"original": "hi"}
        ),
        START,
    )
    await rig.store.reviews.set_card_status(item.id, "Claimed by mona.")
    await rig.store.reviews.append_evidence(item.id, "later", {"text": "one"})
    updated = await rig.store.reviews.append_evidence(item.id, "later", {"text": "two"})
    assert updated.evidence == {"original": "hi", "later": [{"text": "one"}, {"text": "two"}]}
    assert updated.card_status == "Claimed by mona."
    with pytest.raises(ValueError, match="no review item"):
        await rig.store.reviews.append_evidence(item.id + 100, "later", {"text": "three"})
    for n in range(EVIDENCE_LIST_KEPT):
        kept = await rig.store.reviews.append_evidence(item.id, "later", {"text": str(n)})
    later = kept.evidence["later"]
    assert len(later) == EVIDENCE_LIST_KEPT and later[-1] == {"text": str(EVIDENCE_LIST_KEPT - 1)}
    with pytest.raises(ValueError, match="not a plain name"):
        await rig.store.reviews.append_evidence(item.id, "later') --", "x")


async def test_actions_appended_to_a_case_follow_its_own(rig: Rig) -> None:
    case = await rig.store.cases.open(new_case(), START)
    later = CaseAction(position=0, kind="post_message", payload={"kind": "post_message"})
    handed = CaseAction(
        position=0,
        kind="timeout",
        payload={"kind": "timeout"},
        status=ActionStatus.HANDED_OFF,
        error="the platform cannot timeout here",
    )
    appended = await rig.store.cases.append_actions(case.id, [later, handed], START)
    await rig.reopen()
    stored = await rig.store.cases.by_id(case.id)
    assert stored == appended
    assert [(a.position, a.kind, a.status) for a in stored.actions] == [
        (0, "delete_message", ActionStatus.PENDING),
        (1, "post_message", ActionStatus.PENDING),
        (2, "timeout", ActionStatus.HANDED_OFF),
    ]
    with pytest.raises(ValueError, match="no case"):
        await rig.store.cases.append_actions(case.id + 100, [later], START)
