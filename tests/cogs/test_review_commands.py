"""The review queue through the guidelines cog: moderators decide, and Steward keeps examples."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.adapters.local.scenario import CommunityLine
from bot.app import open_storage
from bot.core.clock import VirtualClock
from bot.core.refs import Ref
from bot.registry import CogRegistry
from bot.simulation import LocalSession, action_record, load_for_scenario
from moderation.cases import Case, CaseStatus, NewReviewItem
from moderation.examples import ExampleSource, LabelledExample
from moderation.store import store_for
from tests.cogs.test_classifier_rule import TableClassifier
from tests.cogs.test_guidelines import community

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
ACME = Ref("local", "acme")
UNSURE = "you people are something else"
ALSO_UNSURE = "you lot are a special kind of team"


class Moderated:
    """A local session of the guidelines cog on a real SQLite file, with what it did."""

    def __init__(self, session: LocalSession, database: Path) -> None:
        self.session = session
        self.database = database
        self.actions: list[dict[str, Any]] = []
        session.platform.observe(lambda applied: self.actions.append(action_record(applied)))

    async def say(self, author: str, text: str, ident: str, files: tuple[str, ...] = ()) -> None:
        await self.session.driver.say(author, "general", text, message_id=ident, attachments=files)
        await self.session.app.bus.join()

    async def command(self, author: str, name: str, **options: Any) -> str:
        """Run a command and return the private reply it got."""
        before = len(self.actions)
        await self.session.driver.command(author, "general", name, options)
        await self.session.app.bus.join()
        (reply,) = [a for a in self.actions[before:] if a["action"] == "reply_ephemeral"]
        return str(reply["content"])

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [a for a in self.actions if a["action"] == kind]


@asynccontextmanager
async def moderated(
    registry: CogRegistry,
    database: Path,
    policy: Path | None = None,
    *,
    workers: int = 1,
    kind: type[Moderated] = Moderated,
    **guidelines: Any,
) -> AsyncIterator[Moderated]:
    classifier = TableClassifier(
        {
            UNSURE: {"abuse": 0.78, "spam": 0.02},
            ALSO_UNSURE: {"abuse": 0.81, "spam": 0.02},
        }
    )
    config: dict[str, Any] = {"cogs": {"welcome": {"enabled": False}}}
    if policy is not None:
        guidelines["policy"] = str(policy)
    if guidelines:
        config["cogs"]["guidelines"] = guidelines
    line = CommunityLine.model_validate(community(config=config))
    session = await LocalSession.open(
        line,
        load_for_scenario(line, registry),
        registry,
        start=START,
        database=database,
        workers=workers,
        classifier=classifier,
    )
    try:
        yield kind(session, database)
    finally:
        await session.close()


async def stored(database: Path) -> tuple[list[LabelledExample], list[Case]]:
    """Open the file again, as a restart would, and read the examples and cases."""
    storage = await open_storage(database, VirtualClock(START))
    try:
        store = store_for(storage)
        examples = await store.examples.recorded()
        cases = await store.cases.recent(ACME)
        return examples, cases[::-1]
    finally:
        await storage.close()


async def test_the_list_narrows_to_one_rule_or_to_what_a_moderator_claimed(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with moderated(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", UNSURE, "m1")
        await bot.say("bob", ALSO_UNSURE, "m2")
        await bot.say("alice", "I want to kill myself", "m3")
        await bot.session.driver.click("mod1", "review:2", "claim")
        await bot.session.app.bus.join()
        everything = await bot.command("mod1", "review list")
        care = await bot.command("mod1", "review list", rule="self-harm")
        claimed = await bot.command("mod1", "review list", mine=True)
        nothing_claimed = await bot.command("mod2", "review list", mine=True)
        unknown_rule = await bot.command("mod1", "review list", rule="walls")
    assert everything.splitlines()[0] == (
        "3 item(s) wait for review, 1 claimed; the most urgent first:"
    )
    (care_head, care_item) = care.splitlines()
    assert care_head == "1 item(s) of rule self-harm wait for review; the most urgent first:"
    assert care_item.startswith("3. [p10] alice - ")
    (claimed_head, claimed_item) = claimed.splitlines()
    assert claimed_head == "1 item(s) you claimed wait for review; the most urgent first:"
    assert claimed_item.startswith("2. [p1] bob - ") and claimed_item.endswith("claimed by mod1")
    assert nothing_claimed == "No item you claimed waits for review."
    assert unknown_rule == "No item of rule walls waits for review."


async def test_a_decision_on_an_unsure_message_removes_it_and_is_kept_as_an_example(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with moderated(registry, database) as bot:
        await bot.say("alice", UNSURE, "m1")
        assert bot.of("delete_message") == [], "unsure scores do not act"
        listing = await bot.command("mod1", "review list")
        refused = await bot.command("alice", "review decide", item=1, decision="violation")
        decided = await bot.command(
            "mod1", "review decide", item=1, decision="violation", note="veiled insult"
        )
        again = await bot.command("mod2", "review decide", item=1, decision="ok")
        emptied = await bot.command("mod1", "review list")
        kept = [m.content for m in bot.session.community.messages.values()]
    assert listing.splitlines() == [
        "1 item(s) wait for review; the most urgent first:",
        f'1. [p1] alice - uncertain abuse score 0.78 just under 0.90 (case #1): "{UNSURE}" '
        "· waiting 1m",
    ]
    assert refused == "Only a moderator can use /review decide."
    assert decided == "Review item 1: violation. Case #1 confirmed; the message is removed."
    assert again == "review item 1 is decided already (violation, by mod1)"
    assert emptied == "Nothing waits for review."
    assert UNSURE not in kept
    (delete,) = bot.of("delete_message")
    assert (delete["message"], delete["actor"], delete["case"]) == ("m1", "mod1", "#1")
    notice = bot.of("send_direct_message")[-1]
    assert notice["member"] == "alice" and "was removed" in notice["content"]
    assert "/appeal #1" in notice["content"]
    examples, (case,) = await stored(database)
    assert examples == [
        LabelledExample(
            community=case.community,
            text=UNSURE,
            label="abuse",
            violation=True,
            source=ExampleSource.REVIEW,
            decided_by="local:mod1",
            at=START,
            rule="abuse-model",
            case_id=case.id,
            review_item_id=1,
        )
    ]
    assert case.status is CaseStatus.ACTIVE
    assert case.points == 0, "confirming adds no points; a moderator can still warn"
    assert [n.text for n in case.notes] == ["review violation: veiled insult"]


async def test_someone_at_risk_is_decided_reached_out_by_command_never_a_violation(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # Deciding a care item "violation" recorded that word on bob's case; the command had
    # no word for what the card's Reached out button says.
    database = tmp_path / "steward.db"
    async with moderated(registry, database) as bot:
        await bot.say("bob", "honestly I can't take this anymore, I want it all to end", "m1")
        await bot.say("alice", UNSURE, "m2")
        harsh = await bot.command("mod1", "review decide", item=1, decision="violation")
        misplaced = await bot.command("mod1", "review decide", item=2, decision="reached_out")
        cared = await bot.command(
            "mod1", "review decide", item=1, decision="Reached-Out", note="called him"
        )
        card = [a for a in bot.of("edit_message") if a["message"] == "b1"][-1]["content"]
    assert harsh == (
        "review item 1 is about someone who may be at risk: decide it reached_out once "
        "someone has, or ok for a false alarm"
    )
    assert misplaced == "reached_out is for someone who may be at risk; decide violation or ok"
    assert cared == "Review item 1: reached out. Thank you for looking after them."
    assert card.endswith("\nDecided by mod1: reached out (case #1).")
    assert bot.of("delete_message") == [] and bot.of("timeout") == []
    _, cases = await stored(database)
    assert [n.text for n in cases[0].notes] == ["reached out: called him"]


async def test_a_reported_message_found_a_violation_by_command_comes_down_as_by_the_card(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # No rule opened a case for a member's report: the decision opens the moderator's.
    database = tmp_path / "steward.db"
    async with moderated(registry, database) as bot:
        await bot.say("alice", "buy my lamps cheap at lamps dot shop", "m1")
        await bot.command("bob", "report", message="m1", reason="selling")
        refused = await bot.command("mod1", "review decide", item=1, decision="maybe")
        decided = await bot.command("mod1", "review decide", item=1, decision="violation")
        kept = [i for i in bot.session.community.messages if i == "m1"]
    assert refused == "the decision must be violation or ok (reached_out for care)"
    assert decided == "Review item 1: violation. Case #1 opened; the message is removed."
    assert not kept, "the reported message is gone"
    (delete,) = bot.of("delete_message")
    assert (delete["message"], delete["actor"], delete["case"]) == ("m1", "mod1", "#1")
    notice = bot.of("send_direct_message")[-1]
    assert notice["member"] == "alice" and "was removed" in notice["content"]
    examples, (case,) = await stored(database)
    assert case.actor == "local:mod1" and case.reason == "reported by bob: selling"
    assert case.evidence["reporter"] == "local:bob" and case.points == 0
    assert [(e.violation, e.review_item_id) for e in examples] == [(True, 1)]


async def test_a_report_on_a_fellow_moderator_is_refused_before_it_is_decided(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with moderated(registry, tmp_path / "steward.db") as bot:
        await bot.say("mod2", "buy my lamps cheap", "m1")
        await bot.command("alice", "report", message="m1")
        refused = await bot.command("mod1", "review decide", item=1, decision="violation")
        listing = await bot.command("mod1", "review list")
    assert "mod2" in refused and bot.of("delete_message") == []
    assert listing.splitlines()[1].startswith("1. "), "it still waits for someone who may act"


async def test_an_ok_decision_keeps_the_message_and_pardons_the_case(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with moderated(registry, database) as bot:
        await bot.say("alice", UNSURE, "m1")
        await bot.say("bob", ALSO_UNSURE, "m2")
        listing = await bot.command("mod1", "review list")
        unknown = await bot.command("mod1", "review decide", item=7, decision="ok")
        vague = await bot.command("mod1", "review decide", item=2, decision="maybe")
        decided = await bot.command("mod2", "review decide", item=2, decision="OK")
        kept = [m.content for m in bot.session.community.messages.values()]
    assert [line.split(" - ")[0] for line in listing.splitlines()] == [
        "2 item(s) wait for review; the most urgent first:",
        "1. [p1] alice",
        "2. [p1] bob",
    ]
    assert unknown == "there is no review item 7"
    assert vague == "the decision must be violation or ok (reached_out for care)"
    assert decided == "Review item 2: ok. Case #2 pardoned."
    assert ALSO_UNSURE in kept
    examples, cases = await stored(database)
    assert [(e.text, e.label, e.violation, e.decided_by) for e in examples] == [
        (ALSO_UNSURE, "abuse", False, "local:mod2")
    ]
    assert [c.status for c in cases] == [CaseStatus.REVIEW, CaseStatus.PARDONED]


async def test_appeals_decided_keep_the_message_as_an_example_either_way(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with moderated(registry, database) as bot:
        await bot.say("alice", "what the fuck", "m1")
        await bot.say("bob", "you absolute m0r0n", "m2")
        await bot.command("alice", "appeal", case=1, reason="it was a quote")
        await bot.command("bob", "appeal", case=2, reason="just joking")
        listing = await bot.command("mod1", "review list")
        (appeal_item,) = [line for line in listing.splitlines() if "case #1" in line]
        item = int(appeal_item.split(".", 1)[0])
        sidestep = await bot.command("mod1", "review decide", item=item, decision="ok")
        overturned = await bot.command("mod1", "appeal decide", case=1, outcome="overturned")
        upheld = await bot.command("mod1", "appeal decide", case=2, outcome="upheld")
        emptied = await bot.command("mod1", "review list")
    assert appeal_item.endswith('(case #1): "what the fuck" · waiting 1m'), "it shows the message"
    assert sidestep == f"review item {item} is an appeal: decide it with /appeal decide"
    assert (overturned, upheld) == ("Appeal of case #1: overturned.", "Appeal of case #2: upheld.")
    assert emptied == "Nothing waits for review.", "deciding an appeal closes its review item"
    examples, cases = await stored(database)
    assert [(e.text, e.violation, e.source, e.case_id) for e in examples] == [
        ("what the fuck", False, ExampleSource.APPEAL, cases[0].id),
        ("you absolute m0r0n", True, ExampleSource.APPEAL, cases[1].id),
    ]
    assert [e.label for e in examples] == [cases[0].rule, cases[1].rule]
    assert all(e.review_item_id is not None for e in examples)


async def test_ok_on_a_sanction_waiting_for_review_lifts_it(
    registry: CogRegistry, tmp_path: Path
) -> None:
    policy = tmp_path / "ours.toml"
    policy.write_text(
        '[policy]\nname = "ours"\nextends = "default"\n'
        '[[rules]]\nid = "profanity"\nactions = ["timeout:1h", "review"]\n',
        encoding="utf-8",
    )
    database = tmp_path / "steward.db"
    async with moderated(registry, database, policy) as bot:
        await bot.say("alice", "what the fuck", "m1")
        decided = await bot.command("mod1", "review decide", item=1, decision="ok")
    assert decided == "Review item 1: ok. Case #1 pardoned."
    assert [(t["duration"], t["reason"]) for t in bot.of("timeout")][1] == (0, "review of case #1")
    assert bot.of("timeout")[0]["duration"] == 3600
    examples, (case,) = await stored(database)
    assert [(e.label, e.violation) for e in examples] == [("profanity", False)]
    assert case.status is CaseStatus.PARDONED
    assert [n.text for n in case.notes] == ["review ok: -", "pardoned: found ok on review: -"]


async def test_a_member_at_risk_is_never_punished_on_review(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    text = "honestly I can't take this anymore, I want it all to end"
    async with moderated(registry, database) as bot:
        await bot.say("bob", text, "m1")
        decided = await bot.command("mod1", "review decide", item=1, decision="reached_out")
        kept = [m.content for m in bot.session.community.messages.values()]
    assert decided == "Review item 1: reached out. Thank you for looking after them."
    assert text in kept
    assert bot.of("delete_message") == []
    examples, (case,) = await stored(database)
    assert [(e.label, e.violation) for e in examples] == [("self-harm", True)]
    assert case.status is CaseStatus.REVIEW


async def test_a_long_queue_says_how_much_more_waits(registry: CogRegistry, tmp_path: Path) -> None:
    async with moderated(registry, tmp_path / "steward.db") as bot:
        reviews = store_for(bot.session.app.storage).reviews
        for n in range(17):
            await reviews.add(
                NewReviewItem(community=ACME, source="report", reason=f"report {n}"),
                bot.session.clock.now(),
            )
        listing = (await bot.command("mod1", "review list")).splitlines()
    assert listing[0] == "17 item(s) wait for review; the most urgent first:"
    assert len(listing) == 1 + 15 + 1
    assert listing[-1] == "... and 2 more."


async def test_a_ban_leaves_alone_what_only_a_moderator_can_still_do(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # An action handed to moderators (a message the platform would not let Steward remove)
    # is still to do after its author is banned; their report is settled by the ban.
    bob = Ref("local", "bob")
    async with moderated(registry, tmp_path / "steward.db") as bot:
        reviews = store_for(bot.session.app.storage).reviews
        now = bot.session.clock.now()
        for source in ("unsupported_action", "report", "appeal"):
            await reviews.add(
                NewReviewItem(community=ACME, source=source, reason=source, member=bob), now
            )
        await bot.command("mod1", "ban", member="bob", reason="spam")
        waiting = await reviews.open_items(ACME)
    assert sorted(i.source for i in waiting) == ["appeal", "unsupported_action"]
