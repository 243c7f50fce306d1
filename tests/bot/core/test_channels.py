"""The channel and role markers: marked values are found and rewritten wherever settings nest them."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from bot.core.channels import (
    CHANNEL_SETTING,
    ROLE_SETTING,
    ChannelName,
    NamedSetting,
    RoleName,
    bare_name,
    bare_role,
    channel_values,
    named_values,
    names_a_channel,
    names_a_role,
    with_channels,
    with_names,
)
from bot.core.cog import CogSettings
from bot.registry import CogRegistry


class Route(BaseModel):
    model_config = ConfigDict(frozen=True)

    destination: ChannelName
    note: str = ""


class Post(BaseModel):
    model_config = ConfigDict(frozen=True)

    channel: ChannelName = "general"


class Example(CogSettings):
    staff_channel: ChannelName = "mod-log"
    raid_channels: list[ChannelName] = Field(default_factory=lambda: ["#general", ""])
    routes: dict[str, Route] = Field(default_factory=dict)
    posts: tuple[Post, ...] = ()
    highlight: Post | None = None
    title: str = "general"
    on_call: RoleName = "@on-call"
    pinged: list[RoleName] = Field(default_factory=lambda: ["<@&42>", "@here", "leads", ""])


def test_marked_values_are_found_in_fields_lists_dicts_tuples_and_optional_models() -> None:
    settings = Example(
        routes={"sales": Route(destination="sales"), "press": Route(destination="https://x.test/")},
        posts=(Post(channel="talk"),),
        highlight=Post(),
    )
    assert channel_values(settings) == [
        (("staff_channel",), "mod-log"),
        (("raid_channels", 0), "#general"),
        (("routes", "sales", "destination"), "sales"),
        (("posts", 0, "channel"), "talk"),
        (("highlight", "channel"), "general"),
    ], "empty values and webhook URLs are not channels; unmarked strings are left alone"


def test_rewriting_replaces_mapped_values_and_leaves_the_original_as_read() -> None:
    settings = Example(routes={"sales": Route(destination="sales")}, highlight=Post())
    rewritten = with_channels(settings, {"mod-log": "11", "#general": "22", "sales": "33"})
    assert rewritten.staff_channel == "11"
    assert rewritten.raid_channels == ["22", ""]
    assert rewritten.routes["sales"].destination == "33"
    assert rewritten.highlight == Post(channel="general"), "a name not mapped is kept"
    assert rewritten.title == "general"
    assert settings.staff_channel == "mod-log" and settings.raid_channels == ["#general", ""]


def test_nothing_to_rewrite_returns_the_same_settings() -> None:
    settings = Example()
    assert with_channels(settings, {"elsewhere": "1"}) is settings


def test_a_name_is_read_without_its_hash_and_spaces() -> None:
    assert bare_name(" #mod-log ") == "mod-log"
    assert [names_a_channel(v) for v in ("#", " ", "general", "https://hooks.test/x")] == [
        False,
        False,
        True,
        False,
    ]


def test_roles_are_found_apart_from_channels_and_mentions_are_left_as_written() -> None:
    settings = Example()
    assert named_values(settings, ROLE_SETTING) == [
        (("on_call",), "@on-call"),
        (("pinged", 2), "leads"),
    ], "a mention, @here and an empty value need no lookup"
    assert ("on_call",) not in [path for path, _ in channel_values(settings)]
    rewritten = with_names(settings, ROLE_SETTING, {"@on-call": "<@&7>", "leads": "<@&8>"})
    assert (rewritten.on_call, rewritten.pinged) == ("<@&7>", ["<@&42>", "@here", "<@&8>", ""])
    assert rewritten.staff_channel == "mod-log", "channels are another marker's business"


def test_a_role_is_read_without_its_at_and_spaces() -> None:
    assert bare_role(" @on-call ") == "on-call"
    assert [names_a_role(v) for v in ("@", "on-call", "<!subteam^S1>", "@everyone")] == [
        False,
        True,
        False,
        False,
    ]


def _unmarked_fields(
    model: type[BaseModel], path: str, marker: NamedSetting, words: tuple[str, ...]
) -> list[str]:
    found = []
    for name, info in model.model_fields.items():
        where = f"{path}.{name}"
        marked = marker in info.metadata
        if any(w in name for w in words) and not marked and not _marked(info.annotation, marker):
            found.append(where)
        found.extend(
            problem
            for nested in _models_in(info.annotation)
            for problem in _unmarked_fields(nested, where, marker, words)
        )
    return found


def _marked(annotation: Any, marker: NamedSetting) -> bool:
    if get_origin(annotation) is Annotated:
        return marker in get_args(annotation)[1:]
    return any(_marked(arg, marker) for arg in get_args(annotation))


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (Union, types.UnionType, list, tuple, dict, Annotated):
        return [m for arg in get_args(annotation) for m in _models_in(arg)]
    return []


def test_every_cog_setting_that_holds_a_channel_is_marked(registry: CogRegistry) -> None:
    unmarked = [
        problem
        for entry in registry
        for problem in _unmarked_fields(
            entry.cls.Settings, entry.name, CHANNEL_SETTING, ("channel",)
        )
    ]
    assert unmarked == [], "mark them ChannelName so names resolve to the platform's ids"


def test_every_cog_setting_that_pings_someone_is_marked(registry: CogRegistry) -> None:
    words = ("role", "mention", "on_call", "escalate_to")
    unmarked = [
        problem
        for entry in registry
        for problem in _unmarked_fields(entry.cls.Settings, entry.name, ROLE_SETTING, words)
    ]
    assert unmarked == [], "mark them RoleName so role names resolve to the platform's mentions"
