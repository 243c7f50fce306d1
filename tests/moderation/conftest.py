"""Fixtures for moderation tests: a real SQLite file, the local platform, a virtual clock.

Tests reach the repositories through the :class:`ModerationStore` interface that
:func:`store_for` finds for the opened storage, so another backend runs them unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.local.community import LocalCommunity
from bot.adapters.local.driver import member_from
from bot.adapters.local.gateway import LocalPlatform
from bot.app import open_storage
from bot.core.capabilities import Capabilities
from bot.core.clock import VirtualClock
from bot.core.community import CommunityInfo
from bot.core.refs import Ref
from bot.storage import SqliteStorage
from moderation.enforcer import EnforcementSettings, Enforcer
from moderation.notices import Notices
from moderation.repositories import ModerationStore
from moderation.store import store_for
from policies.policy import Policy, load_policy

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COMMUNITY = CommunityInfo(key="acme", ref=Ref("local", "acme"), name="Acme")


@dataclass
class Rig:
    """Everything an enforcer test touches."""

    path: Path
    storage: SqliteStorage
    store: ModerationStore
    clock: VirtualClock
    platform: LocalPlatform
    place: LocalCommunity
    policy: Policy

    def enforcer(self, gateway: object | None = None) -> Enforcer:
        return Enforcer(
            community=COMMUNITY,
            gateway=gateway or self.platform,  # type: ignore[arg-type]
            store=self.store,
            clock=self.clock,
            policy=self.policy,
            notices=Notices(),
            settings=EnforcementSettings(staff_channel="mod-log", raid_channels=("general",)),
        )

    async def reopen(self) -> None:
        """Close and reopen the database, as a restart would."""
        await self.storage.close()
        self.storage = await open_storage(self.path, self.clock)
        self.store = store_for(self.storage)


def build_place(platform: LocalPlatform) -> LocalCommunity:
    place = LocalCommunity("acme")
    for channel in ("general", "support", "mod-log"):
        place.add_channel(channel)
    for name, roles in (("mod1", ["moderator"]), ("alice", []), ("bob", []), ("chloe", [])):
        place.add_member(
            member_from(name, roles=roles, joined=START, lang="fr" if name == "chloe" else "en")
        )
    platform.add_community(place)
    return place


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    clock = VirtualClock(START)
    path = tmp_path / "steward.db"
    storage = await open_storage(path, clock)
    platform = LocalPlatform(clock)
    place = build_place(platform)
    made = Rig(
        path,
        storage,
        store_for(storage),
        clock,
        platform,
        place,
        load_policy("default"),
    )
    yield made
    await made.storage.close()


def limited_platform(clock: VirtualClock, missing: set[str]) -> LocalPlatform:
    """Return a local platform that declares some capabilities missing (a Slack bot token, say)."""
    everything = Capabilities.everything()
    features = frozenset(f for f in everything.features if f.value not in missing)
    return LocalPlatform(clock, Capabilities(features=features))
