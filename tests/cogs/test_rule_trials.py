"""A rule's trial: moderators judge its shadow hits, and learn its precision before it goes live."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.registry import CogRegistry
from moderation.cases import CaseStatus
from moderation.review_sla import SlaPolicy
from tests.cogs.test_review_cards import carded
from tests.cogs.test_review_commands import stored


async def test_moderators_judge_a_trialled_rules_next_hits_and_nothing_happens_to_members(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with carded(registry, database) as bot:
        started = await bot.command("owner", "policy trial", rule="insults", hits=2)
        listing = await bot.command("owner", "policy show")
        await bot.say("alice", "you are all such idiots honestly", "m1")
        await bot.say("bob", "what a moron move by the ref lol", "m2")
        await bot.say("alice", "what a loser take", "m3")  # the trial asked for two
        cards = bot.cards()
        buttons = [[(b["choice"], b["label"]) for b in c["buttons"]] for c in cards]
        warned = await bot.click("mod1", "review:1", "warn", "rude")
        right = await bot.click("mod1", "review:1", "right")
        refused = await bot.command("mod2", "review decide", item=2, decision="reached_out")
        wrong = await bot.command("mod2", "review decide", item=2, decision="ok", note="banter")
        shown = (await bot.command("owner", "policy show", rule="insults")).splitlines()
        kept = [m.content for m in bot.session.community.messages.values()]
    assert started.startswith("Rule insults is on trial: in shadow mode, it does nothing")
    assert "insults: keywords, medium, shadow (on trial)" in listing.splitlines()
    assert len(cards) == 2
    assert cards[0]["content"].splitlines()[0] == (
        "Rule insults on trial, was it right? alice in #general - contains a listed word: "
        "idiot*. It would have done: delete, warn; it did nothing. Guideline: Respect each "
        "other: no insults or name-calling."
    )
    assert buttons == [[("right", "Rule was right"), ("dismiss", "Rule was wrong")]] * 2
    assert warned == "This card has no button 'warn'."
    assert right.startswith("Review item 1: the rule was right. Nothing happens to the member")
    assert refused == "reached_out is for someone who may be at risk; decide violation or ok"
    over = (
        "The trial of insults is over: moderators found it right 1 time(s) of 2 (50%). It "
        "stays in shadow mode: /policy shadow insults no takes it live, /policy trial insults "
        "tries it again."
    )
    # The last card judged ends the trial: the moderator and the staff channel hear how
    # the rule did.
    assert wrong == f"Review item 2: the rule was wrong. Nothing happens to the member. {over}"
    assert [p["content"] for p in bot.of("post_message") if p["content"] == over] == [over]
    # The other moderators learn who changed what the rule does.
    told = [p["content"] for p in bot.of("post_message") if p["content"].startswith("owner ")]
    assert told == ["owner put rule insults on trial: in shadow mode, its next 2 hit(s) to judge."]
    # Shadow mode held: nothing removed, nobody told, nobody on record.
    assert bot.of("delete_message") == [] and bot.of("send_direct_message") == []
    assert {"you are all such idiots honestly", "what a loser take"} <= set(kept)
    assert "So far: 3 case(s), all in shadow; 2 of 2 review item(s) decided, 1 a violation " in (
        "\n".join(shown)
    )
    assert not any(line.startswith("On trial") for line in shown), "both hits were judged"
    # Over, its tally stays to read when deciding whether to take the rule live.
    assert "Last trial, ended 2026-03-02: moderators found it right 1 time(s) of 2 (50%)." in (
        shown
    )
    examples, cases = await stored(database)
    assert [c.status for c in cases] == [CaseStatus.SHADOW] * 3
    assert [(e.text, e.violation) for e in examples] == [
        ("you are all such idiots honestly", True),
        ("what a moron move by the ref lol", False),
    ]
    assert cases[1].notes[-1].text == "trial judged: the rule was wrong (banter)"


async def test_a_trial_outlasts_a_restart_and_ends_when_the_rule_is_enforced(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with carded(registry, database) as bot:
        await bot.command("owner", "policy trial", rule="insults", hits=3)
        await bot.say("alice", "you are all such idiots honestly", "m1")
    async with carded(registry, database) as bot:
        shown = await bot.command("owner", "policy show", rule="insults")
        await bot.say("bob", "what a moron move by the ref lol", "m2")
        enforced = await bot.command("owner", "policy shadow", rule="insults", on=False)
        after = await bot.command("owner", "policy show", rule="insults")
        await bot.say("alice", "what a loser take", "m3")
        carded_after = len(bot.cards())
        removed = [d["message"] for d in bot.of("delete_message")]
        ended = await bot.command("owner", "policy trial", rule="insults", hits=0)
        typo = await bot.command("owner", "policy trial", rule="insult", hits=0)
        too_many = await bot.command("owner", "policy trial", rule="insults", hits=500)
    assert "On trial: its next 2 hit(s) come to the review queue to judge; none judged yet." in (
        shown
    )
    assert enforced == "Rule insults is back to its mode in the policy."
    assert "owner put rule insults back to its mode in the policy." in [
        p["content"] for p in bot.of("post_message")
    ]
    assert "On trial" not in after
    assert carded_after == 1, "only bob's hit, judged in the trial, got a card"
    assert removed == ["m3"]
    assert ended.startswith("The trial of insults is over")
    assert typo == "no rule 'insult'; try /policy show"
    assert too_many == "hits must be between 0 and 50"


async def test_a_trial_card_pings_nobody(registry: CogRegistry, tmp_path: Path) -> None:
    # A judgement asked for when moderators have time: no deadline, no on-call ping.
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.command("owner", "policy trial", rule="insults", hits=1)
        await bot.say("alice", "you are all such idiots honestly", "m1")
        (item,) = await bot.items()
    policy = SlaPolicy(
        waits={0: 1}, escalate_after=timedelta(minutes=1), quiet=None, tz=ZoneInfo("UTC")
    )
    assert item.waiting
    assert policy.pending(item, set(), item.created_at + timedelta(days=3)) == ([], None)


async def test_two_hits_at_once_take_the_last_card_of_a_trial_once(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db", workers=4) as bot:
        await bot.command("owner", "policy trial", rule="insults", hits=1)
        driver = bot.session.driver
        for ident, author in (("m1", "alice"), ("m2", "bob")):
            await driver.say(author, "general", f"{author}, you idiot", message_id=ident)
        await bot.session.app.bus.join()
        carded_once = len(bot.cards())
    assert carded_once == 1


async def test_without_a_staff_channel_a_trial_says_where_its_items_wait(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db", staff_channel="") as bot:
        started = await bot.command("owner", "policy trial", rule="insults", hits=1)
        await bot.say("alice", "you are all such idiots honestly", "m1")
        listed = await bot.command("mod1", "review list")
    assert started.endswith("No staff channel is set: they wait in /review list.")
    assert bot.cards() == []
    assert listed.splitlines()[1].startswith(
        "1. [p0] alice - trial of insults: contains a listed word: idiot*"
    )
