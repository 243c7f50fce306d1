"""Keep conversation going: weekly prompts and polls on a calendar, with their engagement.

Each schedule posts at local times in the community's time zone. A slot is claimed in
storage before it is posted, so a restart or a second process never posts it twice; a
slot missed while Steward was down is posted late once, or skipped, as the schedule says.
Replies in a prompt's thread (or to the prompt) and reactions to it are counted, rotation
prefers prompts that engaged well, and prompts that keep falling flat are retired.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from bot.core.actions import POLL_TARGET, ActionResult, OpenThread, PostMessage, PostPoll
from bot.core.clock import as_utc
from bot.core.cog import CogContext, listener
from bot.core.commands import plain_number
from bot.core.events import ComponentClicked, MessageCreated, PollVoted, ReactionAdded, Tick
from bot.core.models import Member
from bot.core.refs import Ref
from cogs._discussion_store import Credit, Post, StoredPrompt
from cogs._prompt_commands import PromptCommands
from cogs._prompt_library import load_library
from cogs._recognition import RecognitionSettings, highlight, thanks_in
from cogs._rotation import ranked, records
from cogs._schedules import ScheduleSettings, latest_slot, next_slot
from moderation.store import store_for

TIMER_PREFIX = "discussions:"
RECOGNITION = "@recognition"
"""The recognition timer's and slots' name; schedule names cannot start with ``@``."""
_AUTHORS_KEPT = 5000
POLL_TIMER = TIMER_PREFIX + "@poll:"
"""A poll's closing timer: the prefix, then the poll's post id."""
_POLLS_TRACKED = timedelta(days=7)
# Where a platform has neither native polls nor buttons (the local platform), number
# reactions are the votes. Discord votes arrive as PollVoted, Slack's as button clicks.
_VOTE_EMOJI = {**{f"{n}\ufe0f\u20e3": n - 1 for n in range(1, 10)}, "\U0001f51f": 9}
_TRACKED_FOR = timedelta(days=60)
_THREAD_NAME = 90


class Discussions(PromptCommands):
    """Post prompts and polls on schedule, open threads on them, and track engagement."""

    name = "discussions"
    description = "Weekly discussion prompts and polls on a calendar, ranked by engagement."

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        # Message and thread ids of recent posts, to count replies and reactions.
        self._by_item: dict[str, int] = {}
        # Authors of recent messages, to credit the one a thank-you or reaction is for.
        self._authors: OrderedDict[str, Member] = OrderedDict()
        # Open polls' message ids: their post id and how many answers they offer.
        self._polls: dict[str, tuple[int, int]] = {}

    async def on_load(self) -> None:
        """Load the library, finish interrupted posts, catch up on missed slots, arm timers.

        Raises:
            cogs._prompt_library.LibraryError: If the library file is missing or invalid.
        """
        community = self.ctx.community.ref
        library = load_library(self.settings.library)
        added = await self.store.sync_library(community, library.prompts, self.ctx.clock.now())
        if added:
            self.log.info("added %d prompts from the library", added)
        await self._track_recent()
        await self._finish_interrupted()
        for schedule in self.settings.schedules:
            await self._catch_up(schedule)
            self._arm(schedule)
        self._arm_recognition()
        await self._arm_polls()

    async def on_unload(self) -> None:
        """Cancel this instance's timers; storage keeps everything."""
        for schedule in self.settings.schedules:
            self.ctx.timers.cancel(self.ctx.community.ref, TIMER_PREFIX + schedule.name)
        self.ctx.timers.cancel(self.ctx.community.ref, TIMER_PREFIX + RECOGNITION)

    # -- the calendar ----------------------------------------------------------------

    @listener(Tick)
    async def on_tick(self, event: Tick) -> None:
        """Post the slot a schedule's timer marks, then arm the next one."""
        if not event.timer.startswith(TIMER_PREFIX):
            return
        if event.timer.startswith(POLL_TIMER):
            await self._summarize_poll(int(event.timer.removeprefix(POLL_TIMER)))
            return
        if event.timer == TIMER_PREFIX + RECOGNITION:
            await self._highlight(as_utc(event.at))
            self._arm_recognition()
            return
        schedule = self.schedules.get(event.timer.removeprefix(TIMER_PREFIX))
        if schedule is None:
            return
        slot = latest_slot(schedule.cron, self.tz, as_utc(event.at))
        await self.post_slot(schedule, slot)
        self._arm(schedule)

    def _arm(self, schedule: ScheduleSettings) -> None:
        due = next_slot(schedule.cron, self.tz, self.ctx.clock.now())
        self.ctx.timers.schedule(self.ctx.community.ref, TIMER_PREFIX + schedule.name, due)

    async def _catch_up(self, schedule: ScheduleSettings) -> None:
        """Post late, or skip, the latest slot that passed while nobody was running."""
        community = self.ctx.community.ref
        now = self.ctx.clock.now()
        key = f"armed:{schedule.name}"
        armed = await self.ctx.storage.cog_state.get(community, self.name, key)
        if armed is None:
            # A new schedule owes nothing for the time before it existed.
            await self.ctx.storage.cog_state.put(community, self.name, key, now.isoformat())
            if latest_slot(schedule.cron, self.tz, now) != now:
                return
        slot = latest_slot(schedule.cron, self.tz, now)
        if armed is not None and slot < datetime.fromisoformat(str(armed)):
            return
        if slot in await self.store.taken_slots(community, schedule.name, slot):
            return
        if slot == now:
            await self.post_slot(schedule, slot)
        elif schedule.missed == "late" and now - slot <= schedule.late_within:
            await self.post_slot(
                schedule, slot, note=f"posted late: the {self.local(slot)} slot was missed"
            )
        else:
            await self.store.skip(community, schedule.name, slot, "missed while Steward was down")
            self.log.info("skipped the missed %s slot of %s", self.local(slot), schedule.name)

    async def post_slot(
        self, schedule: ScheduleSettings, slot: datetime, *, note: str = ""
    ) -> Post | None:
        """Claim a slot and post the schedule's next prompt in it.

        Returns:
            The slot's record, or ``None`` when another process or an earlier run holds it.
        """
        community = self.ctx.community.ref
        post_id = await self.store.claim(community, schedule.name, slot)
        if post_id is None:
            self.log.info("slot %s of %s is already taken", slot.isoformat(), schedule.name)
            return None
        await self._retire_flat()
        candidates, history = await self.candidates(schedule)
        if not candidates:
            reason = "no active prompt fits this schedule (topics, language, channel, kind)"
            await self.store.failed(post_id, reason)
            self.log.warning("%s: %s", schedule.name, reason)
            return None
        return await self._publish(post_id, schedule, ranked(candidates, history)[0], note)

    async def _publish(
        self, post_id: int, schedule: ScheduleSettings, prompt: StoredPrompt, note: str
    ) -> Post | None:
        community = self.ctx.community.ref
        channel = self.channel(schedule.channel)
        await self.store.chose(post_id, prompt.id)
        result = await self._send(schedule, prompt, channel)
        if not result.ok or result.ref is None:
            await self.store.failed(post_id, f"the platform refused the post: {result.error}")
            self.log.warning("could not post prompt %d: %s", prompt.id, result.error)
            return None
        thread: Ref | None = None
        if schedule.thread and schedule.kind == "prompt":
            opened = await self.ctx.gateway.apply(
                OpenThread(
                    community=community,
                    channel=channel,
                    message=result.ref,
                    name=_thread_name(prompt.entry.text),
                    reason="discussion prompt",
                )
            )
            thread = opened.ref if opened.ok else None
            if not opened.ok:
                note = (note + "; " if note else "") + f"no thread: {opened.error}"
        now = self.ctx.clock.now()
        await self.store.posted(
            post_id,
            prompt_id=prompt.id,
            channel=channel,
            message=result.ref,
            thread=thread,
            at=now,
            note=note,
        )
        self._by_item[result.ref.id] = post_id
        if thread is not None:
            self._by_item[thread.id] = post_id
        if schedule.kind == "poll":
            closes = now + timedelta(hours=schedule.poll_hours)
            await self.store.closes(post_id, closes)
            self._polls[result.ref.id] = (post_id, len(prompt.entry.answers))
            self.ctx.timers.schedule(community, f"{POLL_TIMER}{post_id}", closes)
        return await self.store.post(post_id)

    async def _send(
        self, schedule: ScheduleSettings, prompt: StoredPrompt, channel: Ref
    ) -> ActionResult:
        community = self.ctx.community.ref
        if schedule.kind == "poll":
            return await self.ctx.gateway.apply(
                PostPoll(
                    community=community,
                    channel=channel,
                    question=prompt.entry.text,
                    answers=prompt.entry.answers,
                    hours=schedule.poll_hours,
                    reason="discussion poll",
                )
            )
        return await self.ctx.gateway.apply(
            PostMessage(
                community=community,
                channel=channel,
                content=prompt.entry.text,
                reason="discussion prompt",
            )
        )

    async def _finish_interrupted(self) -> None:
        """Settle slots claimed by a run that stopped before recording the post."""
        community = self.ctx.community.ref
        now = self.ctx.clock.now()
        for post in await self.store.posts(community, status="claimed"):
            schedule = self.schedules.get(post.schedule)
            prompt = await self.store.get(community, post.prompt_id) if post.prompt_id else None
            if schedule is None or prompt is None:
                await self.store.failed(post.id, "interrupted before a prompt was chosen")
                continue
            channel = self.channel(schedule.channel)
            sent = await self._find_sent(channel, prompt, post.slot_at)
            if sent is not None:
                await self.store.posted(
                    post.id,
                    prompt_id=prompt.id,
                    channel=channel,
                    message=sent,
                    thread=None,
                    at=now,
                    note="recovered after a restart",
                )
                self._by_item[sent.id] = post.id
            elif now - post.slot_at <= schedule.late_within:
                await self._publish(post.id, schedule, prompt, "posted late after a restart")
            else:
                await self.store.failed(post.id, "interrupted, and too late to post")

    async def _find_sent(self, channel: Ref, prompt: StoredPrompt, since: datetime) -> Ref | None:
        recent = await self.ctx.gateway.recent_messages(self.ctx.community.ref, channel, limit=50)
        for message in recent:
            if (
                message.author.is_bot
                and message.created_at >= since
                and prompt.entry.text in message.content
            ):
                return message.ref
        return None

    async def _retire_flat(self) -> None:
        community = self.ctx.community.ref
        now = self.ctx.clock.now()
        settled = [
            post
            for post in await self.store.posts(community, status="posted")
            if post.posted_at is not None
            and now - post.posted_at >= self.settings.engagement_window
        ]
        needed = self.settings.retire_after
        for prompt_id, record in records(settled, await self.store.engagement(community)).items():
            latest = record.replies[:needed]
            if len(latest) == needed and all(r < self.settings.flat_below for r in latest):
                reason = f"fell flat {needed} times in a row (fewer than {self.settings.flat_below} replies)"
                if await self.store.retire(community, prompt_id, reason, now):
                    self.log.info("retired prompt %d: %s", prompt_id, reason)

    # -- engagement ------------------------------------------------------------------

    async def _track_recent(self) -> None:
        since = self.ctx.clock.now() - _TRACKED_FOR
        for post in await self.store.posts(self.ctx.community.ref, status="posted"):
            if post.posted_at is None or post.posted_at < since:
                continue
            for item in (post.message, post.thread):
                if item is not None:
                    self._by_item[item.id] = post.id

    @listener(MessageCreated)
    async def count_reply(self, event: MessageCreated) -> None:
        """Count a reply to a prompt, and credit the member a thank-you is for."""
        message = event.message
        if message.author.is_bot:
            return
        self._remember(message.ref.id, message.author)
        for item in (message.thread, message.reply_to):
            post_id = self._by_item.get(item.id) if item is not None else None
            if post_id is not None:
                await self.store.record(
                    post_id, "reply", message.author.ref, message.ref.id, event.at
                )
                break
        recognition = self.settings.recognition
        if recognition is None or not thanks_in(message.content, recognition):
            return
        for helper in await self._thanked(message.reply_to, message.mentions):
            await self._credit(helper, message.author.ref, "thanks", message.ref.id, event.at)

    @listener(ReactionAdded)
    async def count_reaction(self, event: ReactionAdded) -> None:
        """Count a reaction to a prompt or a vote in a poll; credit the message's author."""
        if event.member.is_bot:
            return
        poll = self._polls.get(event.message.id)
        answer = _VOTE_EMOJI.get(event.emoji)
        if poll is not None and answer is not None and answer < poll[1]:
            await self.store.vote(poll[0], event.member.ref, answer, event.at)
        post_id = self._by_item.get(event.message.id)
        if post_id is not None:
            await self.store.record(post_id, "reaction", event.member.ref, event.emoji, event.at)
        author = self._authors.get(event.message.id)
        if self.settings.recognition is not None and author is not None:
            await self._credit(author, event.member.ref, "reaction", event.message.id, event.at)

    async def _credit(self, helper: Member, giver: Ref, kind: str, item: str, at: datetime) -> None:
        """Credit a member with what someone else's thanks or reaction gave them."""
        if helper.ref != giver and not helper.is_bot:
            await self.store.credit(
                self.ctx.community.ref, helper, kind=kind, item=item, giver=giver, at=at
            )

    def _remember(self, message_id: str, author: Member) -> None:
        self._authors[message_id] = author
        while len(self._authors) > _AUTHORS_KEPT:
            self._authors.popitem(last=False)

    async def _thanked(self, reply_to: Ref | None, mentions: tuple[Ref, ...]) -> list[Member]:
        """Return who a thank-you is for: the author it answers and the members it names."""
        found: list[Member] = []
        if reply_to is not None and reply_to.id in self._authors:
            found.append(self._authors[reply_to.id])
        for ref in mentions:
            member = await self.ctx.gateway.fetch_member(self.ctx.community.ref, ref)
            if member is not None and all(m.ref != member.ref for m in found):
                found.append(member)
        return found

    # -- polls -----------------------------------------------------------------------

    @listener(PollVoted)
    async def vote_natively(self, event: PollVoted) -> None:
        """Count a vote in a native poll (Discord), or take it back."""
        poll = self._polls.get(event.message.id)
        if poll is None or not 0 <= event.answer < poll[1]:
            return
        if event.removed:
            await self.store.unvote(poll[0], event.member.ref, event.answer)
        else:
            await self.store.vote(poll[0], event.member.ref, event.answer, event.at)

    @listener(ComponentClicked)
    async def vote_by_button(self, event: ComponentClicked) -> None:
        """Count a click on a poll's answer button (Slack draws polls as buttons)."""
        if event.target != POLL_TARGET or event.message is None:
            return
        poll = self._polls.get(event.message.id)
        if poll is None:
            await self.answer_click(event, "This poll is closed.")
            return
        answer = plain_number(event.choice)
        if answer is None:
            return
        if not answer < poll[1]:
            return
        await self.store.vote(poll[0], event.author.ref, answer, event.at)
        await self.answer_click(event, f"Your vote for answer {answer + 1} is counted.")

    async def _arm_polls(self) -> None:
        """Track recent polls' votes again and arm their closing summaries."""
        community = self.ctx.community.ref
        now = self.ctx.clock.now()
        for post in await self.store.polls(community):
            if post.closes_at is None or post.message is None or post.prompt_id is None:
                continue
            if post.closes_at < now - _POLLS_TRACKED:
                continue
            prompt = await self.store.get(community, post.prompt_id)
            answers = len(prompt.entry.answers) if prompt is not None else 0
            self._polls[post.message.id] = (post.id, answers)
            self.ctx.timers.schedule(community, f"{POLL_TIMER}{post.id}", max(post.closes_at, now))

    async def _summarize_poll(self, post_id: int) -> None:
        """Post a closed poll's results once, in the poll's channel."""
        community = self.ctx.community.ref
        post = await self.store.post(post_id)
        if post is None or post.prompt_id is None or post.channel is None:
            return
        prompt = await self.store.get(community, post.prompt_id)
        if prompt is None:
            return
        if not await self.ctx.storage.ledger.first_seen(
            community, f"poll-summary:{post_id}", self.ctx.clock.now()
        ):
            return
        counts = await self.store.votes(post_id)
        total = sum(counts.values())
        lines = [f"Poll closed: {prompt.entry.text}"]
        for index, answer in enumerate(prompt.entry.answers):
            votes = counts.get(index, 0)
            share = f" ({votes * 100 / total:.0f}%)" if total else ""
            lines.append(f"{index + 1}. {answer}: {votes} vote{'s' if votes != 1 else ''}{share}")
        lines.append(f"{total} member{'s' if total != 1 else ''} voted. Thanks for taking part!")
        if post.message is not None:
            self._polls.pop(post.message.id, None)
        await self.ctx.gateway.apply(
            PostMessage(
                community=community,
                channel=post.channel,
                content="\n".join(lines),
                reason="poll closed",
            )
        )

    # -- recognition -----------------------------------------------------------------

    def _arm_recognition(self) -> None:
        recognition = self.settings.recognition
        if recognition is not None:
            due = next_slot(recognition.cron, self.tz, self.ctx.clock.now())
            self.ctx.timers.schedule(self.ctx.community.ref, TIMER_PREFIX + RECOGNITION, due)

    async def _highlight(self, at: datetime) -> None:
        """Post the highlight once per slot, naming helpful members in good standing."""
        recognition = self.settings.recognition
        if recognition is None:
            return
        community = self.ctx.community.ref
        post_id = await self.store.claim(
            community, RECOGNITION, latest_slot(recognition.cron, self.tz, at)
        )
        if post_id is None:
            return
        chosen: list[Credit] = []
        for credit in await self.store.credits_since(community, at - recognition.window):
            if credit.total < recognition.min_credits or len(chosen) >= recognition.top:
                continue
            if await self._in_good_standing(credit.member, recognition, at):
                chosen.append(credit)
        if not chosen:
            await self.store.failed(post_id, "nobody drew enough thanks and reactions")
            return
        channel = self.channel(recognition.channel)
        result = await self.ctx.gateway.apply(
            PostMessage(
                community=community,
                channel=channel,
                content=highlight(chosen, recognition, self.ctx.community.language),
                reason="recognition",
            )
        )
        if not result.ok or result.ref is None:
            await self.store.failed(post_id, f"the platform refused the post: {result.error}")
            return
        await self.store.posted(
            post_id, prompt_id=None, channel=channel, message=result.ref, thread=None, at=at
        )

    async def _in_good_standing(
        self, member: Ref, recognition: RecognitionSettings, now: datetime
    ) -> bool:
        """Return whether a member may be named: no active infraction, staff only if allowed."""
        community = self.ctx.community.ref
        if await store_for(self.ctx.storage).cases.active_points(community, member, now):
            return False
        if recognition.include_staff:
            return True
        current = await self.ctx.gateway.fetch_member(community, member)
        return current is not None and not self.ctx.community.is_staff(current)


def _thread_name(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _THREAD_NAME else line[: _THREAD_NAME - 1].rstrip() + "…"
