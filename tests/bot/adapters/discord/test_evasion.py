"""Ban evasion by picture, through the real discord.py: Discord's avatar hashes on record.

A member's cases keep the hash of the avatar they showed (from a message's author, or
from the user Discord names in its audit log); a new account that joins with that
picture, under a name nothing like theirs, gets a review card.
"""

from __future__ import annotations

import asyncio

from bot.standins.discord import DiscordStandin
from bot.standins.discord.server import HandAction
from tests.bot.adapters.discord.conftest import Lumen, Start, cases_of
from tests.bot.adapters.discord.test_by_hand import recorded

MODLOG = "/channels/{channel_id}/messages"
PICTURE = "5f2b9c3e8d7a6b1c0e4f3a2b1c0d9e8f"
"""The hash Discord gives the picture carl uploaded."""


async def test_a_newcomer_with_a_banned_members_picture_gets_a_review_card(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    carl = standin.add_member(
        lumen.guild, "carl", user=standin.world.add_user("carl", avatar=PICTURE)
    )
    async with start() as steward:
        await standin.post_message(lumen.general, carl, "you are an idiot")
        (insult,) = await recorded(steward, lumen, carl, 1)
        await standin.moderate_by_hand(
            lumen.guild, lumen.mona, HandAction.BAN, carl.user, reason="scam DMs"
        )
        banned, _ = await recorded(steward, lumen, carl, 2)
        # Discord's default picture is no picture of anyone's: nothing to match.
        plain = await standin.join(lumen.guild, "sunny_day")
        again = await standin.join(lumen.guild, "bright_morning", avatar=PICTURE)
        card = await standin.wait_for_request(
            "POST",
            MODLOG,
            where=lambda r: "Review needed: bright_morning" in str((r.json or {}).get("content")),
        )
        await steward.settle()
        plain_cases = await cases_of(steward, lumen, plain)
        again_cases = await cases_of(steward, lumen, again)
    assert insult.member_avatar == PICTURE, "a message's author brings their picture"
    assert banned.member_avatar == PICTURE, "so does the user the audit log names"
    headline = card.json["content"].splitlines()[0]
    assert headline.startswith("Review needed: bright_morning - an account less than a day old,")
    assert f"showing the same picture as carl (banned {banned.created_at:%Y-%m-%d}" in headline
    (evasion,) = again_cases
    assert evasion.rule == "ban-evasion" and evasion.evidence["details"]["same_avatar"] is True
    assert plain_cases == []


async def test_a_member_who_takes_a_staff_nickname_gets_a_review_card(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        kevin = await standin.join(lumen.guild, "kevin_b")
        await standin.wait_for_request(  # his join was heard (he is welcomed)
            "POST", MODLOG, where=lambda r: "kevin_b!" in str((r.json or {}).get("content"))
        )
        await steward.settle()
        # A minute later he calls himself support on this server: the name that does harm.
        await standin.update_member(lumen.guild, kevin, nick="Lumen Support")
        card = await standin.wait_for_request(
            "POST",
            MODLOG,
            where=lambda r: "Review needed: kevin_b" in str((r.json or {}).get("content")),
        )
        # A moderator may go by a name like that: no card for mona.
        await standin.update_member(lumen.guild, lumen.mona, nick="Lumen Support (Mona)")
        await asyncio.sleep(0.1)
        await steward.settle()
        (case,) = await cases_of(steward, lumen, kevin)
        monas = await cases_of(steward, lumen, lumen.mona)
    lines = card.json["content"].splitlines()
    assert lines[0] == "Review needed: kevin_b - named like staff: Lumen Support (support)"
    assert "> kevin_b took the name Lumen Support" in lines
    assert case.rule == "impersonation" and case.evidence["renamed"] is True
    assert monas == []
