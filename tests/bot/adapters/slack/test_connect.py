"""``steward run`` finds the Slack connector, which asks for the secrets its mode needs."""

from __future__ import annotations

import pytest

from bot.adapters.slack.connection import connect
from bot.config import ConfigError, parse_config
from bot.core.capabilities import Capability
from bot.core.clock import SystemClock
from bot.registry import CogRegistry
from bot.serve import CONNECTORS

COMMUNITY = '[communities.acme]\nplatform = "slack"\nid = "T1"\n'


@pytest.fixture(autouse=True)
def no_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "USER_TOKEN", "APP_TOKEN", "SIGNING_SECRET"):
        monkeypatch.delenv(f"STEWARD_SLACK_{name}", raising=False)


def test_the_slack_connector_is_registered() -> None:
    assert "slack" in CONNECTORS


async def test_each_mode_names_the_secret_it_misses(
    registry: CogRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_SLACK_BOT_TOKEN", "xoxb-1")
    events = parse_config(COMMUNITY, registry)
    with pytest.raises(ConfigError, match="STEWARD_SLACK_SIGNING_SECRET is not set"):
        await connect(events, SystemClock())
    socket = parse_config('[slack]\nmode = "socket"\n' + COMMUNITY, registry)
    with pytest.raises(ConfigError, match="STEWARD_SLACK_APP_TOKEN is not set"):
        await connect(socket, SystemClock())


async def test_the_admin_token_is_what_lets_steward_delete_members_messages(
    registry: CogRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("STEWARD_SLACK_SIGNING_SECRET", "s")
    loaded = parse_config(COMMUNITY, registry)
    bot_only = (await connect(loaded, SystemClock())).gateway.capabilities
    monkeypatch.setenv("STEWARD_SLACK_USER_TOKEN", "xoxp-1")
    with_admin = (await connect(loaded, SystemClock())).gateway.capabilities
    assert not bot_only.has(Capability.DELETE_MEMBER_MESSAGES)
    assert with_admin.has(Capability.DELETE_MEMBER_MESSAGES)
    for missing in (Capability.TIMEOUT, Capability.BAN, Capability.SLOWMODE, Capability.LOCKDOWN):
        assert not with_admin.has(missing)
