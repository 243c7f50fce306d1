"""A rule's trial through the real discord.py: a trial card, judged with its button."""

from __future__ import annotations

from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import ORIGINAL, Lumen, Start


async def test_a_trial_card_is_judged_with_its_button_and_the_message_stays(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "policy trial", {"rule": "insults", "hits": 1}
        )
        started = await standin.wait_for_request("PATCH", ORIGINAL)
        said = await standin.post_message(lumen.general, lumen.bob, "you are all such idiots")
        await standin.wait_for_request(
            "POST",
            f"/channels/{lumen.modlog.id}/messages",
            where=lambda r: "on trial, was it right?" in str((r.json or {}).get("content")),
        )
        await steward.settle()
        (card,) = [m for m in lumen.modlog.messages.values() if "was it right?" in m.content]
        labels = [b["label"] for b in card.components[0]["components"]]
        await standin.click(card, lumen.mona, "review:1|right")
        await standin.wait_for_request("PATCH", f"/channels/{lumen.modlog.id}/messages/{card.id}")
        await steward.settle()
    assert started.json["content"].startswith("Rule insults is on trial")
    assert labels == ["Rule was right", "Rule was wrong"]
    assert said.id in lumen.general.messages, "a rule on trial removes nothing"
    assert card.content.endswith("Decided by mona: the rule was right (case #1).")
    assert card.components == [], "a judged card keeps no buttons"
