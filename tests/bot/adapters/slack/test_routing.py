"""Routing through the real bolt app: team channels, the Handled button, webhooks, DMs."""

from __future__ import annotations

from datetime import timedelta

from bot.core.events import Tick
from bot.core.refs import Ref
from bot.standins.slack import SlackStandin, payloads
from bot.standins.slack.server import Call
from cogs.routing import TIMER
from tests.bot.adapters._cog_config import routing_config
from tests.bot.adapters.slack.conftest import ALICE, GENERAL, MODLOG, MONA, TEAM, Start
from tests.bot.adapters.webhooks import webhook_sink

LEAD = "Hi! We're looking to buy 200 lamps for our offices. Who can I talk to about volume pricing?"
SALES = "CSALES"
BOB = "U0BOB"


def routing(teams: dict[str, str]) -> str:
    """Return the routing cog's config for the workspace, staff alerts to #mod-log."""
    return routing_config("acme", MODLOG, teams)


def posts_in(standin: SlackStandin, channel: str) -> list[Call]:
    """Return the bot's ``chat.postMessage`` calls to one channel, in order."""
    return [c for c in standin.calls_to("chat.postMessage") if c.args["channel"] == channel]


def direct_messages(standin: SlackStandin) -> dict[str, str]:
    """Return the last direct message the bot sent to each member, by member id."""
    ims = {c.id: c.im_user for c in standin.workspace.conversations.values() if c.is_im}
    return {
        str(ims[c.args["channel"]]): str(c.args["text"])
        for c in standin.calls_to("chat.postMessage")
        if c.args["channel"] in ims
    }


async def test_a_sales_lead_reaches_the_team_and_handled_stops_the_reminder(
    standin: SlackStandin, start_steward: Start
) -> None:
    workspace = standin.workspace
    workspace.users[ALICE].locale = "fr-FR"
    workspace.add_user(BOB, "bob")
    sales = workspace.add_channel("sales", members=(MONA,), channel_id=SALES)
    steward = await start_steward(extra=routing({"sales_lead": SALES}))
    general = workspace.conversations[GENERAL]
    general.members.add(BOB)
    asked = {}
    for user in (ALICE, BOB):
        event = payloads.member_posts(workspace, user, general, LEAD)
        asked[user] = event["ts"]
        assert (await standin.send_event(event)).status == 200
    await steward.settle()
    summaries = {str(c.args["text"]).split(" ")[3]: c for c in posts_in(standin, SALES)}
    alice = summaries["alice"]
    (button,) = alice.args["blocks"][-1]["elements"]
    click = payloads.block_action(
        workspace, MONA, sales, alice.response["ts"], action_id=button["action_id"], value="handled"
    )
    assert (await standin.send_interaction(click)).status == 200
    await steward.settle()
    at = steward.app.clock.now() + timedelta(hours=3)
    await steward.app.bus.publish(Tick(community=Ref("slack", TEAM), at=at, timer=TIMER))
    await steward.settle()
    bob = str(summaries["bob"].args["text"])
    assert bob.startswith(f"Sales request from bob in <#{GENERAL}>: ")
    link = f"https://slack.com/archives/{GENERAL}/p{asked[BOB].replace('.', '')}"
    assert link in bob
    (edit,) = standin.calls_to("chat.update")
    assert edit.args["ts"] == alice.response["ts"]
    assert str(edit.args["text"]).endswith("Handled by mona.")
    assert not [b for b in edit.args["blocks"] if b["type"] == "actions"], "no button left"
    reminders = [str(c.args["text"]) for c in posts_in(standin, SALES)[2:]]
    assert len(reminders) == 1 and reminders[0].startswith("Reminder: the Sales request from bob")
    thanks = direct_messages(standin)
    assert thanks[ALICE].startswith("Merci, alice ! J'ai transmis ton message")
    assert thanks[BOB].startswith("Thanks, bob!")


async def test_webhook_routes_post_json_and_a_failing_one_goes_to_staff(
    standin: SlackStandin, start_steward: Start
) -> None:
    workspace = standin.workspace
    workspace.add_user(BOB, "bob")
    general = workspace.conversations[GENERAL]
    general.members.add(BOB)
    async with webhook_sink() as sink:
        steward = await start_steward(
            extra=routing({"press": sink.ok_url, "legal": sink.broken_url})
        )
        for user, text in [
            (ALICE, "I'm a journalist writing an article about smart lamps"),
            (BOB, "My lawyer will contact you about the trademark"),
        ]:
            event = payloads.member_posts(workspace, user, general, text)
            assert (await standin.send_event(event)).status == 200
        await steward.settle()
    (press,) = sink.received
    assert (press["intent"], press["member"]) == ("press", "alice")
    assert press["link"].startswith(f"https://slack.com/archives/{GENERAL}/p")
    assert sink.refused[0]["intent"] == "legal"
    (staff,) = [str(c.args["text"]) for c in posts_in(standin, MODLOG)]
    assert staff.startswith("The Legal webhook failed")
    assert "My lawyer will contact you" in staff


async def test_a_bug_report_by_direct_message_is_routed(
    standin: SlackStandin, start_steward: Start
) -> None:
    workspace = standin.workspace
    workspace.add_channel("bugs", members=(MONA,), channel_id="CBUGS")
    steward = await start_steward(extra=routing({"bug_report": "CBUGS"}))
    im = workspace.open_im(ALICE)
    dm = payloads.member_posts(
        workspace, ALICE, im, "The app crashes when I open scenes, error code 7"
    )
    assert (await standin.send_event(dm)).status == 200
    await steward.settle()
    (summary,) = [str(c.args["text"]) for c in posts_in(standin, "CBUGS")]
    assert summary.startswith("Product (bugs) request from alice in a private message: ")
