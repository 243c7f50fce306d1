"""Review cards through the local platform: buttons, claims, decisions, races and restarts."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, cast

from bot.adapters.local.scenario import ClickLine
from bot.registry import CogRegistry
from moderation.cases import CaseStatus, ReviewItem, ReviewOutcome, ReviewStatus
from moderation.examples import LabelledExample
from moderation.store import store_for
from tests.cogs.test_review_commands import ACME, ALSO_UNSURE, UNSURE, Moderated, moderated, stored

CHOICES = ["claim", "remove", "warn", "timeout", "ban", "dismiss", "escalate"]


class Carded(Moderated):
    """A moderated session that also clicks review cards and reads them."""

    async def click(self, author: str, target: str, choice: str, reason: str = "") -> str:
        """Click a card's button (by target or by the message it is about); return the answer."""
        before = len(self.actions)
        refused = await self.session.play(
            ClickLine(
                type="click",
                at=self.session.clock.now(),
                author=author,
                target=target,
                choice=choice,
                reason=reason,
            )
        )
        assert refused is None, refused
        (reply,) = [a for a in self.actions[before:] if a["action"] == "reply_ephemeral"]
        return str(reply["content"])

    def cards(self) -> list[dict[str, Any]]:
        return [p for p in self.of("post_message") if p.get("buttons")]

    def card_text(self) -> str:
        """Return the card's text as the platform shows it now."""
        (card,) = self.cards()
        return self.session.community.messages[card["created"]].content

    def buttons_left(self) -> list[str]:
        """Return the choices on the card as last posted or edited."""
        (card,) = self.cards()
        edits = [e for e in self.of("edit_message") if e["message"] == card["created"]]
        latest = edits[-1] if edits else card
        return sorted(b["choice"] for b in latest.get("buttons", []))

    async def items(self) -> list[ReviewItem]:
        store = store_for(self.session.app.storage)
        found = [await store.reviews.get(n) for n in range(1, 10)]
        return [i for i in found if i is not None]


def carded(
    registry: CogRegistry, database: Path, *, workers: int = 1, **guidelines: Any
) -> AbstractAsyncContextManager[Carded]:
    """Open a moderated session that clicks cards."""
    opened = moderated(registry, database, workers=workers, kind=Carded, **guidelines)
    return cast(AbstractAsyncContextManager[Carded], opened)  # it yields the kind it is given


async def examples_in(database: Path) -> list[LabelledExample]:
    examples, _ = await stored(database)
    return examples


async def test_an_uncertain_message_posts_a_card_with_every_decision_as_a_button(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("bob", "morning all", "m0")
        await bot.say("alice", UNSURE, "m1")
        (card,) = bot.cards()
        (item,) = await bot.items()
    assert card["channel"] == "mod-log"
    assert [(b["target"], b["choice"]) for b in card["buttons"]] == [
        ("review:1", c) for c in CHOICES
    ]
    lines = card["content"].splitlines()
    assert (
        lines[0] == "Review needed: alice in #general - uncertain abuse score 0.78 just under 0.90"
    )
    assert lines[2:4] == ["  bob: morning all", f"> alice: {UNSURE}"], "the message in context"
    assert "Scores: abuse 0.78, spam 0.02" in lines
    assert item.card is not None and item.card.message.id == card["created"]
    assert item.status is ReviewStatus.OPEN


async def test_only_moderators_act_and_a_claim_shows_who_is_on_it(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        refused = await bot.click("bob", "review:1", "remove")
        claimed = await bot.click("mod1", "m1", "claim")
        taken = await bot.click("mod2", "review:1", "claim")
        shown = bot.card_text()
        left = bot.buttons_left()
        (item,) = await bot.items()
    assert refused == "Only moderators can act on review cards."
    assert claimed == "You are on review item 1."
    assert taken == "Review item 1 is claimed by mod1 already."
    assert shown.endswith("\nClaimed by mod1.")
    assert left == sorted(c for c in CHOICES if c != "claim")
    assert (item.status, item.claimed_by) == (ReviewStatus.CLAIMED, "local:mod1")
    assert UNSURE in [m.content for m in bot.session.community.messages.values()]


async def test_remove_deletes_the_message_writes_the_case_and_closes_the_card(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with carded(registry, database) as bot:
        await bot.say("alice", UNSURE, "m1")
        answer = await bot.click("mod1", "m1", "remove")
        again = await bot.command("mod2", "review decide", item=1, decision="ok")
        shown = bot.card_text()
        left = bot.buttons_left()
        case = await store_for(bot.session.app.storage).cases.get(ACME, 1)
    assert answer == (
        "Review item 1: removed the message. Case #1 confirmed; the message is removed."
    )
    assert again == "review item 1 is decided already (violation, by mod1)"
    (delete,) = bot.of("delete_message")
    assert (delete["message"], delete["actor"], delete["case"]) == ("m1", "mod1", "#1")
    assert shown.endswith("\nDecided by mod1: removed the message (case #1).")
    assert left == [], "a decided card has no buttons"
    assert case is not None and case.status is CaseStatus.ACTIVE
    assert [a.kind for a in case.actions] == ["delete_message"]
    (example,) = await examples_in(database)
    assert (example.text, example.violation, example.decided_by) == (UNSURE, True, "local:mod1")


async def test_dismiss_records_ok_and_sanctions_nobody(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with carded(registry, database) as bot:
        await bot.say("alice", UNSURE, "m1")
        answer = await bot.click("mod1", "review:1", "dismiss")
        shown = bot.card_text()
        case = await store_for(bot.session.app.storage).cases.get(ACME, 1)
    assert answer == "Review item 1: not a violation. Case #1 pardoned."
    assert shown.endswith("\nDecided by mod1: not a violation, no sanction (case #1).")
    assert [bot.of(k) for k in ("delete_message", "timeout", "ban")] == [[], [], []]
    assert UNSURE in [m.content for m in bot.session.community.messages.values()]
    assert case is not None and case.status is CaseStatus.PARDONED
    (example,) = await examples_in(database)
    assert (example.violation, example.label) == (False, "abuse")


async def test_timeout_opens_the_moderators_case_with_a_default_reason(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db", card_timeout_minutes=30) as bot:
        await bot.say("alice", UNSURE, "m1")
        answer = await bot.click("mod1", "m1", "timeout")
        store = store_for(bot.session.app.storage)
        rule_case, sanction = await store.cases.get(ACME, 1), await store.cases.get(ACME, 2)
    assert answer == "Review item 1: timed out for 30m. Case #2 opened."
    (timeout,) = bot.of("timeout")
    assert (timeout["member"], timeout["duration"], timeout["actor"]) == ("alice", 1800, "mod1")
    assert timeout["reason"].startswith("abuse-model: uncertain abuse score 0.78")
    assert [d["message"] for d in bot.of("delete_message")] == ["m1"]
    notice = bot.of("send_direct_message")[-1]["content"]
    assert "removed" in notice and "timed out" in notice, "one notice says both"
    assert rule_case is not None and rule_case.status is CaseStatus.ACTIVE
    assert rule_case.notes[-1].text == "sanctioned in case #2"
    assert sanction is not None and sanction.actor == "local:mod1"
    assert [a.kind for a in sanction.actions] == ["delete_message", "timeout"]
    assert sanction.points == 1


async def test_a_moderator_cannot_ban_a_fellow_moderator_from_a_card(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("mod2", "hey", "m1")
        await bot.command("bob", "report", message="m1", reason="rude")
        refused = await bot.click("mod1", "m1", "ban")
        (item,) = await bot.items()
    assert refused == "Mod2 is staff with the same or higher standing than you; ask an admin."
    assert bot.of("ban") == []
    assert item.status is ReviewStatus.OPEN, "a refused click decides nothing"


async def test_two_moderators_clicking_at_once_make_one_decision(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with carded(registry, database, workers=2) as bot:
        await bot.say("alice", UNSURE, "m1")
        driver = bot.session.driver
        await asyncio.gather(
            driver.click("mod1", "review:1", "ban"), driver.click("mod2", "review:1", "dismiss")
        )
        await bot.session.app.bus.join()
        replies = sorted(str(a["content"]) for a in bot.of("reply_ephemeral"))
        (item,) = await bot.items()
    winner = "mod1" if item.outcome is ReviewOutcome.VIOLATION else "mod2"
    outcome = "violation" if winner == "mod1" else "ok"
    assert f"Review item 1 is decided already ({outcome}, by {winner})." in replies
    assert len(replies) == 2
    assert len(await examples_in(database)) == 1
    assert len(bot.of("ban")) == (1 if winner == "mod1" else 0)


async def test_escalate_raises_the_priority_and_pings_the_escalation_role(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db", escalation_role="@oncall") as bot:
        await bot.say("alice", UNSURE, "m1")
        answer = await bot.click("mod1", "m1", "escalate")
        (item,) = await bot.items()
        shown = bot.card_text()
    assert answer == "Escalated review item 1 to priority 6 and pinged @oncall."
    assert item.priority == 6
    assert shown.endswith("\nEscalated by mod1: priority 6.")
    pings = [p["content"] for p in bot.of("post_message") if p["content"].startswith("@oncall")]
    assert pings == ["@oncall review item 1 needs you, escalated by mod1: " + item.reason]


async def test_a_card_shows_the_address_behind_a_masked_link_in_the_members_words(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", "buy my stuff: [official store](https://phish.example/x)", "m1")
        await bot.command("bob", "report", message="m1", reason="[see](https://x.example)")
        (card,) = bot.cards()
    # Markdown would show moderators "official store" as a link: the address stays in sight.
    assert (
        "> alice: buy my stuff: [official store]\\(https://phish.example/x)"
        in card["content"].splitlines()
    )
    assert "](" not in card["content"]


async def test_the_files_of_a_reported_message_are_on_its_card_and_its_case(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", "", "m1", files=("screenshot.png", "[x](y).png"))
        await bot.command("bob", "report", message="m1", reason="fake giveaway")
        (card,) = bot.cards()
        await bot.click("mod1", "m1", "remove")
        shown = await bot.command("mod1", "case show", number=1)
    lines = card["content"].splitlines()
    assert lines[lines.index("> alice: ") + 1 :][:2] == [
        "> 📎 screenshot.png",
        "> 📎 [x]\\(y).png",
    ]
    assert "file: 📎 screenshot.png" in shown.splitlines()


async def test_a_rules_case_keeps_the_files_of_its_message(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1", files=("meme.gif",))
        (card,) = bot.cards()
        (item,) = await bot.items()
    assert f"> alice: {UNSURE}\n> 📎 meme.gif" in card["content"]
    assert item.evidence["files"] == [{"filename": "meme.gif", "url": ""}]


async def test_a_report_queues_a_card_once_and_remove_opens_the_moderators_case(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with carded(registry, database) as bot:
        await bot.say("alice", "buy my stuff, cheap", "m1")
        thanks = await bot.command("bob", "report", message="m1", reason="selling")
        again = await bot.command("bob", "report", message="m1")
        missing = await bot.command("bob", "report", message="m404")
        answer = await bot.click("mod1", "m1", "remove")
        (item,) = await bot.items()
        case = await store_for(bot.session.app.storage).cases.get(ACME, 1)
    # bob reads French: the reporter is answered in their language.
    assert thanks == again == "Merci : les modérateurs vont examiner ce message."
    assert missing == ("Je ne trouve pas le message m404 parmi les derniers messages de ce salon.")
    (card,) = bot.cards()
    assert card["content"].startswith("Reported by bob: alice in #general - selling\n")
    assert (item.source, item.outcome) == ("report", ReviewOutcome.VIOLATION)
    assert answer == "Review item 1: removed the message. Case #1 opened."
    assert case is not None and (case.actor, case.member.id) == ("local:mod1", "alice")
    # The moderator's case keeps what they judged: the message, and who reported it.
    assert (case.evidence["original"], case.evidence["reporter"]) == (
        "buy my stuff, cheap",
        "local:bob",
    )
    assert [d["message"] for d in bot.of("delete_message")] == ["m1"]
    (example,) = await examples_in(database)
    assert (example.text, example.violation, example.label) == (
        "buy my stuff, cheap",
        True,
        "manual",
    )


async def test_a_restart_keeps_open_items_and_their_cards_clickable(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        await bot.click("mod1", "m1", "claim")
        await bot.session.restart()
        listing = await bot.command("mod2", "review list")
        answer = await bot.click("mod2", "m1", "remove")
        shown = bot.card_text()
    # Claimed before the restart, and still: whoever looks at the list sees who is on it.
    assert listing.splitlines()[0] == "1 item(s) wait for review, 1 claimed; the most urgent first:"
    assert listing.splitlines()[1].startswith("1. [p1] alice - uncertain abuse score")
    assert listing.endswith(" · claimed by mod1")
    assert answer.startswith("Review item 1: removed the message.")
    assert shown.endswith("\nDecided by mod2: removed the message (case #1).")
    assert [d["message"] for d in bot.of("delete_message")] == ["m1"]


async def test_a_decision_by_command_closes_the_card_too(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        await bot.command("mod1", "review decide", item=1, decision="ok")
        shown = bot.card_text()
        left = bot.buttons_left()
    assert shown.endswith("\nDecided by mod1: ok (/review decide, case #1).")
    assert left == []


async def test_a_reason_given_with_the_click_replaces_the_rules(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        await bot.click("mod1", "m1", "ban", reason="third time this week")
        sanction = await store_for(bot.session.app.storage).cases.get(ACME, 2)
    (ban,) = bot.of("ban")
    assert (ban["member"], ban["reason"], ban["actor"]) == ("alice", "third time this week", "mod1")
    assert sanction is not None and sanction.reason == "third time this week"
    assert "third time this week" in bot.of("send_direct_message")[-1]["content"]


async def test_sanctions_ask_why_and_other_buttons_do_not(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        (card,) = bot.cards()
        await bot.click("mod1", "m1", "warn", reason="   ")
        sanction = await store_for(bot.session.app.storage).cases.get(ACME, 2)
    asks = {b["choice"]: b.get("asks_reason", "") for b in card["buttons"]}
    assert asks == {
        "claim": "",
        "remove": "",
        "warn": "Why warn this member?",
        "timeout": "Why time this member out?",
        "ban": "Why ban this member?",
        "dismiss": "",
        "escalate": "",
    }
    assert sanction is not None and sanction.reason.startswith("abuse-model: uncertain abuse")


async def test_a_card_for_someone_at_risk_offers_no_sanction(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("bob", "honestly I can't take this anymore, I want it all to end", "m1")
        refused = await bot.click("mod1", "m1", "ban")
        unknown = await bot.click("mod1", "m1", "explode")
        (card,) = bot.cards()
        (item,) = await bot.items()
    assert [(b["choice"], b["label"]) for b in card["buttons"]] == [
        ("claim", "Claim"),
        ("reached_out", "Reached out"),
        ("dismiss", "Not at risk (false alarm)"),
        ("escalate", "Escalate"),
    ]
    assert card["content"].startswith("Someone may be at risk: bob in #general")
    assert refused == "This card has no button 'ban'."
    assert unknown == "This card has no button 'explode'."
    assert bot.of("ban") == [] and item.waiting


async def test_a_moderator_who_reached_out_closes_the_card_and_nobody_is_punished(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with carded(registry, database) as bot:
        await bot.say("bob", "honestly I can't take this anymore, I want it all to end", "m1")
        answer = await bot.click("mod1", "m1", "reached_out")
        shown = bot.card_text()
        left = bot.buttons_left()
        (item,) = await bot.items()
        case = await store_for(bot.session.app.storage).cases.by_id(item.case_id or 0)
    assert answer == "Review item 1: reached out. Thank you for looking after them."
    assert shown.endswith("\nDecided by mod1: reached out (case #1).")
    assert left == []
    # The rule was right (precision and training count it so); nobody is punished.
    assert item.outcome is ReviewOutcome.VIOLATION
    assert bot.of("delete_message") == [] and bot.of("timeout") == []
    assert case is not None and case.points == 0
    assert "reached out: from the review card" in [n.text for n in case.notes]


async def test_a_false_alarm_for_someone_at_risk_reads_as_one(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("bob", "honestly I can't take this anymore, I want it all to end", "m1")
        answer = await bot.click("mod1", "m1", "dismiss")
        shown = bot.card_text()
        record = await bot.command("mod1", "history", member="bob")
    assert answer.startswith("Review item 1: not at risk, a false alarm.")
    assert shown.endswith("\nDecided by mod1: not at risk, a false alarm (case #1).")
    # A false alarm is no welfare alert to remind moderators of later.
    summary, line = record.splitlines()
    assert summary == "bob: 0 case(s), 0 active point(s)."
    assert " false alarm: bob - caring reply, staff alert by Steward (self-harm)" in line


async def test_only_a_card_for_someone_at_risk_has_reached_out(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        refused = await bot.click("mod1", "m1", "reached_out")
        (card,) = bot.cards()
    assert "reached_out" not in [b["choice"] for b in card["buttons"]]
    assert refused == "This card has no button 'reached_out'."


async def test_a_card_counts_no_case_a_rule_on_trial_recorded(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # Shouting is in shadow mode by default: its case is a trial's, not alice's record.
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", "WHY IS NOBODY ANSWERING MY QUESTION ABOUT THE LAMP", "m1")
        await bot.say("alice", UNSURE, "m2")
        text = bot.card_text()
    assert "Member alice: 0 earlier case(s), 0 active point(s)" in text


async def test_a_card_says_when_its_message_was_deleted_and_still_waits_for_a_decision(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        await bot.say("bob", "morning all", "m2")
        # Flagged, alice takes her message down before any moderator looked.
        await bot.session.driver.delete("m1")
        await bot.session.driver.delete("m2")  # no card about it: nothing to say
        await bot.session.app.bus.join()
        shown = bot.card_text()
        (item,) = await bot.items()
        answer = await bot.click("mod1", "review:1", "warn", reason="veiled insult")
    assert shown.splitlines()[-2] == (
        "The message was deleted at 2026-03-02 09:00 UTC; a decision still counts for its member."
    )
    assert shown.splitlines()[-1] == "Open: nobody is on it yet."
    assert item.waiting
    assert answer.startswith("Review item 1: warned.")
    assert len(bot.of("edit_message")) == 2  # the note, then the decision


async def test_a_card_says_so_when_a_purge_took_its_message(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # A purge deletes through Steward: the card cannot wait for the platform to tell (Discord
    # echoes a deletion, the local platform does not).
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        await bot.say("bob", ALSO_UNSURE, "m2")
        purged = await bot.command("mod1", "purge", count=1, member="alice", reason="cleanup")
        noted_first = [e["message"] for e in bot.of("edit_message")]
        await bot.command("mod1", "purge", count=5)  # the whole channel: bob's message too
        noted = [e["message"] for e in bot.of("edit_message")]
        cards = [c["created"] for c in bot.cards()]
        items = await bot.items()
        text = bot.session.community.messages[cards[1]].content
    assert purged.startswith("Purged 1 message(s) in #general (case #")
    assert noted_first == cards[:1]
    assert noted == cards, "each card once"
    assert all(item.waiting and "message_gone" in item.evidence for item in items)
    assert text.splitlines()[-2] == (
        "The message was deleted at 2026-03-02 09:00 UTC; a decision still counts for its member."
    )


async def test_a_card_shows_each_edit_of_its_message_and_an_edit_opens_no_second_card(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with carded(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        # Flagged, alice rewrites it: harmless first, then as doubtful as before.
        await bot.session.driver.edit("m1", "hello everyone, nice day")
        await bot.session.driver.edit("m1", ALSO_UNSURE)
        await bot.session.driver.edit("m1", ALSO_UNSURE)  # an update that changed no word
        await bot.session.app.bus.join()
        shown = bot.card_text()  # one card: the edit is no second question for moderators
        items = await bot.items()
        listed = await bot.command("mod1", "review list")
        answer = await bot.click("mod1", "m1", "remove")
        (case,) = (await stored(bot.database))[1]
    assert len(items) == 1
    assert listed.splitlines()[1].startswith(
        f'1. [p1] alice - {items[0].reason} (case #1): "{UNSURE}", edited since to '
        f'"{ALSO_UNSURE}" · waiting'
    )
    lines = shown.splitlines()
    assert lines[2:5] == [
        f"> alice: {UNSURE}",
        "> alice, edited at 2026-03-02 09:00 UTC to: hello everyone, nice day",
        f"> alice, edited at 2026-03-02 09:00 UTC to: {ALSO_UNSURE}",
    ]
    assert lines[5].startswith("Member alice: 0 earlier case(s),"), "its first words are no case"
    assert answer.startswith("Review item 1: removed the message.")
    assert case.evidence["original"] == UNSURE, "the case keeps the words it was opened on"
    assert [n.text for n in case.notes][:2] == [
        "its author edited the message at 2026-03-02 09:00 UTC (review item 1 shows what it "
        "says now)",
    ] * 2
