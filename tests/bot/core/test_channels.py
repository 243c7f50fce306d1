"""The channel marker: marked values are found and rewritten wherever settings nest them."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from bot.core.channels import (
    CHANNEL_SETTING,
    ChannelName,
    bare_name,
    channel_values,
    names_a_channel,
    with_channels,
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


def _unmarked_channel_fields(model: type[BaseModel], path: str) -> list[str]:
    found = []
    for name, info in model.model_fields.items():
        where = f"{path}.{name}"
        marked = CHANNEL_SETTING in info.metadata
        if "channel" in name and not marked and not _marked(info.annotation):
            found.append(where)
        found.extend(
            problem
            for nested in _models_in(info.annotation)
            for problem in _unmarked_channel_fields(nested, where)
        )
    return found


def _marked(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        return CHANNEL_SETTING in get_args(annotation)[1:]
    return any(_marked(arg) for arg in get_args(annotation))


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
        for problem in _unmarked_channel_fields(entry.cls.Settings, entry.name)
    ]
    assert unmarked == [], "mark them ChannelName so names resolve to the platform's ids"
