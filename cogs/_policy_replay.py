"""``/policy replay``: what a rule would have done on a channel's latest messages.

A community manager about to take a rule live (or who just changed its words and
reloaded the policy) wants to know, in chat and at once, how often it would have fired
on what members really write, and on what. The rule is judged, with the whole policy as
the running bot judges it, on the channel's latest messages, oldest first, in a history
of their own (nothing Steward remembers of the live channel is touched): nothing is
acted on, recorded or told. ``steward replay`` does the same over days of exported
history, classifier rules included.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from bot.core.commands import CommandContext, CommandError, command
from bot.core.models import Channel, Message
from bot.core.quoting import excerpt
from cogs._moderation_base import ModerationCog
from moderation.rule_stats import rule_summary
from policies.normalize import normalize
from policies.verdict import Match, Mode
from policies.windows import RecentWindows

_MOST = 500
"""The most messages one replay reads (platforms hand them a hundred a request)."""
_SHOWN = 5
"""How many of the rule's hits the answer quotes, latest first."""
_QUOTED = 80
"""The most characters of each hit's message it quotes."""


class PolicyReplay(ModerationCog):
    """Judge a rule on a channel's latest messages, acting on nothing."""

    @command(
        "policy replay",
        description="See what a rule would have done on a channel's latest messages.",
    )
    async def policy_replay(
        self,
        ctx: CommandContext,
        rule: Annotated[str, "A rule id"],
        channel: Annotated[Channel | None, "Which channel (default: here)"] = None,
        messages: Annotated[int, "How many of its latest messages (at most 500)"] = 200,
    ) -> None:
        """Reply with how often the rule would have matched, what it would have done, on what."""
        compiled = self.policy.rule(rule)
        if compiled is None:
            raise CommandError(f"no rule {rule!r}; try /policy show")
        if compiled.spec.type == "classifier":
            raise CommandError(
                f"{rule} needs the model's scores: `steward replay FILE --model DIR` judges it "
                "on exported history"
            )
        if not 1 <= messages <= _MOST:
            raise CommandError(f"messages must be 1 to {_MOST}")
        where = channel.ref if channel else ctx.invocation.channel
        read = await ctx.gateway.recent_messages(ctx.community.ref, where, limit=messages)
        oldest_first = sorted((m for m in read if not m.author.is_bot), key=_posted)
        if not oldest_first:
            raise CommandError(f"#{where.id} has no message of a member to judge")
        hits = self._replayed_hits(rule, oldest_first)
        answer = self._replay_answer(rule, where.id, oldest_first, hits)
        figures = await self.rule_figures()
        if rule in figures:
            # Beside the hits, how often moderators found the rule right so far.
            answer += f"\nSo far: {rule_summary(figures[rule])}."
        if rule in self.engine.shadow or compiled.spec.mode is Mode.SHADOW:
            answer += (
                f"\n{rule} is in shadow mode now: {self.typed('policy trial')} {rule} brings "
                "its next hits to moderators to judge."
            )
        await ctx.reply(answer)

    def _replayed_hits(self, rule: str, messages: list[Message]) -> list[tuple[Message, Match]]:
        """Return the messages the rule matches, each with its match, oldest first."""
        windows = RecentWindows(horizon=timedelta(minutes=self.settings.window_minutes))
        community = self.ctx.community
        hits: list[tuple[Message, Match]] = []
        for message in messages:
            text = normalize(message.content)
            verdict = self.engine.judge_message(
                message,
                community=community.ref,
                is_staff=community.is_staff(message.author),
                ctx=windows.moved_to(message.created_at),
                text=text,
            )
            windows.record(message, text, count_emojis=self.counts_emojis)
            hits += [(message, m) for m in verdict.matches if m.rule == rule]
        return hits

    def _replay_answer(
        self, rule: str, channel: str, messages: list[Message], hits: list[tuple[Message, Match]]
    ) -> str:
        """Say how the rule did on the messages, and quote its latest hits."""
        since = self.wall_clock(messages[0].created_at)
        head = f"{rule} on the latest {len(messages)} message(s) of #{channel} (since {since})"
        if not hits:
            return f"{head}: no match. Nothing was done or recorded."
        done = sorted({", ".join(match.actions) or "record" for _, match in hits})
        people = len({message.author.ref for message, _ in hits})
        lines = [
            f"{head}: {len(hits)} match(es) by {people} member(s); it would do "
            f"{' or '.join(done)}. Nothing was done or recorded.",
            "Latest:",
        ]
        for message, match in reversed(hits[-_SHOWN:]):
            when = self.wall_clock(message.created_at, "%m-%d %H:%M")
            lines.append(
                f"{when} {message.author.name}: {excerpt(message.content, _QUOTED)} "
                f"({match.reason})"
            )
        return "\n".join(lines)


def _posted(message: Message) -> tuple[object, str]:
    return (message.created_at, message.ref.id)
