"""The real discord.py parses what the stand-in sends; an upgrade needing more fails here."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from bot.standins.discord import Channel, DiscordStandin, Guild, Member
from tests.bot.standins.discord.conftest import all_intents


class Recorder(discord.Client):
    """A client that keeps what it receives."""

    def __init__(self, intents: discord.Intents) -> None:
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.messages: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.joined: asyncio.Queue[discord.Member] = asyncio.Queue()
        self.interactions: asyncio.Queue[discord.Interaction] = asyncio.Queue()

    async def on_message(self, message: discord.Message) -> None:
        await self.messages.put(message)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.joined.put(member)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.interactions.put(interaction)


def alice_in_general(standin: DiscordStandin) -> tuple[Guild, Channel, Member]:
    """Build a guild with one channel, #general, and one member, alice."""
    guild = standin.add_guild("Lumen")
    return guild, standin.add_channel(guild, "general"), standin.add_member(guild, "alice")


@contextlib.asynccontextmanager
async def connected(standin: DiscordStandin, intents: discord.Intents) -> AsyncIterator[Recorder]:
    client = Recorder(intents)
    task = asyncio.create_task(client.start(standin.token))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 10)
        yield client
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)


async def test_ready_and_guild_create_parse(standin: DiscordStandin) -> None:
    guild = standin.add_guild("Lumen", owner="olga")
    mods = standin.add_role(guild, "moderator", position=5)
    standin.add_channel(guild, "general")
    standin.add_member(guild, "alice", roles=[mods])
    async with connected(standin, all_intents()) as client:
        assert client.user is not None and client.user.name == "Steward"
        (seen,) = client.guilds
        assert seen.name == "Lumen"
        assert seen.chunked
        assert seen.owner is not None and seen.owner.name == "olga"
        assert [c.name for c in seen.text_channels] == ["general"]
        listed = await seen.fetch_channels()
        assert [(c.name, type(c).__name__) for c in listed] == [("general", "TextChannel")]
        alice = seen.get_member_named("alice")
        assert alice is not None and alice.top_role.name == "moderator"
        assert seen.me.top_role.position > alice.top_role.position


async def test_message_member_and_interaction_events_parse(standin: DiscordStandin) -> None:
    guild, general, alice = alice_in_general(standin)
    async with connected(standin, all_intents()) as client:
        posted = await standin.post_message(general, alice, "hello there")
        message = await asyncio.wait_for(client.messages.get(), 5)
        assert (message.id, message.content) == (int(posted.id), "hello there")
        assert isinstance(message.author, discord.Member)

        await standin.join(guild, "bob")
        member = await asyncio.wait_for(client.joined.get(), 5)
        assert member.name == "bob"

        await standin.run_command(guild, general, alice, "case show", {"case": "7"})
        interaction = await asyncio.wait_for(client.interactions.get(), 5)
        assert interaction.type is discord.InteractionType.application_command
        assert interaction.data is not None and interaction.data.get("name") == "case"
        await interaction.response.send_message("shown", ephemeral=True)
        answer = await standin.wait_for_request(
            "POST", "/interactions/{interaction_id}/{token}/callback"
        )
        assert answer.json["data"]["content"] == "shown"


async def test_content_is_withheld_without_the_message_content_intent(
    standin: DiscordStandin,
) -> None:
    _, general, alice = alice_in_general(standin)
    async with connected(standin, discord.Intents.default()) as client:
        await standin.post_message(general, alice, "secret words")
        message = await asyncio.wait_for(client.messages.get(), 5)
        assert message.content == ""


async def test_a_disallowed_privileged_intent_closes_with_4014(standin: DiscordStandin) -> None:
    standin.allowed_privileged.discard("message_content")
    standin.add_guild("Lumen")
    client = Recorder(all_intents())
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.start(standin.token), 10)
    await client.close()


async def test_a_forced_429_is_retried_and_reconnect_resumes(standin: DiscordStandin) -> None:
    _, general, alice = alice_in_general(standin)
    async with connected(standin, all_intents()) as client:
        await standin.reconnect()
        missed = await standin.post_message(general, alice, "while away")
        message = await asyncio.wait_for(client.messages.get(), 5)
        assert message.id == int(missed.id)
        assert standin.gateway.resumed == 1

        route = "/channels/{channel_id}/messages/{message_id}"
        standin.rate_limit_next("DELETE", route, retry_after=0.01)
        await message.delete()
        assert [r.status for r in standin.requests_to("DELETE", route)] == [429, 204]
        assert missed.id not in general.messages


async def test_a_form_answers_a_click_and_its_submission_parses(standin: DiscordStandin) -> None:
    _, general, alice = alice_in_general(standin)
    async with connected(standin, all_intents()) as client:
        posted = await standin.post_message(general, alice, "a card")
        await asyncio.wait_for(client.messages.get(), 5)
        clicked = await standin.click(posted, alice, "review:1|ban")
        click = await asyncio.wait_for(client.interactions.get(), 5)
        form = discord.ui.Modal(title="Why?", custom_id="why-form")
        form.add_item(discord.ui.TextInput(label="Reason", custom_id="reason", required=False))
        form.stop()  # not kept by discord.py: the submission is read from the interaction
        await click.response.send_modal(form)
        assert standin.form_of(clicked) == form.to_dict()
        await standin.submit_form(clicked, alice, {"reason": "spam"})
        submitted = await asyncio.wait_for(client.interactions.get(), 5)
        assert submitted.type is discord.InteractionType.modal_submit
        assert submitted.message is not None and submitted.message.id == int(posted.id)
        data: dict[str, Any] = dict(submitted.data or {})
        assert data.get("custom_id") == "why-form"
        (row,) = data["components"]
        assert row["components"] == [{"type": 4, "custom_id": "reason", "value": "spam"}]
        with pytest.raises(discord.HTTPException, match="a form cannot answer a form"):
            await submitted.response.send_modal(form)
