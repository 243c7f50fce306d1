"""``steward history export`` and ``/policy replay`` on Slack, through slack-sdk and the stand-in."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import Result

from bot.standins.slack import SlackStandin, payloads
from bot.standins.slack.payloads import member_posts
from tests.bot.adapters.slack.conftest import ALICE, GENERAL, MODLOG, MONA, TEAM, Start
from tests.bot.test_history_export import run_export


def export(standin: SlackStandin, tmp_path: Path, *args: str) -> Result:
    """Run the export command as an operator would, against the stand-in."""
    config = (
        f'[slack]\napi_base = "{standin.api_base}"\n'
        f'[communities.acme]\nplatform = "slack"\nid = "{TEAM}"\n'
        'moderator_roles = ["moderators"]\nlanguage = "nl"\n'
    )
    return run_export(tmp_path, config, "acme", *args)


async def test_a_workspaces_history_comes_out_with_its_moderators_known(
    standin: SlackStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_SLACK_BOT_TOKEN", standin.bot_token)
    ws = standin.workspace
    general, modlog = ws.conversations[GENERAL], ws.conversations[MODLOG]
    modlog.members.discard(ws.bot.id)  # Slack lets a bot read only where it was added
    for text in ("first", "<@U0MONA> you are an idiot", "third"):
        member_posts(ws, ALICE, general, text)
    asked = member_posts(ws, MONA, general, "please keep it civil")
    member_posts(ws, ALICE, general, "fine, sorry", thread_ts=asked["ts"])
    member_posts(ws, MONA, modlog, "not readable by the bot")
    out = tmp_path / "history.jsonl"
    # Two a page: the export follows Slack's cursor to the end.
    monkeypatch.setattr("bot.adapters.slack.history._PAGE", 2)
    done = await asyncio.to_thread(export, standin, tmp_path, "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "5 message(s) from 1 channel(s) and 2 author(s)" in done.stderr
    assert "#mod-log cannot be read (not_in_channel): left out" in done.stderr
    community, *messages = [json.loads(line) for line in out.read_text().splitlines()]
    assert community["config"] == {"language": "nl"}
    roles = {m["name"]: m.get("roles", []) for m in community["members"]}
    assert roles == {"alice": [], "mona": ["moderators"]}
    assert [(m["channel"], m["author"], m["content"]) for m in messages] == [
        ("general", "alice", "first"),
        ("general", "alice", "@U0MONA you are an idiot"),  # as Steward reads it live
        ("general", "alice", "third"),
        ("general", "mona", "please keep it civil"),
        ("general", "alice", "fine, sorry"),  # a reply in mona's thread
    ]
    assert messages[-1]["thread"] == messages[-2]["id"]
    unknown = await asyncio.to_thread(export, standin, tmp_path, "--channel", "random")
    assert unknown.exit_code == 1 and "no channel named random" in unknown.stderr


async def test_policy_replay_reads_a_slack_channel_and_knows_its_moderators(
    standin: SlackStandin, start_steward: Start
) -> None:
    ws = standin.workspace
    general = ws.conversations[GENERAL]
    # Written before Steward started: read back through conversations.history.
    general.messages.clear()
    ws.post(general, ALICE, "THIS UPDATE IS THE BEST ONE YET!!!")
    ws.post(general, MONA, "PLEASE READ THE PINNED RULES FIRST")
    steward = await start_steward()
    asked = payloads.slash_command(ws, MONA, general, "policy replay caps")
    assert (await standin.send_command(asked)).status == 200
    await steward.settle()
    reply = await standin.wait_for_call("response_url")
    said = reply.args["text"].splitlines()
    assert said[0].startswith("caps on the latest 2 message(s) of ")
    assert "1 match(es) by 1 member(s)" in said[0], "mona moderates: her capitals are hers"
    assert said[2].endswith("alice: THIS UPDATE IS THE BEST ONE YET!!! (100% capitals)")
