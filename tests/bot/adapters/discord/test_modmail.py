"""Modmail through the real discord.py: a DM opens a staff thread and staff answers go back."""

from __future__ import annotations

import asyncio

from bot.standins.discord import DiscordStandin
from bot.standins.discord._model import PUBLIC_THREAD, Channel
from tests.bot.adapters.discord.conftest import MESSAGES, ORIGINAL, Lumen, Start


def modmail_channel(standin: DiscordStandin, lumen: Lumen) -> tuple[Channel, str]:
    """Add the staff channel; return it and the configuration that turns modmail on there."""
    modmail = standin.add_channel(lumen.guild, "modmail")
    return modmail, f'[communities.lumen.cogs.modmail]\nchannel = "{modmail.id}"\n'


async def test_a_members_dm_reaches_a_staff_thread_and_the_answer_reaches_the_member(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    modmail, extra = modmail_channel(standin, lumen)
    lumen.bob.user.global_name = "Bob B."  # staff know him by both
    async with start(extra) as steward:
        await standin.direct_message(lumen.bob.user, "Why was my post removed?")
        await standin.wait_for_request("POST", f"/channels/{modmail.id}/threads")
        await steward.settle()
        (thread,) = [c for c in lumen.guild.channels.values() if c.type == PUBLIC_THREAD]
        relayed = [m.content for m in thread.messages.values()]
        await standin.post_message(
            thread, lumen.mona, "It had a phishing link; post it again without."
        )
        await steward.settle()
        for _ in range(100):  # the DM goes out through the REST API a moment later
            if (
                standin.requests_to("POST", "/users/@me/channels")
                and len(standin.requests_to("POST", "/channels/{channel_id}/messages")) >= 4
            ):
                break
            await asyncio.sleep(0.02)
        dm_posts = [
            r.json["content"]
            for r in standin.requests_to("POST", "/channels/{channel_id}/messages")
            if r.json and "phishing" in r.json.get("content", "")
        ]
    assert relayed[0].startswith("Modmail from Bob B. (bob) in lumen")
    assert relayed[1] == "**Bob B.:** Why was my post removed?"
    assert "**mona:** It had a phishing link; post it again without." in dm_posts


async def test_a_member_blocked_from_their_thread_is_told_once_and_reaches_no_one(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    modmail, extra = modmail_channel(standin, lumen)

    def told(request: object) -> bool:
        json = getattr(request, "json", None) or {}
        # Bob's notice, not the staff line that says what he writes no longer reaches them.
        return "your messages do not reach" in str(json.get("content", ""))

    async with start(extra) as steward:
        await standin.direct_message(lumen.bob.user, "You are all clowns.")
        await standin.wait_for_request("POST", f"/channels/{modmail.id}/threads")
        await steward.settle()
        (thread,) = [c for c in lumen.guild.channels.values() if c.type == PUBLIC_THREAD]
        await standin.run_command(
            lumen.guild,
            thread,
            lumen.mona,
            "modmail block",
            {"reason": "insults", "duration": "7d"},
        )
        answer = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
        await standin.direct_message(lumen.bob.user, "Clowns!")
        await standin.wait_for_request("POST", MESSAGES, where=told)
        await standin.direct_message(lumen.bob.user, "Still clowns.")
        await steward.settle()
    assert answer.json["content"] == "Blocked bob from modmail for 1w."
    in_thread = [m.content for m in thread.messages.values()]
    assert any(text.startswith("Blocked by mona for 1w: insults.") for text in in_thread)
    assert not any("lowns!" in text or "Still" in text for text in in_thread)
    (to_bob,) = [r.json["content"] for r in standin.requests_to("POST", MESSAGES) if told(r)]
    # Told once, with the day the week's block ends (Steward runs on the wall clock here).
    assert to_bob.endswith(" (UTC), your messages do not reach the lumen moderators: insults.")
    assert len(standin.requests_to("POST", f"/channels/{modmail.id}/threads")) == 1


async def test_a_file_sent_without_a_word_reaches_the_thread_as_its_name_and_link(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    modmail, extra = modmail_channel(standin, lumen)
    async with start(extra) as steward:
        await standin.direct_message(lumen.bob.user, "", files=["proof.png"])
        await standin.wait_for_request("POST", f"/channels/{modmail.id}/threads")
        await steward.settle()
    (thread,) = [c for c in lumen.guild.channels.values() if c.type == PUBLIC_THREAD]
    relayed = [m.content for m in thread.messages.values()][1]
    assert relayed.startswith("**bob:** 📎 proof.png https://cdn.discord.invalid/attachments/")
    assert relayed.endswith("/proof.png")


async def test_a_moderator_who_cannot_reach_a_member_is_told_and_the_thread_says_so(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    modmail, extra = modmail_channel(standin, lumen)
    carl = standin.add_member(lumen.guild, "carl", dms_open=False)
    async with start(extra) as steward:
        await standin.run_command(
            lumen.guild,
            lumen.general,
            lumen.mona,
            "modmail open",
            {"member": carl, "text": "Checking in: how are you?"},
        )
        answer = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
    (thread,) = [c for c in lumen.guild.channels.values() if c.type == PUBLIC_THREAD]
    assert thread.parent_id == modmail.id
    header, wrote, failed = [m.content for m in thread.messages.values()]
    assert header.startswith("Modmail to carl, opened by mona, in lumen")
    assert wrote == "**mona** wrote to them: Checking in: how are you?"
    assert failed.startswith("Not delivered to carl: Discord delivers no direct message")
    assert answer.json["content"] == (
        "carl could not be reached privately (their direct messages may be closed); the "
        "modmail thread says so and keeps your text."
    )
