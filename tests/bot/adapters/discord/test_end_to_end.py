"""Steward through the real discord.py and the stand-in: the App, cogs and SQLite are real."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.discord.intents import MissingPrivilegedIntent
from bot.adapters.discord.translate import ref
from bot.core.actions import Button, PostMessage
from bot.core.events import ComponentClicked
from bot.core.refs import Ref
from bot.standins.discord import DiscordStandin
from moderation.store import store_for
from tests.bot.adapters.discord.conftest import (
    CALLBACK,
    MESSAGE,
    MESSAGES,
    ORIGINAL,
    Lumen,
    Start,
    cases_of,
    departed,
    notice_for,
)
from tests.conftest import listen


async def test_spam_is_deleted_with_an_audit_reason(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        spam = await standin.post_message(lumen.general, lumen.alice, "join discord.gg/cryptogainz")
        fine = await standin.post_message(lumen.general, lumen.bob, "the new lamp is lovely")
        deleted = await standin.wait_for_request(
            "DELETE", f"/channels/{lumen.general.id}/messages/{spam.id}"
        )
        await steward.settle()
    assert deleted.reason is not None and "case" in deleted.reason
    assert spam.id not in lumen.general.messages
    assert fine.id in lumen.general.messages


async def test_a_spammers_earlier_copies_go_with_the_copy_that_tripped_the_rule(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    support = standin.add_channel(lumen.guild, "support")
    spam = "buy cheap lamps at my shop today"
    async with start() as steward:
        first = await standin.post_message(lumen.general, lumen.alice, spam)
        second = await standin.post_message(support, lumen.alice, spam)
        third = await standin.post_message(support, lumen.alice, spam)
        fourth = await standin.post_message(lumen.general, lumen.alice, spam)
        await standin.wait_for_request(
            "DELETE", MESSAGE.format(channel_id=lumen.general.id, message_id=fourth.id)
        )
        bulk = await standin.wait_for_request(
            "POST", f"/channels/{support.id}/messages/bulk-delete"
        )
        await standin.wait_for_request(
            "DELETE", MESSAGE.format(channel_id=lumen.general.id, message_id=first.id)
        )
        await steward.settle()
    # Two in one channel go in one bulk delete, a lone one by itself.
    assert sorted(bulk.json["messages"]) == sorted([str(second.id), str(third.id)])
    assert bulk.reason is not None and "case #1" in bulk.reason
    assert not lumen.general.messages.keys() & {first.id, fourth.id}
    assert not support.messages.keys() & {second.id, third.id}


async def test_the_copies_before_a_copy_paste_raid_tripped_get_cards(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    text = "LUMEN LAMPS CAUSE FIRES!!! boycott now, share everywhere"
    async with start() as steward:
        newcomers = [await standin.join(lumen.guild, f"new{i}") for i in range(4)]
        posted = [await standin.post_message(lumen.general, m, text) for m in newcomers]
        await standin.wait_for_request(
            "DELETE", MESSAGE.format(channel_id=lumen.general.id, message_id=posted[-1].id)
        )
        await standin.wait_for_request(
            "POST",
            f"/channels/{lumen.modlog.id}/messages",
            where=lambda r: "copy-paste raid (case #1)" in str((r.json or {}).get("content")),
            count=3,
        )
        await steward.settle()
    headlines = [
        m.content.splitlines()[0]
        for m in lumen.modlog.messages.values()
        if "copy-paste raid (case #1)" in m.content
    ]
    assert headlines == [
        f"Review needed: new{i} in <#{lumen.general.id}> - the text of a copy-paste raid (case #1)"
        for i in range(3)
    ]
    assert all(p.id in lumen.general.messages for p in posted[:3]), "moderators decide them"


async def test_abuse_is_deleted_the_member_told_and_timed_out_with_a_case(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    member = f"/guilds/{lumen.guild.id}/members/{lumen.alice.user.id}"
    async with start() as steward:
        await standin.post_message(lumen.general, lumen.alice, "you are an idiot")
        await standin.wait_for_request("POST", "/users/@me/channels")
        second = await standin.post_message(lumen.general, lumen.alice, "what a moron you are")
        timeout = await standin.wait_for_request("PATCH", member)
        await standin.wait_for_request(
            "DELETE", f"/channels/{lumen.general.id}/messages/{second.id}"
        )
        await notice_for(standin, 2)
        await steward.settle()
        cases = await cases_of(steward, lumen, lumen.alice)
    assert timeout.json["communication_disabled_until"] is not None
    assert timeout.reason == "insults: contains a listed word: moron* (case #2)"
    assert lumen.alice.communication_disabled_until is not None
    (dm,) = standin.world.dm_channels.values()
    assert dm.recipient is lumen.alice.user
    warning, timed_out = [m.content for m in dm.messages.values()]
    assert "This is a warning" in warning and "This is a warning" not in timed_out
    # Discord registers /appeal beside /appeal decide as /appeal open: the notice says so.
    assert warning.endswith("appeal with /appeal open #1.")
    assert "You are timed out for 1 hour." in timed_out
    assert {c.rule for c in cases} == {"insults"} and len(cases) == 2
    assert "timeout" in {a.kind for a in cases[0].actions}


async def test_a_closed_dm_is_recorded_on_the_case_and_nothing_fails(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    carl = standin.add_member(lumen.guild, "carl", dms_open=False)
    async with start() as steward:
        spam = await standin.post_message(lumen.general, carl, "you are an idiot")
        await standin.wait_for_request("DELETE", f"/channels/{lumen.general.id}/messages/{spam.id}")
        await standin.wait_for_request(
            "POST", "/channels/{channel_id}/messages", where=lambda r: r.status == 403
        )
        await steward.settle()
        (case,) = await cases_of(steward, lumen, carl)
    assert any("delivers no direct message" in note.text for note in case.notes)
    # Staff who read "deleted carl's message" learn he was not told why.
    logged = [m.content for m in lumen.modlog.messages.values()]
    assert any(
        line.startswith("FAILED (Discord delivers no direct message to this member")
        and "): Steward sent carl their notice | reason: notice | rule insults | case #1" in line
        for line in logged
    ), logged


async def test_staff_learn_when_the_caring_reply_cannot_reach_someone_at_risk(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # With DMs closed, the caring reply failed silently: moderators read the usual alert
    # and could think Steward had already reached out.
    carl = standin.add_member(lumen.guild, "carl", dms_open=False)
    async with start() as steward:
        await standin.post_message(lumen.general, carl, "I want to kill myself tonight")
        await standin.wait_for_request(
            "POST",
            f"/channels/{lumen.modlog.id}/messages",
            where=lambda r: "did not reach" in str((r.json or {}).get("content")),
        )
        await steward.settle()
    told = [m.content for m in lumen.modlog.messages.values() if "did not reach" in m.content]
    assert told == [
        "Our caring reply did not reach carl (Discord delivers no direct message to this "
        "member (50007: they share no server with Steward, or refuse its direct messages); "
        "nothing was delivered): please reach out another way."
    ]


async def test_a_moderator_is_told_when_a_warning_reached_no_one(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    carl = standin.add_member(lumen.guild, "carl", dms_open=False)
    async with start() as steward:
        for answered, member in enumerate((carl, lumen.bob), start=1):
            await standin.run_command(
                lumen.guild,
                lumen.general,
                lumen.mona,
                "warn",
                {"member": member, "reason": "off-topic selling"},
            )
            await standin.wait_for_request("PATCH", ORIGINAL, count=answered)
        await steward.settle()
    answers = [r.json["content"] for r in standin.requests_to("PATCH", ORIGINAL)]
    assert answers == [
        "Warned carl (case #1). Not told: Discord delivers no direct message to this member "
        "(50007: they share no server with Steward, or refuse its direct messages); nothing "
        "was delivered.",
        "Warned bob (case #2).",
    ]


async def test_a_banned_member_shares_no_server_so_their_recorded_appeal_says_they_were_not_told(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    max_ = standin.add_member(lumen.guild, "max", roles=[lumen.moderators])
    async with start() as steward:
        await standin.run_command(
            lumen.guild, lumen.general, lumen.mona, "ban", {"member": lumen.bob, "reason": "scams"}
        )
        await standin.wait_for_request("PUT", f"/guilds/{lumen.guild.id}/bans/{lumen.bob.user.id}")
        await standin.wait_for_request("PATCH", ORIGINAL)
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            lumen.mona,
            "appeal record",
            {"case": 1, "reason": "my account was stolen (appeal form)"},
        )
        recorded = await standin.wait_for_request("PATCH", ORIGINAL, count=2)
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            max_,
            "appeal decide",
            {"case": 1, "outcome": "upheld"},
        )
        decided = await standin.wait_for_request("PATCH", ORIGINAL, count=3)
        await steward.settle()
        (case,) = await cases_of(steward, lumen, lumen.bob)
    dm = standin.world.dm_channel(lumen.bob.user)
    # The ban's notice went out while bob still shared the server; the receipt could not.
    assert [m.content.startswith("Hi bob") for m in dm.messages.values()] == [True]
    assert recorded.json["content"] == (
        "Recorded the appeal of case #1; decide it with /appeal decide. Not told: Discord "
        "delivers no direct message to this member (50007: they share no server with "
        "Steward, or refuse its direct messages); nothing was delivered."
    )
    assert decided.json["content"] == (
        "Appeal of case #1: upheld. Not told: Discord delivers no direct message to this "
        "member (50007: they share no server with Steward, or refuse its direct messages); "
        "nothing was delivered."
    )
    undelivered = (
        "the member could not be notified: Discord delivers no direct message to this member "
        "(50007: they share no server with Steward, or refuse its direct messages); nothing "
        "was delivered"
    )
    assert [n.text for n in case.notes if n.author == "bot"] == [undelivered, undelivered]


async def test_a_banned_members_history_is_still_asked_for_by_the_user_picker(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # Deciding a banned member's appeal starts from their record: Discord's user option
    # names them by id though they are no member any more.
    async with start() as steward:
        await standin.run_command(
            lumen.guild, lumen.general, lumen.mona, "ban", {"member": lumen.bob, "reason": "scams"}
        )
        await standin.wait_for_request("PATCH", ORIGINAL)
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "history", {"member": lumen.bob}
        )
        record = await standin.wait_for_request("PATCH", ORIGINAL, count=2)
        # A banned member is no member: the moderator pastes their id.
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "unban", {"member": str(lumen.bob.user.id)}
        )
        unbanned = await standin.wait_for_request("PATCH", ORIGINAL, count=3)
        await steward.settle()
    # People by name, not by Discord's eighteen-digit ids, in the log and the record.
    logged = [m.content for m in lumen.modlog.messages.values()]
    assert logged[0] == "mona banned bob | reason: scams | case #1"
    assert "mona unbanned bob | reason: unbanned | case #2" in logged
    assert unbanned.json["content"] == "Unbanned bob (case #2)."
    lines = record.json["content"].splitlines()
    assert lines[0] == "bob (not in the community now): 1 case(s), 0 active point(s)."
    assert lines[1].startswith("#1 ") and lines[1].endswith("bob - ban by mona (manual): scams")


async def test_someone_who_left_with_no_case_is_banned_by_the_name_discord_knows(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # A raider who posts and leaves before anyone acts has no case yet: their id alone
    # would read as a typo, but Discord's user picker says who they are.
    async with start() as steward:
        raider = await departed(standin, lumen, "raider")
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "history", {"member": raider.user}
        )
        record = await standin.wait_for_request("PATCH", ORIGINAL)
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            lumen.mona,
            "ban",
            {"member": raider.user, "reason": "raid spam"},
        )
        banned = await standin.wait_for_request("PATCH", ORIGINAL, count=2)
        await steward.settle()
    assert (
        record.json["content"] == "raider (not in the community now): 0 case(s), 0 active point(s)."
    )
    assert banned.json["content"].startswith("raider banned (case #1).")
    assert lumen.guild.bans == {raider.user.id: "raid spam (case #1)"}
    logged = [m.content for m in lumen.modlog.messages.values()]
    assert "mona banned raider | reason: raid spam | case #1" in logged


async def test_a_member_who_confides_in_the_bot_by_dm_gets_a_caring_reply_and_staff_an_alert(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    def caring(request: object) -> bool:
        json = getattr(request, "json", None) or {}
        return "You're not alone" in str(json.get("content", ""))

    async with start() as steward:
        await standin.direct_message(lumen.bob.user, "honestly I want to kill myself tonight")
        await standin.wait_for_request("POST", "/channels/{channel_id}/messages", where=caring)
        await steward.settle()
    logged = [m.content for m in lumen.modlog.messages.values()]
    assert any(
        line.startswith("Urgent, please reach out: bob in a private message to Steward")
        for line in logged
    ), logged
    assert any(line.startswith("Someone may be at risk: bob") for line in logged)


async def test_a_member_cannot_run_a_moderator_command(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await standin.run_command(
            lumen.guild, lumen.general, lumen.alice, "timeout", {"member": lumen.bob}
        )
        answer = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
        cases = await cases_of(steward, lumen, lumen.bob)
    assert answer.json["content"] == "Only a moderator can use /timeout."
    assert cases == []
    assert standin.requests_to("PATCH", "/guilds/{guild_id}/members/{user_id}") == []


async def test_a_moderator_command_acts_and_records_a_case(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await standin.run_command(
            lumen.guild,
            lumen.general,
            lumen.mona,
            "timeout",
            {"member": lumen.bob, "duration": "1h", "reason": "heated thread"},
        )
        timeout = await standin.wait_for_request(
            "PATCH", f"/guilds/{lumen.guild.id}/members/{lumen.bob.user.id}"
        )
        answer = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
        (case,) = await cases_of(steward, lumen, lumen.bob)
    deferral = standin.requests_to("POST", CALLBACK)[0]
    assert deferral.json["type"] == 5 and deferral.json["data"]["flags"] == 64
    assert timeout.reason is not None and "heated thread" in timeout.reason
    assert "Timed out" in answer.json["content"] or "timed out" in answer.json["content"]
    assert case.reason == "heated thread" and case.actor == str(ref(lumen.mona.user.id))


async def test_a_button_click_reaches_steward_and_is_acknowledged(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        heard = listen(steward.app.bus, ComponentClicked)
        posted = await steward.connection.gateway.apply(
            PostMessage(
                community=ref(lumen.guild.id),
                channel=ref(lumen.modlog.id),
                content="Review case 3?",
                buttons=(
                    Button(target="review:3", choice="remove", label="Remove"),
                    Button(target="review:3", choice="keep", label="Keep"),
                ),
            )
        )
        assert posted.ok and posted.ref is not None
        card = lumen.modlog.messages[posted.ref.id]
        await standin.click(card, lumen.mona, "review:3|remove")
        ack = await standin.wait_for_request("POST", CALLBACK)
        await heard.first()
    assert ack.json["type"] == 6
    (click,) = heard.events
    assert (click.target, click.choice) == ("review:3", "remove")
    assert click.message == ref(card.id) and click.author.ref == ref(lumen.mona.user.id)
    assert [b["custom_id"] for b in card.components[0]["components"]] == [
        "review:3|remove",
        "review:3|keep",
    ]


async def test_a_rate_limited_delete_is_retried(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    standin.rate_limit_next("DELETE", MESSAGE, retry_after=0.01)
    async with start() as steward:
        spam = await standin.post_message(lumen.general, lumen.alice, "claim https://bit.ly/fr33")
        await standin.wait_for_request("DELETE", MESSAGE, where=lambda r: r.status == 204)
        await steward.settle()
    assert [r.status for r in standin.requests_to("DELETE", MESSAGE)] == [429, 204]
    assert spam.id not in lumen.general.messages


async def test_spam_with_a_lone_surrogate_is_still_judged_and_recorded(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # JSON can carry "\ud800", and discord.py reads it into text SQLite cannot store: the
    # guidelines failed on it, and the spam stayed.
    async with start() as steward:
        spam = await standin.post_message(
            lumen.general, lumen.alice, "join discord.gg/abc \ud800 now"
        )
        await standin.wait_for_request("DELETE", f"/channels/{lumen.general.id}/messages/{spam.id}")
        await steward.settle()
        cases = await store_for(steward.app.storage).cases.for_member(
            Ref("discord", lumen.guild.id), Ref("discord", lumen.alice.user.id)
        )
    assert [c.message_text for c in cases] == ["join discord.gg/abc \ufffd now"]


async def test_reconnect_resumes_without_acting_twice(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        first = await standin.post_message(lumen.general, lumen.alice, "join discord.gg/abc")
        await standin.wait_for_request(
            "DELETE", f"/channels/{lumen.general.id}/messages/{first.id}"
        )
        await steward.settle()
        # The resume replays the spam already handled, as well as what came while away.
        await standin.reconnect(rewind=3)
        missed = await standin.post_message(lumen.general, lumen.bob, "join discord.gg/xyz")
        await standin.wait_for_request(
            "DELETE", f"/channels/{lumen.general.id}/messages/{missed.id}"
        )
        await steward.settle()
    assert standin.gateway.resumed == 1
    assert len(standin.requests_to("DELETE", MESSAGE)) == 2


async def test_a_redelivered_event_after_a_restart_acts_once(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        spam = await standin.post_message(lumen.general, lumen.alice, "join discord.gg/abc")
        await standin.wait_for_request("DELETE", MESSAGE)
        await steward.settle()
    lumen.general.messages[spam.id] = spam  # Discord sends it again as if never handled
    async with start() as steward:
        await standin.redeliver(spam)
        marker = await standin.post_message(lumen.general, lumen.bob, "join discord.gg/xyz")
        await standin.wait_for_request(
            "DELETE", f"/channels/{lumen.general.id}/messages/{marker.id}"
        )
        await steward.settle()
    deleted = [r.path for r in standin.requests_to("DELETE", MESSAGE)]
    assert deleted.count(f"/channels/{lumen.general.id}/messages/{spam.id}") == 1


async def test_a_missing_privileged_intent_stops_with_a_clear_message(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    standin.allowed_privileged.discard("message_content")
    with pytest.raises(MissingPrivilegedIntent) as refused:
        async with start():
            pass
    message = str(refused.value)
    assert "Message Content Intent" in message
    assert "Developer Portal" in message and "Privileged Gateway Intents" in message
    assert "Server Members" not in message


async def test_an_event_read_after_close_is_dropped_without_a_stray_handler(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        client = steward.connection.client
    assert client.is_closed()
    # discord.py unsets its loop on close; a handler scheduled now would stay a coroutine
    # that never runs (a warning, an error under this suite's settings) or raise. The
    # handler must not run, so its event needs no content.
    client.dispatch("raw_reaction_add", object())
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("discord.py: ")]


async def test_waiting_for_the_raw_event_type_still_works(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # The client skips discord.py's dispatch of each event's type when nobody waits for it.
    async with start() as steward:
        client = steward.connection.client
        waiting = asyncio.ensure_future(
            client.wait_for("socket_event_type", check=lambda kind: kind == "MESSAGE_CREATE")
        )
        await asyncio.sleep(0)
        await standin.post_message(lumen.general, lumen.bob, "hello there")
        assert await asyncio.wait_for(waiting, timeout=10) == "MESSAGE_CREATE"
        await steward.settle()


async def test_a_raid_is_banned_at_once_through_discord_those_who_left_included(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        raiders = [await standin.join(lumen.guild, f"lumen_fan_{i}") for i in range(5)]
        await standin.wait_for_request(
            "POST",
            MESSAGES,
            where=lambda r: "Alert: lumen - raid" in str((r.json or {}).get("content")),
        )
        await steward.settle()
        await standin.leave(lumen.guild, raiders[4])
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "raid ban", {"reason": "coordinated raid"}
        )
        banned = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
    assert banned.json["content"].startswith("Banned 5 raid account(s): lumen_fan_0 (#2), ")
    assert set(lumen.guild.bans) == {r.user.id for r in raiders}
    assert all(
        reason.startswith("raid: coordinated raid (case #") for reason in lumen.guild.bans.values()
    )
