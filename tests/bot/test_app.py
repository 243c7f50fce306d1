"""The app: commands and permissions, cogs per community, reload that keeps state on failure."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.local.community import LocalCommunity
from bot.adapters.local.driver import LocalDriver, member_from
from bot.adapters.local.gateway import LocalPlatform
from bot.adapters.local.scenario import CommunityLine
from bot.app import App, open_storage
from bot.config import load_config, parse_config
from bot.core.clock import VirtualClock
from bot.core.cog import Cog, CogContext, CogSettings, burst_reader, listener
from bot.core.events import MessageCreated
from bot.core.models import Message
from bot.core.protocols import SeenEvent
from bot.core.refs import Ref
from bot.registry import CogEntry, CogRegistry
from bot.simulation import LocalSession, load_for_scenario
from tests.conftest import ScenarioRunner, community


def command(
    author: str, name: str, at: str = "2026-01-01T10:00:00Z", **options: Any
) -> dict[str, Any]:
    return {
        "type": "command",
        "at": at,
        "author": author,
        "channel": "general",
        "name": name,
        "options": options,
    }


async def test_member_cannot_run_moderator_command(run_scenario: ScenarioRunner) -> None:
    actions = await run_scenario([community(), command("alice", "steward status")])
    assert actions == [
        {
            "at": "2026-01-01T10:00:00Z",
            "action": "reply_ephemeral",
            "interaction": "i1",
            "channel": "general",
            "member": "alice",
            "content": "Only a moderator can use /steward status.",
        }
    ]


async def test_moderator_runs_status_and_member_gets_help(run_scenario: ScenarioRunner) -> None:
    actions = await run_scenario(
        [community(), command("mod1", "steward status"), command("alice", "help")]
    )
    status, help_reply = (a["content"] for a in actions)
    assert status.startswith("Steward is up for") and "Cogs: guidelines, modlog, welcome" in status
    assert "/help" in help_reply and "/steward status" not in help_reply


async def test_reload_is_admin_only(run_scenario: ScenarioRunner) -> None:
    (reply,) = await run_scenario([community(), command("mod1", "steward reload")])
    assert reply["content"] == "Only an admin can use /steward reload."


async def test_unknown_command_says_so(run_scenario: ScenarioRunner) -> None:
    (reply,) = await run_scenario([community(), command("alice", "teleport")])
    assert "no /teleport command" in reply["content"]


async def test_bad_option_gets_usage(run_scenario: ScenarioRunner) -> None:
    (reply,) = await run_scenario([community(), command("alice", "help", extra="x")])
    assert "unknown option 'extra'" in reply["content"]


class Flaky(Cog):
    """A cog whose loading fails when its settings say so."""

    name = "flaky"
    description = "Fails to load on demand."

    class Settings(CogSettings):
        fail: bool = False
        greeting: str = "hello"

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.messages = 0
        self.read_ahead: list[list[str]] = []

    @listener(MessageCreated)
    async def seen(self, _: MessageCreated) -> None:
        self.messages += 1

    @burst_reader(MessageCreated)
    def read(self, events: Sequence[MessageCreated]) -> None:
        self.read_ahead.append([event.id for event in events])

    async def on_load(self) -> None:
        settings = self.ctx.settings
        assert isinstance(settings, Flaky.Settings)
        if settings.fail:
            raise RuntimeError("flaky refuses to load")


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[tuple[LocalSession, CogRegistry, Path]]:
    registry = CogRegistry([*CogRegistry.discover(), CogEntry(Flaky, "tests")])
    config = tmp_path / "steward.toml"
    config.write_text('[communities.acme.cogs.flaky]\ngreeting = "hi"\n', encoding="utf-8")
    line = CommunityLine.model_validate(community())
    loaded = load_for_scenario(line, registry, config.read_text(encoding="utf-8"), str(config))
    opened = await LocalSession.open(line, loaded, registry, start=datetime(2026, 1, 1, tzinfo=UTC))
    yield opened, registry, config
    await opened.close()


async def test_reload_applies_new_settings(session: tuple[LocalSession, CogRegistry, Path]) -> None:
    local, registry, config = session
    old = local.app.runtimes["acme"].cogs["flaky"]
    config.write_text(
        '[communities.acme.cogs.flaky]\ngreeting = "bonjour"\n[communities.acme.cogs.welcome]\nenabled = false\n',
        encoding="utf-8",
    )
    line = CommunityLine.model_validate(community())
    report = await local.app.reload(
        load_for_scenario(line, registry, config.read_text(encoding="utf-8"), str(config))
    )
    assert report.ok, report.summary()
    new = local.app.runtimes["acme"].cogs["flaky"]
    assert new is not old
    assert isinstance(new.ctx.settings, Flaky.Settings) and new.ctx.settings.greeting == "bonjour"
    assert "welcome" not in local.app.runtimes["acme"].cogs
    handlers = [s.name for s in local.app.bus.handlers_for(_message_event(local))]
    assert handlers.count("flaky.seen") == 1, "the old instance must be unsubscribed"
    assert isinstance(old, Flaky) and isinstance(new, Flaky)
    await local.app.ingest_many([_message_event(local)])
    assert (old.read_ahead, new.read_ahead) == ([], [[_message_event(local).id]])


async def test_reload_that_fails_keeps_the_old_cogs(
    session: tuple[LocalSession, CogRegistry, Path],
) -> None:
    local, registry, config = session
    before = dict(local.app.runtimes["acme"].cogs)
    line = CommunityLine.model_validate(community())
    config.write_text("[communities.acme.cogs.flaky]\nfail = true\n", encoding="utf-8")
    report = await local.app.reload(
        load_for_scenario(line, registry, config.read_text(encoding="utf-8"), str(config))
    )
    assert not report.ok
    assert "flaky refuses to load" in report.summary()
    assert local.app.runtimes["acme"].cogs == before


async def test_reload_with_invalid_config_changes_nothing(
    tmp_path: Path, registry: CogRegistry
) -> None:
    config = tmp_path / "steward.toml"
    config.write_text("[communities.acme]\n", encoding="utf-8")
    line = CommunityLine.model_validate(community())
    loaded = load_for_scenario(line, registry, config.read_text(encoding="utf-8"), str(config))
    local = await LocalSession.open(
        line,
        loaded,
        registry,
        start=datetime(2026, 1, 1, tzinfo=UTC),
        reload=lambda: load_config(config, registry),
    )
    try:
        config.write_text("[communities.acme]\ntimezone = 'Nowhere/Land'\n", encoding="utf-8")
        before = dict(local.app.runtimes["acme"].cogs)
        report = await local.app.reload()
        assert not report.ok
        assert f"{config}:2: communities.acme.timezone: unknown time zone" in report.summary()
        assert local.app.runtimes["acme"].cogs == before
    finally:
        await local.close()


def _message_event(local: LocalSession) -> MessageCreated:
    author = local.community.members["alice"].member
    message = Message(
        ref=author.ref, channel=author.ref, author=author, content="x", created_at=local.clock.now()
    )
    return MessageCreated(community=local.community.ref, at=local.clock.now(), message=message)


async def test_one_process_serves_several_communities(
    tmp_path: Path, registry: CogRegistry
) -> None:
    text = (
        "[communities.one.cogs.welcome]\nmessages = { en = 'One welcomes {member}' }\n"
        "[communities.two.cogs.welcome]\nmessages = { en = 'Two welcomes {member}' }\n"
        "[communities.three.cogs.welcome]\nenabled = false\n"
    )
    loaded = parse_config(text, registry)
    clock = VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
    platform = LocalPlatform(clock)
    storage = await open_storage(tmp_path / "s.db", clock)
    app = App(loaded, registry=registry, storage=storage, gateways={"local": platform}, clock=clock)
    await app.start()
    try:
        for key in ("one", "two", "three"):
            place = LocalCommunity(key)
            place.add_channel("general")
            platform.add_community(place)
            driver = LocalDriver(platform, place, loaded.community(key), clock, app.ingest)
            await driver.join(member_from("zoe"))
        await app.bus.join()
    finally:
        await app.stop()
        await storage.close()
    posted = sorted(
        (a.action.community.id, getattr(a.action, "content", "")) for a in platform.applied
    )
    assert posted == [("one", "One welcomes zoe"), ("two", "Two welcomes zoe")]


async def test_reload_follows_a_community_to_its_new_platform_id(
    tmp_path: Path, registry: CogRegistry
) -> None:
    clock = VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
    platform = LocalPlatform(clock)
    for ident in ("old", "new"):
        place = LocalCommunity(ident)
        place.add_channel("general")
        platform.add_community(place)
    storage = await open_storage(tmp_path / "s.db", clock)
    first = parse_config('[communities.acme]\nid = "old"\n', registry)
    app = App(first, registry=registry, storage=storage, gateways={"local": platform}, clock=clock)
    await app.start()
    try:
        report = await app.reload(parse_config('[communities.acme]\nid = "new"\n', registry))
        assert report.ok, report.summary()
        old = LocalDriver(
            platform,
            platform.communities[Ref("local", "old")],
            first.community("acme"),
            clock,
            app.ingest,
        )
        new_place = platform.communities[Ref("local", "new")]
        new = LocalDriver(platform, new_place, app.loaded.community("acme"), clock, app.ingest)
        await old.join(member_from("ghost"))
        await new.join(member_from("zoe"))
        await app.bus.join()
    finally:
        await app.stop()
        await storage.close()
    greeted = [getattr(a.action, "content", "") for a in platform.applied]
    assert len(greeted) == 1
    assert "zoe" in greeted[0]


async def test_a_burst_is_looked_up_once_and_published_in_order(
    session: tuple[LocalSession, CogRegistry, Path],
) -> None:
    local, _, _ = session
    app = local.app
    heard: list[str] = []

    async def record(event: MessageCreated) -> None:
        heard.append(event.id)

    app.bus.subscribe(MessageCreated, record, community=local.community.ref, name="record")
    old, new, newer = (dataclasses.replace(_message_event(local), id=i) for i in ("m0", "m1", "m2"))
    unserved = dataclasses.replace(new, community=Ref("local", "nowhere"))
    assert await app.ingest(old, dedupe=True)
    lookups: list[int] = []
    looked_up = app.storage.ledger.first_seen_many

    async def counted(seen: Sequence[SeenEvent]) -> list[bool]:
        lookups.append(len(seen))
        return await looked_up(seen)

    app.storage.ledger.first_seen_many = counted  # type: ignore[method-assign]
    burst = [new, old, unserved, newer, new]
    assert await app.ingest_many(burst, dedupe=True) == [True, False, False, True, False]
    assert lookups == [4], "one lookup for the served events of the burst"
    await app.bus.join()
    assert heard == ["m0", "m1", "m2"]
    flaky = app.runtimes["acme"].cogs["flaky"]
    assert isinstance(flaky, Flaky)
    # The cog read each burst ahead once: only what was published, in order.
    assert flaky.read_ahead == [["m0"], ["m1", "m2"]]
    assert await app.ingest_many([old], dedupe=False) == [True], "without dedupe, as it came"
