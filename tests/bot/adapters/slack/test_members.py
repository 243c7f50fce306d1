"""Members as Slack knows them: user groups are their roles, cached and refreshed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.slack.connection import web_client
from bot.adapters.slack.members import GROUPS_RETRY, MemberDirectory, SlackUnavailable
from bot.core.refs import Ref
from bot.standins.slack import SlackStandin


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandin]:
    server = SlackStandin()
    server.workspace.add_user("U0ALICE", "alice", real_name="Alice A.")
    await server.start()
    yield server
    await server.close()


def directory_on_a_clock(
    standin: SlackStandin, refresh: float
) -> tuple[MemberDirectory, list[float]]:
    """Return a directory of the stand-in's workspace and its clock (set ``now[0]``)."""
    now = [0.0]
    client = web_client(standin.bot_token, standin.api_base)
    return MemberDirectory(client, refresh=refresh, monotonic=lambda: now[0]), now


async def test_groups_become_roles_and_are_refreshed(standin: SlackStandin) -> None:
    directory, now = directory_on_a_clock(standin, refresh=60)
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


async def test_when_slack_cannot_answer_a_member_seen_before_is_used_as_last_seen(
    standin: SlackStandin, caplog: pytest.LogCaptureFixture
) -> None:
    directory, now = directory_on_a_clock(standin, refresh=60)
    assert await directory.member_now("U0ALICE") is not None
    now[0] = 61.0
    # The client waits out three 429s; a fourth outlasts it.
    standin.rate_limit("users.info", retry_after=0, times=4)
    stale = await directory.member_now("U0ALICE")
    assert stale is not None and stale.display_name == "Alice A."
    standin.workspace.add_user("U0BOB", "bob")
    standin.rate_limit("users.info", retry_after=0, times=4)
    with pytest.raises(SlackUnavailable, match=r"users\.info U0BOB failed: ratelimited"):
        await directory.member_now("U0BOB")
    # Outside events, the lenient lookup says it cannot tell, and logs why.
    standin.rate_limit("users.info", retry_after=0, times=4)
    assert await directory.member("U0BOB") is None
    assert "users.info U0BOB failed: ratelimited" in caplog.text
    # A refusal that will hold ("no such user") is no failure: the member is unknown.
    assert await directory.member_now("U0NOBODY") is None


async def test_a_group_list_slack_cannot_give_now_is_asked_for_again_soon(
    standin: SlackStandin, caplog: pytest.LogCaptureFixture
) -> None:
    directory, now = directory_on_a_clock(standin, refresh=300)
    standin.workspace.add_usergroup("moderators", ("U0ALICE",))
    standin.rate_limit("usergroups.list", retry_after=0, times=4)
    alice = await directory.member("U0ALICE")
    assert alice is not None and alice.roles == frozenset()
    assert "usergroups.list failed (ratelimited)" in caplog.text
    now[0] = GROUPS_RETRY - 1
    await directory.member("U0ALICE")
    assert len(standin.calls_to("usergroups.list")) == 4, "not asked again at once"
    now[0] = GROUPS_RETRY + 1
    alice = await directory.member("U0ALICE")
    assert alice is not None and alice.roles == frozenset({"moderators"})
    assert "moderators can be named only by user id" not in caplog.text
