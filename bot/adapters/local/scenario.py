"""Read scenario files: a scripted community, one JSON object per line, in time order.

The first line describes the community; every later line is an event with an ISO-8601
``at``. ``docs/scenarios.md`` is the reference of the format; this module is its parser,
and it names the line of every problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.clock import as_utc
from bot.core.durations import parse_duration
from bot.core.events import HandAction
from bot.core.language_tags import standard_language_tag
from bot.core.parse_text import NotJson, parse_json


class ScenarioError(Exception):
    """A scenario line is not valid; the message names the line."""


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberSpec(_Line):
    """A member of the scripted community."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\s@#]+$")
    display_name: str = ""
    roles: list[str] = Field(default_factory=list)
    joined: datetime | None = None
    account_created: datetime | None = None
    lang: str | None = None
    bot: bool = False
    owner: bool = False
    avatar: str = Field("", max_length=100)
    """What names the member's own picture (any text; the same text is the same picture)."""


class CommunityLine(_Line):
    """The first line: the community, its channels and members, and config overrides."""

    type: Literal["community"]
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    platform: Literal["local"] = "local"
    channels: list[str] = Field(default_factory=lambda: ["general"])
    members: list[MemberSpec] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)
    start: datetime | None = None

    @field_validator("channels")
    @classmethod
    def _some_channel(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("a community needs at least one channel")
        return value

    @field_validator("config")
    @classmethod
    def _language_tag(cls, value: dict[str, Any]) -> dict[str, Any]:
        # Replay reads the community's language from here without the full config model.
        language = value.get("language")
        if language is None:
            return value
        if not isinstance(language, str):
            raise ValueError(f"config.language must be a language tag, not {language!r}")
        return value | {"language": standard_language_tag(language)}


class _Event(_Line):
    at: datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return as_utc(value)


class MessageLine(_Event):
    """A member posts a message."""

    type: Literal["message"]
    id: str = Field(min_length=1)
    channel: str
    author: str
    content: str
    reply_to: str | None = None
    attachments: list[str] = Field(default_factory=list)
    thread: str | None = None


class EditLine(_Event):
    """A member edits their message."""

    type: Literal["edit"]
    id: str
    content: str


class DeleteLine(_Event):
    """A member deletes their message, or a moderator deletes it with the platform's tools."""

    type: Literal["delete"]
    id: str
    by: str = ""
    """The moderator who deleted it; empty for its author."""


class JoinLine(_Event):
    """A member joins."""

    type: Literal["join"]
    member: MemberSpec


class LeaveLine(_Event):
    """A member leaves."""

    type: Literal["leave"]
    member: str


class ReactionLine(_Event):
    """A member reacts to a message."""

    type: Literal["reaction"]
    message: str
    author: str
    emoji: str


class CommandLine(_Event):
    """A member runs a command."""

    type: Literal["command"]
    author: str
    channel: str
    name: str
    options: dict[str, Any] = Field(default_factory=dict)


class ClickLine(_Event):
    """A member clicks a button the bot posted."""

    type: Literal["click"]
    author: str
    target: str
    choice: str
    reason: str = ""


class DmLine(_Event):
    """A member writes to the bot privately."""

    type: Literal["dm"]
    author: str
    content: str = ""
    attachments: list[str] = Field(default_factory=list)


class ByHandLine(_Event):
    """A moderator acts on a member with the platform's own tools, not through Steward."""

    type: Literal["by_hand"]
    moderator: str
    action: HandAction
    member: str
    reason: str = ""
    duration: timedelta | None = None
    """A timeout's length: ``"1h"``, ``"30m"`` (as commands take them)."""

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _timeout_has_a_length(self) -> ByHandLine:
        if self.action == "timeout" and not self.duration:
            raise ValueError("a timeout by hand needs a duration")
        return self


class RenameLine(_Event):
    """A member takes a new display name (a server nickname, on Discord)."""

    type: Literal["rename"]
    member: str
    display_name: str = Field(max_length=100)
    """The name shown to others; empty goes back to the handle."""


class AdvanceLine(_Line):
    """Move the clock, firing whatever is scheduled on the way."""

    type: Literal["advance"]
    to: datetime
    at: datetime | None = None

    @field_validator("to", "at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return as_utc(value) if value is not None else None


EventLine = Annotated[
    MessageLine
    | EditLine
    | DeleteLine
    | JoinLine
    | LeaveLine
    | ReactionLine
    | CommandLine
    | ClickLine
    | DmLine
    | ByHandLine
    | RenameLine
    | AdvanceLine,
    Field(discriminator="type"),
]
_EVENT = TypeAdapter(EventLine)


def event_time(line: EventLine) -> datetime:
    """Return when an event line happens (an ``advance`` happens at its target time)."""
    if isinstance(line, AdvanceLine):
        return line.to
    return line.at


def _load(number: int, text: str) -> Any:
    try:
        return parse_json(text)
    except NotJson as error:
        raise ScenarioError(f"line {number}: not JSON: {error}") from error


_SHOWN_PROBLEMS = 3
"""How many of a line's problems an error names; the count says if there were more."""


def _explain(number: int, error: ValidationError) -> ScenarioError:
    said: list[str] = []
    for problem in error.errors(include_url=False)[:_SHOWN_PROBLEMS]:
        where = ".".join(str(p) for p in problem["loc"]) or "line"
        message = problem["msg"]
        if problem["type"] == "union_tag_not_found":
            # Pydantic's words ("Unable to extract tag using discriminator") help nobody.
            message = 'no "type": each line is one event, such as {"type": "message", ...}'
        said.append(f"{where}: {message}")
    return ScenarioError(f"line {number}: {'; '.join(said)} ({error.error_count()} problem(s))")


def parse_community(text: str, number: int = 1) -> CommunityLine:
    """Parse the community line.

    Raises:
        ScenarioError: If it is not a valid community line.
    """
    data = _load(number, text)
    if not isinstance(data, dict) or data.get("type") != "community":
        raise ScenarioError(f'line {number}: a scenario starts with a {{"type": "community"}} line')
    try:
        return CommunityLine.model_validate(data)
    except ValidationError as error:
        raise _explain(number, error) from error


def parse_event(text: str, number: int) -> EventLine:
    """Parse one event line.

    Raises:
        ScenarioError: If it is not a valid event line.
    """
    try:
        return _EVENT.validate_python(_load(number, text))
    except ValidationError as error:
        raise _explain(number, error) from error


def read_events(lines: Iterable[str], *, first_line: int = 2) -> Iterator[tuple[int, EventLine]]:
    """Parse event lines lazily, checking that time never goes backwards.

    Blank lines and lines starting with ``//`` are skipped, so scenarios can carry notes.

    Yields:
        ``(line number, event)`` pairs.

    Raises:
        ScenarioError: On the first invalid line.
    """
    last: datetime | None = None
    for number, raw in enumerate(lines, start=first_line):
        text = raw.strip()
        if not text or text.startswith("//"):
            continue
        event = parse_event(text, number)
        when = event_time(event)
        if last is not None and when < last:
            raise ScenarioError(
                f"line {number}: time goes backwards ({when.isoformat()} < {last.isoformat()})"
            )
        last = when
        yield number, event
