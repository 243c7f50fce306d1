"""Ask Discord only for the events Steward needs, and say plainly when one is not allowed.

Two of them are privileged: an application owner switches them on in the Developer
Portal. Without Message Content every message arrives empty, and without Server Members
Steward sees no joins and cannot rank members; it refuses to run half-blind.
"""

from __future__ import annotations

import discord

from bot.serve import StartupRefused

WHERE = (
    "Discord Developer Portal (https://discord.com/developers/applications) > your "
    "application > Bot > Privileged Gateway Intents"
)

# Privileged intent attribute -> (the portal's name for it, why Steward needs it).
PRIVILEGED = {
    "message_content": ("Message Content Intent", "to read what members write"),
    "members": ("Server Members Intent", "to see joins and leaves and rank members by role"),
}


def needed_intents() -> discord.Intents:
    """Return the intents Steward requests: nothing it does not use."""
    return discord.Intents(
        guilds=True,
        members=True,
        guild_messages=True,
        guild_reactions=True,
        dm_messages=True,
        message_content=True,
        auto_moderation_execution=True,
        guild_polls=True,
        # Audit log entries as they happen: bans, kicks and timeouts made by hand.
        moderation=True,
    )


class MissingPrivilegedIntent(StartupRefused):
    """Discord does not let this application use a privileged intent Steward needs."""

    def __init__(self, names: list[str], *, sure: bool = True) -> None:
        self.names = names
        parts = [f"the {PRIVILEGED[n][0]} ({PRIVILEGED[n][1]})" for n in names]
        which = " and ".join(parts)
        lead = (
            f"Discord has not enabled {which} for this bot."
            if sure
            else f"Discord refused a privileged intent; Steward needs {which}."
        )
        super().__init__(f"{lead} Switch it on in the {WHERE}, then start Steward again.")


def disabled_privileged(flags: discord.ApplicationFlags, intents: discord.Intents) -> list[str]:
    """Return the privileged intents requested but not enabled, by the application's flags.

    Bots in fewer than 100 servers carry the ``*_limited`` flags; verified ones the others.
    """
    enabled = {
        "message_content": flags.gateway_message_content or flags.gateway_message_content_limited,
        "members": flags.gateway_guild_members or flags.gateway_guild_members_limited,
    }
    return [name for name in PRIVILEGED if getattr(intents, name) and not enabled[name]]
