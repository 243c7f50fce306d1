"""Members as Slack knows them: user groups are their roles, cached and refreshed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.slack.connection import web_client
from bot.adapters.slack.members import MemberDirectory
from bot.core.refs import Ref
from bot.standins.slack import SlackStandin


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandin]:
    server = SlackStandin()
    server.workspace.add_user("U0ALICE", "alice", real_name="Alice A.")
    await server.start()
    yield server
    await server.close()


async def test_groups_become_roles_and_are_refreshed(standin: SlackStandin) -> None:
    now = [0.0]
    directory = MemberDirectory(
        web_client(standin.bot_token, standin.api_base), refresh=60, monotonic=lambda: now[0]
    )
    alice = await directory.member("U0ALICE")
    assert alice is not None
    assert (alice.ref, alice.name, alice.display_name, alice.roles) == (
        Ref("slack", "U0ALICE"),
        "alice",
        "Alice A.",
        frozenset(),
    )
    standin.workspace.add_usergroup("moderators", ("U0ALICE",))
    cached = await directory.member("U0ALICE")
    assert cached is not None and cached.roles == frozenset(), "trusted until the refresh"
    now[0] = 61.0
    refreshed = await directory.member("U0ALICE")
    assert refreshed is not None and refreshed.roles == frozenset({"moderators"})
    assert len(standin.calls_to("users.info")) == 2
    assert len(standin.calls_to("usergroups.list")) == 2
    assert await directory.member("U0NOBODY") is None
    owner = await directory.member(standin.workspace.admin.id)
    assert owner is not None and owner.is_owner
