"""The moderation tables' share of a member's data, on a real SQLite file."""

from __future__ import annotations

from bot.core.refs import Ref
from moderation.cases import ActionStatus, CaseAction, NewCase
from moderation.member_data import ModerationMemberData
from tests.moderation.conftest import COMMUNITY, START, Rig

BOB = Ref("local", "bob")


async def test_an_action_still_to_retry_is_not_sent_with_erased_words(rig: Rig) -> None:
    # A notice that failed once is retried later: after an erasure it would go out saying
    # "(erased)", or with the words that were to be forgotten.
    case = await rig.store.cases.open(
        NewCase(
            community=COMMUNITY.ref,
            member=BOB,
            member_name="bob",
            actor="local:mod1",
            reason="rude to staff",
            actions=(
                CaseAction(
                    position=0,
                    kind="post_message",
                    payload={"kind": "post_message", "content": "bob was rude", "reason": "alert"},
                ),
                CaseAction(position=1, kind="timeout", payload={"reason": "rude to staff"}),
            ),
        ),
        START,
    )
    await rig.store.cases.record_action(case.id, 1, ActionStatus.APPLIED, "", START)
    await ModerationMemberData(rig.storage.db).erase_member(COMMUNITY.ref, BOB)
    erased = await rig.store.cases.get(COMMUNITY.ref, case.number)
    assert erased is not None
    alert, timeout = erased.actions
    assert (alert.status, alert.error) == (
        ActionStatus.FAILED,
        "not retried: the member's data was erased",
    )
    assert alert.payload == {"kind": "post_message", "content": "(erased)", "reason": "alert"}
    # The moderator's reason, copied onto the action, goes with the case's.
    assert (timeout.status, timeout.payload) == (ActionStatus.APPLIED, {"reason": "(erased)"})
    assert await rig.store.cases.pending_actions(START.replace(year=2100)) == []


async def test_an_erasure_forgets_the_picture_a_case_kept(rig: Rig) -> None:
    # The avatar's hash identifies the member as well as a name does (ban evasion reads it).
    case = await rig.store.cases.open(
        NewCase(community=COMMUNITY.ref, member=BOB, member_name="bob", member_avatar="a1b2c3"),
        START,
    )
    data = ModerationMemberData(rig.storage.db)
    (exported,) = (await data.export_member(COMMUNITY.ref, BOB))["cases"]
    assert exported["member_avatar"] == "a1b2c3"
    await data.erase_member(COMMUNITY.ref, BOB)
    erased = await rig.store.cases.get(COMMUNITY.ref, case.number)
    assert erased is not None and (erased.member_name, erased.member_avatar) == ("", "")
