"""Hand what members ask for to the right team: sales leads, bugs, support, press, legal.

Each member message is read for its intent (:mod:`policies.intents`). When the community
routes that intent to a team, the team gets a summary with a link to the message and the
time it should answer by: in a channel (with a Handled button, and a reminder once that
time passes unanswered) or at a webhook URL. The member is thanked privately in the brand's
voice. A member is routed once per intent and day, so a thread of questions is one lead.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.core.actions import (
    Button,
    ButtonStyle,
    EditMessage,
    PostMessage,
    SendDirectMessage,
)
from bot.core.channels import ChannelName, RoleName
from bot.core.clock import as_utc, zone
from bot.core.cog import Cog, CogContext, CogSettings, listener
from bot.core.events import ComponentClicked, DirectMessageReceived, MessageCreated, Tick
from bot.core.language_tags import LanguageTag
from bot.core.links import message_link
from bot.core.models import Member
from bot.core.quoting import excerpt, quoted
from bot.core.refs import Ref
from bot.core.templates import pick_language, placeholders_from, render
from cogs._modmail_store import modmail_store_for
from policies.intents import IntentMatch, IntentRules, load_intents

TIMER = "routing:answer-by"
TARGET_PREFIX = "route:"
_OPEN_KEY = "open"
_EXCERPT = 300
_WEBHOOK_TIMEOUT = 5.0

_THANKS = {
    "en": "Thanks, {member}! I've passed your message to our {team} team; they usually answer within {hours} hours.",
    "fr": "Merci, {member} ! J'ai transmis ton message à notre équipe {team} ; elle répond en général sous {hours} heures.",
    "nl": "Bedankt, {member}! Ik heb je bericht doorgestuurd naar ons {team}-team; ze antwoorden meestal binnen {hours} uur.",
    "da": "Tak, {member}! Jeg har sendt din besked videre til vores {team}-team; de svarer normalt inden for {hours} timer.",
    "pl": "Dzięki, {member}! Przekazałem Twoją wiadomość do naszego zespołu {team}; zwykle odpowiada w ciągu {hours} godzin.",
    "ja": "{member}さん、ありがとうございます！メッセージを{team}チームに伝えました。通常{hours}時間以内に返信します。",
}


Thanks = dict[LanguageTag, Annotated[str, placeholders_from("member", "team", "hours")]]
"""The thanks for a routed request, by language."""


class TeamRoute(BaseModel):
    """Where one intent goes.

    Attributes:
        destination: A channel (name or id), or an ``https://`` webhook URL that receives
            JSON.
        answer_within_hours: How soon the team should answer; a channel summary reminds
            the team once this passes without anyone marking it handled.
        mention: Who to ping with the summary: a role's name (a user group's handle on
            Slack) or the platform's mention (``<@&ROLE_ID>`` on Discord,
            ``<!subteam^ID>`` on Slack).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    destination: ChannelName = Field(min_length=1)
    answer_within_hours: float = Field(24.0, gt=0)
    mention: RoleName = ""

    @property
    def is_webhook(self) -> bool:
        """Return whether the destination is a URL rather than a channel."""
        return self.destination.startswith(("https://", "http://"))


class RoutingSettings(CogSettings):
    """Which intents go to which team.

    Attributes:
        intents: An intents file (see ``policies/intents.toml``); empty uses Steward's.
        threshold: The score an intent needs (a strong cue counts two, others one).
        teams: Intent key (``sales_lead``, ``bug_report``...) to its team's route.
        channels: Channels (names or ids) to read; empty reads every channel.
        staff_channel: Where a webhook that failed is reported, with the lead in full.
        acknowledge: Whether to thank the member privately.
        acknowledgements: The thanks by language; ``{member}``, ``{team}``, ``{hours}``.
    """

    intents: str = ""
    threshold: float = Field(2.0, gt=0)
    teams: dict[str, TeamRoute] = Field(default_factory=dict)
    channels: list[ChannelName] = Field(default_factory=list)
    staff_channel: ChannelName = "mod-log"
    acknowledge: bool = True
    acknowledgements: Thanks = Field(default_factory=lambda: dict(_THANKS))

    @field_validator("teams")
    @classmethod
    def _channels_or_urls(cls, value: dict[str, TeamRoute]) -> dict[str, TeamRoute]:
        for key, route in value.items():
            if "://" in route.destination and not route.is_webhook:
                raise ValueError(f"{key}: a webhook destination must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _teams_route_known_intents(self) -> RoutingSettings:
        # Checked with the configuration (check-config, a reload), not when the cog starts.
        if self.intents or self.teams:
            names = load_intents(self.intents, threshold=self.threshold).names
            unknown = sorted(set(self.teams) - set(names))
            if unknown:
                raise ValueError(
                    f"teams name unknown intents {', '.join(unknown)} (known: {', '.join(names)})"
                )
        return self


class Routing(Cog[RoutingSettings]):
    """Send member requests to the team that handles them, and keep the team to its time."""

    name = "routing"
    description = "Route sales leads, bug reports, support, press and legal requests to teams."
    Settings = RoutingSettings

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.rules: IntentRules = load_intents(
            self.settings.intents, threshold=self.settings.threshold
        )
        self.tz = zone(ctx.community.timezone)
        # The bus runs handlers concurrently: two requests routed at once must not both
        # read the open list before either writes it back, or one of them is forgotten.
        self._open_lock = asyncio.Lock()

    async def on_load(self) -> None:
        """Re-arm the answer-by reminder for requests still open."""
        await self._arm()

    @listener(MessageCreated)
    async def route(self, event: MessageCreated) -> None:
        """Read a member's message in a channel for an intent and hand it to its team."""
        message = event.message
        if self.settings.channels and message.channel.id not in self.settings.channels:
            return
        link = message_link(self.ctx.community.ref, message.channel, message.ref)
        request = _Request(
            message.ref, message.author, message.content, f"#{message.channel.id}", link
        )
        await self._route(request, event.at)

    @listener(DirectMessageReceived)
    async def route_private(self, event: DirectMessageReceived) -> None:
        """Read a member's private message (modmail) for an intent too, unless blocked."""
        # A member the moderators blocked from modmail reaches no team this way either.
        blocks = modmail_store_for(self.ctx.storage)
        if await blocks.blocked_for(self.ctx.community.ref, event.author.ref, event.at):
            return
        request = _Request(event.message, event.author, event.content, "a private message", "")
        await self._route(request, event.at)

    async def _route(self, message: _Request, at: datetime) -> None:
        settings = self.settings
        if message.author.is_bot or self.ctx.community.is_staff(message.author):
            return
        match = self.rules.detect(message.content)
        team = settings.teams.get(match.intent) if match else None
        if match is None or team is None:
            return
        community = self.ctx.community.ref
        day = at.astimezone(self.tz).date().isoformat()
        once = f"route:{match.intent}:{message.author.ref.id}:{day}"
        if not await self.ctx.storage.ledger.first_seen(community, once, at):
            return
        due = at + timedelta(hours=team.answer_within_hours)
        if team.is_webhook:
            await self._to_webhook(message, match, team, due)
        else:
            await self._to_channel(message, match, team, due)
        if settings.acknowledge:
            await self._thank(message, match, team)

    async def _to_channel(
        self, message: _Request, match: IntentMatch, team: TeamRoute, due: datetime
    ) -> None:
        community = self.ctx.community.ref
        channel = self.channel(team.destination)
        summary = self._summary(message, match, due)
        result = await self.ctx.gateway.apply(
            PostMessage(
                community=community,
                channel=channel,
                content=f"{team.mention} {summary}" if team.mention else summary,
                mentions=(team.mention,) if team.mention else (),
                buttons=(
                    Button(
                        target=TARGET_PREFIX + message.ref.id,
                        choice="handled",
                        label="Handled",
                        style=ButtonStyle.SUCCESS,
                    ),
                ),
                reason=f"routed: {match.intent}",
            )
        )
        if not result.ok or result.ref is None:
            self.log.warning(
                "could not route %s to #%s: %s", match.intent, team.destination, result.error
            )
            await self._staff(f"Could not post to #{team.destination} ({result.error}). {summary}")
            return
        record = {
            "intent": match.intent,
            "team": match.name,
            # Whose request it is: a member asking for their data, or to be forgotten, is
            # found by it (see ``bot.storage.member_data``).
            "author": str(message.author.ref),
            "member": message.author.shown_name,
            "link": message.link,
            "channel": team.destination,
            "summary": result.ref.id,
            "due": due.isoformat(),
            "text": summary,
        }
        state = self.ctx.storage.cog_state
        await state.put(community, self.name, message.ref.id, record)
        await self._update_open(lambda keys: [*keys, message.ref.id])
        await self._arm()

    async def _to_webhook(
        self, message: _Request, match: IntentMatch, team: TeamRoute, due: datetime
    ) -> None:
        payload = {
            "intent": match.intent,
            "team": match.name,
            "community": self.ctx.community.name,
            "member": message.author.shown_name,
            "where": message.where,
            "text": message.content,
            "link": message.link,
            "answer_by": due.isoformat(),
            "cues": list(match.cues),
        }
        try:
            await asyncio.to_thread(_post_json, team.destination, payload)
        except OSError as error:
            self.log.warning("webhook for %s failed: %s", match.intent, error)
            await self._staff(
                f"The {match.name} webhook failed ({error}); here is the request: "
                + self._summary(message, match, due)
            )

    async def _thank(self, message: _Request, match: IntentMatch, team: TeamRoute) -> None:
        template = pick_language(
            self.settings.acknowledgements, message.author.lang, self.ctx.community.language
        )
        text = render(
            template,
            {
                "member": message.author.shown_name,
                "team": match.name,
                "hours": f"{team.answer_within_hours:g}",
            },
        )
        await self.ctx.gateway.apply(
            SendDirectMessage(
                community=self.ctx.community.ref,
                member=message.author.ref,
                content=text,
                reason="routing",
            )
        )

    @listener(ComponentClicked)
    async def handled(self, event: ComponentClicked) -> None:
        """Mark a routed request handled: its summary says by whom and loses its button."""
        if not event.target.startswith(TARGET_PREFIX):
            return
        community = self.ctx.community.ref
        key = event.target.removeprefix(TARGET_PREFIX)
        state = self.ctx.storage.cog_state
        record: dict[str, Any] | None = await state.get(community, self.name, key)
        if record is None or not self.ctx.community.is_staff(event.author):
            await self.answer_click(event, "Only the team's staff can mark this handled.")
            return
        if not await self._update_open(lambda keys: [k for k in keys if k != key]):
            await self.answer_click(event, "Already marked handled.")
            return
        await self.ctx.gateway.apply(
            EditMessage(
                community=community,
                channel=self.channel(record["channel"]),
                message=Ref(community.platform, record["summary"]),
                content=f"{record['text']}\nHandled by {event.author.shown_name}.",
                reason="routed request handled",
            )
        )
        await self.answer_click(event, "Marked handled.")
        await self._arm()

    @listener(Tick)
    async def remind(self, event: Tick) -> None:
        """Remind a team once of each request past its answer-by time."""
        if event.timer != TIMER:
            return
        now = as_utc(event.at)
        community = self.ctx.community.ref
        for key, record in await self._open_records():
            if datetime.fromisoformat(record["due"]) > now:
                continue
            if await self.ctx.storage.ledger.first_seen(community, f"route-reminder:{key}", now):
                await self.ctx.gateway.apply(
                    PostMessage(
                        community=community,
                        channel=self.channel(record["channel"]),
                        content=(
                            f"Reminder: the {record['team']} request from {record['member']} "
                            f"is past its answer-by time and nobody marked it handled: {record['link']}"
                        ),
                        reason="routed request overdue",
                    )
                )
        await self._arm()

    async def _update_open(self, change: Callable[[list[str]], list[str]]) -> bool:
        """Rewrite the list of open requests; return whether the change altered it."""
        community = self.ctx.community.ref
        state = self.ctx.storage.cog_state
        async with self._open_lock:
            keys = list(await state.get(community, self.name, _OPEN_KEY) or [])
            changed = change(keys)
            if changed == keys:
                return False
            await state.put(community, self.name, _OPEN_KEY, changed)
            return True

    async def _open_records(self) -> list[tuple[str, dict[str, Any]]]:
        community = self.ctx.community.ref
        state = self.ctx.storage.cog_state
        found = []
        for key in await state.get(community, self.name, _OPEN_KEY) or []:
            record = await state.get(community, self.name, key)
            if record is not None:
                found.append((key, record))
        return found

    async def _arm(self) -> None:
        now = self.ctx.clock.now()
        dues = [datetime.fromisoformat(r["due"]) for _, r in await self._open_records()]
        upcoming = [due for due in dues if due > now]
        if upcoming:
            self.ctx.timers.schedule(self.ctx.community.ref, TIMER, min(upcoming))

    def _summary(self, message: _Request, match: IntentMatch, due: datetime) -> str:
        said = excerpt(message.content, _EXCERPT)
        local = due.astimezone(self.tz).strftime("%a %d %b %H:%M %Z")
        return (
            f"{match.name} request from {quoted(message.author.shown_name)} in {message.where}: "
            f"\u201c{said}\u201d{' ' + message.link if message.link else ''} (answer by {local}; cues: {', '.join(match.cues)})"
        )

    async def _staff(self, text: str) -> None:
        if self.settings.staff_channel:
            await self.post(self.settings.staff_channel, text, reason="routing")


@dataclass(frozen=True, slots=True)
class _Request:
    """What a member asked, wherever they asked it."""

    ref: Ref
    author: Member
    content: str
    where: str
    link: str


def _post_json(url: str, payload: dict[str, Any]) -> None:
    """POST JSON to a webhook; raise ``OSError`` when it cannot be delivered."""
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked in the settings
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=_WEBHOOK_TIMEOUT) as response:  # noqa: S310
        if response.status >= 300:
            raise OSError(f"the webhook answered {response.status}")
