"""A member's data on request: `steward member export|erase` on a real SQLite file."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bot.app import open_storage
from bot.cli import main
from bot.core.clock import VirtualClock
from bot.core.refs import Ref
from bot.member_data import erase_member, export_member, find_member
from bot.registry import CogRegistry
from bot.storage.member_data import ERASED
from cogs._guidelines_member_data import COG
from cogs._held_raid import KEY as HELD_RAID
from cogs._held_raid import HeldRaid, held_raid_from
from cogs.guidelines import Guidelines
from moderation.cases import CaseStatus, NewCase
from moderation.store import store_for
from policies.context import RecentJoin
from tests.cogs.test_modmail import MONDAY, dm_at, in_thread, modmail
from tests.conftest import LocalBot

ACME = Ref("local", "acme")
BOB = Ref("local", "bob")
BOBS_WORDS = (
    "j'adore la lampe du salon",
    "tu es un idiot total",
    "une blague entre amis",
    "demande souvent des remboursements",
    "supprimez mes données",
    "insultes répétées",
)
"""What bob wrote, and what was written about him: none of it may outlive the erasure."""


async def bobs_week(bot: LocalBot) -> None:
    """Leave bob's traces everywhere: a case, an appeal, a note, a report, modmail."""
    await bot.play(type="message", id="m1", channel="general", author="bob", content=BOBS_WORDS[0])
    await bot.play(
        type="message", id="m2", channel="general", author="alice", content="meh, same as ever"
    )
    await bot.command("bob", "report", message="m2", reason="hors sujet")
    await bot.play(type="message", id="m3", channel="general", author="bob", content=BOBS_WORDS[1])
    await bot.command("bob", "appeal", case=1, reason=f"c'était {BOBS_WORDS[2]}")
    await bot.command("mod1", "note", member="bob", text=f"bob {BOBS_WORDS[3]}")
    await dm_at(bot, 60, f"{BOBS_WORDS[4]} s'il vous plaît")
    await bot.command("mod1", "timeout", member="bob", duration="1h", reason=BOBS_WORDS[5])


def file_bytes(folder: Path) -> bytes:
    """Return the database file and its write-ahead log, as bytes on disk."""
    return b"".join(p.read_bytes() for p in folder.glob("steward.db*"))


def texts_of(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


async def test_a_members_data_is_shown_then_erased_and_their_sanctions_still_hold(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with modmail(registry, database) as bot:
        await bobs_week(bot)
        points_before = await store_for(bot.session.app.storage).cases.active_points(
            ACME, BOB, MONDAY
        )
        # What `steward member` does: its own connection, while Steward runs.
        other = await open_storage(database, VirtualClock(MONDAY))
        try:
            assert await find_member(other, ACME, "bob") == BOB
            shown = await export_member(other, ACME, BOB, MONDAY)
            erasure = await erase_member(other, ACME, BOB, MONDAY, by="dpo")
            after = await export_member(other, ACME, BOB, MONDAY)
            audit = [e for e in await other.audit.recent(ACME) if e.action == "erase_member_data"]
        finally:
            await other.close()
        history = await bot.command("mod1", "history", member="bob")
        points_after = await store_for(bot.session.app.storage).cases.active_points(
            ACME, BOB, MONDAY
        )
        await dm_at(bot, 120, "encore moi")  # the open conversation still finds bob
        (opened,) = bot.of("open_thread")
        still = in_thread(bot, opened["created"])[-1]
    before = texts_of(shown)
    assert all(words in before for words in BOBS_WORDS), "the export shows everything"
    moderation = shown["data"]["moderation"]
    assert [len(moderation[t]) for t in ("cases", "appeals", "lines_in_other_review_items")] == [
        3,
        1,
        1,
    ]
    assert [m["text"] for m in shown["data"]["modmail"]["messages"] if m["direction"] == "in"] == [
        f"{BOBS_WORDS[4]} s'il vous plaît"
    ]
    remaining = texts_of(after)
    assert not [words for words in BOBS_WORDS if words in remaining]
    assert {c["member_name"] for c in after["data"]["moderation"]["cases"]} == {""}
    assert erasure.changed["moderation"]["cases"] == 3
    assert erasure.changed["modmail"]["messages"] >= 1
    assert erasure.log_emptied
    (erased,) = audit
    assert (erased.actor, erased.target, erased.detail) == ("dpo", str(BOB), {"records": 15})
    # The facts stay: the cases, their status, the points that count, the timeout.
    assert points_after == points_before > 0
    lines = history.splitlines()
    assert lines[0].startswith("bob: 2 case(s), ")
    assert any(f"{ERASED}" in line and "timeout 1h" in line for line in lines)
    assert still == "**bob:** encore moi"
    # Nor is any of it left in the file's free space or the write-ahead log.
    kept = await asyncio.to_thread(file_bytes, tmp_path)
    assert not [w for w in BOBS_WORDS if w.encode() in kept]


def test_the_cli_exports_by_name_and_erases_only_when_told(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"

    async def week() -> None:
        async with modmail(registry, database) as bot:
            await bobs_week(bot)

    asyncio.run(week())  # the CLI runs its own event loop
    config = tmp_path / "steward.toml"
    config.write_text(
        f'[steward]\ndatabase = "{database}"\n[communities.acme]\nplatform = "local"\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    exported = runner.invoke(main, ["member", "export", "bob", "--config", str(config)])
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.output)
    assert data["member"] == str(BOB) and data["records"] > 10
    refused = runner.invoke(main, ["member", "erase", "bob", "--config", str(config)], input="n\n")
    assert refused.exit_code == 1 and "nothing erased" in refused.output
    erased = runner.invoke(
        main, ["member", "erase", "local:bob", "--config", str(config), "--yes", "--by", "dpo"]
    )
    assert erased.exit_code == 0, erased.output
    assert erased.output.splitlines()[0] == "Erased what local:bob wrote and what names them:"
    again = runner.invoke(main, ["member", "export", "bob", "--config", str(config)])
    assert not [w for w in BOBS_WORDS if w in again.output]
    nobody = runner.invoke(main, ["member", "erase", "bobby", "--config", str(config), "--yes"])
    assert nobody.exit_code == 0
    assert (
        nobody.output
        == "Steward keeps nothing about local:bobby in this community; nothing erased.\n"
    )
    unknown = runner.invoke(
        main, ["member", "export", "bob", "--config", str(config), "--community", "x"]
    )
    assert unknown.exit_code == 2 and "no community 'x'" in unknown.output


async def test_a_shadow_case_keeps_its_status_once_erased(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with modmail(registry, database) as bot:
        await bot.command("mod1", "policy shadow", rule="insults")
        await bot.play(type="message", id="m1", channel="general", author="bob", content="idiot")
        other = await open_storage(database, VirtualClock(MONDAY))
        try:
            await erase_member(other, ACME, BOB, MONDAY, by="dpo")
        finally:
            await other.close()
        (case,) = await store_for(bot.session.app.storage).cases.for_member(ACME, BOB)
    assert case.status is CaseStatus.SHADOW and case.rule == "insults"
    assert case.reason == ERASED and case.evidence["would_do"]


async def test_a_raiders_join_in_a_held_raid_is_shown_and_erased_down_to_its_facts(
    tmp_path: Path,
) -> None:
    joined = MONDAY.replace(hour=9)
    guild = Ref("discord", "900")
    raider, other_raider = Ref("discord", "1578667745426276364"), Ref("discord", "42")
    raid = HeldRaid(
        since=joined,
        until=joined + timedelta(minutes=30),
        joins=tuple(
            RecentJoin(
                member=who,
                name=name,
                at=joined,
                account_created=joined - timedelta(days=1),
                avatar="c0ffee",
            )
            for who, name in ((raider, "zed_the_troll"), (other_raider, "zed_2"))
        ),
    )
    assert Guidelines.name == COG, "the holder reads the state the cog keeps"
    storage = await open_storage(tmp_path / "steward.db", VirtualClock(MONDAY))
    try:
        await storage.cog_state.put(guild, COG, HELD_RAID, raid.to_data())
        shown = await export_member(storage, guild, raider, MONDAY)
        erasure = await erase_member(storage, guild, raider, MONDAY, by="dpo")
        again = await erase_member(storage, guild, raider, MONDAY, by="dpo")
        kept = held_raid_from(await storage.cog_state.get(guild, COG, HELD_RAID))
    finally:
        await storage.close()
    (join,) = shown["data"]["guidelines"]["held_raid_joins"]
    assert (join["member"], join["name"], join["avatar"]) == (
        str(raider),
        "zed_the_troll",
        "c0ffee",
    )
    assert erasure.changed["guidelines"] == {"held_raid_joins": 1}
    assert again.changed["guidelines"] == {"held_raid_joins": 0}
    # The join's facts stay, so /raid ban still reaches the raider; the name is gone.
    assert kept is not None
    # The name and the picture are gone (each would tell who they are).
    assert [(j.member, j.name, j.avatar) for j in kept.joins] == [
        (raider, raider.id, ""),
        (other_raider, "zed_2", "c0ffee"),
    ]
    assert kept.joins[0].account_created == joined - timedelta(days=1)


def test_the_cli_answers_a_request_to_the_brand_in_every_community_at_once(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    beta = Ref("local", "beta")

    async def two_communities() -> None:
        async with modmail(registry, database) as bot:
            await bobs_week(bot)
        storage = await open_storage(database, VirtualClock(MONDAY))
        try:  # bob in the brand's second community, where one rule caught him
            await store_for(storage).cases.open(
                NewCase(
                    community=beta,
                    member=BOB,
                    member_name="bob",
                    rule="insults",
                    reason="insults: tu es nul en beta",
                    evidence={"original": "tu es nul en beta"},
                ),
                MONDAY,
            )
        finally:
            await storage.close()

    asyncio.run(two_communities())
    config = tmp_path / "steward.toml"
    config.write_text(
        f'[steward]\ndatabase = "{database}"\n'
        '[communities.acme]\nplatform = "local"\n'
        '[communities.beta]\nplatform = "local"\n'
        '[communities.gamma]\nplatform = "local"\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    base = ["--config", str(config)]
    unsure = runner.invoke(main, ["member", "export", "bob", *base])
    both = runner.invoke(
        main, ["member", "erase", "bob", *base, "--community", "acme", "--all-communities"]
    )
    exported = runner.invoke(main, ["member", "export", "bob", *base, "--all-communities"])
    erased = runner.invoke(main, ["member", "erase", "bob", *base, "--all-communities", "--yes"])
    again = runner.invoke(main, ["member", "export", "bob", *base, "--all-communities"])
    nothing = runner.invoke(main, ["member", "erase", "bobby", *base, "--all-communities", "--yes"])
    assert unsure.exit_code == 2 and "or ask with --all-communities" in unsure.output
    assert both.exit_code == 2 and "give one" in both.output
    assert exported.exit_code == 0, exported.output
    shown = json.loads(exported.output)["communities"]
    assert [c["community"] for c in shown] == ["local:acme", "local:beta"]  # gamma keeps none
    assert "tu es nul en beta" in exported.output
    assert erased.exit_code == 0, erased.output
    heads = [line for line in erased.output.splitlines() if line.startswith("Erased")]
    assert heads == [
        "Erased what local:bob wrote and what names them in local:acme:",
        "Erased what local:bob wrote and what names them in local:beta:",
    ]
    assert "tu es nul en beta" not in again.output
    assert not [w for w in BOBS_WORDS if w in again.output]
    assert nothing.output == (
        "Steward keeps nothing about bobby in any community; nothing erased.\n"
    )
