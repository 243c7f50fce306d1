"""The configured classifier: loaded once, shared by every community, closed on stop."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import bot.classifier
from bot.adapters.local.gateway import LocalPlatform
from bot.app import App, open_storage
from bot.classifier import ModelLoader
from bot.cli import main
from bot.config import ConfigError, load_config
from bot.core.clock import VirtualClock
from bot.core.protocols import ClassifierFailed, ClassifierSettings
from bot.registry import CogRegistry
from bot.storage.sqlite import SqliteStorage
from policies.classifiers.serving import ClassifierService, TextModel
from tests.conftest import community, lines_of
from tests.policies.classifiers._doubles import WordModel

TWO_COMMUNITIES = """\
[classifier]
model = "{model}"
timeout = 1.5
on_timeout = "rules"
max_batch = 8

[communities.one]
[communities.two]
"""


class Loader:
    """Count loads and hand out one model."""

    def __init__(self, model: WordModel | None = None) -> None:
        self.model = model or WordModel()
        self.paths: list[Path] = []
        self.options: list[dict[str, object]] = []

    def __call__(self, path: Path, **options: object) -> TextModel:
        self.paths.append(path)
        self.options.append(options)
        return self.model


def app_of(config: Path, registry: CogRegistry, storage: SqliteStorage, loader: ModelLoader) -> App:
    clock = VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
    return App(
        load_config(config, registry),
        registry=registry,
        storage=storage,
        gateways={"local": LocalPlatform(clock)},
        clock=clock,
        model_loader=loader,
    )


@dataclass
class Running:
    app: App
    loader: Loader
    config: Path


@pytest.fixture
async def two_communities(tmp_path: Path, registry: CogRegistry) -> AsyncIterator[Running]:
    """Run two communities with a configured model; the app is stopped afterwards."""
    config = tmp_path / "steward.toml"
    config.write_text(TWO_COMMUNITIES.format(model=tmp_path / "model"), encoding="utf-8")
    storage = await open_storage(tmp_path / "s.db", VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)))
    loader = Loader()
    app = app_of(config, registry, storage, loader)
    await app.start()
    try:
        yield Running(app, loader, config)
    finally:
        await app.stop()
        await storage.close()


async def test_one_service_serves_every_community(two_communities: Running, tmp_path: Path) -> None:
    app = two_communities.app
    service = app.classifier
    assert isinstance(service, ClassifierService)
    contexts = [app.runtimes[key].cogs["guidelines"].ctx for key in ("one", "two")]
    assert all(ctx.classifier is service for ctx in contexts)
    assert all(
        ctx.classifier_settings == ClassifierSettings(timeout=1.5, on_timeout="rules")
        for ctx in contexts
    )
    assert two_communities.loader.paths == [tmp_path / "model"]
    (scored,) = await service.score(["hello"])
    assert scored.model == "words@1"
    await app.stop()
    with pytest.raises(ClassifierFailed, match="closed"):
        await service.score(["after stop"])


async def test_a_reload_keeps_the_running_classifier(
    two_communities: Running,
    tmp_path: Path,
    registry: CogRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, config = two_communities.app, two_communities.config
    service = app.classifier
    config.write_text(TWO_COMMUNITIES.format(model=tmp_path / "other"), encoding="utf-8")
    report = await app.reload(load_config(config, registry))
    assert report.ok
    assert app.classifier is service
    assert app.runtimes["one"].cogs["guidelines"].ctx.classifier is service
    assert two_communities.loader.paths == [tmp_path / "model"]
    assert "the [classifier] section changed: it takes effect on a restart" in caplog.text


async def test_no_model_no_classifier(tmp_path: Path, registry: CogRegistry) -> None:
    config = tmp_path / "steward.toml"
    config.write_text('[classifier]\nmodel = ""\n[communities.one]\n', encoding="utf-8")
    storage = await open_storage(tmp_path / "s.db", VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)))
    loader = Loader()
    try:
        assert app_of(config, registry, storage, loader).classifier is None
        assert loader.paths == []
    finally:
        await storage.close()


async def test_a_model_that_cannot_load_names_the_key_the_path_and_steward_train(
    tmp_path: Path, registry: CogRegistry
) -> None:
    config = tmp_path / "steward.toml"
    missing = tmp_path / "no-model"
    config.write_text(f'[steward]\n\n[classifier]\nmodel = "{missing}"\n', encoding="utf-8")

    def cannot(path: Path, **threads: int) -> TextModel:
        raise FileNotFoundError(f"{path}/model.json")

    storage = await open_storage(tmp_path / "s.db", VirtualClock(datetime(2026, 1, 1, tzinfo=UTC)))
    try:
        with pytest.raises(ConfigError) as caught:
            app_of(config, registry, storage, cannot)
    finally:
        await storage.close()
    (problem,) = (str(p) for p in caught.value.problems)
    assert problem.startswith(f"{config}:4: classifier.model: cannot load the classifier model")
    assert str(missing) in problem
    assert "FileNotFoundError" in problem
    assert "`steward train`" in problem


def test_a_folder_without_a_model_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    with pytest.raises(bot.classifier.ModelUnavailable) as caught:
        bot.classifier.open_classifier(tmp_path / "model")
    message = str(caught.value)
    assert f"cannot load the classifier model at {tmp_path / 'model'}" in message
    assert "ModelMissing" in message
    assert "pip install 'steward[ml]'" in message and "`steward train`" in message


def simulate_with_model(tmp_path: Path, lines: list[str], settings: str = "") -> Result:
    """Run ``steward simulate`` on ``lines`` with a classifier model configured."""
    config = tmp_path / "steward.toml"
    config.write_text(f'[classifier]\nmodel = "{tmp_path / "model"}"\n{settings}', encoding="utf-8")
    scenario = tmp_path / "s.jsonl"
    scenario.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return CliRunner().invoke(main, ["simulate", str(scenario), "--config", str(config)])


def test_simulate_loads_the_configured_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loader = Loader()
    monkeypatch.setattr(bot.classifier, "load_text_model", loader)
    message = {
        "type": "message",
        "at": "2026-03-02T09:00:00Z",
        "id": "m1",
        "author": "alice",
        "channel": "general",
        "content": "you are worthless",
    }
    result = simulate_with_model(tmp_path, lines_of(community(), message))
    assert result.exit_code == 0, result.output
    actions = [json.loads(line) for line in result.stdout.splitlines()]
    deletes = [(a["message"], a["rule"]) for a in actions if a["action"] == "delete_message"]
    assert deletes == [("m1", "abuse-model")]
    assert loader.paths == [tmp_path / "model"]
    assert loader.options == [
        {
            "english_threads": 1,
            "multilingual_threads": 1,
            "first_look": True,
            "second_look": True,
            "spare_core": True,
        }
    ]


@pytest.mark.parametrize("look", ["first_look", "second_look", "spare_core"])
def test_the_configuration_can_turn_a_look_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, look: str
) -> None:
    loader = Loader()
    monkeypatch.setattr(bot.classifier, "load_text_model", loader)
    result = simulate_with_model(tmp_path, lines_of(community()), f"{look} = false\n")
    assert result.exit_code == 0, result.output
    expected = {"first_look": True, "second_look": True, "spare_core": True} | {look: False}
    assert loader.options == [{"english_threads": 1, "multilingual_threads": 1} | expected]


def test_simulate_with_a_model_that_cannot_load_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "steward.toml"
    config.write_text(f'[classifier]\nmodel = "{tmp_path / "none"}"\n', encoding="utf-8")
    scenario = tmp_path / "s.jsonl"
    scenario.write_text(lines_of(community())[0] + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario), "--config", str(config)])
    assert result.exit_code == 2
    assert "classifier.model: cannot load the classifier model" in result.output
    assert "`steward train`" in result.output


def test_the_demo_runs_with_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loader = Loader()
    monkeypatch.setattr(bot.classifier, "load_text_model", loader)
    result = CliRunner().invoke(main, ["demo", "--model", str(tmp_path / "model")])
    assert result.exit_code == 0, result.output
    assert "Summary" in result.stdout
    assert loader.paths == [tmp_path / "model"]
    assert loader.model.scored, "the demo's messages were scored"


@pytest.mark.parametrize(
    ("setting", "scored"), [("", ["hello"]), ("remembered = 0", ["hello"] * 2)]
)
async def test_the_configured_service_answers_a_text_seen_again_unless_told_not_to(
    tmp_path: Path, registry: CogRegistry, setting: str, scored: list[str]
) -> None:
    config = tmp_path / "steward.toml"
    config.write_text(
        f'[classifier]\nmodel = "{tmp_path}"\n{setting}\n[communities.one]\n', encoding="utf-8"
    )
    model = WordModel()
    loaded = load_config(config, registry)
    service = bot.classifier.configured_classifier(loaded, lambda path: model)
    assert service is not None
    try:
        first = await service.score(["hello"])
        assert await service.score(["hello"]) == first
    finally:
        service.close()
    assert model.scored == scored


def test_a_negative_memory_is_refused(tmp_path: Path, registry: CogRegistry) -> None:
    config = tmp_path / "steward.toml"
    config.write_text("[classifier]\nremembered = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="remembered"):
        load_config(config, registry)
