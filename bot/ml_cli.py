"""``steward train`` and ``steward eval``: build a classifier model and measure it.

Everything heavy (torch, transformers, ONNX Runtime, scikit-learn) is imported inside the
commands, so ``steward --help`` stays fast and Steward without the ml extra still runs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from bot.core.parse_text import parse_json
from bot.core.text_files import read_text

EXIT_FAILURE, EXIT_USAGE = 1, 2
DEFAULT_MODELS = Path("models")


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"steward: {message}", err=True)
    sys.exit(code)


def thresholds_of(policy_name: str) -> Any:
    """Return the thresholds of a policy's classifier rules (the first rule for a label wins)."""
    from policies.classifiers.evaluate import Thresholds  # noqa: PLC0415
    from policies.policy import PolicyError, load_policy  # noqa: PLC0415
    from policies.rules.classifier import ClassifierParams  # noqa: PLC0415

    try:
        policy = load_policy(policy_name)
    except PolicyError as error:
        _fail("the policy is invalid:\n" + "\n".join(f"  {p}" for p in error.problems))
    act: dict[str, float] = {}
    bands: dict[str, float] = {}
    languages: dict[str, dict[str, float]] = {}
    for compiled in policy.rules:
        params = compiled.rule.params
        if not isinstance(params, ClassifierParams):
            continue
        for label, threshold in params.thresholds.items():
            act.setdefault(label, threshold)
            bands.setdefault(label, params.review_band)
        for language, own in params.language_thresholds.items():
            for label, threshold in own.items():
                languages.setdefault(language, {}).setdefault(label, threshold)
    return Thresholds(act=act or {"abuse": 0.5, "spam": 0.5}, bands=bands, languages=languages)


@click.command("train")
@click.option(
    "--profile",
    type=click.Choice(["quick", "starter", "full", "strong"]),
    default="full",
    show_default=True,
    help="quick: a small subset for CI; starter: a frozen encoder; full: fine-tuned; "
    "strong: full plus a larger encoder (MPNet) where unsure, more accurate in English, "
    "slower (pip install 'steward[strong]').",
)
@click.option("--quick", is_flag=True, help="Same as --profile quick.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_MODELS,
    show_default=True,
    help="The folder of model directories; OUT/current points at the newest.",
)
@click.option("--seed", type=int, default=13, show_default=True, help="The random seed.")
@click.option(
    "--decisions",
    "decisions_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Moderators' decisions as JSON lines ({community, text, label, violation}).",
)
@click.option(
    "--database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Steward's database, to learn from its moderators' decisions (default: the "
    "config's, when it exists).",
)
@click.option(
    "--heads-only",
    "heads_only",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Refit only the community heads of this model directory (seconds).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The TOML configuration file whose database to read (default: steward.toml).",
)
@click.option("--no-progress", is_flag=True, help="Hide the progress bars.")
def train_command(
    *,
    profile: str,
    quick: bool,
    out: Path,
    seed: int,
    decisions_file: Path | None,
    database: Path | None,
    heads_only: Path | None,
    config_path: Path | None,
    no_progress: bool,
) -> None:
    """Build a classifier model from packaged data and moderators' decisions.

    Writes a versioned model directory with a model card under OUT and points OUT/current
    at it. The same seed, data and profile give the same model. Each community's
    decisions (from the database, or --decisions) fit that community's own heads, so one
    community's moderators never change another's scores.
    """
    from policies.classifiers.datasets import DataMissing  # noqa: PLC0415
    from policies.classifiers.train import PROFILES, Progress, refit_model, train  # noqa: PLC0415

    decisions = (
        read_decisions(decisions_file)
        if decisions_file
        else _stored_decisions(database or _configured_database(config_path))
    )
    if heads_only is not None:
        counts = refit_model(heads_only, decisions or {})
        click.echo(
            f"community heads of {heads_only}: "
            + (", ".join(f"{k} ({n} decisions)" for k, n in counts.items()) or "none")
        )
        return
    chosen = PROFILES["quick" if quick else profile]
    try:
        directory = train(
            out,
            profile=chosen,
            seed=seed,
            now=datetime.now(UTC),
            decisions=decisions,
            progress=Progress(enabled=not no_progress),
        )
    except DataMissing as error:
        _fail(str(error), EXIT_FAILURE)
    click.echo(f"model written to {directory} ({out / 'current'} points at it)")


def _stored_decisions(path: Path) -> dict[str, list[Any]]:
    """Return the decisions stored in Steward's database, if there is one."""
    if not path.is_file():
        return {}
    import asyncio  # noqa: PLC0415

    return asyncio.run(decisions_from_database(path))


def _configured_database(config: Path | None) -> Path:
    """Return the database the configuration names (steward.toml when none is given)."""
    from bot.config import ConfigError, load_config  # noqa: PLC0415
    from bot.registry import CogRegistry  # noqa: PLC0415

    file = config or Path("steward.toml")
    if not file.is_file():
        if config is not None:
            _fail(f"{config}: no such configuration file")
        return Path("steward.db")
    try:
        return load_config(file, CogRegistry.discover()).config.steward.database
    except ConfigError as error:
        _fail("the configuration is invalid:\n" + "\n".join(f"  {p}" for p in error.problems))


async def decisions_from_database(path: Path) -> dict[str, list[Any]]:
    """Read moderators' decisions from a database; the latest per message and label wins."""
    from bot.app import open_storage  # noqa: PLC0415
    from bot.core.clock import SystemClock  # noqa: PLC0415
    from moderation.store import store_for  # noqa: PLC0415
    from policies.classifiers.datasets import Example  # noqa: PLC0415
    from policies.classifiers.model import community_key  # noqa: PLC0415

    storage = await open_storage(path, SystemClock())
    try:
        stored = await store_for(storage).examples.recorded()
    finally:
        await storage.close()
    latest: dict[tuple[str, str, str], Any] = {}
    for example in stored:  # oldest first, so a later decision replaces an earlier one
        key = community_key(example.community)
        latest[key, example.label, example.text] = Example(
            text=example.text,
            label=example.label,
            value=int(example.violation),
            language=example.language,
            source=f"community:{key}",
        )
    grouped: dict[str, list[Any]] = {}
    for (key, _, _), example in latest.items():
        grouped.setdefault(key, []).append(example)
    return grouped


def read_decisions(path: Path) -> dict[str, list[Any]]:
    """Read decisions exported as JSON lines, grouped by community key."""
    from policies.classifiers.datasets import Example  # noqa: PLC0415

    grouped: dict[str, list[Any]] = {}
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = parse_json(line)
            example = Example(
                text=str(row["text"]),
                label=str(row["label"]),
                value=int(bool(row["violation"])),
                language=row.get("language"),
                source=f"community:{row['community']}",
            )
        except (ValueError, KeyError, TypeError) as error:
            _fail(f"{path}:{number}: not a decision: {error}")
        grouped.setdefault(str(row["community"]), []).append(example)
    return grouped


@click.command("eval")
@click.option(
    "--model",
    "model_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_MODELS / "current",
    show_default=True,
    help="The model directory to measure.",
)
@click.option(
    "--policy",
    "policy_name",
    default="default",
    show_default=True,
    help="Whose classifier thresholds to measure at.",
)
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(["abuse", "spam", "chat_spam", "languages"]),
    help="Run only these parts (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def eval_command(model_path: Path, policy_name: str, only: Sequence[str], as_json: bool) -> None:
    """Measure a model on held-out data: ROC-AUC and precision/recall/F1 per label and language.

    English abuse on the insults test split, spam by 5-fold cross-validation on the SMS set
    and on the project's held-out chat spam, and each seed language's evaluation set.
    """
    from policies.classifiers import evaluate  # noqa: PLC0415
    from policies.classifiers.datasets import DataMissing  # noqa: PLC0415
    from policies.classifiers.model import ModelMissing, load_model  # noqa: PLC0415

    thresholds = thresholds_of(policy_name)
    try:
        model = load_model(model_path)
    except ModelMissing as error:
        _fail(str(error), EXIT_FAILURE)
    parts = set(only) or {"abuse", "spam", "chat_spam", "languages"}
    results: dict[str, Any] = {"model": model.card.name, "policy": policy_name}
    try:
        if "abuse" in parts:
            results["abuse_en_insults_test"] = evaluate.evaluate_abuse_english(model, thresholds)
        if "spam" in parts:
            results["spam_sms_cross_validated"] = evaluate.cross_validate_spam(model, thresholds)
            results["spam_sms_as_shipped_cross_validated"] = evaluate.cross_validate_spam(
                model, thresholds, keep_repeats=True
            )
        if "chat_spam" in parts:
            results["spam_chat_eval"] = evaluate.evaluate_chat_spam(model, thresholds)
        if "languages" in parts:
            results["abuse_by_language"] = evaluate.evaluate_languages(model, thresholds)
    except DataMissing as error:
        _fail(str(error), EXIT_FAILURE)
    if as_json:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for line in summary_lines(results):
            click.echo(line)


def summary_lines(results: Mapping[str, Any]) -> list[str]:
    """Return one readable line per measured set."""
    lines = [f"{results['model']} at the thresholds of policy {results['policy']!r}"]

    def line(name: str, report: Mapping[str, Any]) -> str:
        act, flag = report["act"], report["flag"]
        auc = report.get("roc_auc")
        return (
            f"  {name:<28} ROC-AUC {auc if auc is not None else '-':<7} "
            f"act@{act['threshold']:.2f} P {act['precision']:.3f} R {act['recall']:.3f} "
            f"F1 {act['f1']:.3f}  flag@{flag['threshold']:.2f} P {flag['precision']:.3f} "
            f"R {flag['recall']:.3f} F1 {flag['f1']:.3f}"
        )

    for key in ("abuse_en_insults_test", "spam_sms_cross_validated", "spam_chat_eval"):
        if key in results:
            lines.append(line(key, results[key]))
        if key == "spam_sms_cross_validated" and key in results:
            half = results[key]["at_0.5"]
            shipped = results["spam_sms_as_shipped_cross_validated"]["at_0.5"]
            lines.append(
                f"  {'':<28} F1 at 0.5: {half['f1']:.3f} (each message once); "
                f"{shipped['f1']:.3f} on the file as shipped, repeats kept"
            )
    for ending, report in results.get("spam_chat_eval", {}).get("everyday_endings", {}).items():
        lines.append(line(f"spam_chat_eval, links {ending}", report))
    for language, report in results.get("abuse_by_language", {}).items():
        lines.append(line(f"abuse_{language}", report))
        if "in_community_language" in report:
            lines.append(
                line(f"abuse_{language}, community {language}", report["in_community_language"])
            )
    return lines
