"""The cog base class: declared listeners, commands and settings."""

from __future__ import annotations

from collections.abc import Sequence

import pydantic
import pytest

from bot.core.cog import LISTENER_ATTR, Cog, CogSettings, burst_reader, listener
from bot.core.commands import CommandContext, OptionType, command
from bot.core.community import Permission
from bot.core.events import MemberJoined, MessageCreated, MessageEdited, Tick
from bot.core.models import Member


class Greeter(Cog):
    name = "greeter"
    description = "Greets newcomers."

    @listener(MemberJoined)
    async def on_join(self, event: MemberJoined) -> None:
        """Greet."""

    @command("greet", description="Greet a member.", permission=Permission.EVERYONE)
    async def greet(self, ctx: CommandContext, member: Member) -> None:
        """Greet by hand."""

    async def helper(self) -> None:
        """Neither a listener nor a command."""


class Watcher(Greeter):
    name = "watcher"

    @listener(MessageCreated, MessageEdited)
    async def on_message(self, event: MessageCreated | MessageEdited) -> None:
        """Watch."""

    @listener(Tick)
    async def on_tick(self, event: Tick) -> None:
        """Tick."""

    @burst_reader(MessageCreated, MessageEdited)
    def read_ahead(self, events: Sequence[MessageCreated | MessageEdited]) -> None:
        """Prepare for a burst."""

    @command("watch list", description="List watched members.")
    async def watch_list(self, ctx: CommandContext, limit: int = 10) -> None:
        """List."""


class Relistener(Greeter):
    @listener(MemberJoined)
    async def on_join(self, event: MemberJoined) -> None:
        """Greet differently."""


def test_listeners_are_found() -> None:
    assert Greeter.listeners() == [(MemberJoined, "on_join")]


def test_listeners_include_the_base_class_and_every_event_type() -> None:
    assert Watcher.listeners() == [
        (MemberJoined, "on_join"),
        (MessageCreated, "on_message"),
        (MessageEdited, "on_message"),
        (Tick, "on_tick"),
    ]
    assert Greeter.listeners() == [(MemberJoined, "on_join")]


def test_commands_are_found_including_the_base_class() -> None:
    assert [c.name for c in Greeter.commands()] == ["greet"]
    greet, watch_list = Watcher.commands()
    assert (greet.name, greet.method, greet.permission) == ("greet", "greet", Permission.EVERYONE)
    assert (watch_list.name, watch_list.method) == ("watch list", "watch_list")
    assert [(o.name, o.type, o.default) for o in watch_list.options] == [
        ("limit", OptionType.INTEGER, 10)
    ]


def test_listener_marks_and_returns_the_method() -> None:
    async def handler(self: object, event: Tick) -> None:
        """Handle."""

    assert listener(Tick, MemberJoined)(handler) is handler
    assert getattr(handler, LISTENER_ATTR) == (Tick, MemberJoined)


def test_listener_needs_an_event_type() -> None:
    with pytest.raises(ValueError, match="at least one event type"):
        listener()


def test_burst_readers_are_found_apart_from_listeners() -> None:
    assert Watcher.burst_readers() == [
        (MessageCreated, "read_ahead"),
        (MessageEdited, "read_ahead"),
    ]
    assert "read_ahead" not in {method for _, method in Watcher.listeners()}
    assert Greeter.burst_readers() == []
    with pytest.raises(ValueError, match="at least one event type"):
        burst_reader()


def test_a_cog_without_declarations_has_none() -> None:
    class Empty(Cog):
        name = "empty"

    assert Empty.listeners() == []
    assert Empty.commands() == []
    assert Cog.listeners() == []


def test_an_overriding_listener_is_listed_once() -> None:
    assert Relistener.listeners() == [(MemberJoined, "on_join")]


def test_settings_refuse_unknown_keys_and_are_frozen() -> None:
    assert CogSettings().enabled is True
    assert CogSettings.model_validate({"enabled": False}).enabled is False
    with pytest.raises(pydantic.ValidationError, match="bogus"):
        CogSettings.model_validate({"bogus": 1})
    settings = CogSettings()
    with pytest.raises(pydantic.ValidationError):
        settings.enabled = False  # type: ignore[misc]
    assert Greeter.Settings is CogSettings
    assert Greeter.enabled_by_default is False
