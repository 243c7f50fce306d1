"""``steward history export`` on Discord, through the real discord.py and the stand-in.

A guild's messages since a time come out as a replay file whose staff are known as
staff; ``steward replay`` then judges them as the running bot would have.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.adapters.discord.history import read_discord_history
from bot.adapters.local.scenario import MessageLine, parse_community, parse_event
from bot.cli import main
from bot.config import parse_config
from bot.history_export import scenario_lines
from bot.registry import CogRegistry
from bot.standins.discord import DiscordStandin
from bot.standins.discord._model import MANAGE_THREADS
from tests.bot.adapters.discord.conftest import Lumen
from tests.bot.test_history_export import run_export


def export(standin: DiscordStandin, lumen: Lumen, tmp_path: Path, *args: str) -> Result:
    """Run the export command as an operator would, against the stand-in."""
    config = (
        f'[discord]\napi_base = "{standin.api_base}"\n'
        f'[communities.lumen]\nplatform = "discord"\nid = "{lumen.guild.id}"\n'
        'moderator_roles = ["moderator"]\nlanguage = "en"\n'
    )
    return run_export(tmp_path, config, "lumen", *args)


async def test_a_guilds_history_is_replayed_with_its_staff_known(
    standin: DiscordStandin, lumen: Lumen, tmp_path: Path
) -> None:
    await standin.post_message(lumen.general, lumen.alice, "before the window")
    await asyncio.sleep(0.01)
    since = datetime.now(UTC)
    await asyncio.sleep(0.01)
    await standin.post_message(lumen.general, lumen.alice, "you are an idiot")
    await standin.post_message(lumen.general, lumen.mona, "what an idiot thing to say, alice")
    await standin.post_message(lumen.modlog, lumen.mona, "noting it")
    out = tmp_path / "history.jsonl"
    # The command runs its own event loop; the stand-in keeps serving on this one.
    done = await asyncio.to_thread(
        export, standin, lumen, tmp_path, "--channel", "#general", "--out", str(out)
    )
    assert done.exit_code == 0, done.output
    assert "3 message(s) from 1 channel(s) and 2 author(s)" in done.stderr
    community, *messages = [json.loads(line) for line in out.read_text().splitlines()]
    assert community["channels"] == ["general"]
    assert community["config"] == {"language": "en"}
    roles = {m["name"]: m.get("roles", []) for m in community["members"]}
    assert roles == {"alice": [], "mona": ["moderator"]}
    assert [(m["author"], m["content"]) for m in messages][-2:] == [
        ("alice", "you are an idiot"),
        ("mona", "what an idiot thing to say, alice"),
    ]
    # Read back to a time: what came before it is left out.
    recent = await read_discord_history(
        parse_config(f'[discord]\napi_base = "{standin.api_base}"', CogRegistry()).config.discord,
        lumen.guild.id,
        channels=(),
        since=since,
        limit=100,
    )
    assert sorted(m.content for m in recent.messages) == [
        "noting it",
        "what an idiot thing to say, alice",
        "you are an idiot",
    ]
    assert set(recent.channels) == {"general", "mod-log", "rules", "introductions"}
    replayed = await asyncio.to_thread(CliRunner().invoke, main, ["replay", str(out)])
    assert replayed.exit_code == 0, replayed.output
    verdicts = {
        r["id"]: r["verdict"]
        for r in map(json.loads, replayed.stdout.splitlines())
        if r.get("id") is not None
    }
    alice_id, mona_id = messages[-2]["id"], messages[-1]["id"]
    # The moderator's word is a moderator's: judged as staff, as the running bot does.
    assert verdicts[alice_id] == "act" and verdicts[mona_id] == "allow"


async def test_a_channel_the_guild_lacks_is_named(
    standin: DiscordStandin, lumen: Lumen, tmp_path: Path
) -> None:
    done = await asyncio.to_thread(export, standin, lumen, tmp_path, "--channel", "genral")
    assert done.exit_code == 1
    assert "no text or forum channel named genral" in done.stderr


async def test_threads_active_and_archived_are_read_as_their_channels(
    standin: DiscordStandin, lumen: Lumen
) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    open_thread = standin.add_thread(lumen.general, "pairing help", owner=lumen.alice)
    quiet = standin.add_thread(lumen.general, "old news", owner=lumen.bob, archived=True)
    await standin.post_message(lumen.general, lumen.alice, "in the channel")
    await standin.post_message(open_thread, lumen.bob, "in an open thread")
    await standin.post_message(quiet, lumen.alice, "in an archived thread")
    history = await read_discord_history(
        parse_config(f'[discord]\napi_base = "{standin.api_base}"', CogRegistry()).config.discord,
        lumen.guild.id,
        channels=("general",),
        since=since,
        limit=100,
    )
    found = sorted((m.content, m.channel, m.thread) for m in history.messages)
    assert found == [
        ("in an archived thread", "general", quiet.id),
        ("in an open thread", "general", open_thread.id),
        ("in the channel", "general", None),
    ]
    # The file says so, and steward replay reads it.
    community, *lines = scenario_lines("lumen", history, language="en")
    assert parse_community(community).channels == ["general"]
    events = [parse_event(line, 2) for line in lines]
    threads = [e.thread for e in events if isinstance(e, MessageLine)]
    assert sorted(t or "" for t in threads) == sorted(["", quiet.id, open_thread.id])


async def test_archived_threads_are_read_page_after_page_private_ones_too(
    standin: DiscordStandin, lumen: Lumen, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A busy forum archives more threads in a week than Discord lists in one page.
    monkeypatch.setattr("bot.adapters.discord.history._THREADS_PAGE", 2)
    now = datetime.now(UTC)
    since = now - timedelta(days=7)
    recent = [
        standin.add_thread(
            lumen.general,
            f"old news {n}",
            owner=lumen.bob,
            archived=True,
            archived_at=now - timedelta(hours=n + 1),
        )
        for n in range(5)
    ]
    private = standin.add_thread(
        lumen.general,
        "a word with mona",
        owner=lumen.alice,
        archived=True,
        archived_at=now - timedelta(days=1),
        private=True,
    )
    before_window = standin.add_thread(
        lumen.general,
        "ancient",
        owner=lumen.bob,
        archived=True,
        archived_at=now - timedelta(days=9),
    )
    for thread in [*recent, private, before_window]:
        await standin.post_message(thread, lumen.alice, f"in {thread.name}")

    def read() -> set[str]:
        history = asyncio.run(
            read_discord_history(
                parse_config(
                    f'[discord]\napi_base = "{standin.api_base}"', CogRegistry()
                ).config.discord,
                lumen.guild.id,
                channels=("general",),
                since=since,
                limit=100,
            )
        )
        return {m.content for m in history.messages}

    # Its messages are new; a thread archived before the window was quiet all through it.
    everything = await asyncio.to_thread(read)
    standin.deny(lumen.guild, MANAGE_THREADS)
    without_private = await asyncio.to_thread(read)
    # Not "in ancient": that thread was archived before the window began.
    assert everything == {f"in old news {n}" for n in range(5)} | {"in a word with mona"}
    assert without_private == everything - {"in a word with mona"}
