"""The storage contract: what every backend's repositories promise, whatever the backend.

Each test takes ``backend`` (an open :class:`~bot.core.cog.Storage`) and, when it needs a
restart, ``harness``. A new backend plugs in by adding a harness to ``HARNESSES``.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot.core.cog import Storage
from bot.core.protocols import AuditEntry, SeenEvent
from bot.core.refs import Ref
from bot.storage import SqliteStorage

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOME = Ref("local", "home")
AWAY = Ref("discord", "123456789012345678")


class Harness(ABC):
    """Open a backend over storage that survives :meth:`restart`, and clean it up."""

    name: ClassVar[str]

    @abstractmethod
    async def start(self) -> Storage:
        """Open the backend."""

    @abstractmethod
    async def stop(self) -> None:
        """Close the backend if open; safe to repeat."""

    async def restart(self) -> Storage:
        """Close the backend and open it again over the same data."""
        await self.stop()
        return await self.start()


class SqliteHarness(Harness):
    """The SQLite backend on a temp file."""

    name = "sqlite"

    def __init__(self, tmp_path: Path) -> None:
        self._path = tmp_path / "contract.db"
        self._storage: SqliteStorage | None = None

    async def start(self) -> Storage:
        self._storage = await SqliteStorage.open(self._path)
        return self._storage

    async def stop(self) -> None:
        if self._storage is not None:
            await self._storage.close()
            self._storage = None


HARNESSES: dict[str, Callable[[Path], Harness]] = {"sqlite": SqliteHarness}


@pytest.fixture(params=sorted(HARNESSES))
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    made = HARNESSES[request.param](tmp_path)
    yield made
    await made.stop()


@pytest.fixture
async def backend(harness: Harness) -> Storage:
    return await harness.start()


def entry(at: datetime, action: str = "delete_message", **overrides: Any) -> AuditEntry:
    fields: dict[str, Any] = {
        "community": HOME,
        "at": at,
        "action": action,
        "actor": "bot",
        "target": "local:msg-1",
    }
    fields.update(overrides)
    return AuditEntry(**fields)


async def test_backend_names_itself(backend: Storage, harness: Harness) -> None:
    assert backend.backend == harness.name


class TestAuditLog:
    async def test_round_trips_every_field(self, backend: Storage) -> None:
        full = AuditEntry(
            community=AWAY,
            at=T0,
            action="timeout",
            actor="discord:42",
            target="discord:77",
            reason="spam burst",
            ok=False,
            error="missing permission",
            rule="rate",
            case="case-9",
            detail={"minutes": 10, "channels": ["a", "b"], "nested": {"x": None}},
        )
        await backend.audit.record(full)
        assert await backend.audit.recent(AWAY) == [full]

    async def test_defaults_round_trip(self, backend: Storage) -> None:
        minimal = entry(T0)
        await backend.audit.record(minimal)
        [stored] = await backend.audit.recent(HOME)
        assert stored == minimal
        assert stored.detail is None
        assert stored.rule is None
        assert stored.case is None

    async def test_recent_is_newest_first_and_limited(self, backend: Storage) -> None:
        # Recorded out of order: "newest" means by time, not by insertion.
        for minutes in [5, 1, 3, 2, 4]:
            await backend.audit.record(entry(T0 + timedelta(minutes=minutes), f"a{minutes}"))
        recent = await backend.audit.recent(HOME)
        assert [e.action for e in recent] == ["a5", "a4", "a3", "a2", "a1"]
        assert [e.action for e in await backend.audit.recent(HOME, limit=2)] == ["a5", "a4"]
        assert await backend.audit.recent(HOME, limit=0) == []

    async def test_default_limit_is_fifty(self, backend: Storage) -> None:
        for n in range(60):
            await backend.audit.record(entry(T0 + timedelta(seconds=n), f"a{n}"))
        recent = await backend.audit.recent(HOME)
        assert len(recent) == 50
        assert recent[0].action == "a59"

    async def test_same_time_keeps_recording_order_reversed(self, backend: Storage) -> None:
        for n in range(3):
            await backend.audit.record(entry(T0, f"a{n}"))
        assert [e.action for e in await backend.audit.recent(HOME)] == ["a2", "a1", "a0"]

    async def test_communities_are_separate(self, backend: Storage) -> None:
        await backend.audit.record(entry(T0, "home"))
        await backend.audit.record(entry(T0, "away", community=AWAY))
        assert [e.action for e in await backend.audit.recent(HOME)] == ["home"]
        assert [e.action for e in await backend.audit.recent(AWAY)] == ["away"]
        assert await backend.audit.recent(Ref("slack", "T0")) == []

    async def test_times_come_back_aware_in_utc(self, backend: Storage) -> None:
        elsewhere = T0.astimezone(timezone(timedelta(hours=2)))
        await backend.audit.record(entry(elsewhere))
        [stored] = await backend.audit.recent(HOME)
        assert stored.at == T0
        assert stored.at.utcoffset() == timedelta(0)

    async def test_survives_a_restart(self, backend: Storage, harness: Harness) -> None:
        await backend.audit.record(entry(T0))
        reopened = await harness.restart()
        assert await reopened.audit.recent(HOME) == [entry(T0)]


class TestEventLedger:
    async def test_first_seen_is_true_once(self, backend: Storage) -> None:
        assert await backend.ledger.first_seen(HOME, "evt-1", T0) is True
        assert await backend.ledger.first_seen(HOME, "evt-1", T0) is False
        assert await backend.ledger.first_seen(HOME, "evt-1", T0 + timedelta(hours=1)) is False

    async def test_ids_are_per_community(self, backend: Storage) -> None:
        assert await backend.ledger.first_seen(HOME, "evt-1", T0) is True
        assert await backend.ledger.first_seen(AWAY, "evt-1", T0) is True

    async def test_first_seen_holds_across_a_restart(
        self, backend: Storage, harness: Harness
    ) -> None:
        assert await backend.ledger.first_seen(HOME, "evt-1", T0) is True
        reopened = await harness.restart()
        assert await reopened.ledger.first_seen(HOME, "evt-1", T0) is False
        assert await reopened.ledger.first_seen(HOME, "evt-2", T0) is True

    async def test_concurrent_first_seen_of_one_id_is_true_once(self, backend: Storage) -> None:
        results = await asyncio.gather(
            *(backend.ledger.first_seen(HOME, "evt-race", T0) for _ in range(50))
        )
        assert results.count(True) == 1

    async def test_a_burst_is_decided_in_order_and_each_id_once(self, backend: Storage) -> None:
        assert await backend.ledger.first_seen(HOME, "evt-old", T0) is True
        burst = [
            SeenEvent(HOME, "evt-a", T0),
            SeenEvent(HOME, "evt-old", T0),
            SeenEvent(AWAY, "evt-a", T0),
            SeenEvent(HOME, "evt-a", T0),
            SeenEvent(HOME, "evt-b", T0),
        ]
        assert await backend.ledger.first_seen_many(burst) == [True, False, True, False, True]
        assert await backend.ledger.first_seen_many([]) == []
        assert await backend.ledger.first_seen(HOME, "evt-b", T0) is False

    async def test_a_burst_longer_than_a_write_is_decided_in_order(self, backend: Storage) -> None:
        # SQLite writes 500 rows at a time: an id repeated across two writes, or seen
        # before the burst, must still be first exactly once.
        assert await backend.ledger.first_seen(HOME, "evt-700", T0) is True
        burst = [SeenEvent(HOME, f"evt-{i}", T0) for i in range(1_200)]
        burst.append(SeenEvent(HOME, "evt-3", T0))
        answers = await backend.ledger.first_seen_many(burst)
        assert len(answers) == 1_201
        assert [i for i, first in enumerate(answers) if not first] == [700, 1_200]
        assert await backend.ledger.first_seen(HOME, "evt-1199", T0) is False

    async def test_bursts_and_single_ids_racing_for_one_id_win_once(self, backend: Storage) -> None:
        one = SeenEvent(HOME, "evt-race", T0)
        bursts = [
            backend.ledger.first_seen_many([SeenEvent(HOME, f"e{i}", T0), one]) for i in range(20)
        ]
        singles = [backend.ledger.first_seen(HOME, "evt-race", T0) for _ in range(20)]
        decided, won_alone = await asyncio.gather(asyncio.gather(*bursts), asyncio.gather(*singles))
        assert all(first for first, _ in decided)  # every other id is new
        assert [won for _, won in decided].count(True) + list(won_alone).count(True) == 1

    async def test_forget_before_drops_older_ids_only(self, backend: Storage) -> None:
        for hours in range(5):
            await backend.ledger.first_seen(HOME, f"evt-{hours}", T0 + timedelta(hours=hours))
        await backend.ledger.first_seen(AWAY, "evt-away", T0)
        # Ids seen exactly at the cut-off stay; every community is pruned.
        assert await backend.ledger.forget_before(T0 + timedelta(hours=2), limit=2) == 2
        assert await backend.ledger.forget_before(T0 + timedelta(hours=2)) == 1
        assert await backend.ledger.forget_before(T0 + timedelta(hours=2)) == 0
        assert await backend.ledger.first_seen(HOME, "evt-2", T0) is False
        assert await backend.ledger.first_seen(HOME, "evt-4", T0) is False
        # A forgotten id counts as new again.
        assert await backend.ledger.first_seen(HOME, "evt-0", T0) is True
        assert await backend.ledger.first_seen(AWAY, "evt-away", T0) is True


JSON_VALUES: list[Any] = [
    0,
    -(2**62),
    1.5,
    "text with ünïcödé and emoji 🛡️",
    "",
    True,
    False,
    [],
    {},
    [1, "two", None, {"three": [3.0]}],
    {"cursor": "1715000000.000100", "counts": {"a": 1, "b": 2}, "flags": [True, False]},
]


class TestCogState:
    async def test_get_missing_is_none(self, backend: Storage) -> None:
        assert await backend.cog_state.get(HOME, "welcome", "cursor") is None

    @pytest.mark.parametrize("value", JSON_VALUES)
    async def test_json_round_trip(self, backend: Storage, value: Any) -> None:
        await backend.cog_state.put(HOME, "insights", "value", value)
        assert await backend.cog_state.get(HOME, "insights", "value") == value

    async def test_tuples_come_back_as_lists(self, backend: Storage) -> None:
        await backend.cog_state.put(HOME, "insights", "pair", (1, 2))
        assert await backend.cog_state.get(HOME, "insights", "pair") == [1, 2]

    async def test_put_replaces(self, backend: Storage) -> None:
        await backend.cog_state.put(HOME, "welcome", "count", 1)
        await backend.cog_state.put(HOME, "welcome", "count", {"now": 2})
        assert await backend.cog_state.get(HOME, "welcome", "count") == {"now": 2}

    async def test_delete_removes_and_tolerates_absence(self, backend: Storage) -> None:
        await backend.cog_state.put(HOME, "welcome", "count", 1)
        await backend.cog_state.delete(HOME, "welcome", "count")
        assert await backend.cog_state.get(HOME, "welcome", "count") is None
        await backend.cog_state.delete(HOME, "welcome", "count")

    async def test_keys_are_per_community_and_cog(self, backend: Storage) -> None:
        await backend.cog_state.put(HOME, "welcome", "k", "home-welcome")
        await backend.cog_state.put(HOME, "raids", "k", "home-raids")
        await backend.cog_state.put(AWAY, "welcome", "k", "away-welcome")
        assert await backend.cog_state.get(HOME, "welcome", "k") == "home-welcome"
        assert await backend.cog_state.get(HOME, "raids", "k") == "home-raids"
        assert await backend.cog_state.get(AWAY, "welcome", "k") == "away-welcome"
        await backend.cog_state.delete(HOME, "welcome", "k")
        assert await backend.cog_state.get(HOME, "raids", "k") == "home-raids"
        assert await backend.cog_state.get(AWAY, "welcome", "k") == "away-welcome"

    async def test_survives_a_restart(self, backend: Storage, harness: Harness) -> None:
        await backend.cog_state.put(HOME, "welcome", "cursor", {"last": "m-9"})
        reopened = await harness.restart()
        assert await reopened.cog_state.get(HOME, "welcome", "cursor") == {"last": "m-9"}

    async def test_refuses_values_json_cannot_hold(self, backend: Storage) -> None:
        with pytest.raises(TypeError):
            await backend.cog_state.put(HOME, "welcome", "bad", {1, 2})
        with pytest.raises(ValueError, match="JSON"):
            await backend.cog_state.put(HOME, "welcome", "bad", float("nan"))
        assert await backend.cog_state.get(HOME, "welcome", "bad") is None
