"""Cog configuration as the Discord and Slack adapter tests write it and read it back."""

from __future__ import annotations

from typing import TypeVar

from bot.app import App

SettingsT = TypeVar("SettingsT")


def cog_settings(app: App, community: str, cog: str, kind: type[SettingsT]) -> SettingsT:
    """Return the settings a community's cog runs with, checked to be a ``kind``."""
    settings = app.runtimes[community].cogs[cog].ctx.settings
    assert isinstance(settings, kind)
    return settings


def routing_config(community: str, staff: str, teams: dict[str, str], mention: str = "") -> str:
    """Return the routing cog's config: intent -> destination, answered within two hours.

    Args:
        community: The community's key in the config.
        staff: The channel for what no team takes.
        teams: Each intent's destination (a channel or a webhook URL).
        mention: Who each team's summary pings; nobody when empty.
    """
    lines = [
        f"[communities.{community}.cogs.routing]",
        f'staff_channel = "{staff}"',
        f"[communities.{community}.cogs.routing.teams]",
    ]
    lines += [
        f'{intent} = {{ destination = "{where}", answer_within_hours = 2, mention = "{mention}" }}'
        for intent, where in teams.items()
    ]
    return "\n".join(lines) + "\n"
