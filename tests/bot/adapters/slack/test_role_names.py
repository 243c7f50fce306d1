"""User groups named in the config become their mentions, through real bolt."""

from __future__ import annotations

from bot.core.refs import Ref
from bot.standins.slack import SlackStandin
from tests.bot.adapters.slack.conftest import MILO, MONA, TEAM, Start


async def test_groups_are_found_by_handle_or_id_and_one_made_later_too(
    standin: SlackStandin, start_steward: Start
) -> None:
    on_call = standin.workspace.add_usergroup("on-call", (MONA,))
    steward = await start_steward()
    gateway = steward.connection.gateway
    found = await gateway.resolve_roles(Ref("slack", TEAM), ["@On-Call", on_call.id, "nobody"])
    assert found == {
        "@On-Call": f"<!subteam^{on_call.id}>",
        on_call.id: f"<!subteam^{on_call.id}>",
        "nobody": None,
    }
    leads = standin.workspace.add_usergroup("leads", (MILO,))
    later = await gateway.resolve_roles(Ref("slack", TEAM), ["leads"])
    assert later == {"leads": f"<!subteam^{leads.id}>"}, "a group made since is asked for again"
