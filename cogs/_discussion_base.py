"""What the discussions cog and its commands share: settings, storage, calendar helpers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from bot.core.clock import zone
from bot.core.cog import Cog, CogContext, CogSettings
from cogs._discussion_store import DiscussionStore, StoredPrompt, discussion_store_for
from cogs._prompt_library import load_library
from cogs._recognition import RecognitionSettings
from cogs._rotation import PromptRecord, eligible, records
from cogs._schedules import ScheduleSettings


class DiscussionSettings(CogSettings):
    """The posting calendar and how prompts are judged.

    Attributes:
        library: A TOML prompt library to load (see ``cogs/_discussion_prompts.toml``);
            empty loads Steward's starter library. Prompts added by command live in storage.
        schedules: The calendars (``[[communities.<key>.cogs.discussions.schedules]]``).
        retire_after: Retire a prompt after this many posts in a row fell flat.
        flat_below: A post with fewer replies than this fell flat.
        engagement_window: How long after a post its replies still count before it is judged.
        recognition: The weekly highlight of helpful members; off when absent.
    """

    library: str = ""
    schedules: tuple[ScheduleSettings, ...] = ()
    retire_after: int = Field(3, ge=1)
    flat_below: int = Field(1, ge=1)
    engagement_window: timedelta = timedelta(days=7)
    recognition: RecognitionSettings | None = None

    @field_validator("library")
    @classmethod
    def _library_loads(cls, value: str) -> str:
        # Refused with the configuration, not when the cog starts (LibraryError names it).
        if value:
            load_library(value)
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> DiscussionSettings:
        names = [s.name for s in self.schedules]
        doubles = sorted({n for n in names if names.count(n) > 1})
        if doubles:
            raise ValueError(f"schedule names must be unique: {', '.join(doubles)}")
        return self


class DiscussionCog(Cog[DiscussionSettings]):
    """Base of the discussions cog: its storage, time zone and schedules.

    Raises:
        ValueError: If the community's time zone is unknown.
    """

    Settings = DiscussionSettings

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.store: DiscussionStore = discussion_store_for(ctx.storage)
        self.tz: ZoneInfo = zone(ctx.community.timezone)

    @property
    def schedules(self) -> dict[str, ScheduleSettings]:
        """Return the schedules by name."""
        return {s.name: s for s in self.settings.schedules}

    async def candidates(
        self, schedule: ScheduleSettings
    ) -> tuple[list[StoredPrompt], dict[int, PromptRecord]]:
        """Return the prompts a schedule may post and every prompt's record so far."""
        community = self.ctx.community.ref
        prompts = await self.store.prompts(community)
        history = records(await self.store.posts(community), await self.store.engagement(community))
        channels = await self._prompt_channels(prompts)
        return eligible(prompts, schedule, self.ctx.community.language, channels), history

    async def _prompt_channels(self, prompts: Sequence[StoredPrompt]) -> dict[str, str]:
        """Return the platform's ids of the channels prompts are kept for, by name.

        A library names channels as people do (``general``) while the schedules' channels
        are already ids; asking the platform makes them comparable. An unknown name, or a
        platform that cannot answer now, leaves those prompts to match by their text.
        """
        found = await self.look_up_channels(p.entry.channel for p in prompts if p.entry.channel)
        return {name: ident for name, ident in (found or {}).items() if ident}

    def local(self, when: datetime) -> str:
        """Return a time as the community reads it (``Mon 30 Mar 2026 10:00 CEST``).

        The zone is named: staff read schedules from many places, and the hour of a
        Monday slot moves with daylight saving.
        """
        return when.astimezone(self.tz).strftime("%a %d %b %Y %H:%M %Z")
