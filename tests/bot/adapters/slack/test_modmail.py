"""Modmail through the real bolt app: a DM opens a thread in the staff channel, answers go back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.standins.slack import SlackStandin, payloads
from bot.standins.slack.workspace import Conversation
from tests.bot.adapters.slack.conftest import ALICE, GENERAL, MODLOG, MONA, Start, Steward

MODMAIL = f'[communities.acme.cogs.modmail]\nchannel = "{MODLOG}"\n'


async def alice_writes(
    standin: SlackStandin, start_steward: Start, text: str, files: tuple[str, ...] = ()
) -> tuple[Steward, Conversation]:
    """Start Steward with modmail; alice writes to it privately. Return it and her DM."""
    steward = await start_steward(extra=MODMAIL)
    im = standin.workspace.open_im(ALICE)
    dm = payloads.member_posts(standin.workspace, ALICE, im, text, files=files)
    assert (await standin.send_event(dm)).status == 200
    await steward.settle()
    return steward, im


async def test_a_members_dm_reaches_a_staff_thread_and_the_answer_reaches_the_member(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward, im = await alice_writes(standin, start_steward, "Why was my post removed?")
    workspace = standin.workspace
    posts = [c.args for c in standin.calls_to("chat.postMessage") if c.args["channel"] == MODLOG]
    opener, header, relayed = posts[0], posts[1], posts[2]
    thread = str(header["thread_ts"])
    assert "modmail" in str(opener["text"]) and relayed["thread_ts"] == thread
    assert str(header["text"]).startswith("Modmail from")
    assert str(header["text"]).endswith("Close with /steward modmail close REASON.")
    assert str(relayed["text"]) == "*alice:* Why was my post removed?"
    staff = workspace.conversations[MODLOG]
    answer = payloads.member_posts(
        workspace, MONA, staff, "It had a phishing link; post it again without.", thread_ts=thread
    )
    assert (await standin.send_event(answer)).status == 200
    await steward.settle()
    to_alice = [
        str(c.args["text"])
        for c in standin.calls_to("chat.postMessage")
        if c.args["channel"] == im.id
    ]
    assert to_alice[-1] == "*mona:* It had a phishing link; post it again without."


async def test_texts_longer_than_slack_keeps_arrive_whole_in_several_messages(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(extra=MODMAIL)
    workspace = standin.workspace
    im = workspace.open_im(ALICE)
    question = " ".join(["question"] * 4_000)  # 35,999 characters
    assert (
        await standin.send_event(payloads.member_posts(workspace, ALICE, im, question))
    ).status == 200
    await steward.settle()
    header = [c.args for c in standin.calls_to("chat.postMessage") if c.args["channel"] == MODLOG][
        1
    ]
    staff = workspace.conversations[MODLOG]
    # Slack takes up to 40,000 characters from a member; signed, the answer runs past that.
    answer = " ".join(["answer"] * 5_714)
    signed = f"*mona:* {answer}"
    assert len(answer) < 40_000 < len(signed)
    reply = payloads.member_posts(
        workspace, MONA, staff, answer, thread_ts=str(header["thread_ts"])
    )
    assert (await standin.send_event(reply)).status == 200
    await steward.settle()
    command = payloads.slash_command(workspace, MONA, staff, f"modmail transcript <@{ALICE}|alice>")
    assert (await standin.send_command(command)).status == 200
    await steward.settle()
    shown_to_alice = [m["text"] for m in im.messages.values() if m.get("bot_id")]
    transcript = [
        str(c.args["text"])
        for c in standin.calls_to("response_url")
        if c.args["response_url"] == command["response_url"]
    ]
    assert shown_to_alice[-2:] == [signed[: signed.rindex(" ", 0, 40_000)], "answer"]
    # Three messages: the split falls between the lines, then between the words of one.
    first, second, third = transcript
    assert first.endswith(f"alice: {question}")
    assert f"{second} {third}".endswith(f"mona: {answer}")


async def test_a_file_shared_in_a_dm_reaches_the_thread_with_its_link(
    standin: SlackStandin, start_steward: Start
) -> None:
    await alice_writes(standin, start_steward, "here it is", files=("receipt.pdf",))
    relayed = [
        str(c.args["text"])
        for c in standin.calls_to("chat.postMessage")
        if c.args["channel"] == MODLOG
    ][-1]
    text, file = relayed.split("\n")
    assert text == "*alice:* here it is"
    assert file.startswith("📎 receipt.pdf https://files.slack.invalid/files-pri/")


async def test_a_block_typed_in_words_closes_the_conversation_and_alice_is_told_once(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward, im = await alice_writes(standin, start_steward, "you are all useless")
    workspace = standin.workspace
    staff = workspace.conversations[MODLOG]
    command = payloads.slash_command(
        workspace, MONA, staff, f"modmail block insults to the team <@{ALICE}|alice> 7d"
    )
    blocked_at = datetime.now(UTC)
    assert (await standin.send_command(command)).status == 200
    await steward.settle()
    for text in ("useless!", "still useless"):
        dm = payloads.member_posts(workspace, ALICE, im, text)
        assert (await standin.send_event(dm)).status == 200
    await steward.settle()
    (answer,) = [
        c.args["text"]
        for c in standin.calls_to("response_url")
        if c.args["response_url"] == command["response_url"]
    ]
    to_alice = [m["text"] for m in im.messages.values() if m.get("bot_id")]
    in_staff = [str(c.args["text"]) for c in standin.calls_to("chat.postMessage")]
    assert answer == "Blocked alice from modmail for 1w."
    (blocked,) = [
        t for t in in_staff if t.startswith("Blocked by mona for 1w: insults to the team.")
    ]
    assert "; /steward modmail unblock " in blocked
    assert not any("useless!" in t or "still useless" in t for t in in_staff)
    (told,) = [t for t in to_alice if "do not reach" in t]
    # Steward runs on the wall clock here: the block ends a week from the command.
    said = re.fullmatch(
        r"Until (.+) \(UTC\), your messages do not reach the Acme moderators: insults to "
        r"the team\.",
        told,
    )
    assert said is not None
    ends = datetime.strptime(said[1], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert abs(ends - (blocked_at + timedelta(days=7))) < timedelta(minutes=2)


async def test_a_member_at_risk_writing_privately_gets_care_and_staff_an_urgent_alert(
    standin: SlackStandin, start_steward: Start
) -> None:
    # Modmail relays her words to a thread; the care rule answers her and alerts staff.
    _, im = await alice_writes(standin, start_steward, "honestly I want to kill myself tonight")
    to_alice = [
        str(c.args["text"])
        for c in standin.calls_to("chat.postMessage")
        if c.args["channel"] == im.id
    ]
    staff = [
        str(c.args["text"])
        for c in standin.calls_to("chat.postMessage")
        if c.args["channel"] == MODLOG
    ]
    assert any("You're not alone" in text for text in to_alice), to_alice
    assert any(
        text.startswith("Urgent, please reach out: alice in a private message to Steward")
        for text in staff
    ), staff
    assert "*alice:* honestly I want to kill myself tonight" in staff


async def test_a_moderator_writes_first_and_the_members_answer_reaches_the_same_thread(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(extra=MODMAIL)
    workspace = standin.workspace
    general = workspace.conversations[GENERAL]
    command = payloads.slash_command(
        workspace, MONA, general, f"modmail open <@{ALICE}|alice> Checking in: how are you?"
    )
    assert (await standin.send_command(command)).status == 200
    await steward.settle()
    im = workspace.open_im(ALICE)
    to_alice = [str(m["text"]) for m in im.messages.values() if m.get("bot_id")]
    assert to_alice == [
        "The Acme moderators are writing to you. Answer here: they will read it.\n"
        "*mona:* Checking in: how are you?"
    ]
    assert (
        await standin.send_event(payloads.member_posts(workspace, ALICE, im, "Better, thanks."))
    ).status == 200
    await steward.settle()
    posts = [c.args for c in standin.calls_to("chat.postMessage") if c.args["channel"] == MODLOG]
    header = next(p for p in posts if str(p["text"]).startswith("Modmail to alice"))
    in_thread = [str(p["text"]) for p in posts if p.get("thread_ts") == header["thread_ts"]]
    assert in_thread[-2:] == [
        "*mona* wrote to them: Checking in: how are you?",
        "*alice:* Better, thanks.",
    ]
