"""The discussions cog on the local platform with a virtual clock and a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import open_storage
from bot.core.actions import POLL_TARGET
from bot.core.clock import VirtualClock
from bot.core.events import ComponentClicked, PollVoted
from bot.core.refs import Ref
from bot.registry import CogRegistry
from cogs._discussion_store import DiscussionStore, Post
from cogs._prompt_library import PromptEntry
from tests.conftest import LocalBot, local_bot

SUNDAY = datetime(2026, 3, 1, tzinfo=UTC)
ACME = Ref("local", "acme")
WEEKLY = {"name": "weekly", "cron": "0 10 * * mon", "channel": "general"}

LIBRARY = """
[[prompts]]
text = "What did you build this week?"
topics = ["community"]

[[prompts]]
text = "Which feature surprised you?"
topics = ["product"]

[[prompts]]
text = "Share a tip for newcomers."
topics = ["community"]

[[prompts]]
text = "Which call topic next?"
answers = ["Roadmap", "Tips"]
"""


@asynccontextmanager
async def running(
    registry: CogRegistry,
    database: Path,
    *,
    start: datetime = SUNDAY,
    library: Path | None = None,
    **settings: Any,
) -> AsyncIterator[LocalBot]:
    cog: dict[str, Any] = {"schedules": [WEEKLY], **settings}
    if library is not None:
        cog["library"] = str(library)
    config = {
        "timezone": "Europe/Amsterdam",
        "cogs": {"welcome": {"enabled": False}, "discussions": cog},
    }
    async with local_bot(registry, database, config, start=start) as bot:
        yield bot


def posted_times(bot: LocalBot) -> list[str]:
    return [a["at"] for a in bot.of("post_message") if a["channel"] == "general"]


async def stored_posts(database: Path) -> list[Post]:
    """Open the file again, as a restart would, and read the slots' records."""
    storage = await open_storage(database, VirtualClock(SUNDAY))
    try:
        return await DiscussionStore(storage.db).posts(ACME)
    finally:
        await storage.close()


async def test_a_scripted_month_posts_every_monday_at_ten_local_across_the_clock_change(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with running(registry, tmp_path / "s.db") as bot:
        await bot.session.advance(datetime(2026, 4, 7, tzinfo=UTC))
    # Amsterdam moves from UTC+1 to UTC+2 on 29 March: 10:00 local is 09:00, then 08:00 UTC.
    assert posted_times(bot) == [
        "2026-03-02T09:00:00Z",
        "2026-03-09T09:00:00Z",
        "2026-03-16T09:00:00Z",
        "2026-03-23T09:00:00Z",
        "2026-03-30T08:00:00Z",
        "2026-04-06T08:00:00Z",
    ]
    texts = [a["content"] for a in bot.of("post_message")]
    assert len(set(texts)) == len(texts), "no prompt repeats before the library is used up"
    threads = bot.of("open_thread")
    assert len(threads) == 6
    assert [t["message"] for t in threads] == [a["created"] for a in bot.of("post_message")]


async def test_a_restart_and_a_second_process_never_post_a_slot_twice(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "s.db"
    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
    async with running(registry, database) as first, running(registry, database) as second:
        await first.session.advance(monday)
        await second.session.advance(monday)
    assert len(posted_times(first)) + len(posted_times(second)) == 1
    async with running(registry, database, start=monday + timedelta(minutes=5)) as again:
        await again.session.advance(monday + timedelta(hours=1))
    assert posted_times(again) == []


async def test_a_slot_missed_while_down_is_posted_late_once(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "s.db"
    async with running(registry, database):
        pass  # the schedule exists from Sunday on
    late = datetime(2026, 3, 2, 11, tzinfo=UTC)  # 12:00 local, two hours after the slot
    async with running(registry, database, start=late) as bot:
        await bot.session.advance(late + timedelta(minutes=1))
    async with running(registry, database, start=late + timedelta(hours=1)) as again:
        await again.session.advance(late + timedelta(hours=2))
    assert posted_times(bot) == ["2026-03-02T11:00:00Z"]
    assert posted_times(again) == []
    (post,) = await stored_posts(database)
    assert post.status == "posted"
    assert "late" in post.note


async def test_a_missed_slot_is_skipped_when_the_schedule_says_so(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "s.db"
    skipping = [{**WEEKLY, "missed": "skip"}]
    async with running(registry, database, schedules=skipping):
        pass
    late = datetime(2026, 3, 2, 11, tzinfo=UTC)
    async with running(registry, database, start=late, schedules=skipping) as bot:
        await bot.session.advance(datetime(2026, 3, 9, 9, tzinfo=UTC))
    assert posted_times(bot) == ["2026-03-09T09:00:00Z"]
    statuses = sorted((p.slot_at.isoformat(), p.status) for p in await stored_posts(database))
    assert statuses == [
        ("2026-03-02T09:00:00+00:00", "skipped"),
        ("2026-03-09T09:00:00+00:00", "posted"),
    ]


async def test_a_new_schedule_owes_nothing_for_the_time_before_it_existed(
    registry: CogRegistry, tmp_path: Path
) -> None:
    tuesday = datetime(2026, 3, 3, 9, tzinfo=UTC)
    async with running(registry, tmp_path / "s.db", start=tuesday) as bot:
        await bot.session.advance(tuesday + timedelta(hours=1))
    assert posted_times(bot) == []


async def test_engagement_is_counted_and_rotation_prefers_prompts_that_engaged(
    registry: CogRegistry, tmp_path: Path
) -> None:
    library = tmp_path / "prompts.toml"
    library.write_text(LIBRARY, encoding="utf-8")
    weekly = [{**WEEKLY, "topics": ["community"]}]
    async with running(registry, tmp_path / "s.db", library=library, schedules=weekly) as bot:
        await bot.session.advance(datetime(2026, 3, 2, 9, tzinfo=UTC))
        (first,) = bot.of("open_thread")
        thread = first["created"]
        for n, author in enumerate(["alice", "bob", "alice"]):
            await bot.play(
                type="message",
                id=f"r{n}",
                channel="general",
                thread=thread,
                author=author,
                content=f"reply {n}",
                at=f"2026-03-02T09:{10 + n}:00Z",
            )
        await bot.play(type="reaction", message=first["message"], author="bob", emoji="🎉")
        # Week two posts the other community prompt, which nobody answers.
        await bot.session.advance(datetime(2026, 3, 16, 9, tzinfo=UTC))
        stats = await bot.command("mod1", "prompt stats")
    posts = [a["content"] for a in bot.of("post_message")]
    assert posts == [
        "What did you build this week?",
        "Share a tip for newcomers.",
        "What did you build this week?",
    ], "once both ran, the one that engaged goes first"
    best, flat = stats.splitlines()
    assert "What did you build" in best
    assert "3 replies from 2 people, 1 reaction, first reply after 10 min" in best
    assert "0 replies" in flat


async def test_prompts_that_keep_falling_flat_are_retired(
    registry: CogRegistry, tmp_path: Path
) -> None:
    library = tmp_path / "prompts.toml"
    library.write_text(LIBRARY, encoding="utf-8")
    daily = [{"name": "daily", "cron": "0 10 * * *", "channel": "general", "topics": ["product"]}]
    async with running(
        registry,
        tmp_path / "s.db",
        library=library,
        schedules=daily,
        retire_after=2,
        engagement_window="P1D",
    ) as bot:
        await bot.session.advance(datetime(2026, 3, 8, tzinfo=UTC))
        listing = await bot.command("mod1", "prompt list", retired=True)
    # Posted on the 1st and 2nd, judged flat twice by the 3rd's slot: retired, nothing left.
    assert posted_times(bot) == ["2026-03-01T09:00:00Z", "2026-03-02T09:00:00Z"]
    assert "Which feature surprised you? (retired: fell flat 2 times in a row" in listing


@asynccontextmanager
async def polling(
    registry: CogRegistry, tmp_path: Path, hours: int
) -> AsyncIterator[tuple[LocalBot, dict[str, Any]]]:
    """Run a weekly poll schedule until its first poll is up; yield the bot and the poll."""
    library = tmp_path / "prompts.toml"
    library.write_text(LIBRARY, encoding="utf-8")
    polls = [{**WEEKLY, "name": "poll", "kind": "poll", "poll_hours": hours}]
    async with running(registry, tmp_path / "s.db", library=library, schedules=polls) as bot:
        await bot.session.advance(datetime(2026, 3, 2, 9, tzinfo=UTC))
        (poll,) = bot.of("post_poll")
        yield bot, poll


async def test_a_poll_schedule_posts_a_poll_and_sums_it_up_when_it_closes(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with polling(registry, tmp_path, 48) as (bot, poll):
        for member, emoji in [
            ("alice", "1\ufe0f\u20e3"),
            ("bob", "1\ufe0f\u20e3"),
            ("mod1", "1\ufe0f\u20e3"),
        ]:
            await bot.play(type="reaction", message=poll["created"], author=member, emoji=emoji)
        await bot.session.restart()  # the closing summary survives a restart
        # Bob changes his mind: his latest vote counts. A reaction that is no answer does not.
        await bot.play(
            type="reaction", message=poll["created"], author="bob", emoji="2\ufe0f\u20e3"
        )
        await bot.play(
            type="reaction", message=poll["created"], author="owner", emoji="7\ufe0f\u20e3"
        )
        await bot.session.advance(datetime(2026, 3, 5, tzinfo=UTC))
    assert poll["question"] == "Which call topic next?"
    assert poll["answers"] == ["Roadmap", "Tips"]
    assert poll["hours"] == 48
    assert bot.of("open_thread") == []
    (summary,) = [p for p in bot.of("post_message") if p["content"].startswith("Poll closed")]
    assert summary["at"] == "2026-03-04T09:00:00Z", "48 hours after it went up"
    assert summary["content"].splitlines() == [
        "Poll closed: Which call topic next?",
        "1. Roadmap: 2 votes (67%)",
        "2. Tips: 1 vote (33%)",
        "3 members voted. Thanks for taking part!",
    ]


async def test_moderators_manage_the_library_and_see_the_calendar(
    registry: CogRegistry, tmp_path: Path
) -> None:
    library = tmp_path / "prompts.toml"
    library.write_text(LIBRARY, encoding="utf-8")
    async with running(registry, tmp_path / "s.db", library=library) as bot:
        refused = await bot.command("alice", "prompt add", text="Anything else?")
        added = await bot.command(
            "mod1", "prompt add", text="What's on your desk today?", topics="community, fun"
        )
        twice = await bot.command("mod1", "prompt add", text="What's on your desk today?")
        edited = await bot.command("mod1", "prompt edit", prompt=5, text="What's on your desk?")
        removed = await bot.command("mod1", "prompt remove", prompt=2)
        listing = await bot.command("mod1", "prompt list")
        preview = await bot.command("mod1", "prompt preview")
        skipped = await bot.command("mod1", "prompt skip", schedule="weekly")
        after_skip = await bot.command("mod1", "prompt preview")
        calendar = await bot.command("mod1", "calendar", weeks=3)
        into_summer = await bot.command("mod1", "calendar", weeks=5)
        exported = await bot.command("mod1", "prompt export")
        imported = await bot.command(
            "mod1", "prompt import", library='[[prompts]]\ntext = "Best sunset photo?"\n'
        )
        broken = await bot.command("mod1", "prompt import", library="[[prompts]]\ntxt = 1\n")
        await bot.session.advance(datetime(2026, 3, 9, 9, tzinfo=UTC))
    assert "Only a moderator" in refused
    assert added == "Added prompt #5."
    assert "already in the library" in twice
    assert "now reads: What's on your desk?" in edited
    assert removed == "Prompt #2 is retired."
    assert "Which feature surprised you?" not in listing
    assert "#5 en [community, fun] What's on your desk?" in listing
    assert preview == "weekly, Mon 02 Mar 2026 10:00 CET in #general: What did you build this week?"
    assert skipped == "Skipped weekly on Mon 02 Mar 2026 10:00 CET."
    # What comes next is the slot after the skipped one, which the preview names.
    assert after_skip == (
        "weekly, Mon 09 Mar 2026 10:00 CET (Mon 02 Mar 2026 10:00 CET skipped) in #general: "
        "What did you build this week?"
    )
    assert calendar.splitlines() == [
        "Mon 02 Mar 2026 10:00 CET  weekly #general: skipped",
        "Mon 09 Mar 2026 10:00 CET  weekly #general: What did you build this week?",
        "Mon 16 Mar 2026 10:00 CET  weekly #general: Share a tip for newcomers.",
    ]
    # Summer time starts on 29 March: the slot stays at 10:00, and the zone says which.
    assert into_summer.splitlines()[-1].startswith("Mon 30 Mar 2026 10:00 CEST  weekly")
    assert 'text = "What\'s on your desk?"' in exported or "What's on your desk?" in exported
    assert imported == "Imported 1 prompts (0 were already in the library)."
    assert "txt" in broken and "Not" not in imported
    assert posted_times(bot) == ["2026-03-09T09:00:00Z"], "the skipped slot stays quiet"


async def test_the_weekly_highlight_thanks_helpful_members_in_good_standing(
    registry: CogRegistry, tmp_path: Path
) -> None:
    recognition = {"cron": "0 16 * * fri", "channel": "general", "min_credits": 2}
    async with running(registry, tmp_path / "s.db", schedules=[], recognition=recognition) as bot:

        async def say(ident: str, author: str, text: str, reply_to: str | None = None) -> None:
            await bot.play(
                type="message",
                id=ident,
                channel="general",
                author=author,
                content=text,
                reply_to=reply_to,
            )

        await bot.session.advance(datetime(2026, 3, 2, 10, tzinfo=UTC))
        await say("m1", "alice", "How do I reset the lamp?")
        await say("m2", "bob", "Hold the button for ten seconds.", reply_to="m1")
        await say("m3", "alice", "Thanks, that worked!", reply_to="m2")
        await bot.play(type="reaction", message="m2", author="mod1", emoji="👍")
        await say("m4", "mod1", "Tip: the app has a night mode under Settings.")
        await bot.play(type="reaction", message="m4", author="alice", emoji="🙏")
        await bot.play(type="reaction", message="m4", author="owner", emoji="🙏")
        await say("m5", "bob", "thx for the tip", reply_to="m4")
        await say("m6", "alice", "thanks", reply_to="m3")  # thanking herself counts for nothing
        # Bob, thanked twice, then breaks the rules: no highlight while that is on his record.
        await say("m7", "bob", "claim now https://bit.ly/fr33-g1ft")
        await bot.session.advance(datetime(2026, 3, 6, 16, tzinfo=UTC))
    (highlight,) = [a for a in bot.of("post_message") if "most helpful" in a["content"]]
    assert highlight["at"] == "2026-03-06T15:00:00Z", "Friday 16:00 in Amsterdam"
    assert "**mod1** (thanks: 1, reactions: 2)" in highlight["content"]
    assert "bob" not in highlight["content"]
    assert "alice" not in highlight["content"]


async def test_a_click_on_a_poll_button_is_a_vote(registry: CogRegistry, tmp_path: Path) -> None:
    async with polling(registry, tmp_path, 24) as (bot, poll):
        session = bot.session
        for n, (member, choice) in enumerate([("alice", "1"), ("bob", "1"), ("mod1", "9")]):
            # Slack draws a poll as buttons; their clicks arrive like any other.
            await session.app.ingest(
                ComponentClicked(
                    community=ACME,
                    at=session.clock.now(),
                    author=session.community.members[member].member,
                    target=POLL_TARGET,
                    choice=choice,
                    channel=Ref("local", "general"),
                    message=Ref("local", poll["created"]),
                    interaction=Ref("local", f"click{n}"),
                )
            )
        await session.app.bus.join()
        await session.advance(datetime(2026, 3, 4, tzinfo=UTC))
    (summary,) = [p for p in bot.of("post_message") if p["content"].startswith("Poll closed")]
    assert summary["content"].splitlines()[1:3] == [
        "1. Roadmap: 0 votes (0%)",
        "2. Tips: 2 votes (100%)",
    ], "an answer the poll does not have is no vote"
    thanks = [a["content"] for a in bot.of("reply_ephemeral")]
    assert thanks == ["Your vote for answer 2 is counted."] * 2


async def test_native_poll_votes_count_and_can_be_taken_back(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with polling(registry, tmp_path, 24) as (bot, poll):
        session = bot.session
        votes = [("alice", 0, False), ("bob", 1, False), ("bob", 1, True), ("mod1", 0, False)]
        for n, (member, answer, removed) in enumerate(votes):
            await session.app.ingest(
                PollVoted(
                    community=ACME,
                    at=session.clock.now(),
                    id=f"vote{n}",
                    message=Ref("local", poll["created"]),
                    channel=Ref("local", "general"),
                    member=session.community.members[member].member,
                    answer=answer,
                    removed=removed,
                )
            )
        await session.app.bus.join()
        await session.advance(datetime(2026, 3, 4, tzinfo=UTC))
    (summary,) = [p for p in bot.of("post_message") if p["content"].startswith("Poll closed")]
    assert summary["content"].splitlines()[1:] == [
        "1. Roadmap: 2 votes (100%)",
        "2. Tips: 0 votes (0%)",
        "2 members voted. Thanks for taking part!",
    ]


async def test_a_prompt_stored_before_languages_were_checked_still_loads(tmp_path: Path) -> None:
    storage = await open_storage(tmp_path / "s.db", VirtualClock(SUNDAY))
    try:
        store = DiscussionStore(storage.db)
        added = await store.add(
            ACME, PromptEntry(text="What are you building?"), source="command", by="m", now=SUNDAY
        )
        assert added is not None
        # As a release before tags were checked would have stored it.
        await storage.db.execute(
            "UPDATE discussion_prompts SET language = ? WHERE id = ?", ("French", added.id)
        )
        (loaded,) = await store.prompts(ACME)
        assert (loaded.id, loaded.entry.text, loaded.entry.language) == (
            added.id,
            "What are you building?",
            "French",
        )
    finally:
        await storage.close()
