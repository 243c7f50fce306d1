"""Read the TOML configuration into typed, validated models.

Every problem is reported as ``file:line: key: message`` (never a traceback), and all
problems of a file are reported at once. Secrets never appear in the file: the config
names an environment variable or a file that holds each one, and the value is kept as a
``SecretStr`` that prints as stars.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.clock import zone
from bot.core.cog import CogSettings
from bot.core.community import CommunityInfo
from bot.core.language_tags import LanguageTag
from bot.core.merge import merge
from bot.core.parse_text import parse_toml
from bot.core.refs import Ref
from bot.core.text_files import read_text
from bot.core.toml_lines import locate
from bot.registry import CogRegistry

_SECRET_WORDS = ("token", "secret", "password")


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a configuration.

    Attributes:
        file: The file it is in.
        key: The dotted key path (``communities.acme.timezone``).
        line: The line of the key, when it could be found.
        message: What is wrong.
    """

    file: str
    key: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(Exception):
    """A configuration was refused; ``problems`` says each reason."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def host_and_port(text: str) -> tuple[str, int]:
    """Read ``HOST:PORT`` (``[::1]:9464`` for an IPv6 host; port 0 takes any free one).

    Raises:
        ValueError: If it is not a host and a port from 0 to 65535.
    """
    host, colon, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"{text!r} is not HOST:PORT (for example 127.0.0.1:9464)")
    return host, int(port)


class StewardSection(_Section):
    """Process-wide settings."""

    database: Path = Path("steward.db")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = "text"
    # How many days members' words are kept (messages on cases and review items, modmail
    # transcripts, learnt examples); 0 keeps them. What a member may still appeal waits.
    keep_texts_days: int = Field(0, ge=0, le=36500)
    # Where `steward run` serves /healthz and /metrics (HOST:PORT); empty serves nothing.
    status_address: str = ""

    @field_validator("status_address")
    @classmethod
    def _an_address(cls, value: str) -> str:
        if value:
            host_and_port(value)
        return value


class BusSection(_Section):
    """How events are delivered to cogs."""

    workers: int = Field(16, ge=1, le=1024)
    capacity: int = Field(1024, ge=1, le=1_000_000)
    handler_timeout: float = Field(30.0, gt=0)


REMEMBERED_ANSWERS = 2048
"""How many latest answers the classifier keeps by default, to answer a text seen again."""


class ClassifierSection(_Section):
    """The text model behind ``classifier`` rules: loaded once, shared by every community."""

    model: str = ""
    timeout: float = Field(2.0, gt=0)
    on_timeout: Literal["review", "rules"] = "review"
    unscored_reviews_per_hour: int = Field(30, ge=1, le=100_000)
    max_batch: int = Field(16, ge=1, le=1024)
    # Each lane's worker computes with this many threads. One each suits two cores: the
    # lanes then run side by side, and more threads only wait on each other.
    english_threads: int = Field(1, ge=1, le=64)
    multilingual_threads: int = Field(1, ge=1, le=64)
    # The model's first look clears plainly harmless English texts below a probability it
    # chose (at most 0.2); a policy that flags lower than that should turn it off.
    first_look: bool = True
    # Spam's second look (the multilingual encoder's embedding beside MiniLM's) where its
    # two votes are unsure: it catches more spam and costs English lines some speed.
    second_look: bool = True
    # While the multilingual lane is idle, the English lane works out a message's lexical
    # votes on the second core as its first look runs. Off, or on one core, it never does.
    spare_core: bool = True
    # A text seen again (a raid's copies, everyday greetings) is answered from the latest
    # answers, at once: the model scores each text alone, so its answer would be the same.
    # 0 keeps none; texts over 1,000 characters are never kept.
    remembered: int = Field(REMEMBERED_ANSWERS, ge=0, le=1_000_000)

    @property
    def model_path(self) -> Path | None:
        """Return the model directory, or ``None`` when no classifier is configured."""
        return Path(self.model) if self.model.strip() else None


class _PlatformSection(_Section):
    """Refuse literal secrets with a message that says where they belong."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_literal_secrets(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key in data:
                if any(w in key for w in _SECRET_WORDS) and not key.endswith(("_env", "_file")):
                    raise ValueError(
                        f"{key!r}: secrets never go in the config file; name an environment "
                        f"variable with {key}_env or a file with {key}_file"
                    )
        return data


def _secret(env: str, file: Path | None) -> SecretStr | None:
    """Read a secret from a file when one is named, else from the environment."""
    if file is not None:
        return SecretStr(read_text(file).strip())
    value = os.environ.get(env)
    return SecretStr(value) if value else None


class DiscordSection(_PlatformSection):
    """How to connect to Discord (the adapter arrives with the ``discord`` extra).

    ``api_base`` and ``gateway_url`` point the bot at a stand-in (``steward standin
    discord``); empty means Discord itself.
    """

    token_env: str = "STEWARD_DISCORD_TOKEN"  # noqa: S105 - a variable name
    token_file: Path | None = None
    api_base: str = ""
    gateway_url: str = ""
    sharded: bool = False
    shard_count: int | None = Field(None, ge=1, le=10_000)
    shard_ids: list[int] = Field(default_factory=list)
    catch_up: int = Field(50, ge=0, le=100)
    automod: bool = True

    @field_validator("api_base", "gateway_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not re.match(r"^(https?|wss?)://", value):
            raise ValueError(f"{value!r} is not an http(s):// or ws(s):// URL")
        return value

    @model_validator(mode="after")
    def _shards_of_this_process(self) -> DiscordSection:
        if not self.shard_ids:
            return self
        if not self.sharded or self.shard_count is None:
            raise ValueError(
                "shard_ids needs sharded = true and a shard_count: every process must agree "
                "on how many shards there are to know which guilds are its own"
            )
        wrong = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
        if wrong or len(set(self.shard_ids)) != len(self.shard_ids):
            raise ValueError(
                f"shard_ids must be distinct numbers from 0 to {self.shard_count - 1} "
                f"(shard_count is {self.shard_count}); got {self.shard_ids}"
            )
        return self

    @property
    def split(self) -> bool:
        """Return whether this process runs only some of the shards (others run the rest)."""
        return bool(self.shard_ids) and len(self.shard_ids) < (self.shard_count or 0)

    def runs_guild(self, guild_id: str) -> bool:
        """Return whether a guild's events come to this process (always, unless split).

        Discord sends a guild's events to shard ``(guild_id >> 22) % shard_count``.
        """
        if not self.split or self.shard_count is None:
            return True
        try:
            return (int(guild_id) >> 22) % self.shard_count in self.shard_ids
        except ValueError:
            return False

    @property
    def runs_elsewhere(self) -> bool:
        """Return whether this process runs Slack and local communities and takes the DMs.

        Discord sends DMs to shard 0 only, so the process that holds shard 0 is also the
        one that runs the communities that are not on Discord.
        """
        return not self.split or 0 in self.shard_ids

    def token(self) -> SecretStr | None:
        """Return the bot token, or ``None`` when it is not set."""
        return _secret(self.token_env, self.token_file)


class SlackSection(_PlatformSection):
    """How to connect to Slack (the adapter arrives with the ``slack`` extra).

    ``mode`` picks how Slack reaches Steward: ``events`` (the Events API: Slack posts
    signed requests to ``http://host:port/path``) or ``socket`` (Socket Mode: Steward
    opens a websocket with the app-level token; no public URL needed).
    """

    api_base: str = "https://slack.com/api/"
    mode: Literal["events", "socket"] = "events"
    host: str = "127.0.0.1"
    port: int = Field(3000, ge=0, le=65535)
    path: str = Field("/slack/events", pattern=r"^/")
    command: str = Field("/steward", pattern=r"^/[a-z0-9_-]+$")
    groups_refresh: float = Field(300.0, gt=0)
    bot_token_env: str = "STEWARD_SLACK_BOT_TOKEN"  # noqa: S105 - a variable name
    bot_token_file: Path | None = None
    user_token_env: str = "STEWARD_SLACK_USER_TOKEN"  # noqa: S105 - a variable name
    user_token_file: Path | None = None
    app_token_env: str = "STEWARD_SLACK_APP_TOKEN"  # noqa: S105 - a variable name
    app_token_file: Path | None = None
    signing_secret_env: str = "STEWARD_SLACK_SIGNING_SECRET"  # noqa: S105 - a variable name
    signing_secret_file: Path | None = None

    @field_validator("api_base")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack-sdk joins method names onto the base: without the slash it drops "/api".
        return value if value.endswith("/") else value + "/"

    def bot_token(self) -> SecretStr | None:
        """Return the bot token (``xoxb-``), or ``None`` when it is not set."""
        return _secret(self.bot_token_env, self.bot_token_file)

    def user_token(self) -> SecretStr | None:
        """Return the admin user token (``xoxp-``) that deletes members' messages, if set."""
        return _secret(self.user_token_env, self.user_token_file)

    def app_token(self) -> SecretStr | None:
        """Return the app-level token (``xapp-``) Socket Mode needs, if set."""
        return _secret(self.app_token_env, self.app_token_file)

    def signing_secret(self) -> SecretStr | None:
        """Return the signing secret, or ``None`` when it is not set."""
        return _secret(self.signing_secret_env, self.signing_secret_file)


class CommunitySection(_Section):
    """One community: where it lives, who moderates it, and which cogs it runs."""

    platform: Literal["local", "discord", "slack"] = "local"
    id: str = ""
    name: str = ""
    language: LanguageTag = "en"
    timezone: str = "UTC"
    moderator_roles: list[str] = Field(default_factory=lambda: ["moderator"])
    admin_roles: list[str] = Field(default_factory=lambda: ["admin"])
    moderator_ids: list[str] = Field(default_factory=list)
    cogs: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except ValueError as error:
            raise ValueError(f"{error} (use an IANA name such as Europe/Amsterdam)") from error
        return value

    def info(
        self, key: str, *, keep_texts_days: int = 0, privacy_topics: frozenset[str] = frozenset()
    ) -> CommunityInfo:
        """Return the core's view of this community (words kept that many days; 0 keeps)."""
        return CommunityInfo(
            key=key,
            ref=Ref(self.platform, self.id or key),
            name=self.name or key,
            language=self.language,
            timezone=self.timezone,
            moderator_roles=frozenset(self.moderator_roles),
            admin_roles=frozenset(self.admin_roles),
            moderator_ids=frozenset(self.moderator_ids),
            keep_texts_days=keep_texts_days,
            privacy_topics=privacy_topics,
        )


class Config(_Section):
    """The whole configuration of one Steward process."""

    steward: StewardSection = StewardSection()
    bus: BusSection = BusSection()
    classifier: ClassifierSection = ClassifierSection()
    discord: DiscordSection = DiscordSection()
    slack: SlackSection = SlackSection()
    communities: dict[str, CommunitySection] = Field(default_factory=dict)

    def runs_here(self, key: str, shards: DiscordSection | None = None) -> bool:
        """Return whether this process runs a configured community.

        Every process reads the whole configuration; where ``[discord] shard_ids`` splits
        the shards between processes, each runs the guilds of its own shards, and the one
        that holds shard 0 runs the communities on other platforms too.

        Args:
            key: The community's key.
            shards: The Discord settings the process connected with (a reload cannot
                move shards); by default this configuration's.
        """
        discord = shards or self.discord
        community = self.communities[key]
        if community.platform == "discord":
            return discord.runs_guild(community.id or key)
        return discord.runs_elsewhere


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A validated configuration and the settings of each community's enabled cogs.

    Attributes:
        config: The validated models.
        cogs: For each community key, the enabled cogs' settings by cog name.
        source: Where it was read from (a path, or a description).
    """

    config: Config
    cogs: Mapping[str, Mapping[str, CogSettings]]
    source: str

    def community(self, key: str) -> CommunityInfo:
        """Return the core's view of a configured community."""
        keep = self.config.steward.keep_texts_days
        topics = frozenset(t for s in self.cogs.get(key, {}).values() for t in s.privacy_topics())
        return self.config.communities[key].info(key, keep_texts_days=keep, privacy_topics=topics)


def with_shard_ids(loaded: LoadedConfig, shard_ids: Sequence[int]) -> LoadedConfig:
    """Return the configuration with this process's Discord shards set.

    Processes that split the shards can share one configuration file and each name their
    own shards on the command line (``steward run --shard-ids 0,1``).

    Raises:
        ConfigError: If the shards do not fit the ``[discord]`` section.
    """
    settings = loaded.config.discord.model_dump() | {"shard_ids": list(shard_ids)}
    try:
        discord = DiscordSection.model_validate(settings)
    except ValidationError as error:
        raise ConfigError(
            [
                ConfigProblem(loaded.source, "discord.shard_ids", None, str(e["msg"]))
                for e in error.errors()
            ]
        ) from error
    return replace(loaded, config=loaded.config.model_copy(update={"discord": discord}))


def locate_in(loaded: LoadedConfig, path: tuple[str | int, ...]) -> int | None:
    """Return the line of a key in the config file the app was loaded from, if readable."""
    try:
        return locate(read_text(loaded.source), path)
    except OSError:
        return None


def load_config(path: Path | str, registry: CogRegistry) -> LoadedConfig:
    """Read, parse and validate a configuration file.

    Args:
        path: The TOML file.
        registry: The known cogs, to validate each cog's settings.

    Returns:
        The validated configuration.

    Raises:
        ConfigError: If the file is missing, is not TOML, or any value is invalid.
    """
    file = str(path)
    try:
        text = read_text(path)
    except OSError as error:
        raise ConfigError(
            [ConfigProblem(file, "", None, f"cannot read: {error.strerror}")]
        ) from error
    return parse_config(text, registry, source=file)


def parse_config(
    text: str,
    registry: CogRegistry,
    *,
    source: str = "<config>",
    overrides: Mapping[str, Any] | None = None,
) -> LoadedConfig:
    """Validate TOML text, optionally merged with overrides (a scenario's ``config``).

    Raises:
        ConfigError: If the text is not TOML or any value is invalid.
    """
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([ConfigProblem(source, "", _decode_line(error), str(error))]) from error
    if overrides:
        data = merge(data, overrides)
    return validate_config(data, registry, source=source, text=text)


def validate_config(
    data: Mapping[str, Any], registry: CogRegistry, *, source: str, text: str = ""
) -> LoadedConfig:
    """Validate parsed configuration data, naming file, key and line for each problem.

    Raises:
        ConfigError: If any value is invalid.
    """
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_problems(error, (), source, text, cogs=registry.names())) from error
    problems: list[ConfigProblem] = []
    if config.classifier.timeout >= config.bus.handler_timeout:
        # Waiting for scores runs as a bus handler: past the handler timeout it would be
        # cancelled before its own timeout could fall back to the rules.
        timeout = ("classifier", "timeout")
        problems.append(
            ConfigProblem(
                source,
                ".".join(timeout),
                locate(text, timeout) if text else None,
                f"must be shorter than bus.handler_timeout ({config.bus.handler_timeout:g}s)",
            )
        )
    cogs: dict[str, dict[str, CogSettings]] = {}
    for key, community in config.communities.items():
        cogs[key] = _community_cogs(
            key, community=community, registry=registry, source=source, text=text, problems=problems
        )
    if problems:
        raise ConfigError(problems)
    return LoadedConfig(config=config, cogs=cogs, source=source)


def _community_cogs(
    key: str,
    *,
    community: CommunitySection,
    registry: CogRegistry,
    source: str,
    text: str,
    problems: list[ConfigProblem],
) -> dict[str, CogSettings]:
    enabled: dict[str, CogSettings] = {}
    prefix = ("communities", key, "cogs")
    for name in community.cogs:
        if registry.get(name) is None:
            known = ", ".join(registry.names()) or "none"
            problems.append(
                ConfigProblem(
                    source,
                    ".".join((*prefix, name)),
                    locate(text, (*prefix, name)),
                    f"unknown cog {name!r} (known cogs: {known})",
                )
            )
    for entry in registry:
        raw = community.cogs.get(entry.name)
        if raw is None and not entry.cls.enabled_by_default:
            continue
        try:
            settings = entry.cls.Settings.model_validate(raw or {})
        except ValidationError as error:
            problems.extend(_problems(error, (*prefix, entry.name), source, text))
            continue
        if settings.enabled:
            enabled[entry.name] = settings
    return enabled


def _problems(
    error: ValidationError,
    prefix: tuple[str, ...],
    source: str,
    text: str,
    *,
    cogs: Collection[str] = (),
) -> list[ConfigProblem]:
    problems = []
    for item in error.errors(include_url=False):
        # A refused key of a table (a language tag) is named by itself, not as "tag.[key]".
        path = (*prefix, *(str(p) for p in item["loc"] if p != "[key]"))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = f"unknown key{_where_it_goes(path, cogs)}"
        elif item["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        problems.append(
            ConfigProblem(source, ".".join(path), locate(text, path) if text else None, message)
        )
    return problems


def _where_it_goes(path: tuple[str, ...], cogs: Collection[str]) -> str:
    """Return where a misplaced cog's settings belong, as a hint after "unknown key".

    Cogs are set per community; written at the top of the file, or beside a community's
    own keys without ``cogs``, they were refused with no word of where they go.
    """
    match path:
        case ("cogs",):
            return "; cog settings go under [communities.<name>.cogs.<cog>], per community"
        case (cog,) if cog in cogs:
            return f"; the {cog} cog's settings go under [communities.<name>.cogs.{cog}]"
        case ("communities", community, cog) if cog in cogs:
            return f"; did you mean [communities.{community}.cogs.{cog}]?"
    return ""


def _decode_line(error: tomllib.TOMLDecodeError) -> int | None:
    # Python 3.14 gives ``lineno``; before that the line is only in the message.
    lineno = getattr(error, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    found = re.search(r"\(at line (\d+)", str(error))
    return int(found.group(1)) if found else None
