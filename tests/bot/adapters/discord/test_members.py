"""Member updates through the real discord.py: names, roles, screening, a timeout lifted by hand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from bot.adapters.discord.translate import ref
from bot.core.events import MemberUpdated
from bot.standins.discord import DiscordStandin, Role
from tests.bot.adapters.discord.conftest import ORIGINAL, Lumen, Running, Start, cases_of


class Updates:
    """The member updates an app's bus carries, with a wait for one that matches."""

    def __init__(self, steward: Running) -> None:
        self.heard: list[MemberUpdated] = []
        self._changed = asyncio.Condition()
        steward.app.bus.subscribe(MemberUpdated, self._record, name="test.member_updated")

    async def _record(self, event: MemberUpdated) -> None:
        async with self._changed:
            self.heard.append(event)
            self._changed.notify_all()

    async def until(self, wanted: Callable[[MemberUpdated], bool]) -> None:
        """Wait (up to ten seconds) for an update that matches."""
        async with asyncio.timeout(10), self._changed:
            await self._changed.wait_for(lambda: any(wanted(e) for e in self.heard))


@asynccontextmanager
async def watching(start: Start) -> AsyncIterator[tuple[Running, Updates]]:
    """Start Steward and follow the member updates its bus carries."""
    async with start() as steward:
        yield steward, Updates(steward)


@pytest.fixture
def helpers(standin: DiscordStandin, lumen: Lumen) -> Role:
    """Add a low role that members are given in the tests."""
    return standin.add_role(lumen.guild, "helper", position=2)


async def test_a_members_names_roles_and_screening_arrive_with_the_state_before(
    standin: DiscordStandin, lumen: Lumen, helpers: Role, start: Start
) -> None:
    async with watching(start) as (steward, updates):
        await standin.update_member(lumen.guild, lumen.alice)  # nothing Steward follows
        await standin.update_member(
            lumen.guild, lumen.bob, nick="bobby", roles=[helpers], pending=True
        )
        await updates.until(lambda e: e.member.ref == ref(lumen.bob.user.id))
        await steward.settle()
    (event,) = updates.heard
    assert event.before is not None and event.before.shown_name == "bob"
    assert event.member.display_name == "bobby" and event.renamed
    assert event.roles_added == {"helper"} and event.roles_removed == frozenset()
    assert event.member.pending and not event.before.pending
    assert not event.timeout_lifted


async def test_a_new_global_name_is_a_rename_of_its_own(
    standin: DiscordStandin, lumen: Lumen, helpers: Role, start: Start
) -> None:
    async with watching(start) as (steward, updates):
        await standin.update_member(lumen.guild, lumen.bob, global_name="Bobbie", roles=[helpers])
        await updates.until(lambda e: e.renamed)
        await updates.until(lambda e: bool(e.roles_added))
        await steward.settle()
    renamed, roles = sorted(updates.heard, key=lambda e: not e.renamed)
    assert renamed.before is not None and renamed.before.shown_name == "bob"
    assert renamed.member.shown_name == "Bobbie" and not renamed.roles_added
    assert roles.roles_added == {"helper"} and not roles.renamed


async def mona_times_bob_out(standin: DiscordStandin, lumen: Lumen) -> None:
    """Have Mona time Bob out for an hour with /timeout; return once it is answered."""
    options = {"member": lumen.bob, "duration": "1h", "reason": "heated thread"}
    await standin.run_command(lumen.guild, lumen.general, lumen.mona, "timeout", options)
    await standin.wait_for_request("PATCH", ORIGINAL)  # answered once the case is recorded


async def test_a_timeout_lifted_by_hand_is_noted_on_its_case(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with watching(start) as (steward, updates):
        await mona_times_bob_out(standin, lumen)
        await updates.until(lambda e: e.member.timed_out_at(datetime.now(UTC)))
        await standin.update_member(lumen.guild, lumen.bob, timed_out_until=None)
        await updates.until(lambda e: e.timeout_lifted)
        await steward.settle()
        (case,) = await cases_of(steward, lumen, lumen.bob)
    (note,) = case.notes
    assert note.author == "steward"
    assert note.text.startswith("timeout lifted by hand in Discord, not through Steward")


async def test_a_timeout_steward_lifted_itself_is_not_noted(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with watching(start) as (steward, updates):
        await mona_times_bob_out(standin, lumen)
        await standin.run_command(
            lumen.guild, lumen.general, lumen.mona, "untimeout", {"member": lumen.bob}
        )
        await updates.until(lambda e: e.timeout_lifted)
        await standin.wait_for_request("PATCH", ORIGINAL, count=2)
        await steward.settle()
        cases = await cases_of(steward, lumen, lumen.bob)
    assert [c.notes for c in cases] == [(), ()]
    assert lumen.bob.communication_disabled_until is None
