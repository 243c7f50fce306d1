"""Steward on Slack end to end: the stand-in signs and delivers, bolt verifies and acks,
the real App and cogs act, and the stand-in records what Steward asked of Slack."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from bot.adapters.slack.connection import SlackConnection
from bot.core.actions import Button, DeleteMessage, PostMessage, PostPoll
from bot.core.events import ComponentClicked, MemberUpdated
from bot.core.refs import Ref
from bot.standins.slack import SlackStandin, payloads
from moderation.store import store_for
from tests.bot.adapters.slack._reports import click, dm_texts, report_alices_message
from tests.bot.adapters.slack.conftest import (
    ALICE,
    GENERAL,
    MILO,
    MODLOG,
    MONA,
    TEAM,
    Start,
    Steward,
    stop,
)
from tests.conftest import listen

SPAM = "claim now <https://bit.ly/fr33-g1ft>"


def spam_event(standin: SlackStandin) -> dict[str, object]:
    general = standin.workspace.conversations[GENERAL]
    return payloads.member_posts(standin.workspace, ALICE, general, SPAM)


async def test_spam_is_deleted_with_the_admin_token(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(admin=True)
    event = spam_event(standin)
    assert (await standin.send_event(event)).status == 200
    await steward.settle()
    delete = await standin.wait_for_call("chat.delete")
    assert (delete.token, delete.args["ts"], delete.ok) == ("user", event["ts"], True)
    assert event["ts"] not in standin.workspace.conversations[GENERAL].messages
    (notice,) = [text for text in dm_texts(standin) if "was removed" in text]
    # Slack has one slash command for all of Steward's: the notice names it.
    assert notice.endswith("appeal with /steward appeal #1.")


async def test_a_spammers_earlier_copies_are_deleted_with_the_last(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(admin=True)
    general = standin.workspace.conversations[GENERAL]
    posted = []
    for _ in range(4):
        event = payloads.member_posts(
            standin.workspace, ALICE, general, "buy cheap lamps at my shop today"
        )
        posted.append(event["ts"])
        assert (await standin.send_event(event)).status == 200
        await steward.settle()
    await standin.wait_for_call("chat.delete", count=4)
    assert sorted(c.args["ts"] for c in standin.calls_to("chat.delete")) == sorted(posted)
    assert not general.messages.keys() & set(posted)


async def test_spam_with_a_lone_surrogate_is_still_deleted(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(admin=True)
    general = standin.workspace.conversations[GENERAL]
    event = payloads.member_posts(standin.workspace, ALICE, general, f"{SPAM} \udfff")
    assert (await standin.send_event(event)).status == 200
    await steward.settle()
    delete = await standin.wait_for_call("chat.delete")
    assert delete.args["ts"] == event["ts"]


async def test_with_only_a_bot_token_the_message_goes_to_moderators(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(admin=False)
    assert not steward.connection.gateway.capabilities.allows(_delete_of("1.0")), (
        "a bot token cannot delete members' messages"
    )
    event = spam_event(standin)
    assert (await standin.send_event(event)).status == 200
    await steward.settle()
    assert standin.calls_to("chat.delete") == []
    posts = standin.calls_to("chat.postMessage")
    in_thread = [c for c in posts if c.args.get("thread_ts") == event["ts"]]
    assert in_thread, "a notice is posted in the message's thread"
    assert in_thread[0].args["channel"] == GENERAL
    staff = [c for c in posts if c.args.get("channel") == MODLOG]
    assert any("Please act on case" in str(c.args["text"]) for c in staff)
    offered = {
        button["value"]
        for call in staff
        for block in call.args.get("blocks") or []
        if block["type"] == "actions"
        for button in block["elements"]
    }
    assert offered, "the hand-off is a review card with buttons"
    assert not offered & {"remove", "timeout", "ban"}, "no button Slack cannot honour"
    assert dm_texts(standin), "the author is told in a DM"
    reviews = await store_for(steward.app.storage).reviews.open_items(Ref("slack", TEAM))
    assert "unsupported_action" in [item.source for item in reviews]


def _delete_of(ts: str) -> DeleteMessage:
    return DeleteMessage(
        community=Ref("slack", TEAM), channel=Ref("slack", GENERAL), message=Ref("slack", ts)
    )


async def test_forged_and_stale_requests_are_refused(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    forged = await standin.send_event(spam_event(standin), bad_signature=True)
    stale = await standin.send_event(spam_event(standin), timestamp=int(time.time()) - 301)
    assert (forged.status, stale.status) == (401, 401)
    await steward.settle()
    assert steward.connection.handled == 0
    assert standin.calls_to("chat.delete") == []


async def test_a_retried_event_acts_once_even_after_a_restart(
    standin: SlackStandin, start_steward: Start
) -> None:
    standin.echo_deletions = False  # only the events sent here are counted
    steward = await start_steward()
    event = spam_event(standin)
    await standin.send_event(event, event_id="EvSPAM")
    await standin.send_event(event, event_id="EvSPAM", retry_num=1)
    await steward.settle()
    assert (steward.connection.handled, steward.connection.dropped) == (1, 1)
    await stop(steward)
    again = await start_steward()
    assert (await standin.send_event(event, event_id="EvSPAM", retry_num=2)).status == 200
    await again.settle()
    assert again.connection.dropped == 1
    assert len(standin.calls_to("chat.delete")) == 1


async def moderator_clicks_remove(standin: SlackStandin, steward: Steward) -> dict[str, Any]:
    """Post a review card with a Remove button; return mona's click on it (not yet sent)."""
    posted = await steward.connection.gateway.apply(
        PostMessage(
            community=Ref("slack", TEAM),
            channel=Ref("slack", MODLOG),
            content="**Review** case #1",
            buttons=(Button(target="review:1", choice="remove", label="Remove"),),
        )
    )
    assert posted.ok and posted.ref is not None
    modlog = standin.workspace.conversations[MODLOG]
    return payloads.block_action(
        standin.workspace, MONA, modlog, posted.ref.id, action_id="review:1#remove", value="remove"
    )


async def test_a_malformed_event_is_logged_and_acked_and_the_next_still_judged(
    standin: SlackStandin, start_steward: Start, caplog: pytest.LogCaptureFixture
) -> None:
    steward = await start_steward()
    without_ts = spam_event(standin)
    del without_ts["ts"]
    general = standin.workspace.conversations[GENERAL]
    posted = payloads.member_posts(standin.workspace, ALICE, general, "nice lamp")
    reaction = payloads.reaction_added(standin.workspace, MONA, general, posted["ts"], "eyes")
    reaction["item"] = 5
    first = await standin.send_event(without_ts, event_id="EvNOTS")
    second = await standin.send_event(reaction, event_id="EvITEM")
    # Acked: a payload that cannot be read would fail each of Slack's redeliveries too.
    assert (first.status, second.status) == (200, 200)
    spam = spam_event(standin)
    assert (await standin.send_event(spam)).status == 200
    await steward.settle()
    delete = await standin.wait_for_call("chat.delete")
    assert delete.args["ts"] == spam["ts"]
    assert steward.connection.malformed == 2
    assert "could not hear Slack event EvNOTS (message): malformed payload" in caplog.text
    assert "could not hear Slack event EvITEM (reaction_added): malformed payload" in caplog.text


async def test_malformed_commands_clicks_and_forms_are_logged_and_acked_and_the_next_still_works(
    standin: SlackStandin, start_steward: Start, caplog: pytest.LogCaptureFixture
) -> None:
    steward = await start_steward()
    clicks = listen(steward.app.bus, ComponentClicked)
    ws = standin.workspace
    click = await moderator_clicks_remove(standin, steward)
    # Each fails somewhere else: in bolt's matching, in a listener, in a form's metadata.
    not_a_list = {**click, "actions": "remove"}
    numbered = {**click, "actions": [{**click["actions"][0], "action_id": 5}]}
    unreadable_form = payloads.view_submission(
        ws, MONA, "steward_command", {"reason": "x"}, private_metadata="{not json"
    )
    listed_form = payloads.view_submission(
        ws, MONA, "steward_command", {"reason": "x"}, private_metadata="[1]"
    )
    teamless = payloads.slash_command(ws, MONA, ws.conversations[GENERAL], "case show 1")
    del teamless["team_id"]
    answered = [
        (await standin.send_interaction(payload)).status
        for payload in (not_a_list, numbered, unreadable_form, listed_form)
    ]
    answered.append((await standin.send_command(teamless)).status)
    # Bolt reads a body before checking its signature: one it cannot read is refused.
    unreadable = await standin.send_interaction({**click, "container": None, "channel": 3})
    too_deep = await standin.deliver(
        payloads.form_body({"payload": "[" * 100_000}), "application/x-www-form-urlencoded"
    )
    assert (await standin.send_interaction(click)).status == 200
    await steward.settle()
    assert answered == [200] * 5
    assert (unreadable.status, too_deep.status) == (400, 400)
    assert steward.connection.malformed == 5
    assert f"could not hear Slack block_actions from {MONA}: malformed payload" in caplog.text
    assert f"could not hear Slack view_submission from {MONA}: malformed payload" in caplog.text
    assert f"could not hear Slack command /steward from {MONA}: malformed payload" in caplog.text
    assert "refused a Slack request that could not be read" in caplog.text
    assert "Traceback" not in caplog.text
    (clicked,) = clicks.events
    assert (clicked.target, clicked.choice) == ("review:1", "remove")


async def test_a_network_error_while_reading_an_event_still_fails_it_for_a_redelivery(
    standin: SlackStandin, start_steward: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    steward = await start_steward()

    async def unreachable(ident: str) -> None:
        raise ConnectionResetError("slack went away")

    monkeypatch.setattr(steward.connection.directory, "member_now", unreachable)
    assert (await standin.send_event(spam_event(standin))).status == 500
    assert steward.connection.malformed == 0


async def test_an_author_slack_cannot_look_up_now_fails_the_event_for_a_redelivery(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    ws = standin.workspace
    ws.add_user("U0NEWBIE", "newbie")
    ws.conversations[GENERAL].members.add("U0NEWBIE")
    event = payloads.member_posts(ws, "U0NEWBIE", ws.conversations[GENERAL], SPAM)
    # Each of the client's waits ends in another 429: the first delivery cannot know its
    # author, so it fails rather than being taken for a stranger's and left alone.
    standin.rate_limit("users.info", retry_after=0, times=4)
    first = await standin.send_event(event, event_id="EvRAID")
    assert first.status == 500
    assert [c.status for c in standin.calls_to("users.info")][-4:] == [429] * 4
    assert standin.calls_to("chat.delete") == []
    again = await standin.send_event(event, event_id="EvRAID", retry_num=1)
    assert again.status == 200
    await steward.settle()
    delete = await standin.wait_for_call("chat.delete")
    assert delete.args["ts"] == event["ts"]


async def test_slash_commands_check_who_runs_them(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    general = standin.workspace.conversations[GENERAL]
    ws = standin.workspace
    refused = payloads.slash_command(ws, ALICE, general, f"warn <@{MONA}|mona> be nice")
    assert (await standin.send_command(refused)).status == 200
    await steward.settle()
    reply = await standin.wait_for_call("response_url")
    assert reply.args["text"] == "Only a moderator can use /steward warn."
    assert reply.args["response_type"] == "ephemeral"
    assert reply.args["response_url"] == refused["response_url"]
    for moderator in (MONA, MILO):  # one by user group, one by id
        fields = payloads.slash_command(ws, moderator, general, f"warn <@{ALICE}|alice> be nice")
        await standin.send_command(fields)
    await steward.settle()
    store = store_for(steward.app.storage)
    cases = await store.cases.for_member(Ref("slack", TEAM), Ref("slack", ALICE))
    assert sorted(c.actor for c in cases) == [f"slack:{MILO}", f"slack:{MONA}"]
    assert {c.reason for c in cases} == {"be nice"}
    status = payloads.slash_command(ws, MONA, general, "status")
    await standin.send_command(status)
    await steward.settle()
    answer = await standin.wait_for_call(
        "response_url", lambda c: "Steward is up" in c.args["text"]
    )
    assert answer.args["response_url"] == status["response_url"]


async def test_a_member_reads_their_record_the_guidelines_and_the_commands_slack_runs(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(admin=True)
    await standin.send_event(spam_event(standin))
    await steward.settle()
    await standin.wait_for_call("chat.delete")
    general = standin.workspace.conversations[GENERAL]
    await standin.send_command(payloads.slash_command(standin.workspace, ALICE, general, "record"))
    await steward.settle()
    record = standin.calls_to("response_url")[-1].args["text"].splitlines()
    assert record[0] == "Your record in Acme:"
    day = r"\d{4}-\d{2}-\d{2}"
    assert re.fullmatch(
        rf"Case #1 \({day}\): No spam: no invites to other servers, link shorteners, "
        rf"disguised links or blocked sites\. It counts until {day}\.",
        record[1],
    ), record[1]
    assert record[-1] == "To appeal a case that counts, use /steward appeal with its number."
    # The guidelines a member reads point to the record as Slack types it.
    await standin.send_command(
        payloads.slash_command(standin.workspace, ALICE, general, "guidelines")
    )
    await steward.settle()
    guidelines = standin.calls_to("response_url")[-1].args["text"].splitlines()
    assert guidelines[0] == "The guidelines of Acme:"
    assert (
        "- No spam: no invites to other servers, link shorteners, disguised links or "
        "blocked sites" in guidelines
    )
    assert guidelines[-1].endswith("See your own record with /steward record.")


async def test_a_staff_note_is_read_by_moderators_and_not_by_the_member(
    standin: SlackStandin, start_steward: Start
) -> None:
    ws = standin.workspace
    general = ws.conversations[GENERAL]
    steward = await start_steward()
    for who, text in (
        (MONA, f"note <@{ALICE}|alice> asked twice about a refund, be patient"),
        (MILO, f"history <@{ALICE}|alice>"),
        (ALICE, "record"),
    ):
        await standin.send_command(payloads.slash_command(ws, who, general, text))
        await steward.settle()
    noted, history, record = [c.args["text"] for c in standin.calls_to("response_url")][-3:]
    assert noted == "Noted on alice for moderators (case #1); they are not told."
    assert history.splitlines()[0] == "alice: 0 case(s), 0 active point(s). 1 staff note(s)."
    assert history.splitlines()[1].endswith(
        "note: alice - noted by mona: asked twice about a refund, be patient"
    )
    assert record == "Your record in Acme is clean."
    assert standin.calls_to("conversations.open") == [], "nobody was written to"


async def test_a_deactivated_account_is_no_member_to_act_on_and_its_record_says_so(
    standin: SlackStandin, start_steward: Start
) -> None:
    ws = standin.workspace
    general = ws.conversations[GENERAL]
    steward = await start_steward()
    await standin.send_command(
        payloads.slash_command(ws, MONA, general, f"warn <@{ALICE}|alice> spam")
    )
    await steward.settle()
    ws.users[ALICE].deleted = True  # an admin deactivated the account; Slack says so
    await standin.send_event(payloads.user_change(ws, ALICE))
    await steward.settle()
    for text in (f"warn <@{ALICE}|alice> more spam", f"history <@{ALICE}|alice>"):
        await standin.send_command(payloads.slash_command(ws, MONA, general, text))
        await steward.settle()
    warned, history = [c.args["text"] for c in standin.calls_to("response_url")][-2:]
    assert warned == "no member 'alice' here"
    assert (
        history.splitlines()[0] == "alice (not in the community now): 1 case(s), 1 active point(s)."
    )


async def test_help_and_usage_name_commands_as_slack_runs_them(
    standin: SlackStandin, start_steward: Start
) -> None:
    # Every Steward command runs under the one slash command: /appeal alone is no command
    # on Slack, so help and errors must not tell a member to type it.
    steward = await start_steward()
    general = standin.workspace.conversations[GENERAL]
    for text in ("help", "appeal", "nosuch"):
        await standin.send_command(payloads.slash_command(standin.workspace, ALICE, general, text))
        await steward.settle()
    replies = [c.args["text"] for c in standin.calls_to("response_url")]
    listing, usage, unknown = replies[-3:]
    # (Slack's text escapes < and >.)
    assert "\n/steward appeal &lt;case&gt; &lt;reason&gt; - Appeal a case" in listing
    assert "\n/appeal " not in listing
    assert usage == "missing 'case'; usage: /steward appeal &lt;case&gt; &lt;reason&gt;"
    assert unknown == "There is no /steward nosuch command here. Try /steward help."


async def test_a_button_click_reaches_steward_and_is_acked(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    clicks = listen(steward.app.bus, ComponentClicked)
    click = await moderator_clicks_remove(standin, steward)
    delivery = await standin.send_interaction(click)
    await steward.settle()
    assert delivery.status == 200
    (clicked,) = clicks.events
    assert (clicked.target, clicked.choice, clicked.author.roles) == (
        "review:1",
        "remove",
        frozenset({"moderators"}),
    )
    assert clicked.message == Ref("slack", click["container"]["message_ts"])


async def test_socket_mode_acts_and_reconnects_when_asked(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(mode="socket")
    first = spam_event(standin)
    await standin.send_envelope("events_api", payloads.event_callback(standin.workspace, first))
    await steward.settle()
    await standin.wait_for_call("chat.delete")
    await standin.disconnect_sockets()
    await standin.wait_for_socket(2)
    second = spam_event(standin)
    await standin.send_envelope("events_api", payloads.event_callback(standin.workspace, second))
    await steward.settle()
    delete = await standin.wait_for_call("chat.delete", count=2)
    assert delete.args["ts"] == second["ts"]


async def test_a_sanction_without_a_reason_asks_for_it_in_a_modal(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    ws = standin.workspace
    general = ws.conversations[GENERAL]
    await standin.send_command(payloads.slash_command(ws, MONA, general, f"warn <@{ALICE}>"))
    opened = await standin.wait_for_call("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "steward_command"
    submission = payloads.view_submission(
        ws,
        MONA,
        "steward_command",
        {"reason": "spamming links"},
        private_metadata=view["private_metadata"],
    )
    assert (await standin.send_interaction(submission)).status == 200
    await steward.settle()
    cases = await store_for(steward.app.storage).cases.for_member(
        Ref("slack", TEAM), Ref("slack", ALICE)
    )
    assert [(c.actor, c.reason) for c in cases] == [(f"slack:{MONA}", "spamming links")]


async def test_a_report_becomes_a_card_whose_remove_button_deletes_the_message(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    reported, card = await report_alices_message(standin, steward)
    (item,) = await store_for(steward.app.storage).reviews.open_items(Ref("slack", TEAM))
    assert (item.source, item.message) == ("report", Ref("slack", reported))
    await click(standin, MONA, card, "remove")
    await steward.settle()
    delete = await standin.wait_for_call("chat.delete")
    assert (delete.token, delete.args["ts"]) == ("user", reported)
    closed = await standin.wait_for_call("chat.update")
    assert closed.args["ts"] == card.ts
    assert not [b for b in closed.args["blocks"] if b["type"] == "actions"], "no buttons left"


async def test_a_card_shows_what_its_member_edited_the_reported_message_to(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    ws = standin.workspace
    reported, card = await report_alices_message(standin, steward)
    edit = payloads.member_edits(ws, ws.conversations[GENERAL], reported, "never mind, sorry")
    await standin.send_event(edit)
    await steward.settle()
    shown = await standin.wait_for_call("chat.update")
    assert shown.args["ts"] == card.ts
    assert " to: never mind, sorry" in shown.args["text"]
    assert [b for b in shown.args["blocks"] if b["type"] == "actions"], "it still waits"


async def test_rate_limits_are_waited_out(standin: SlackStandin, start_steward: Start) -> None:
    steward = await start_steward()
    standin.rate_limit("chat.delete", retry_after=0)
    event = spam_event(standin)
    await standin.send_event(event)
    await steward.settle()
    statuses = [c.status for c in standin.calls_to("chat.delete")]
    assert statuses == [429, 200]
    assert event["ts"] not in standin.workspace.conversations[GENERAL].messages


async def test_an_edit_into_spam_is_judged_again(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    ws = standin.workspace
    general = ws.conversations[GENERAL]
    stored = payloads.member_posts(ws, ALICE, general, "lovely weather today")
    await standin.send_event(stored)
    await steward.settle()
    assert standin.calls_to("chat.delete") == []
    await standin.send_event(payloads.member_edits(ws, general, stored["ts"], SPAM))
    await steward.settle()
    delete = await standin.wait_for_call("chat.delete")
    assert delete.args["ts"] == stored["ts"]


async def test_socket_mode_redeliveries_act_once(
    standin: SlackStandin, start_steward: Start
) -> None:
    standin.echo_deletions = False  # only the events sent here are counted
    steward = await start_steward(mode="socket")
    body = payloads.event_callback(standin.workspace, spam_event(standin))
    await standin.send_envelope("events_api", body)
    await standin.send_envelope("events_api", body, retry_attempt=1)
    await steward.settle()
    assert (steward.connection.handled, steward.connection.dropped) == (1, 1)
    assert len(standin.calls_to("chat.delete")) == 1


async def test_a_poll_is_block_kit_buttons_and_a_click_is_a_vote(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    clicks = listen(steward.app.bus, ComponentClicked)
    result = await steward.connection.gateway.apply(
        PostPoll(
            community=Ref("slack", TEAM),
            channel=Ref("slack", GENERAL),
            question="Which colour next?",
            answers=("warm", "cold"),
            hours=24,
        )
    )
    assert result.ok and result.ref is not None
    general = standin.workspace.conversations[GENERAL]
    posted = general.messages[result.ref.id]
    (actions,) = [b for b in posted["blocks"] if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions["elements"]] == ["warm", "cold"]
    cold = actions["elements"][1]
    click = payloads.block_action(
        standin.workspace, ALICE, general, result.ref.id, action_id=cold["action_id"], value="1"
    )
    assert (await standin.send_interaction(click)).status == 200
    await steward.settle()
    (clicked,) = clicks.events
    assert (clicked.target, clicked.choice, clicked.message) == ("poll", "1", result.ref)


async def test_a_new_display_name_arrives_with_the_one_before(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    heard = listen(steward.app.bus, MemberUpdated)
    general = standin.workspace.conversations[GENERAL]
    await standin.send_event(payloads.member_posts(standin.workspace, ALICE, general, "hi all"))
    await steward.settle()  # Steward has seen Alice as she was
    before = standin.workspace.users[ALICE].real_name or "alice"
    await standin.send_event(payloads.user_change(standin.workspace, ALICE))  # a status only
    standin.workspace.users[ALICE].real_name = "Alice the Great"
    await standin.send_event(payloads.user_change(standin.workspace, ALICE))
    update = await heard.first()
    await steward.settle()
    assert len(heard.events) == 1
    assert update.before is not None and update.before.shown_name == before
    assert update.member.shown_name == "Alice the Great" and update.renamed
    assert len(standin.calls_to("users.info")) == 1  # the change came with the user


async def test_a_probe_sees_slack_connected_once_its_endpoint_listens(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward()
    assert await steward.connection.connected()
    idle = SlackConnection(steward.connection.settings, bot_token="xoxb-never-run")
    assert not await idle.connected()  # not listening: no event could arrive
