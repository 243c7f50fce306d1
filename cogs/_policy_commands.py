"""Look at the policy in force, reload it, and trial rules in shadow mode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from bot.core.commands import CommandContext, CommandError, command
from bot.core.community import Permission
from bot.core.templates import pick_language
from cogs._moderation_base import ModerationCog
from policies.policy import PolicyError, load_policy
from policies.verdict import Mode


class PolicyCommands(ModerationCog):
    """Commands over the policy."""

    @command("policy show", description="Show the policy's rules, or one rule.")
    async def policy_show(
        self, ctx: CommandContext, rule: Annotated[str | None, "A rule id"] = None
    ) -> None:
        """Reply with each rule's type, severity and mode (shadowed rules marked)."""
        shadow = self.engine.shadow
        if rule is not None:
            compiled = self.policy.rule(rule)
            if compiled is None:
                raise CommandError(f"no rule {rule!r}; try /policy show")
            spec = compiled.spec
            mode = "shadow (set by a moderator)" if spec.id in shadow else spec.mode.value
            await ctx.reply(
                f"{spec.id} ({spec.type}): {_guideline(spec.guideline, ctx.community.language)}\nseverity {spec.severity.value}, mode {mode}, "
                f"actions {', '.join(spec.actions or [str(a) for a in self.policy.default_actions(spec.severity)])}, "
                f"expires after {spec.expires_days:g} days\nparams: {spec.params}"
            )
            return
        lines = [f"Policy {self.policy.name} ({self.policy.source}):"]
        for compiled in self.policy.rules:
            spec = compiled.spec
            mode = Mode.SHADOW.value if spec.id in shadow else spec.mode.value
            lines.append(f"{spec.id}: {spec.type}, {spec.severity.value}, {mode}")
        await ctx.reply("\n".join(lines))

    @command(
        "policy reload",
        description="Read the policy file again; an invalid file changes nothing.",
        permission=Permission.ADMIN,
    )
    async def policy_reload(self, ctx: CommandContext) -> None:
        """Reload the policy; on errors keep the old one and say why."""
        try:
            policy = load_policy(self.settings.policy)
        except PolicyError as error:
            await ctx.reply("Policy not reloaded; the old one stays in force:\n" + str(error))
            return
        self.use_policy(policy, self.engine.shadow)
        await self.resolve_policy_channels()
        await ctx.reply(f"Policy {policy.name} reloaded: {len(policy.rules)} rules.")

    @command(
        "policy shadow",
        description="Trial a rule in shadow mode (it records, never acts), or enforce it again.",
    )
    async def policy_shadow(
        self,
        ctx: CommandContext,
        rule: Annotated[str, "A rule id"],
        on: Annotated[bool, "yes to shadow, no to enforce again"] = True,
    ) -> None:
        """Shadow a rule at run time; the choice survives restarts."""
        if self.policy.rule(rule) is None:
            raise CommandError(f"no rule {rule!r}; try /policy show")
        await self.store.shadows.set(
            ctx.community.ref, rule, on, str(ctx.author.ref), self.ctx.clock.now()
        )
        shadow = await self.store.shadows.shadowed(ctx.community.ref)
        self.use_policy(self.policy, shadow)
        state = (
            "in shadow mode: it records what it would do and does nothing visible"
            if on
            else "back to its mode in the policy"
        )
        await ctx.reply(f"Rule {rule} is {state}.")


def _guideline(texts: Mapping[str, str], language: str) -> str:
    """Return a rule's guideline in the community's language, naming the others it has."""
    if not texts:
        return "no guideline text"
    shown = pick_language(texts, language, language)
    others = sorted(tag for tag, text in texts.items() if text != shown)
    return shown + (f" (also in {', '.join(others)})" if others else "")
