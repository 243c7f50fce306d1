"""The message log through the real slack-bolt: Slack tells of every deletion, Steward's too."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.events import MessageDeleted
from bot.standins.slack import SlackStandin, payloads
from tests.bot.adapters.slack.conftest import ALICE, GENERAL, Start
from tests.conftest import listen


async def test_a_members_deletion_is_copied_and_stewards_own_removal_is_not(
    standin: SlackStandin, start_steward: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Steward removes members' messages with the admin token, and Slack then tells the
    # app of that deletion as of any other: the log must know it for Steward's own.
    monkeypatch.setattr("cogs.modlog.DELETION_GRACE", timedelta(seconds=0.3))
    ws = standin.workspace
    log = ws.add_channel("message-log", members=(ws.admin.id,))
    general = ws.conversations[GENERAL]

    def to_log(call: object) -> bool:
        return getattr(call, "args", {}).get("channel") == log.id

    steward = await start_steward(message_log=log.id)
    deletions = listen(steward.app.bus, MessageDeleted)
    timers = asyncio.create_task(steward.app.timers.run())
    spam = payloads.member_posts(ws, ALICE, general, "claim now <https://bit.ly/fr33-g1ft>")
    await standin.send_event(spam)
    await standin.wait_for_call("chat.delete")
    said = payloads.member_posts(ws, ALICE, general, "never mind, found it")
    await standin.send_event(said)
    await standin.send_event(payloads.member_deletes(ws, general, said["ts"]))
    await standin.wait_for_call("chat.postMessage", where=to_log)
    await asyncio.sleep(0.5)  # past the grace of the echo of Steward's own deletion
    await steward.settle()
    timers.cancel()
    assert [d.message.id for d in deletions.events] == [spam["ts"], said["ts"]], "echoed"
    copies = [c.args["text"] for c in standin.calls_to("chat.postMessage", where=to_log)]
    # Slack's markup: a channel link, and ">" escaped (a quote still, at a line's start).
    assert copies == [
        f"alice's message {said['ts']} in <#{GENERAL}> was deleted:\n&gt; never mind, found it"
    ]
