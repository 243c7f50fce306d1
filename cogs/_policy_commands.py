"""Look at the policy in force, reload it, and trial rules in shadow mode."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any

from bot.core.commands import CommandContext, CommandError, command
from bot.core.community import Permission
from bot.core.quoting import excerpt
from bot.core.templates import pick_language
from cogs._rule_trials import RuleTrials
from moderation.cases import Case, CaseStatus
from moderation.rule_stats import rule_summary
from moderation.trials import Trial
from policies.policy import PolicyError, load_policy
from policies.verdict import Mode

_TRIAL_SHOWN = 5
"""How many of a rule's latest shadow cases ``/policy show RULE`` lists."""
_TRIAL_TEXT = 80
"""The most characters of each one's message it quotes."""
_PLAIN_WORD = 40
"""The longest list item ``/policy show`` lists inline (a word, a phrase); longer ones
(patterns, sentences) get a line each."""


class PolicyCommands(RuleTrials):
    """Commands over the policy."""

    @command("policy show", description="Show the policy's rules, or one rule and how it did.")
    async def policy_show(
        self, ctx: CommandContext, rule: Annotated[str | None, "A rule id"] = None
    ) -> None:
        """Reply with each rule's type, severity and mode (shadowed rules marked).

        One rule shows its settings, its figures and what it recorded in shadow mode
        lately: what a community manager reads before taking a trialled rule live.
        """
        shadow = self.engine.shadow
        if rule is None:
            lines = [f"Policy {self.policy.name} ({self.policy.source}):"]
            trials = await self.trial_book.all()
            for listed in self.policy.rules:
                each = listed.spec
                state = Mode.SHADOW.value if each.id in shadow else each.mode.value
                state += " (on trial)" if each.id in trials else ""
                lines.append(f"{each.id}: {each.type}, {each.severity.value}, {state}")
            await ctx.reply("\n".join(lines))
            return
        compiled = self.policy.rule(rule)
        if compiled is None:
            raise CommandError(f"no rule {rule!r}; try /policy show")
        spec = compiled.spec
        mode = "shadow (set by a moderator)" if spec.id in shadow else spec.mode.value
        actions = spec.actions or [str(a) for a in self.policy.default_actions(spec.severity)]
        lines = [
            f"{spec.id} ({spec.type}): {_guideline(spec.guideline, ctx.community.language)}",
            f"severity {spec.severity.value}, mode {mode}, actions {', '.join(actions)}, "
            f"expires after {spec.expires_days:g} days",
            *_settings_lines(spec.params),
        ]
        edits = await self.list_edits_of(rule)
        if edits:
            lines.append(
                f"Its lists as edited in chat ({len(edits)} edit(s); "
                f"{self.typed('policy words')} {rule} says which)."
            )
        figures = await self.rule_figures()
        lines.append(
            f"So far: {rule_summary(figures[rule]) if rule in figures else 'no case yet'}."
        )
        under_way = (await self.trial_book.all()).get(rule)
        if under_way is not None:
            lines.append(_trial_state(under_way))
        else:
            finished = await self.trial_book.last_finished(rule)
            if finished is not None:
                lines.append(_finished_trial(finished))
        trial = await self.store.cases.recent(
            ctx.community.ref, limit=_TRIAL_SHOWN, status=CaseStatus.SHADOW, rule=rule
        )
        if trial:
            lines.append("Latest in shadow mode (recorded, nothing done):")
            lines += [_trial_line(case, self.wall_clock(case.created_at)) for case in trial]
        await ctx.reply("\n".join(lines))

    @command(
        "policy stats",
        description="Show how often each rule fired, and how often moderators agreed with it.",
    )
    async def policy_stats(
        self,
        ctx: CommandContext,
        days: Annotated[int | None, "Only the last this many days (all time if left out)"] = None,
    ) -> None:
        """Reply with each rule's cases, precision on review and reversals, in words.

        Precision is the share of a rule's decided review items that moderators found a
        violation; a rule that acts without review is judged by what appeals and reviews
        undid. Rules the policy no longer has keep their figures, marked so. With
        ``days``, only the cases and review items of that many days count (this month's
        figures, against last month's).
        """
        if days is not None and not 1 <= days <= _STATS_DAYS_MOST:
            raise CommandError(f"days must be between 1 and {_STATS_DAYS_MOST}")
        since = self.ctx.clock.now() - timedelta(days=days) if days else None
        figures = await self.rule_figures(since=since)
        period = f"in the last {days} day(s)" if days else "since its first case"
        lines = [f"How each rule did, {period}:"]
        quiet = []
        for compiled in self.policy.rules:
            found = figures.pop(compiled.spec.id, None)
            if found is None:
                quiet.append(compiled.spec.id)
            else:
                lines.append(f"{found.rule}: {rule_summary(found)}")
        lines += [f"{r.rule} (not in the policy now): {rule_summary(r)}" for r in figures.values()]
        if quiet:
            lines.append(f"No case yet: {', '.join(quiet)}.")
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
        left_out = await self.use_policy_file(policy, self.engine.shadow)
        await self.resolve_policy_channels()
        await self.announce_policy_change()
        await self.staff_post(
            f"{ctx.author.shown_name} reloaded the policy: {policy.name}, "
            f"{len(policy.rules)} rules.",
            reason="policy changed",
        )
        await ctx.reply(
            f"Policy {policy.name} reloaded: {len(policy.rules)} rules."
            + "".join(f"\n{line}" for line in left_out)
        )

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
        """Shadow a rule at run time; the choice survives restarts.

        Enforced again, a rule's trial ends: its hits act, and are no longer asked about.
        """
        await self._shadow(ctx, rule, on=on)
        if not on:
            await self.trial_book.end(rule, self.ctx.clock.now())
        state = (
            "in shadow mode: it records what it would do and does nothing visible"
            if on
            else "back to its mode in the policy"
        )
        await self.tell_staff_of_change(ctx, rule, f"put rule {rule} {state}")
        await ctx.reply(f"Rule {rule} is {state}.")

    @command(
        "policy trial",
        description="Trial a rule: it acts on nothing, and moderators judge its next hits.",
    )
    async def policy_trial(
        self,
        ctx: CommandContext,
        rule: Annotated[str, "A rule id"],
        hits: Annotated[int, "How many of its next hits to judge (0 ends the trial)"] = 10,
    ) -> None:
        """Put a rule in shadow mode and send its next hits to the review queue to judge.

        Each judgement (right or wrong) counts towards the rule's precision, which
        ``/policy show RULE`` reports: what a community manager needs before taking a
        rule live. Ending a trial leaves the rule in shadow mode.
        """
        if not 0 <= hits <= _TRIAL_MOST:
            raise CommandError(f"hits must be between 0 and {_TRIAL_MOST}")
        show = f"{self.typed('policy show')} {rule}"
        if not hits:
            ended = await self.trial_book.end(rule, self.ctx.clock.now())
            if ended is None and self.policy.rule(rule) is None:
                raise CommandError(f"no rule {rule!r}; try /policy show")
            await ctx.reply(
                f"The trial of {rule} is over: no more of its hits come to the review queue. "
                f"It stays in shadow mode ({self.typed('policy shadow')} {rule} no enforces "
                f"it); {show} tells how it did."
            )
            return
        await self._shadow(ctx, rule, on=True)
        await self.trial_book.start(rule, hits)
        await self.tell_staff_of_change(
            ctx, rule, f"put rule {rule} on trial: in shadow mode, its next {hits} hit(s) to judge"
        )
        # Without a staff channel there are no cards: the items wait in the list.
        where = (
            ""
            if self.settings.staff_channel
            else f" No staff channel is set: they wait in {self.typed('review list')}."
        )
        await ctx.reply(
            f"Rule {rule} is on trial: in shadow mode, it does nothing visible, and its next "
            f"{hits} hit(s) come to the review queue for you to judge (Rule was right / Rule "
            f"was wrong, or {self.typed('review decide')} ITEM violation|ok). Nothing happens "
            f"to the members either way; {show} tells how it did.{where}"
        )

    async def _shadow(self, ctx: CommandContext, rule: str, *, on: bool) -> None:
        """Shadow a rule, or enforce it again, from now on and after restarts."""
        if self.policy.rule(rule) is None:
            raise CommandError(f"no rule {rule!r}; try /policy show")
        await self.store.shadows.set(
            ctx.community.ref, rule, on, str(ctx.author.ref), self.ctx.clock.now()
        )
        shadow = await self.store.shadows.shadowed(ctx.community.ref)
        self.use_policy(self.policy, shadow)
        await self.announce_policy_change()


_STATS_DAYS_MOST = 3650
"""The longest period ``/policy stats`` takes, in days: ten years."""
_TRIAL_MOST = 50
"""The most hits one trial sends to moderators: a sample, not a second queue."""


def _trial_state(trial: Trial) -> str:
    """Return where a rule's trial stands, in one line."""
    coming = (
        f"its next {trial.left} hit(s) come to the review queue to judge; " if trial.left else ""
    )
    judged = (
        f"judged so far: right {trial.right} time(s) of {trial.judged}"
        if trial.judged
        else "none judged yet"
    )
    return f"On trial: {coming}{judged}."


def _finished_trial(trial: Trial) -> str:
    """Return how a rule's last finished trial went, in one line."""
    ended = f", ended {trial.ended_at:%Y-%m-%d}" if trial.ended_at else ""
    return f"Last trial{ended}: {trial.verdict()}."


def _settings_lines(params: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Return a rule's parameters as lines a community manager reads, not as Python.

    A table of values by language reads one language a line (``words (fr): ...``); a list
    of plain words, on its line; a list of longer items (patterns, sentences), an item a
    line, since their own commas would blur where one ends. List items are code, which
    every platform shows as written.
    """
    lines: list[str] = []
    for key, value in params.items():
        name = f"{prefix} ({key})" if prefix else key
        if isinstance(value, Mapping):
            lines += _settings_lines(value, name)
        elif isinstance(value, list | tuple) and all(_plain_word(v) for v in value):
            lines.append(f"{name}: {', '.join(map(_code, value)) or 'none'}")
        elif isinstance(value, list | tuple):
            lines.append(f"{name}:")
            lines += [f"  {_code(item)}" for item in value]
        elif isinstance(value, bool):
            lines.append(f"{name}: {'yes' if value else 'no'}")
        else:
            lines.append(f"{name}: {value}")
    return lines


def _code(value: object) -> str:
    """Return a list item as code: ``idiot*`` and a pattern's ``_`` must not read as markdown."""
    text = str(value)
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def _plain_word(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return len(value) <= _PLAIN_WORD and ", " not in value and "\n" not in value


def _trial_line(case: Case, when: str) -> str:
    """Return a shadow case as one line: when, who, where, what they wrote, what it would do."""
    where = f" in #{case.channel.id}" if case.channel else ""
    text = excerpt(str(case.evidence.get("original", "")), _TRIAL_TEXT)
    would = ", ".join(map(str, case.evidence.get("would_do") or ())) or "nothing"
    return (
        f"{case.label} {when} {case.member_name or case.member.id}"
        f'{where}: "{text}" - would have done: {would}'
    )


def _guideline(texts: Mapping[str, str], language: str) -> str:
    """Return a rule's guideline in the community's language, naming the others it has."""
    if not texts:
        return "no guideline text"
    shown = pick_language(texts, language, language)
    others = sorted(tag for tag, text in texts.items() if text != shown)
    return shown + (f" (also in {', '.join(others)})" if others else "")
