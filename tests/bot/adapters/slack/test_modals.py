"""A review card's Warn asks why in a modal first, through bolt against the stand-in."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.render import action_id, question_of, target_of
from bot.core.actions import Button
from bot.core.refs import Ref
from bot.standins.slack import SlackStandin, payloads
from moderation.cases import Case
from moderation.store import store_for
from tests.bot.adapters.slack._reports import click, dm_texts, report_alices_message
from tests.bot.adapters.slack.conftest import ALICE, MONA, TEAM, Start, Steward


def test_a_question_travels_in_the_action_id_within_slacks_255() -> None:
    asking = Button(target="review:7", choice="warn", label="Warn", asks_reason="Why warn?")
    assert action_id(asking) == "review:7#warn#?Why warn?"
    assert (target_of(action_id(asking)), question_of(action_id(asking))) == (
        "review:7",
        "Why warn?",
    )
    plain = Button(target="review:7", choice="remove", label="Remove")
    assert question_of(action_id(plain)) == ""
    long_target = Button(target="x" * 250, choice="ban", label="Ban", asks_reason="Why ban?")
    assert question_of(action_id(long_target)) == "", "no room left: asks nothing"


async def answer(standin: SlackStandin, user: str, reason: str) -> dict[str, Any]:
    """Wait for the modal a click opened and submit it; return the modal."""
    opened = await standin.wait_for_call(
        "views.open", lambda c: c.args["view"]["callback_id"] == "steward_click"
    )
    view: dict[str, Any] = opened.args["view"]
    submission = payloads.view_submission(
        standin.workspace,
        user,
        "steward_click",
        {"reason": reason},
        private_metadata=view["private_metadata"],
    )
    assert (await standin.send_interaction(submission)).status == 200
    return view


async def cases_of_alice(steward: Steward) -> list[Case]:
    return await store_for(steward.app.storage).cases.for_member(
        Ref("slack", TEAM), Ref("slack", ALICE)
    )


async def test_a_warn_asks_why_and_the_answer_reaches_the_case_and_the_notice(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    _, card = await report_alices_message(standin, steward)
    await click(standin, MONA, card, "warn")
    view = await answer(standin, MONA, "selling followers to the whole channel")
    await steward.settle()
    closed = await standin.wait_for_call("chat.update", lambda c: c.args["ts"] == card.ts)
    cases = await cases_of_alice(steward)
    assert view["title"]["text"] == "Warn"
    (block,) = view["blocks"]
    assert block["label"]["text"] == "Why warn this member?" and block["optional"] is True
    (case,) = [c for c in cases if c.actor == f"slack:{MONA}"]
    assert case.reason == "selling followers to the whole channel"
    assert any("selling followers to the whole channel" in text for text in dm_texts(standin))
    assert "Decided by mona: warned" in str(closed.args["blocks"])
    assert not [b for b in closed.args["blocks"] if b["type"] == "actions"], "no buttons left"


async def test_an_empty_answer_gives_the_reports_reason(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    _, card = await report_alices_message(standin, steward)
    (item,) = await store_for(steward.app.storage).reviews.open_items(Ref("slack", TEAM))
    await click(standin, MONA, card, "warn")
    await answer(standin, MONA, "")
    await steward.settle()
    (case,) = [c for c in await cases_of_alice(steward) if c.actor == f"slack:{MONA}"]
    assert case.reason == item.reason


async def test_a_members_click_is_refused_without_a_modal(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    _, card = await report_alices_message(standin, steward)
    opened = len(standin.calls_to("views.open"))
    await click(standin, ALICE, card, "warn")
    await steward.settle()
    refusal = await standin.wait_for_call("response_url")
    (item,) = await store_for(steward.app.storage).reviews.open_items(Ref("slack", TEAM))
    assert len(standin.calls_to("views.open")) == opened, "no modal for a member"
    assert refusal.args["text"] == "Only moderators can act on review cards."
    assert item.waiting
