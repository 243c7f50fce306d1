"""Review cards ask why in a form (a modal) before Timeout, Ban or Warn, through discord.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.adapters.discord.translate import button_of, custom_id, form_id, ref
from bot.standins.discord import DiscordStandin, Member
from bot.standins.discord._model import StoredMessage
from moderation.store import store_for
from tests.bot.adapters.discord.conftest import (
    CALLBACK,
    ORIGINAL,
    Lumen,
    Running,
    Start,
    cases_of,
)
from tests.bot.adapters.discord.test_commands import report

REPORTED = "buy my lamps cheap"


def test_a_question_travels_in_the_custom_id_within_discords_100() -> None:
    asking = custom_id("review:42", "timeout", "Why time this member out?")
    assert button_of(asking) == ("review:42", "timeout", "Why time this member out?")
    assert button_of(custom_id("review:42", "remove")) == ("review:42", "remove", "")
    assert button_of("not-ours") == ("not-ours", "", "")
    long_target = "x" * 90
    cut = custom_id(long_target, "ban", "Why ban this member?")
    assert len(cut) == 100 and button_of(cut)[:2] == (long_target, "ban")
    assert custom_id("y" * 97, "ban", "Why?") == "y" * 97 + "|ban", "no room: asks nothing"
    assert form_id("y" * 97, "ban") is None


@asynccontextmanager
async def reviewing(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> AsyncIterator[tuple[Running, StoredMessage]]:
    """Start Steward once Bob has posted; Alice reports the post; yield Steward and its card."""
    posted = await standin.post_message(lumen.general, lumen.bob, REPORTED)
    async with start() as steward:
        await report(standin, lumen, posted.id)
        await standin.wait_for_request("POST", f"/channels/{lumen.modlog.id}/messages")
        await steward.settle()
        (card,) = [m for m in lumen.modlog.messages.values() if m.components]
        yield steward, card


def button(card: StoredMessage, choice: str) -> dict[str, Any]:
    """Return the card's button whose custom id carries ``choice``."""
    return next(b for b in _all(card) if button_of(b["custom_id"])[1] == choice)


async def click_and_answer(
    standin: DiscordStandin, card: StoredMessage, member: Member, choice: str, reason: str
) -> dict[str, Any]:
    """Click a card's button, wait for the form it opens, submit it; return the form."""
    clicked = await standin.click(card, member, button(card, choice)["custom_id"])
    await standin.wait_for_request(
        "POST", CALLBACK, where=lambda r: r.path.startswith(f"/interactions/{clicked}/")
    )
    form = standin.form_of(clicked)
    assert form is not None, "the click was answered with a form"
    await standin.submit_form(clicked, member, {"reason": reason})
    return form


async def test_a_moderator_hears_when_the_warned_member_accepts_no_direct_messages(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # A warning is its notice: one that reached no one warns no one.
    lumen.bob.user.dms_open = False
    async with reviewing(standin, lumen, start) as (steward, card):
        clicked = await standin.click(card, lumen.mona, button(card, "warn")["custom_id"])
        await standin.wait_for_request(
            "POST", CALLBACK, where=lambda r: r.path.startswith(f"/interactions/{clicked}/")
        )
        submitted = await standin.submit_form(clicked, lumen.mona, {"reason": "selling here"})
        answer = await standin.wait_for_request(
            "POST", "/webhooks/{app_id}/{token}", where=lambda r: f"token-{submitted}" in r.path
        )
        await steward.settle()
        cases = await cases_of(steward, lumen, lumen.bob)
    (warned,) = [c for c in cases if c.actor == f"discord:{lumen.mona.user.id}"]
    assert answer.json["content"].endswith(
        f"Case {warned.label} opened. Not told: Discord delivers no direct message to this "
        "member (50007: they share no server with Steward, or refuse its direct messages); "
        "nothing was delivered."
    )


async def test_review_decide_says_when_the_member_was_not_told_of_the_removal(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    lumen.bob.user.dms_open = False
    async with reviewing(standin, lumen, start) as (steward, _):
        (item,) = await store_for(steward.storage).reviews.open_items(ref(lumen.guild.id))
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            lumen.mona,
            "review decide",
            {"item": item.id, "decision": "violation"},
        )
        answer = await standin.wait_for_request(
            "PATCH", ORIGINAL, where=lambda r: "Review item" in r.json["content"]
        )
        await steward.settle()
    assert answer.json["content"].endswith(
        "the message is removed. Not told: Discord delivers no direct message to this member "
        "(50007: they share no server with Steward, or refuse its direct messages); nothing "
        "was delivered."
    )


async def test_the_review_list_names_a_reported_member_not_their_id(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with reviewing(standin, lumen, start) as (steward, _):
        await standin.run_command(lumen.guild, lumen.modlog, lumen.mona, "review list", {})
        listing = await standin.wait_for_request("PATCH", ORIGINAL, count=2)
        await steward.settle()
    assert listing.json["content"].splitlines()[1].startswith("1. [p")
    assert "] bob - reported by alice" in listing.json["content"]


async def test_a_second_decision_names_the_first_moderator_not_their_id(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    max_ = standin.add_member(lumen.guild, "max", roles=[lumen.moderators])
    async with reviewing(standin, lumen, start) as (steward, _):
        for count, moderator in enumerate((lumen.mona, max_), start=2):
            await standin.run_command(
                lumen.guild,
                lumen.modlog,
                moderator,
                "review decide",
                {"item": 1, "decision": "ok"},
            )
            answer = await standin.wait_for_request("PATCH", ORIGINAL, count=count)
        await steward.settle()
    assert answer.json["content"] == "review item 1 is decided already (ok, by mona)"


async def test_a_timeout_asks_why_and_the_answer_reaches_the_audit_log_case_and_notice(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with reviewing(standin, lumen, start) as (steward, card):
        offered = [button_of(b["custom_id"]) for b in _all(card)]
        form = await click_and_answer(
            standin, card, lumen.mona, "timeout", "  sharing a home address  "
        )
        timeout = await standin.wait_for_request(
            "PATCH", f"/guilds/{lumen.guild.id}/members/{lumen.bob.user.id}"
        )
        edited = await standin.wait_for_request(
            "PATCH", f"/channels/{lumen.modlog.id}/messages/{card.id}"
        )
        await steward.settle()
        cases = await cases_of(steward, lumen, lumen.bob)
        notices = [m.content for m in standin.world.dm_channel(lumen.bob.user).messages.values()]
    asks = {choice: question for _, choice, question in offered}
    assert asks["timeout"] == "Why time this member out?" and asks["ban"] and asks["warn"]
    assert not asks["remove"] and not asks["claim"] and not asks["dismiss"]
    assert form["title"] == "Why time this member out?"
    assert form["custom_id"] == f"reason|{offered[0][0]}|timeout"
    assert timeout.json["communication_disabled_until"] is not None
    assert timeout.reason is not None and timeout.reason.startswith("sharing a home address")
    (case,) = [c for c in cases if c.actor == f"discord:{lumen.mona.user.id}"]
    assert case.reason == "sharing a home address"
    assert any("sharing a home address" in n for n in notices), "the notice gives the reason"
    assert "Decided by mona: timed out" in edited.json["content"]
    assert not edited.json.get("components"), "a decided card has no buttons left"


async def test_an_empty_answer_gives_the_reports_reason(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with reviewing(standin, lumen, start) as (steward, card):
        (item,) = await store_for(steward.storage).reviews.open_items(ref(lumen.guild.id))
        await click_and_answer(standin, card, lumen.mona, "ban", "   ")
        ban = await standin.wait_for_request(
            "PUT", f"/guilds/{lumen.guild.id}/bans/{lumen.bob.user.id}"
        )
        await steward.settle()
        cases = await cases_of(steward, lumen, lumen.bob)
    (case,) = [c for c in cases if c.actor == f"discord:{lumen.mona.user.id}"]
    assert case.reason == item.reason
    assert ban.reason is not None and ban.reason.startswith(item.reason)


async def test_a_members_click_is_refused_without_a_form(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with reviewing(standin, lumen, start) as (steward, card):
        clicked = await standin.click(card, lumen.alice, button(card, "timeout")["custom_id"])
        answer = await standin.wait_for_request(
            "POST", "/webhooks/{app_id}/{token}", where=lambda r: f"token-{clicked}" in r.path
        )
        await steward.settle()
        (item,) = await store_for(steward.storage).reviews.open_items(ref(lumen.guild.id))
    assert standin.form_of(clicked) is None
    assert answer.json["content"] == "Only moderators can act on review cards."
    assert item.waiting
    assert not standin.requests_to("PATCH", f"/guilds/{lumen.guild.id}/members/{lumen.bob.user.id}")


def _all(card: StoredMessage) -> list[dict[str, Any]]:
    return [c for row in card.components for c in row["components"]]
