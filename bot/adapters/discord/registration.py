"""Sync each served guild's application commands at start, and complete case and rule ids."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord.http import Route

from bot.adapters.discord.automod import KEYWORD_TRIGGER, MAX_RULES, PREFIX, compile_policy
from bot.adapters.discord.client import Completer, StewardClient
from bot.adapters.discord.commands import application_commands, autocompletes
from bot.core.commands import Choice, offered
from bot.core.community import CommunityInfo
from bot.core.models import Member
from bot.core.refs import Ref
from bot.core.spoken_durations import duration_choices
from moderation.bans import still_banned
from moderation.cases import CaseStatus
from moderation.store import store_for
from policies.policy import Policy

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)

STATE_COG = "discord"
STATE_KEY = "commands_digest"
MAX_CHOICES = 25
"""The most choices Discord takes in an autocompletion's answer."""
_MEMBERS_SEE = frozenset({CaseStatus.ACTIVE, CaseStatus.EXPIRED, CaseStatus.APPEALED})
"""The statuses of a member's own cases offered to them as they type a case number."""


async def sync_commands(client: StewardClient, app: App) -> list[str]:
    """Overwrite the commands of each served guild whose commands changed since last time.

    The digest of what was registered is kept in storage, so restarts send nothing when
    nothing changed. Returns the ids of the guilds that were synced.
    """
    synced = []
    application = client.application_id
    for runtime in app.runtimes.values():
        community = runtime.community.ref
        if community.platform != "discord" or application is None:
            continue
        commands = application_commands(b.spec for b in runtime.commands.values())
        client.aliases[int(community.id)] = commands.aliases
        state = app.storage.cog_state
        if await state.get(community, STATE_COG, STATE_KEY) == commands.digest:
            continue
        try:
            await client.http.bulk_upsert_guild_commands(
                application, int(community.id), commands.payload
            )
        except discord.HTTPException as error:
            logger.error(
                "could not register slash commands in guild %s (%s); invite the bot with the "
                "applications.commands scope",
                community.id,
                error,
            )
            continue
        await state.put(community, STATE_COG, STATE_KEY, commands.digest)
        synced.append(community.id)
    return synced


def completer_for(app: App) -> Completer:
    """Return the autocompletion of an app's communities' commands.

    Case numbers, rule ids, durations and banned members are offered here; other
    options by the method of their cog that :class:`~bot.core.commands.CompletedBy`
    names. Nobody is offered values of a command they may not run.
    """

    async def complete(
        community: Ref, command: str, option: str, typed: str, member: Member
    ) -> list[Choice]:
        runtime = next((r for r in app.runtimes.values() if r.community.ref == community), None)
        bound = runtime.commands.get(command) if runtime else None
        spec_option = (
            next((o for o in bound.spec.options if o.name == option), None) if bound else None
        )
        if runtime is None or bound is None or spec_option is None:
            return []
        if runtime.community.permission_of(member) < bound.spec.permission:
            return []  # what only moderators may run offers nothing to others
        kind = autocompletes(bound.spec, spec_option)
        if kind == "cog" and spec_option.completed_by:
            offer = getattr(bound.owner, spec_option.completed_by)
            choices: list[Choice] = await offer(typed, member)
            return choices[:MAX_CHOICES]
        if kind == "duration":
            return list(duration_choices(typed))
        if kind == "rule":
            policy: Any = getattr(runtime.cogs.get("guidelines"), "policy", None)
            ids = [r.spec.id for r in getattr(policy, "rules", ())]
            return offered([(i, i) for i in ids], typed)[:MAX_CHOICES]
        if kind == "case":
            return await _case_choices(app, runtime.community, member, typed)
        if kind == "banned":
            return await _banned_choices(app, runtime.community, typed, app.clock.now())
        return []

    return complete


async def _case_choices(
    app: App, community: CommunityInfo, member: Member, typed: str
) -> list[Choice]:
    """Return the cases to offer ``member`` as they type a case number.

    Moderators get the community's latest cases. A member typing `/appeal` gets only
    their own cases that stand against them: the record of others is not theirs to browse,
    and a case still with the moderators (a self-harm alert among them) or recorded in shadow
    mode was never put to them, nor was a moderator's note, and one that lifted a ban or
    timeout holds nothing against them.
    """
    cases = store_for(app.storage).cases
    if community.is_staff(member):
        latest = await cases.recent(community.ref, limit=MAX_CHOICES)
        return offered(
            [(f"#{c.number} {c.member_name}: {c.rule or c.reason}", c.number) for c in latest],
            typed,
        )
    own = await cases.for_member(community.ref, member.ref, limit=MAX_CHOICES)
    return offered(
        [
            (f"#{c.number} {c.created_at:%Y-%m-%d}: {c.rule or c.reason}", c.number)
            for c in own
            if c.status in _MEMBERS_SEE and c.put_to_member
        ],
        typed,
    )


async def _banned_choices(
    app: App, community: CommunityInfo, typed: str, now: datetime
) -> list[Choice]:
    """Return the members Steward banned whose ban still holds, newest first, by id.

    A moderator unbanning someone knows their name, not their eighteen-digit id, and
    Discord's user picker offers no one outside the server.
    """
    banned = await still_banned(store_for(app.storage).cases, community.ref, now)
    choices: list[Choice] = [
        (f"{b.name}: banned {b.banned_at:%Y-%m-%d} (case #{b.case})", b.member.id) for b in banned
    ]
    return offered(choices, typed)[:MAX_CHOICES]


def _differs(have: dict[str, Any], want: dict[str, Any]) -> bool:
    metadata = have.get("trigger_metadata") or {}
    if any(metadata.get(k) != v for k, v in want["trigger_metadata"].items()):
        return True
    if sorted(map(str, have.get("exempt_roles") or [])) != sorted(want["exempt_roles"]):
        return True
    return bool(have.get("actions") != want["actions"] or have.get("enabled") != want["enabled"])


async def sync_automod(client: StewardClient, app: App) -> dict[str, int]:
    """Make each served guild's Steward-owned AutoMod rules match its policy.

    Rules whose names do not start with ``Steward:`` belong to the server's admins and
    are left alone. Staff roles are exempt, like Steward exempts staff from most rules.
    Returns how many rules were created, edited and deleted.
    """
    counts = {"created": 0, "edited": 0, "deleted": 0}
    for runtime in app.runtimes.values():
        community = runtime.community
        guidelines = runtime.cogs.get("guidelines")
        policy = getattr(guidelines, "policy", None)
        if community.ref.platform != "discord" or not isinstance(policy, Policy):
            continue
        engine = getattr(guidelines, "engine", None)
        shadow = frozenset(getattr(engine, "shadow", frozenset()))
        guild = int(community.ref.id)
        staff = community.moderator_roles | community.admin_roles
        path = "/guilds/{guild_id}/auto-moderation/rules"
        try:
            roles = await _call(client, "GET", "/guilds/{guild_id}/roles", guild_id=guild)
            exempt = sorted(str(r["id"]) for r in roles if r["name"] in staff)
            existing = await _call(client, "GET", path, guild_id=guild)
            ours = {r["name"]: r for r in existing if str(r["name"]).startswith(PREFIX)}
            theirs = [
                r
                for r in existing
                if r["name"] not in ours and r.get("trigger_type") == KEYWORD_TRIGGER
            ]
            compiled = compile_policy(
                policy, room=MAX_RULES - len(theirs), language=community.language, shadow=shadow
            )
            for name in [n for n in ours if n not in compiled.rules]:
                stale = ours.pop(name)
                await _call(
                    client, "DELETE", path + "/{rule_id}", guild_id=guild, rule_id=int(stale["id"])
                )
                counts["deleted"] += 1
            owners: dict[str, str] = {}
            names = {str(r["id"]): str(r["name"]) for r in existing}
            for name, rule in compiled.rules.items():
                want = rule | {"exempt_roles": exempt}
                have = ours.pop(name, None)
                if have is None:
                    have = await _call(client, "POST", path, guild_id=guild, json=want)
                    counts["created"] += 1
                elif _differs(have, want):
                    await _call(
                        client,
                        "PATCH",
                        path + "/{rule_id}",
                        guild_id=guild,
                        rule_id=int(have["id"]),
                        json=want,
                    )
                    counts["edited"] += 1
                owners[str(have["id"])] = compiled.owner[name]
                names[str(have["id"])] = name
        except discord.HTTPException as error:
            logger.error(
                "could not sync AutoMod rules in guild %s (%s); Steward needs Manage Server",
                guild,
                error,
            )
            continue
        client.automod_rules[guild] = owners
        client.automod_rule_names[guild] = names
        if compiled.skipped:
            logger.info("left to Steward alone (not AutoMod): %s", "; ".join(compiled.skipped))
    return counts


async def _call(client: StewardClient, method: str, path: str, **params: Any) -> Any:
    ids = {k: v for k, v in params.items() if k.endswith("_id")}
    extra = {k: v for k, v in params.items() if not k.endswith("_id")}
    reason = "Steward policy sync" if method != "GET" else None
    return await client.http.request(Route(method, path, **ids), reason=reason, **extra)
