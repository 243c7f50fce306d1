"""Rewrite the channel and role names in a community's cog settings for its platform.

Cogs mark the settings that name channels with :data:`~bot.core.channels.ChannelName` and
the roles they mention with :data:`~bot.core.channels.RoleName`. The app calls
:func:`resolve_named_settings` before it builds a community's cogs (at start and on each
reload), so the cogs post to the platform's channel ids and ping with its mentions. A name
the platform does not know is logged once per setting, naming the config key, and the
setting keeps the value as written: the cog that uses it fails visibly where it posts (or
pings nobody), and every other cog works.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.config import ConfigProblem, LoadedConfig, locate_in
from bot.core.channels import CHANNEL_SETTING, ROLE_SETTING, NamedSetting, named_values, with_names
from bot.core.cog import CogSettings
from bot.core.community import CommunityInfo
from bot.core.protocols import Gateway
from bot.core.refs import Ref

logger = logging.getLogger(__name__)

LookUp = Callable[[Ref, Sequence[str]], Awaitable[Mapping[str, str | None]]]


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of name: its marker, its noun and, per platform, its noun there and the fix."""

    marker: NamedSetting
    noun: str
    places: Mapping[str, tuple[str, str]]
    default_advice: str


_PLACES = {"discord": "Discord server {id}", "slack": "Slack workspace {id}"}
_CHANNELS = _Kind(
    CHANNEL_SETTING,
    "channel",
    {
        "discord": ("channel", "create it or use the channel id"),
        "slack": (
            "channel",
            "create it (invite Steward to it if it is private) or use the channel id",
        ),
    },
    "create it or use the channel id",
)
_ROLES = _Kind(
    ROLE_SETTING,
    "role",
    {
        "discord": ("role", "create it or write its mention, <@&ROLE_ID>"),
        "slack": ("user group", "create it or write its mention, <!subteam^GROUP_ID>"),
    },
    "create it or write the platform's mention",
)


@dataclass(frozen=True, slots=True)
class ResolvedSettings:
    """A community's cog settings with channel and role names resolved.

    Attributes:
        cogs: The settings by cog name; a name that did not resolve is kept as written.
        problems: One line per setting whose channel or role was not found (already logged).
    """

    cogs: dict[str, CogSettings]
    problems: list[ConfigProblem] = field(default_factory=list)


async def resolve_named_settings(
    loaded: LoadedConfig,
    community: CommunityInfo,
    cogs: Mapping[str, CogSettings],
    gateway: Gateway,
) -> ResolvedSettings:
    """Return a community's cog settings with channel ids and role mentions for names.

    One lookup per kind asks the platform for every name at once. Unknown names and a
    failed lookup are logged as errors and returned as problems; nothing is raised.
    """
    resolved = ResolvedSettings(dict(cogs))
    for kind, look_up in ((_CHANNELS, gateway.resolve_channels), (_ROLES, gateway.resolve_roles)):
        step = await _resolve_kind(loaded, community, resolved.cogs, kind, look_up)
        resolved = ResolvedSettings(step.cogs, [*resolved.problems, *step.problems])
    return resolved


async def _resolve_kind(
    loaded: LoadedConfig,
    community: CommunityInfo,
    cogs: Mapping[str, CogSettings],
    kind: _Kind,
    look_up: LookUp,
) -> ResolvedSettings:
    marker = kind.marker
    found = {cog: named_values(settings, marker) for cog, settings in cogs.items()}
    names = sorted({value for values in found.values() for _, value in values})
    if not names:
        return ResolvedSettings(dict(cogs))
    platform = community.ref.platform
    where = _PLACES.get(platform, "the {platform} community {id}").format(
        platform=platform, id=community.ref.id
    )
    noun, advice = kind.places.get(platform, (kind.noun, kind.default_advice))
    prefix = ("communities", community.key, "cogs")
    try:
        answers = await look_up(community.ref, names)
    except Exception as error:
        problem = ConfigProblem(
            loaded.source,
            ".".join(prefix[:2]),
            None,
            f"cannot look up {kind.noun} names on {where} ({type(error).__name__}: {error}); "
            "the cogs keep them as written until a reload",
        )
        logger.exception("%s", problem)
        return ResolvedSettings(dict(cogs), [problem])
    problems = []
    for cog, values in found.items():
        for path, value in values:
            if answers.get(value):
                continue
            key = (*prefix, cog, *path)
            problem = ConfigProblem(
                loaded.source,
                ".".join(str(part) for part in key),
                locate_in(loaded, key),
                f"no {noun} {value!r} on {where}; {advice}",
            )
            logger.error("%s", problem)
            problems.append(problem)
    resolved = {name: answer for name, answer in answers.items() if answer}
    return ResolvedSettings(
        {cog: with_names(settings, marker, resolved) for cog, settings in cogs.items()}, problems
    )
