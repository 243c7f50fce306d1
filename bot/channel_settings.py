"""Rewrite the channel names in a community's cog settings into its platform's channel ids.

Cogs mark the settings that name channels with :data:`~bot.core.channels.ChannelName`.
The app calls :func:`resolve_channel_settings` before it builds a community's cogs (at
start and on each reload), so the cogs compare and post with the platform's ids. A name
the platform does not know is logged once per setting, naming the config key, and the
setting keeps the value as written: the cog that uses it fails visibly where it posts,
and every other cog works.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import ConfigProblem, LoadedConfig, locate_in
from bot.core.channels import channel_values, with_channels
from bot.core.cog import CogSettings
from bot.core.community import CommunityInfo
from bot.core.protocols import Gateway

logger = logging.getLogger(__name__)

# Where a platform keeps a community's channels, and what to do about a missing one.
_PLACES = {
    "discord": ("Discord server {id}", "create it or use the channel id"),
    "slack": (
        "Slack workspace {id}",
        "create it (invite Steward to it if it is private) or use the channel id",
    ),
}
_DEFAULT_PLACE = ("the {platform} community {id}", "create it or use the channel id")


@dataclass(frozen=True, slots=True)
class ResolvedSettings:
    """A community's cog settings with channel names replaced by ids.

    Attributes:
        cogs: The settings by cog name; a name that did not resolve is kept as written.
        problems: One line per setting whose channel was not found (already logged).
    """

    cogs: dict[str, CogSettings]
    problems: list[ConfigProblem] = field(default_factory=list)


async def resolve_channel_settings(
    loaded: LoadedConfig,
    community: CommunityInfo,
    cogs: Mapping[str, CogSettings],
    gateway: Gateway,
) -> ResolvedSettings:
    """Return a community's cog settings with every channel name replaced by its id.

    One lookup per call asks the platform for every name at once. Unknown names and a
    failed lookup are logged as errors and returned as problems; nothing is raised.
    """
    found = {cog: channel_values(settings) for cog, settings in cogs.items()}
    names = sorted({value for values in found.values() for _, value in values})
    if not names:
        return ResolvedSettings(dict(cogs))
    place, advice = _PLACES.get(community.ref.platform, _DEFAULT_PLACE)
    where = place.format(platform=community.ref.platform, id=community.ref.id)
    prefix = ("communities", community.key, "cogs")
    try:
        ids = await gateway.resolve_channels(community.ref, names)
    except Exception as error:
        problem = ConfigProblem(
            loaded.source,
            ".".join(prefix[:2]),
            None,
            f"cannot look up channel names on {where} ({type(error).__name__}: {error}); "
            "the cogs keep them as written until a reload",
        )
        logger.exception("%s", problem)
        return ResolvedSettings(dict(cogs), [problem])
    problems = []
    for cog, values in found.items():
        for path, value in values:
            if ids.get(value):
                continue
            key = (*prefix, cog, *path)
            problem = ConfigProblem(
                loaded.source,
                ".".join(str(part) for part in key),
                locate_in(loaded, key),
                f"no channel {value!r} on {where}; {advice}",
            )
            logger.error("%s", problem)
            problems.append(problem)
    resolved = {name: ident for name, ident in ids.items() if ident}
    return ResolvedSettings(
        {cog: with_channels(settings, resolved) for cog, settings in cogs.items()}, problems
    )
