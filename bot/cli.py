"""The ``steward`` command line.

Exit codes: 0 when all went well, 2 for bad usage or an invalid config or input file,
1 for a failure while running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

import click

from bot.adapters.local.scenario import ScenarioError
from bot.config import ConfigError, LoadedConfig, SlackSection, host_and_port, load_config
from bot.core.language_tags import standard_language_tag
from bot.core.text_files import READ_ENCODING, read_text
from bot.logs import configure_logging
from bot.malloc_tuning import limit_malloc_arenas
from bot.ml_cli import eval_command, train_command
from bot.registry import CogRegistry, RegistryError
from bot.storage.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from bot.core.refs import Ref
    from bot.member_data import Erasure
    from bot.storage import SqliteStorage
    from policies.list_edits import ListEdit
    from policies.policy import Policy

T = TypeVar("T")
EXIT_FAILURE, EXIT_USAGE = 1, 2
logger = logging.getLogger("steward")

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The TOML configuration file (default: steward.toml if present, else built-in defaults).",
)


_Command = TypeVar("_Command", bound=Callable[..., Any])


def model_path_option(help_text: str) -> Callable[[_Command], _Command]:
    """Return the ``--model DIR`` option (as ``model_path``, none by default) of a command."""
    return click.option(
        "--model", "model_path", type=click.Path(path_type=Path), default=None, help=help_text
    )


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"steward: {message}", err=True)
    sys.exit(code)


def _registry() -> CogRegistry:
    try:
        return CogRegistry.discover()
    except RegistryError as error:
        _fail(str(error))


def _config_file(path: Path | None) -> Path | None:
    if path is not None:
        return path
    default = Path("steward.toml")
    return default if default.exists() else None


def _load(path: Path | None, registry: CogRegistry) -> LoadedConfig:
    from bot.config import parse_config  # noqa: PLC0415 - keeps --help fast

    file = _config_file(path)
    try:
        return (
            load_config(file, registry) if file else parse_config("", registry, source="<defaults>")
        )
    except ConfigError as error:
        _fail("the configuration is invalid:\n" + "\n".join(f"  {p}" for p in error.problems))


def _run(coro: Coroutine[Any, Any, T], *, plain: tuple[type[Exception], ...] = ()) -> T:
    """Run a coroutine; errors a person can fix (``plain`` ones too) print without a trace."""
    try:
        return asyncio.run(coro)
    except (ConfigError, ScenarioError) as error:
        _fail(str(error))
    except DatabaseUnavailable as error:
        _fail(
            f"{error} (check `database` in [steward], its folder and permissions; a file that "
            "is not a database can be replaced by a copy `steward backup` made)",
            EXIT_FAILURE,
        )
    except plain as error:
        _fail(str(error), EXIT_FAILURE)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_FAILURE)
    except Exception as error:
        logger.exception("steward failed")
        _fail(f"failed: {type(error).__name__}: {error}", EXIT_FAILURE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="warning",
    show_default=True,
    help="How much to log (to stderr).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log line format.",
)
@click.version_option(package_name="steward")
def main(log_level: str, log_format: str) -> None:
    """Steward: moderation bots for brand communities on Discord, Slack and a local platform."""
    configure_logging(log_level, log_format)
    limit_malloc_arenas()  # before any command starts the threads that serve


@main.command("check-config")
@config_option
def check_config(config_path: Path | None) -> None:
    """Validate a configuration and summarise it; secrets show only as set or missing."""
    registry = _registry()
    loaded = _load(config_path, registry)
    config = loaded.config
    click.echo(f"{loaded.source}: valid")
    click.echo(f"database: {config.steward.database}")
    kept = config.steward.keep_texts_days
    click.echo(
        f"members' words kept: {f'{kept} days' if kept else 'until erased (keep_texts_days = 0)'}"
    )
    address = config.steward.status_address
    click.echo(
        f"status: /healthz and /metrics on http://{address}" if address else "status: not served"
    )
    scoring = config.classifier
    if scoring.model_path is not None:
        click.echo(
            f"classifier: {scoring.model_path} (timeout {scoring.timeout:g}s, "
            f"then {scoring.on_timeout}; loaded when Steward starts)"
        )
    for key, community in config.communities.items():
        cogs = ", ".join(loaded.cogs[key]) or "none"
        click.echo(f"community {key}: {community.platform} {community.id or key}; cogs: {cogs}")
        guidelines = loaded.cogs[key].get("guidelines")
        if guidelines is not None and not getattr(guidelines, "staff_channel", "mod-log"):
            click.echo(
                f"community {key}: staff_channel is empty: review cards, alerts and the ends of "
                "rule trials are posted nowhere; moderators see the queue with /review list"
            )
        # None when the guidelines cog is off: then nobody is banned by Steward.
        ban_appeals = getattr(guidelines, "ban_appeals", None)
        if community.platform == "discord" and ban_appeals == "":
            # Banned from the server, a member cannot run /appeal there.
            click.echo(
                f"community {key}: ban_appeals is not set: banned members are told to contact "
                "the team, with no address to write to"
            )
    platforms = {c.platform for c in config.communities.values()}
    if "discord" in platforms:
        click.echo(f"discord token ({config.discord.token_env}): {_set(config.discord.token())}")
    if "slack" in platforms:
        _slack_summary(config.slack)


def _slack_summary(slack: SlackSection) -> None:
    where = (
        f"events on {slack.host}:{slack.port}{slack.path}"
        if slack.mode == "events"
        else "socket mode"
    )
    click.echo(f"slack: {where}, Web API {slack.api_base}, command {slack.command}")
    click.echo(f"slack bot token ({slack.bot_token_env}): {_set(slack.bot_token())}")
    needed = (
        ("signing secret", slack.signing_secret_env, slack.signing_secret())
        if slack.mode == "events"
        else ("app token", slack.app_token_env, slack.app_token())
    )
    click.echo(f"slack {needed[0]} ({needed[1]}): {_set(needed[2])}")
    admin = slack.user_token()
    click.echo(
        f"slack admin user token ({slack.user_token_env}): "
        + ("set: deletes members' messages" if admin else "not set: deletions go to moderators")
    )


def _set(value: object | None) -> str:
    return "set" if value is not None else "MISSING"


@main.command("cogs")
@config_option
def list_cogs(config_path: Path | None) -> None:
    """List the cogs that can be loaded, and where each community runs them."""
    registry = _registry()
    loaded = _load(config_path, registry)
    for entry in registry:
        where = [key for key, cogs in loaded.cogs.items() if entry.name in cogs]
        default = "on by default" if entry.cls.enabled_by_default else "off by default"
        commands = ", ".join(f"/{spec.name}" for spec in entry.cls.commands()) or "no commands"
        click.echo(f"{entry.name:<14} {entry.cls.description}")
        click.echo(
            f"{'':<14} {entry.origin}; {default}; {commands}; running in: {', '.join(where) or '-'}"
        )


@main.command("simulate")
@click.argument("scenario", type=click.File("r", encoding=READ_ENCODING))
@config_option
@click.option(
    "--database", type=click.Path(dir_okay=False, path_type=Path), help="Keep the SQLite file here."
)
def simulate_command(scenario: Any, config_path: Path | None, database: Path | None) -> None:
    """Replay SCENARIO.jsonl on a virtual clock; print each bot action as a JSON line."""
    from bot.simulation import Refusal, simulate, write_json_line  # noqa: PLC0415

    registry = _registry()
    file = _config_file(config_path)
    text = _read(file) if file else ""

    def refused(refusal: Refusal) -> None:
        click.echo(f"line {refusal.line}: refused by the platform: {refusal.reason}", err=True)

    _run(
        simulate(
            scenario,
            registry,
            config_text=text,
            config_source=str(file or "<defaults>"),
            on_action=write_json_line(sys.stdout),
            on_refusal=refused,
            database=database,
        )
    )


def _read(path: Path) -> str:
    try:
        return read_text(path)
    except OSError as error:
        _fail(f"{path}: cannot read: {error.strerror}")


@main.command("demo")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the actions as JSON lines instead of a transcript.",
)
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    default=None,
    help="A classifier model directory (default: the demo's own, built on first run).",
)
@click.option("--no-model", is_flag=True, help="Run on the rules alone, without a classifier.")
def demo(as_json: bool, model: Path | None, no_model: bool) -> None:
    """Play the bundled demo community and print what Steward did.

    The first run builds a starter classifier (a few minutes) into the cache folder
    ($STEWARD_MODELS, else ~/.cache/steward/models); later runs reuse it.
    """
    from bot.demo import run_demo  # noqa: PLC0415
    from bot.demo.model import demo_model  # noqa: PLC0415

    if model is None and not no_model:
        model = demo_model(sys.stderr if as_json else sys.stdout)
    _run(run_demo(_registry(), sys.stdout, as_json=as_json, model=model))


@main.command("console")
@config_option
@click.option(
    "--community", default="console", show_default=True, help="The local community's name."
)
def console(config_path: Path | None, community: str) -> None:
    """Chat in a local community as any member and watch the bot act (type /help)."""
    from bot.console import run_console  # noqa: PLC0415

    registry = _registry()
    file = _config_file(config_path)
    text = _read(file) if file else ""
    _run(
        run_console(
            registry,
            text,
            str(file or "<defaults>"),
            name=community,
            stdin=sys.stdin,
            out=sys.stdout,
        )
    )


@main.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@config_option
def backup(destination: Path, config_path: Path | None) -> None:
    """Write a consistent copy of the database to DESTINATION while Steward may be running."""
    source = _existing_database(_load(config_path, _registry()))
    if destination.exists():
        _fail(f"{destination} exists; refusing to overwrite it")

    async def copy(storage: SqliteStorage, _: datetime) -> None:
        await storage.db.backup(destination)

    _on_database(source, copy)
    click.echo(f"backed up {source} to {destination}")


def _existing_database(loaded: LoadedConfig) -> Path:
    """Return the configured database file, or stop: a reading command creates none."""
    source = loaded.config.steward.database
    if not source.exists():
        _fail(f"no database at {source}")
    return source


def _community_ref(loaded: LoadedConfig, key: str) -> Ref:
    """Return the ref of the community a config key names, or stop saying it has none."""
    if key not in loaded.config.communities:
        _fail(f"no community {key!r} in {loaded.source}")
    return loaded.community(key).ref


def _on_database(
    source: Path, work: Callable[[SqliteStorage, datetime], Coroutine[Any, Any, T]]
) -> T:
    """Open the database (every package's tables migrated), run ``work`` at the current time."""
    from bot.app import open_storage  # noqa: PLC0415
    from bot.core.clock import SystemClock  # noqa: PLC0415

    async def run() -> T:
        clock = SystemClock()
        storage = await open_storage(source, clock)
        try:
            return await work(storage, clock.now())
        finally:
            await storage.close()

    return _run(run())


def _shard_ids(_: click.Context, __: click.Parameter, value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r}: give shard numbers separated by commas") from None


def _status_address(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value:
        try:
            host_and_port(value)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return value


def _language_tag(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return standard_language_tag(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command("run")
@config_option
@click.option(
    "--shard-ids",
    callback=_shard_ids,
    metavar="0,1,...",
    help="The Discord shards this process runs, where several processes split them "
    "(overrides [discord] shard_ids; needs sharded = true and a shard_count).",
)
@click.option(
    "--status-address",
    callback=_status_address,
    metavar="HOST:PORT",
    help="Serve /healthz and /metrics there (overrides [steward] status_address; each "
    "process that splits the shards needs a port of its own; empty serves nothing).",
)
def run(config_path: Path | None, shard_ids: list[int] | None, status_address: str | None) -> None:
    """Connect to the configured platforms and moderate until stopped (SIGHUP reloads)."""
    from bot.serve import StartupRefused, serve  # noqa: PLC0415

    registry = _registry()
    file = _config_file(config_path)
    loaded = _load(config_path, registry)
    running = serve(loaded, registry, file, shard_ids=shard_ids, status_address=status_address)
    _run(running, plain=(StartupRefused,))


@main.command("reload")
@config_option
def reload_command(config_path: Path | None) -> None:
    """Ask a running ``steward run`` to reload its configuration (sends SIGHUP)."""
    from bot.serve import signal_reload  # noqa: PLC0415

    loaded = _load(config_path, _registry())
    try:
        pids = signal_reload(loaded.config.steward.database)
    except LookupError as error:
        _fail(str(error), EXIT_FAILURE)
    for pid in pids:
        click.echo(f"asked process {pid} to reload")


COUNTED_UNITS = frozenset({"lines"})
"""Bench units that count things, shown without decimals."""


@main.command("bench")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@click.option("--only", multiple=True, help="Run only the named cases (repeatable).")
@click.option("--quick", is_flag=True, help="Smaller workloads, for a smoke test.")
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    envvar="STEWARD_MODEL",
    default=None,
    help="A classifier model directory for the classifier case (env STEWARD_MODEL).",
)
@click.option(
    "--against",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="Another model directory: the classifier case also scores each line with both "
    "models in turns and reports the ratio of their times and the lines they score "
    "differently.",
)
def bench(
    as_json: bool, only: tuple[str, ...], quick: bool, model: Path | None, against: Path | None
) -> None:
    """Measure throughput and latency; each result has a name, a value and a unit."""
    from bot.bench import run_benchmarks  # noqa: PLC0415

    results = _run(
        run_benchmarks(_registry(), only=set(only), quick=quick, model=model, against=against)
    )
    if as_json:
        import json  # noqa: PLC0415

        click.echo(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        width = max((len(result.name) for result in results), default=0)
        for result in results:
            if result.unit == "skipped":
                click.echo(f"{result.name:<{width}} skipped: {result.detail}")
            else:
                shown = _shown(result.value, result.unit)
                click.echo(f"{result.name:<{width}} {shown:>14} {result.unit}")


def _shown(value: float, unit: str = "") -> str:
    """Return a bench value for reading: counts whole, ratios and small figures to 3 places."""
    if unit in COUNTED_UNITS:
        return f"{value:,.0f}"
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"


@main.command("classify")
@click.argument("source", type=click.File("r", encoding=READ_ENCODING), default="-")
@model_path_option("The model directory (default: [classifier] model in the configuration).")
@click.option(
    "--language",
    default=None,
    callback=_language_tag,
    help="The community's language (BCP 47, such as da): lines too short for the model to "
    "tell their own are read in it, as the guidelines cog does.",
)
@config_option
def classify(
    source: Any, model_path: Path | None, language: str | None, config_path: Path | None
) -> None:
    """Score SOURCE's {"id": ..., "text": ...} JSON lines (stdin when - or absent).

    Writes {"id": ..., "scores": {label: p}, "lang": ..., "model": ...} lines to stdout in
    input order. Bad lines are reported on stderr with their number and skipped; the exit
    code is then 1.
    """
    from bot.classifier import ModelUnavailable, open_classifier, serving_options  # noqa: PLC0415
    from bot.classify import classify_lines  # noqa: PLC0415

    section = _load(config_path, _registry()).config.classifier
    path = model_path or section.model_path
    if path is None:
        _fail("no model: pass --model or set [classifier] model in the configuration")
    try:
        service = open_classifier(path, **serving_options(section))
    except ModelUnavailable as error:
        _fail(str(error))

    def report(line: int, reason: str) -> None:
        click.echo(f"line {line}: {reason}", err=True)

    try:
        bad = _run(classify_lines(source, service, sys.stdout, report, language))
    finally:
        service.close()
    if bad:
        sys.exit(EXIT_FAILURE)


@main.command("replay")
@click.argument("history", type=click.File("r", encoding=READ_ENCODING))
@click.option(
    "--policy",
    "policy_name",
    default=None,
    help="A built-in policy or a policy file [default: the community's, else default].",
)
@config_option
@click.option(
    "--community",
    "community_key",
    default=None,
    help="Judge as this community (its config key) does: its policy, with the list edits "
    "its moderators made in chat (/policy words) laid over it, or over --policy.",
)
@model_path_option(
    "A model directory (steward train): judge the rules that need classifier scores too."
)
def replay_command(  # click passes each option by name
    *,
    history: Any,
    policy_name: str | None,
    config_path: Path | None,
    community_key: str | None,
    model_path: Path | None,
) -> None:
    """Run a policy over exported HISTORY.jsonl without acting; one JSON line per message.

    Per-rule counts go to stderr at the end, with a progress bar while it runs. With
    --model, the classifier's rules are judged as the guidelines cog judges them, and each
    scored message's line gives its scores and language.
    """
    import json  # noqa: PLC0415

    from tqdm import tqdm  # noqa: PLC0415

    from bot.core.protocols import TextScores  # noqa: PLC0415
    from bot.replay import ReplayStats, Scorer, replay  # noqa: PLC0415

    figures: dict[str, str] = {}
    if community_key is None:
        policy = _policy(policy_name or "default")
    else:
        loaded = _load(config_path, _registry())
        policy = _community_policy(loaded, community_key, policy_name)
        figures = _rule_figures(loaded, community_key)
    scorer: Scorer | None = None
    if model_path is not None:
        from policies.classifiers.model import ModelMissing, load_model  # noqa: PLC0415

        try:
            model = load_model(model_path)
        except ModelMissing as error:
            _fail(str(error))

        def score(text: str, language: str) -> TextScores:
            return model.score_batch([text], language=language)[0]

        scorer = score
    stats = ReplayStats()
    try:
        with tqdm(unit=" msg", file=sys.stderr, disable=None, leave=False) as bar:
            for record in replay(history, policy, stats, scorer):
                click.echo(json.dumps(record, ensure_ascii=False))
                bar.update()
    except ScenarioError as error:
        _fail(str(error))
    click.echo(
        f"{stats.messages} messages: "
        + ", ".join(f"{k} {v}" for k, v in sorted(stats.outcomes.items())),
        err=True,
    )
    for rule, count in stats.rules.most_common():
        so_far = f" (so far in {community_key}: {figures[rule]})" if rule in figures else ""
        click.echo(f"  {rule}: {count}{so_far}", err=True)
    if stats.unscored:
        click.echo(
            f"{stats.unscored} messages were not judged by the rules that need classifier "
            "scores: pass --model DIR to judge them too",
            err=True,
        )


def _community_policy(loaded: LoadedConfig, key: str, policy_name: str | None) -> Policy:
    """Return the policy a community judges by, with its moderators' chat edits laid over.

    ``policy_name`` replaces the policy file the community's guidelines cog names, as a
    reload onto a new file would: the chat edits are laid over it all the same. What was
    laid over, and any edit the policy leaves out, is said on stderr.
    """
    from policies.list_edits import listed_in, moot_edits, with_edits  # noqa: PLC0415

    ref = _community_ref(loaded, key)
    guidelines = loaded.cogs[key].get("guidelines")
    named = getattr(guidelines, "policy", "default")
    policy_file = _policy(policy_name or named)
    database = loaded.config.steward.database
    if not database.exists():
        click.echo(
            f"no database at {database}: no chat edits of {key}'s lists to lay over", err=True
        )
        return policy_file

    async def read(storage: SqliteStorage, _: datetime) -> list[ListEdit]:
        from moderation.store import store_for  # noqa: PLC0415

        return [r.edit for r in await store_for(storage).list_edits.edits(ref)]

    edits = _on_database(database, read)
    policy, left_out = with_edits(policy_file, edits)
    moot = moot_edits(policy_file, edits)
    laid = sum(
        e not in moot and listed_in(policy.rule(e.rule), e) == e.added
        for e in edits
        if policy.rule(e.rule) is not None
    )
    click.echo(
        f"{policy_file.source}, with {laid} chat edit(s) of {key}'s lists laid over "
        "(/policy words)",
        err=True,
    )
    for line in left_out:
        click.echo(f"  {line}", err=True)
    return policy


def _rule_figures(loaded: LoadedConfig, key: str) -> dict[str, str]:
    """Return, in words, what each rule has done in a community so far and how it was judged.

    Beside a replay's counts they say how many of a rule's hits moderators may expect to
    find wrong (its precision, its cases undone). Nothing without a database.
    """
    from moderation.rule_stats import rule_summary  # noqa: PLC0415
    from moderation.store import store_for  # noqa: PLC0415

    ref = _community_ref(loaded, key)
    database = loaded.config.steward.database
    if not database.exists():
        return {}

    async def read(storage: SqliteStorage, _: datetime) -> dict[str, str]:
        rows = await store_for(storage).stats.per_rule(ref)
        return {row.rule: rule_summary(row) for row in rows}

    return _on_database(database, read)


def _policy(name: str) -> Policy:
    from policies.policy import PolicyError, load_policy  # noqa: PLC0415

    try:
        return load_policy(name)
    except PolicyError as error:
        _fail("the policy is invalid:\n" + "\n".join(f"  {p}" for p in error.problems))


@main.group("policy")
def policy_group() -> None:
    """Work with policy files."""


@policy_group.command("test")
@click.argument("policy_file", required=False)
@config_option
@click.option(
    "--community",
    "community_key",
    default=None,
    help="Test the policy this community (its config key) judges by, or FILE, with the list "
    "edits its moderators made in chat (/policy words) laid over it.",
)
def policy_test(
    policy_file: str | None, config_path: Path | None, community_key: str | None
) -> None:
    """Run every rule's examples (the built-in policies when no FILE is given).

    With --community, an example that fails because of a chat edit (a word taken out that
    an example needed) shows what copying the edits into the file would give up.
    """
    from policies.examples import check_examples  # noqa: PLC0415

    if community_key is not None:
        loaded = _load(config_path, _registry())
        policies = [_community_policy(loaded, community_key, policy_file)]
    else:
        names = [policy_file] if policy_file else ["default", "strict"]
        policies = [_policy(name) for name in names]
    failed = 0
    for policy in policies:
        ran, failures = check_examples(policy)
        failed += len(failures)
        click.echo(f"{policy.source}: {ran - len(failures)} of {ran} examples pass")
        for failure in failures:
            click.echo(f"  FAIL {failure}")
    if failed:
        sys.exit(EXIT_FAILURE)


@main.group("stats")
def stats_group() -> None:
    """Show figures from the database the configuration names."""


@stats_group.command("rules")
@config_option
@click.option(
    "--community", "community_key", default=None, help="Only this community (its config key)."
)
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Only the cases and review items of the last N days.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats_rules(
    config_path: Path | None, community_key: str | None, days: int | None, as_json: bool
) -> None:
    """Show per rule: volume, decisions, precision (violations / decided) and reversal rate.

    Precision counts moderators' decisions on the rule's review items, appeals apart; the
    reversal rate is the share of the rule's cases found ok on review or overturned on
    appeal. Appeals and how many were overturned have columns of their own.
    """
    from moderation.rule_stats import RuleStats, rule_table  # noqa: PLC0415
    from moderation.store import store_for  # noqa: PLC0415

    loaded = _load(config_path, _registry())
    source = _existing_database(loaded)
    community = _community_ref(loaded, community_key) if community_key is not None else None

    async def read(storage: SqliteStorage, now: datetime) -> list[RuleStats]:
        since = now - timedelta(days=days) if days else None
        return await store_for(storage).stats.per_rule(community, since=since)

    rows = _on_database(source, read)
    if as_json:
        import json  # noqa: PLC0415

        click.echo(json.dumps([r.as_dict() for r in rows], indent=2))
    elif rows:
        click.echo(rule_table(rows))
    else:
        period = f"in the last {days} day(s)" if days else "yet"
        click.echo(f"No rule has acted or raised a review item {period}.")


@main.group("member")
def member_group() -> None:
    """Show or erase what a community keeps about one member (access and erasure requests)."""


_member_argument = click.argument("member")
_community_option = click.option(
    "--community",
    "community_key",
    default=None,
    help="The community (its config key); may be left out when the config has one.",
)


_every_option = click.option(
    "--all-communities",
    "every",
    is_flag=True,
    help="Every community of the configuration (a request to the brand, not one server).",
)


@member_group.command("export")
@_member_argument
@config_option
@_community_option
@_every_option
def member_export(
    config_path: Path | None, community_key: str | None, member: str, every: bool
) -> None:
    """Print as JSON everything the community keeps about MEMBER (a platform id or a name).

    Cases with their evidence, notes and actions, appeals, review items, the examples
    learnt from them, their lines in others' review items, modmail conversations, blocks,
    discussion activity, the audit log's entries about them and the state cogs keep for
    them: what to send a member who asks what is kept about them. With
    ``--all-communities``, every community that keeps something about them, in a list.
    """
    import json  # noqa: PLC0415

    from bot.member_data import export_member, find_member  # noqa: PLC0415

    async def read(storage: SqliteStorage, community: Ref, now: datetime) -> dict[str, Any]:
        found = await find_member(storage, community, member)
        return await export_member(storage, community, found, now)

    exported = _with_member_storage(config_path, community_key, every, read)
    if every:
        kept = [one for one in exported if one["records"]]
        click.echo(json.dumps({"communities": kept}, indent=2, ensure_ascii=False))
    else:
        click.echo(json.dumps(exported[0], indent=2, ensure_ascii=False))


@member_group.command("erase")
@_member_argument
@config_option
@_community_option
@_every_option
@click.option("--by", default="cli", show_default=True, help="Who erases, for the audit log.")
@click.option("--yes", is_flag=True, help="Erase without asking first.")
def member_erase(
    *,
    config_path: Path | None,
    community_key: str | None,
    member: str,
    every: bool,
    by: str,
    yes: bool,
) -> None:
    """Erase what MEMBER wrote and what names them (a platform id or a name).

    Their messages, the words of their cases, notes and appeals, their names, their
    modmail transcripts, discussion activity and cog state go, and so do the examples
    learnt from their messages. Each case's bare facts stay under their platform id, so
    a ban, a modmail block and the points that count still hold. The erasure is noted in
    the audit log. Posts already on the platform (review cards, the mod log) are the
    platform's to delete. With ``--all-communities``, in every community that keeps
    something about them, asked once.
    """
    from bot.member_data import erase_member, export_member, find_member  # noqa: PLC0415

    async def find(storage: SqliteStorage, community: Ref, now: datetime) -> tuple[Ref, Ref, int]:
        found = await find_member(storage, community, member)
        return community, found, (await export_member(storage, community, found, now))["records"]

    looked = _with_member_storage(config_path, community_key, every, find)
    kept = [(community, found) for community, found, records in looked if records]
    if not kept:  # a mistyped id or name, most likely: say so rather than "erased"
        who, where = (member, "any community") if every else (looked[0][1], "this community")
        click.echo(f"Steward keeps nothing about {who} in {where}; nothing erased.")
        return
    what = " and ".join(f"what {community} keeps about {found}" for community, found in kept)
    if not yes and not click.confirm(f"Erase {what}?"):
        _fail("nothing erased", EXIT_FAILURE)
    chosen = dict(kept)

    async def erase(storage: SqliteStorage, community: Ref, now: datetime) -> Erasure | None:
        found = chosen.get(community)
        return await erase_member(storage, community, found, now, by=by) if found else None

    for (community, found), erasure in zip(
        kept,
        [e for e in _with_member_storage(config_path, community_key, every, erase) if e],
        strict=True,
    ):
        _say_erased(community, found, erasure, several=every)


def _say_erased(community: Ref, found: Ref, erasure: Erasure, *, several: bool) -> None:
    """Print what an erasure changed, table by table."""
    where = f" in {community}" if several else ""
    click.echo(f"Erased what {found} wrote and what names them{where}:")
    for section, tables in erasure.changed.items():
        counts = ", ".join(f"{table} {count}" for table, count in tables.items())
        click.echo(f"  {section}: {counts}")
    if not erasure.log_emptied:
        click.echo(
            "The database's write-ahead log could not be emptied while Steward was reading; "
            "run this again when Steward is stopped to overwrite the old pages kept there."
        )


def _with_member_storage(
    config_path: Path | None,
    community_key: str | None,
    every: bool,
    work: Callable[[SqliteStorage, Ref, datetime], Coroutine[Any, Any, T]],
) -> list[T]:
    """Run ``work`` on the configured database, for each community asked, at the current time.

    One community: the one ``--community`` names, or the configuration's only one. With
    ``every``, each community of the configuration, in its order.
    """
    loaded = _load(config_path, _registry())
    source = _existing_database(loaded)
    keys = list(loaded.config.communities)
    if every and community_key is not None:
        _fail("--community and --all-communities ask for different things: give one")
    if not every and community_key is None and len(keys) != 1:
        _fail(
            f"name the community with --community (one of: {', '.join(keys) or 'none'}), "
            "or ask with --all-communities"
        )
    chosen = keys if every else [community_key if community_key is not None else keys[0]]
    communities = [_community_ref(loaded, key) for key in chosen]

    async def run(storage: SqliteStorage, now: datetime) -> list[T]:
        return [await work(storage, community, now) for community in communities]

    return _on_database(source, run)


main.add_command(train_command)
main.add_command(eval_command)


@main.group("history")
def history_group() -> None:
    """Read a community's real history, for ``steward replay``."""


@history_group.command("export")
@config_option
@click.option("--community", "community_key", required=True, help="Its config key.")
@click.option(
    "--channel",
    "channels",
    multiple=True,
    help="A channel to read, by name (again for more); none: every text channel.",
)
@click.option(
    "--days", type=click.IntRange(1, 365), default=7, show_default=True, help="How far back."
)
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=2000,
    show_default=True,
    help="The most messages read from one channel (its latest).",
)
@click.option(
    "--out", type=click.File("w", encoding="utf-8"), default="-", help="Where to write [stdout]."
)
def history_export(  # click passes each option by name
    *,
    config_path: Path | None,
    community_key: str,
    channels: tuple[str, ...],
    days: int,
    limit: int,
    out: TextIO,
) -> None:
    """Write a Discord or Slack community's recent messages as a replay file.

    The file holds the channels, each author with their roles now (so that staff are
    known as staff) and each message, oldest first, threads' replies and a Discord
    forum's posts included: `steward replay FILE --policy NEW` then shows what a policy
    would have done on them. It holds members' words: delete it once the replay is read.
    """
    from bot.history_export import UnknownChannels, scenario_lines  # noqa: PLC0415

    loaded = _load(config_path, _registry())
    _community_ref(loaded, community_key)
    section = loaded.config.communities[community_key]
    since = datetime.now(UTC) - timedelta(days=days)
    wanted = [c.lstrip("#") for c in channels]
    if section.platform == "discord":
        from bot.adapters.discord.history import read_discord_history  # noqa: PLC0415

        reading = read_discord_history(
            loaded.config.discord, section.id, channels=wanted, since=since, limit=limit
        )
    elif section.platform == "slack":
        from bot.adapters.slack.history import read_slack_history  # noqa: PLC0415

        reading = read_slack_history(
            loaded.config.slack, section.id, channels=wanted, since=since, limit=limit
        )
    else:
        _fail("a local community's history is its scenario file: replay that")
    from bot.serve import StartupRefused  # noqa: PLC0415

    history = _run(reading, plain=(StartupRefused, UnknownChannels))
    for line in scenario_lines(community_key, history, language=section.language):
        out.write(line + "\n")
    click.echo(
        f"{len(history.messages)} message(s) from {len(history.channels)} channel(s) and "
        f"{len(history.members)} author(s) since {since:%Y-%m-%d %H:%M} UTC",
        err=True,
    )


@main.group("standin")
def standin_group() -> None:
    """Serve a local stand-in of a platform's API on 127.0.0.1, for demos and load tests."""


@standin_group.command("slack")
@click.option("--port", type=int, default=0, show_default=True, help="Port (0: any free port).")
@click.option("--events-url", default="", help="Where to post signed events (the app's URL).")
def standin_slack(port: int, events_url: str) -> None:
    """Serve a stand-in Slack (Web API and Socket Mode) until interrupted."""
    from bot.standins.slack.cli import serve_standin  # noqa: PLC0415 - aiohttp only when used

    _run(serve_standin(port, events_url, click.echo))


@standin_group.command("discord")
@click.option("--port", type=int, default=8710, show_default=True, help="Port on 127.0.0.1.")
def standin_discord(port: int) -> None:
    """Serve a local Discord (REST v10 and gateway v10) with a small demo guild."""
    from bot.standins.discord.demo import serve  # noqa: PLC0415 - aiohttp only when asked

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(port, click.echo))
