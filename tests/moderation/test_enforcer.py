"""The enforcer: the ladder, cases that match what happened, fallbacks, retries, recovery."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from bot.adapters.local.community import LocalCommunity, ref
from bot.adapters.local.gateway import LocalPlatform
from bot.core.actions import Action, ActionResult, DeleteMessage, PostMessage, Timeout
from bot.core.capabilities import Capabilities, Capability
from bot.core.models import Member, Message
from bot.core.serialize import action_to_data
from moderation.cases import ActionStatus, CaseAction, CaseStatus, NewCase
from policies.verdict import Match, Mode, Severity, Verdict
from tests.moderation.conftest import COMMUNITY, START, Rig, build_place, limited_platform


def member(rig: Rig, name: str) -> Member:
    return rig.place.members[name].member


def post(rig: Rig, name: str, ident: str, text: str, channel: str = "general") -> Message:
    message = Message(
        ref=ref(ident),
        channel=ref(channel),
        author=member(rig, name),
        content=text,
        created_at=rig.clock.now(),
    )
    rig.place.store(message)
    return message


def verdict(message: Message, *matches: Match) -> Verdict:
    return Verdict(
        community=COMMUNITY.ref,
        member=message.author.ref,
        message=message.ref,
        channel=message.channel,
        original=message.content,
        normalized=message.content.casefold(),
        matches=matches,
    )


def match(
    rule: str = "profanity",
    *,
    severity: Severity = Severity.MEDIUM,
    mode: Mode = Mode.ENFORCE,
    actions: tuple[str, ...] = ("delete", "escalate"),
) -> Match:
    return Match(
        rule=rule,
        type="keywords",
        severity=severity,
        mode=mode,
        reason="contains a listed word",
        matched=("fuck*",),
        actions=actions,
        expires_days=30,
        guideline={"en": "Keep it civil"},
    )


def kinds(rig: Rig) -> list[str]:
    return [a.action.kind for a in rig.platform.applied]


async def test_the_ladder_warns_then_times_out_then_longer(rig: Rig) -> None:
    enforcer = rig.enforcer()
    first = post(rig, "alice", "m1", "fuck this")
    (case1,) = await enforcer.enforce(verdict(first, match()), member(rig, "alice"))
    assert kinds(rig) == ["delete_message", "send_direct_message"]
    assert "m1" not in rig.place.messages
    notice = rig.platform.applied[-1].action
    assert "Keep it civil" in getattr(notice, "content", "")
    assert "/appeal #1" in getattr(notice, "content", "")
    assert "This is a warning." in getattr(notice, "content", "")
    assert "until 2026-04-01" in getattr(notice, "content", "")
    assert case1.points == 1
    rig.platform.applied.clear()
    (case2,) = await enforcer.enforce(
        verdict(post(rig, "alice", "m2", "fuck off"), match()), member(rig, "alice")
    )
    assert kinds(rig) == ["delete_message", "timeout", "send_direct_message"]
    timeout = rig.platform.applied[1].action
    assert isinstance(timeout, Timeout)
    assert timeout.duration == timedelta(hours=1)
    assert timeout.case == case2.label
    rig.platform.applied.clear()
    rig.place.members["alice"].timed_out_until = None
    await enforcer.enforce(
        verdict(post(rig, "alice", "m3", "fuck off"), match()), member(rig, "alice")
    )
    third = next(a.action for a in rig.platform.applied if isinstance(a.action, Timeout))
    assert third.duration == timedelta(days=1)
    stored = await rig.store.cases.get(COMMUNITY.ref, case1.number)
    assert stored is not None
    assert [a.status for a in stored.actions] == [ActionStatus.APPLIED]


async def test_notice_speaks_the_members_language(rig: Rig) -> None:
    await rig.enforcer().enforce(
        verdict(post(rig, "chloe", "m1", "putain de merde"), match()), member(rig, "chloe")
    )
    notice = rig.platform.applied[-1].action
    assert "Bonjour chloe" in getattr(notice, "content", "")
    assert "Ceci est un avertissement." in getattr(notice, "content", "")


def cannot_delete(rig: Rig, text: str) -> tuple[LocalPlatform, LocalCommunity, Message]:
    """Return a platform that cannot delete members' messages, its community, and alice's m1."""
    platform = limited_platform(rig.clock, {Capability.DELETE_MEMBER_MESSAGES.value})
    place = build_place(platform)
    message = Message(
        ref=ref("m1"),
        channel=ref("general"),
        author=place.members["alice"].member,
        content=text,
        created_at=START,
    )
    place.store(message)
    return platform, place, message


async def test_a_platform_that_cannot_delete_hands_the_case_to_moderators(rig: Rig) -> None:
    platform, place, message = cannot_delete(rig, "fuck")
    (case,) = await rig.enforcer(platform).enforce(
        verdict(message, match()), place.members["alice"].member
    )
    assert "m1" in place.messages, "the platform could not delete it"
    assert case.actions[0].status is ActionStatus.HANDED_OFF
    stored = await rig.store.cases.by_id(case.id)
    assert stored is not None
    assert any("handed to moderators" in n.text for n in stored.notes)
    (item,) = await rig.store.reviews.open_items(COMMUNITY.ref)
    assert item.source == "unsupported_action"
    assert item.case_id == case.id
    assert item.evidence["original"] == "fuck", "moderators see what they are asked to act on"
    staff = [a.action for a in platform.applied if a.action.kind == "post_message"]
    assert any("Please act on case #1" in getattr(p, "content", "") for p in staff)


class FailingFirst:
    """A gateway that fails the first attempt at each deletion, as a flaky network would."""

    def __init__(self, inner: LocalPlatform) -> None:
        self.inner = inner
        self.failed: set[str] = set()

    @property
    def platform(self) -> str:
        return self.inner.platform

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    async def apply(self, action: Action) -> ActionResult:
        if isinstance(action, DeleteMessage) and action.message.id not in self.failed:
            self.failed.add(action.message.id)
            return ActionResult.failed("502 Bad Gateway", retryable=True)
        return await self.inner.apply(action)

    async def fetch_member(self, community: object, member: object) -> Member | None:
        return None

    async def fetch_channel(self, community: object, channel: object) -> None:
        return None

    async def recent_messages(
        self, community: object, channel: object, *, limit: int
    ) -> list[Message]:
        return []


async def test_a_failed_action_stays_pending_and_is_retried(rig: Rig) -> None:
    enforcer = rig.enforcer(FailingFirst(rig.platform))
    (case,) = await enforcer.enforce(
        verdict(post(rig, "alice", "m1", "fuck"), match()), member(rig, "alice")
    )
    stored = await rig.store.cases.by_id(case.id)
    assert stored is not None
    assert stored.actions[0].status is ActionStatus.PENDING
    assert "m1" in rig.place.messages
    rig.clock.set(START + timedelta(minutes=2))
    assert await enforcer.retry_pending() == 1
    stored = await rig.store.cases.by_id(case.id)
    assert stored is not None
    assert stored.actions[0].status is ActionStatus.APPLIED
    assert stored.actions[0].attempts == 2
    assert "m1" not in rig.place.messages


async def test_actions_interrupted_by_a_crash_are_applied_after_restart(rig: Rig) -> None:
    message = post(rig, "alice", "m1", "fuck")
    delete = DeleteMessage(
        community=COMMUNITY.ref, channel=message.channel, message=message.ref, reason="profanity"
    )
    # The case was written, then the process died before the platform call.
    await rig.store.cases.open(
        NewCase(
            community=COMMUNITY.ref,
            member=message.author.ref,
            reason="profanity",
            points=1,
            actions=(
                CaseAction(position=0, kind="delete_message", payload=action_to_data(delete)),
            ),
        ),
        START,
    )
    await rig.reopen()
    rig.clock.set(START + timedelta(minutes=5))
    assert await rig.enforcer().retry_pending() == 1
    assert "m1" not in rig.place.messages
    assert kinds(rig) == ["delete_message"]
    assert rig.platform.applied[0].action.case == "#1"


async def test_tempban_is_lifted_when_due_even_after_restart(rig: Rig) -> None:
    m = match("slurs", severity=Severity.CRITICAL, actions=("delete", "ban:7d"))
    await rig.enforcer().enforce(verdict(post(rig, "bob", "m1", "slur"), m), member(rig, "bob"))
    assert rig.place.members["bob"].banned
    assert kinds(rig) == ["delete_message", "send_direct_message", "ban"], (
        "the notice goes out before the ban"
    )
    await rig.reopen()
    rig.clock.set(START + timedelta(days=7, seconds=1))
    assert await rig.enforcer().run_scheduled() == 1
    assert not rig.place.members["bob"].banned
    assert await rig.enforcer().run_scheduled() == 0


async def test_shadow_mode_records_and_does_nothing_visible(rig: Rig) -> None:
    (case,) = await rig.enforcer().enforce(
        verdict(post(rig, "alice", "m1", "LOUD"), match("caps", mode=Mode.SHADOW)),
        member(rig, "alice"),
    )
    assert rig.platform.applied == []
    assert case.status is CaseStatus.SHADOW
    # What "escalate" would have been for her: a moderator judging a trial reads a step.
    assert case.evidence["would_do"] == ["delete", "warn"]
    assert await rig.store.cases.active_points(COMMUNITY.ref, member(rig, "alice").ref, START) == 0
    await rig.enforcer().enforce(
        verdict(post(rig, "alice", "m2", "rude"), match("insults")), member(rig, "alice")
    )
    (again,) = await rig.enforcer().enforce(
        verdict(post(rig, "alice", "m3", "LOUD"), match("caps", mode=Mode.SHADOW)),
        member(rig, "alice"),
    )
    assert again.evidence["would_do"] == ["delete", "timeout:1h"]


async def test_review_mode_asks_moderators_and_does_not_punish(rig: Rig) -> None:
    (case,) = await rig.enforcer().enforce(
        verdict(post(rig, "alice", "m1", "hmm"), match(mode=Mode.REVIEW)), member(rig, "alice")
    )
    assert case.status is CaseStatus.REVIEW
    assert kinds(rig) == ["post_message"]
    assert "m1" in rig.place.messages
    (item,) = await rig.store.reviews.open_items(COMMUNITY.ref)
    assert item.case_id == case.id
    assert item.rule == "profanity"


async def test_a_confirmed_message_is_removed_as_one_more_action_of_its_case(rig: Rig) -> None:
    enforcer = rig.enforcer()
    (case,) = await enforcer.enforce(
        verdict(post(rig, "alice", "m1", "hmm"), match(mode=Mode.REVIEW)), member(rig, "alice")
    )
    rig.platform.applied.clear()
    removed = await enforcer.remove_confirmed(case, member(rig, "mod1"))
    assert "m1" not in rig.place.messages
    assert [(a.position, a.kind, a.status) for a in removed.actions] == [
        (0, "delete_message", ActionStatus.APPLIED),
    ], "the review card is the alert, not an action of the case"
    delete, notice = (a.action for a in rig.platform.applied)
    assert isinstance(delete, DeleteMessage)
    assert (delete.actor, delete.case) == ("local:mod1", case.label)
    assert "Your message in #general was removed." in getattr(notice, "content", "")
    assert "It breaks our guideline: Keep it civil" in getattr(notice, "content", "")
    await rig.reopen()
    stored = await rig.store.cases.by_id(case.id)
    assert stored == removed
    again = await rig.enforcer().remove_confirmed(stored, member(rig, "mod1"))
    assert again == stored, "a message is removed once"


async def test_a_confirmed_message_the_platform_cannot_remove_goes_to_moderators(
    rig: Rig,
) -> None:
    platform, place, message = cannot_delete(rig, "hmm")
    enforcer = rig.enforcer(platform)
    (case,) = await enforcer.enforce(
        verdict(message, match(mode=Mode.REVIEW)), place.members["alice"].member
    )
    removed = await enforcer.remove_confirmed(case, place.members["mod1"].member)
    assert "m1" in place.messages
    assert removed.actions[-1].status is ActionStatus.HANDED_OFF
    handed = [i for i in await rig.store.reviews.open_items(COMMUNITY.ref) if i.source != "rule"]
    assert [(i.source, i.evidence["action_position"]) for i in handed] == [
        ("unsupported_action", 0)
    ]


async def test_a_timeout_beyond_the_platform_limit_is_shortened(rig: Rig) -> None:
    capped = LocalPlatform(
        rig.clock, replace(Capabilities.everything(), max_timeout=timedelta(days=28))
    )
    place = build_place(capped)
    alice = place.members["alice"].member
    (case,) = await rig.enforcer(capped).enforce(
        Verdict(
            community=COMMUNITY.ref,
            member=alice.ref,
            message=None,
            channel=None,
            original="",
            normalized="",
            matches=(match(actions=("timeout:60d",)),),
        ),
        alice,
    )
    (applied,) = [a.action for a in capped.applied if isinstance(a.action, Timeout)]
    assert applied.duration == timedelta(days=28)
    assert case.actions[0].status is ActionStatus.APPLIED


async def test_two_handlers_escalating_one_member_at_once_stay_consistent(rig: Rig) -> None:
    enforcer = rig.enforcer()
    alice = member(rig, "alice")
    first, second = post(rig, "alice", "m1", "fuck"), post(rig, "alice", "m2", "fuck")
    results = await asyncio.gather(
        enforcer.enforce(verdict(first, match()), alice),
        enforcer.enforce(verdict(second, match()), alice),
    )
    cases = sorted((c for (c,) in results), key=lambda c: c.number)
    assert [c.points for c in cases] == [1, 1]
    assert await rig.store.cases.active_points(COMMUNITY.ref, alice.ref, START) == 2
    # One of them saw the other's point: exactly one warning and one timeout, never two of either.
    assert sorted(a.kind for c in cases for a in c.actions) == [
        "delete_message",
        "delete_message",
        "timeout",
    ]


async def test_a_message_that_cannot_be_deleted_is_flagged_in_its_thread_and_its_author_told(
    rig: Rig,
) -> None:
    platform, place, message = cannot_delete(rig, "fuck")
    await rig.enforcer(platform).enforce(verdict(message, match()), place.members["alice"].member)
    kinds = [a.action.kind for a in platform.applied]
    assert "open_thread" in kinds
    (flag,) = [
        a.action
        for a in platform.applied
        if isinstance(a.action, PostMessage) and a.action.thread is not None
    ]
    assert flag.channel == ref("general")
    assert "handed to the moderators (case #1)" in flag.content
    (notice,) = [a.action for a in platform.applied if a.action.kind == "send_direct_message"]
    text = getattr(notice, "content", "")
    assert "was handed to the moderators" in text
    assert "was removed" not in text, "the member is not told a message still up is gone"
