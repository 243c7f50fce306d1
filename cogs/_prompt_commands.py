"""Moderators' commands for the prompt library and the posting calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import ValidationError

from bot.core.commands import (
    Choice,
    CommandContext,
    CommandError,
    CompletedBy,
    command,
    offered,
)
from bot.core.models import Member
from cogs._discussion_base import DiscussionCog
from cogs._discussion_store import Engagement, StoredPrompt
from cogs._prompt_library import LibraryError, PromptEntry, dump_library, parse_library
from cogs._rotation import ranked, upcoming
from cogs._schedules import ScheduleSettings, slots_after

_MAX_WEEKS = 12
_WEEK = timedelta(weeks=1)


class PromptCommands(DiscussionCog):
    """``/prompt ...`` and ``/calendar``: what the calendar will post, and its library."""

    @command(
        "prompt add", description="Add a discussion prompt (or a poll, with answers).", rest="text"
    )
    async def prompt_add(
        self,
        ctx: CommandContext,
        *,
        text: Annotated[str, "What to post"],
        topics: Annotated[str, "Tags, separated by commas"] = "",
        language: Annotated[str, "Its language (en, fr, ...)"] = "",
        channel: Annotated[str, "Only for this channel (name or id)"] = "",
        answers: Annotated[str, "A poll's choices, separated by |"] = "",
    ) -> None:
        """Store a new prompt; it joins the rotation of the schedules it fits."""
        entry = _entry(
            text=text,
            topics=_split(topics, ","),
            language=language or ctx.community.language,
            channel=channel,
            answers=_split(answers, "|"),
        )
        added = await self._store_prompt(ctx, entry, "command")
        if added is None:
            raise CommandError("That prompt is already in the library.")
        await ctx.reply(f"Added prompt #{added.id}.")

    @command("prompt list", description="List the prompts, with how often each ran.")
    async def prompt_list(
        self,
        ctx: CommandContext,
        topic: Annotated[str, "Only prompts with this tag"] = "",
        retired: Annotated[bool, "Include retired prompts"] = False,
    ) -> None:
        """Reply with one line per prompt."""
        prompts = await self.store.prompts(ctx.community.ref, retired=retired)
        if topic:
            prompts = [p for p in prompts if topic in p.entry.topics]
        if not prompts:
            await ctx.reply("No prompts match.")
            return
        await ctx.reply("\n".join(_line(p) for p in prompts))

    @command("prompt edit", description="Change a prompt's text.")
    async def prompt_edit(
        self,
        ctx: CommandContext,
        prompt: Annotated[int, "The prompt's number", CompletedBy("active_prompt_choices")],
        text: Annotated[str, "The new text"],
    ) -> None:
        """Replace a prompt's text; its figures stay with it."""
        _entry(text=text)
        if not await self.store.edit(ctx.community.ref, prompt, text):
            raise CommandError(f"No prompt #{prompt}, or another prompt has that text.")
        await ctx.reply(f"Prompt #{prompt} now reads: {text}")

    @command("prompt remove", description="Retire a prompt: it is never posted again.")
    async def prompt_remove(
        self,
        ctx: CommandContext,
        prompt: Annotated[int, "The prompt's number", CompletedBy("active_prompt_choices")],
    ) -> None:
        """Retire a prompt; its past posts and figures stay."""
        reason = f"removed by {ctx.author.shown_name}"
        if not await self.store.retire(ctx.community.ref, prompt, reason, self.ctx.clock.now()):
            raise CommandError(f"No active prompt #{prompt}.")
        await ctx.reply(f"Prompt #{prompt} is retired.")

    @command("prompt preview", description="Show what a schedule posts next, and when.")
    async def prompt_preview(
        self,
        ctx: CommandContext,
        schedule: Annotated[str, "The schedule's name", CompletedBy("schedule_choices")] = "",
    ) -> None:
        """Reply with each schedule's next slot and the prompt rotation would pick."""
        lines = []
        for chosen in self._pick_schedules(schedule):
            candidates, history = await self.candidates(chosen)
            slot, skipped = await self._next_open_slot(chosen)
            pick = ranked(candidates, history)[0].entry.text if candidates else "(no prompt fits)"
            passed = f" ({', '.join(self.local(s) for s in skipped)} skipped)" if skipped else ""
            lines.append(f"{chosen.name}, {self.local(slot)}{passed} in #{chosen.channel}: {pick}")
        await ctx.reply("\n".join(lines))

    async def _next_open_slot(self, schedule: ScheduleSettings) -> tuple[datetime, list[datetime]]:
        """Return a schedule's next slot that will post, and the skipped ones before it."""
        now = self.ctx.clock.now()
        taken = await self.store.taken_slots(self.ctx.community.ref, schedule.name, now)
        skipped: list[datetime] = []
        for slot in slots_after(schedule.cron, self.tz, now):
            if slot not in taken:
                return slot, skipped
            skipped.append(slot)
        raise CommandError(f"{schedule.name} has no slot to come")  # a cron with no next slot

    @command("prompt skip", description="Skip a schedule's next slot.")
    async def prompt_skip(
        self,
        ctx: CommandContext,
        schedule: Annotated[str, "The schedule's name", CompletedBy("schedule_choices")],
    ) -> None:
        """Mark the next slot skipped so nobody posts it."""
        (chosen,) = self._pick_schedules(schedule)
        slot, _ = await self._next_open_slot(chosen)
        await self.store.skip(
            ctx.community.ref, chosen.name, slot, f"skipped by {ctx.author.shown_name}"
        )
        await ctx.reply(f"Skipped {chosen.name} on {self.local(slot)}.")

    @command("prompt export", description="Reply with the active prompts as a TOML library.")
    async def prompt_export(self, ctx: CommandContext) -> None:
        """Write the library format, ready for another community's ``library`` file."""
        prompts = await self.store.prompts(ctx.community.ref)
        await ctx.reply(dump_library([p.entry for p in prompts]))

    @command("prompt import", description="Add the prompts of a TOML library text.")
    async def prompt_import(
        self, ctx: CommandContext, library: Annotated[str, "TOML with [[prompts]] tables"]
    ) -> None:
        """Add every prompt of the text that is not in the library yet."""
        try:
            parsed = parse_library(library, source="the imported text")
        except LibraryError as error:
            raise CommandError(str(error)) from error
        added = 0
        for entry in parsed.prompts:
            added += await self._store_prompt(ctx, entry, "import") is not None
        known = len(parsed.prompts) - added
        await ctx.reply(f"Imported {added} prompts ({known} were already in the library).")

    @command("prompt stats", description="Rank prompts by engagement.")
    async def prompt_stats(self, ctx: CommandContext) -> None:
        """Reply with each posted prompt's runs, replies, people and reactions, best first."""
        community = ctx.community.ref
        figures = await self.store.engagement(community)
        prompts = {p.id: p for p in await self.store.prompts(community, retired=True)}
        runs: dict[int, list[Engagement]] = {}
        for post in await self.store.posts(community, status="posted"):
            if post.prompt_id is not None:
                runs.setdefault(post.prompt_id, []).append(figures.get(post.id, Engagement()))
        if not runs:
            await ctx.reply("No prompt has been posted yet.")
            return

        def mean_score(prompt_id: int) -> float:
            return sum(e.score for e in runs[prompt_id]) / len(runs[prompt_id])

        lines = []
        for prompt_id in sorted(runs, key=mean_score, reverse=True):
            each = runs[prompt_id]
            waits = [e.first_reply_after for e in each if e.first_reply_after is not None]
            first = (
                f", first reply after {min(waits).total_seconds() / 60:.0f} min" if waits else ""
            )
            text = _short(prompts[prompt_id].entry.text) if prompt_id in prompts else "?"
            lines.append(
                f"#{prompt_id} {text}: posted {_times(len(each))}, "
                f"{_count(sum(e.replies for e in each), 'reply', 'replies')} from "
                f"{_count(sum(e.participants for e in each), 'person', 'people')}, "
                f"{_count(sum(e.reactions for e in each), 'reaction', 'reactions')}{first}"
            )
        await ctx.reply("\n".join(lines))

    @command("calendar", description="Show the posting calendar of the coming weeks.")
    async def calendar(
        self, ctx: CommandContext, weeks: Annotated[int, "How many weeks ahead"] = 4
    ) -> None:
        """Reply with every slot of the coming weeks, local time, and what it would post."""
        if not 1 <= weeks <= _MAX_WEEKS:
            raise CommandError(f"weeks goes from 1 to {_MAX_WEEKS}.")
        now = self.ctx.clock.now()
        end = now + weeks * _WEEK
        lines: list[tuple[datetime, str]] = []
        for schedule in self.settings.schedules:
            taken = await self.store.taken_slots(ctx.community.ref, schedule.name, now)
            slots = []
            for slot in slots_after(schedule.cron, self.tz, now):
                if slot > end:
                    break
                slots.append(slot)
            candidates, history = await self.candidates(schedule)
            picks = iter(upcoming(candidates, history, len(slots)))
            for slot in slots:
                if slot in taken:
                    what = "skipped"
                else:
                    what = _short(next(picks).entry.text) if candidates else "(no prompt fits)"
                lines.append(
                    (slot, f"{self.local(slot)}  {schedule.name} #{schedule.channel}: {what}")
                )
        lines.sort(key=lambda pair: pair[0])
        await ctx.reply("\n".join(line for _, line in lines) if lines else "No schedules.")

    async def _store_prompt(
        self, ctx: CommandContext, entry: PromptEntry, source: str
    ) -> StoredPrompt | None:
        return await self.store.add(
            ctx.community.ref,
            entry,
            source=source,
            by=str(ctx.author.ref),
            now=self.ctx.clock.now(),
        )

    async def active_prompt_choices(self, typed: str, member: Member) -> list[Choice]:
        """Offer the active prompts by number, found by their words or tags as well."""
        del member  # only moderators are asked
        prompts = await self.store.prompts(self.ctx.community.ref, retired=False)
        return offered([(_line(p), p.id) for p in prompts], typed)

    async def schedule_choices(self, typed: str, member: Member) -> list[Choice]:
        """Offer the configured schedules, each with its channel."""
        del member
        schedules = self.settings.schedules
        return offered([(f"{s.name} (#{s.channel})", s.name) for s in schedules], typed)

    def _pick_schedules(self, name: str) -> list[ScheduleSettings]:
        if not self.settings.schedules:
            raise CommandError("No schedules are configured for discussions.")
        if not name:
            return list(self.settings.schedules)
        found = self.schedules.get(name)
        if found is None:
            raise CommandError(f"No schedule {name!r}; there are: {', '.join(self.schedules)}.")
        return [found]


def _entry(**fields: object) -> PromptEntry:
    try:
        return PromptEntry.model_validate(fields)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise CommandError(f"Not a valid prompt: {problems}") from error


def _split(text: str, separator: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(separator) if part.strip())


def _short(text: str, width: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _line(prompt: StoredPrompt) -> str:
    entry = prompt.entry
    tags = f" [{', '.join(entry.topics)}]" if entry.topics else ""
    poll = f" poll: {' | '.join(entry.answers)}" if entry.answers else ""
    state = f" (retired: {prompt.retired_reason})" if not prompt.active else ""
    return f"#{prompt.id} {entry.language}{tags} {_short(entry.text)}{poll}{state}"


def _count(number: int, one: str, many: str) -> str:
    """Return a count with its noun ("1 reply", "3 replies"): staff read these figures."""
    return f"{number} {one if number == 1 else many}"


def _times(number: int) -> str:
    """Return how often something was done, in words ("once", "twice", "3 times")."""
    return {1: "once", 2: "twice"}.get(number, f"{number} times")
