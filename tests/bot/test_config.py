"""Configuration: typed validation, errors that name file, key and line, secrets kept out."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, host_and_port, load_config, parse_config
from bot.registry import CogRegistry

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


def test_the_example_config_is_valid(registry: CogRegistry) -> None:
    loaded = load_config(EXAMPLE, registry)
    assert loaded.config.communities["lumen"].timezone == "Europe/Amsterdam"
    assert set(loaded.cogs["lumen"]) >= {"welcome", "modlog"}


def test_empty_config_means_defaults(registry: CogRegistry) -> None:
    loaded = parse_config("", registry)
    assert loaded.config.bus.workers == 16
    assert loaded.config.communities == {}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "steward.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, registry: CogRegistry) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, registry)
    return [str(p) for p in caught.value.problems]


def test_unknown_key_names_file_key_and_line(tmp_path: Path, registry: CogRegistry) -> None:
    path = write(tmp_path, '[steward]\ndatabase = "x.db"\n\n[bus]\nworkers = 4\nworkerz = 5\n')
    assert problems_of(path, registry) == [f"{path}:6: bus.workerz: unknown key"]


def test_cog_settings_in_the_wrong_place_say_where_they_go(
    tmp_path: Path, registry: CogRegistry
) -> None:
    # Refused as a bare "unknown key", with no line for [cogs.welcome]: cogs are set per
    # community, which nothing said.
    path = write(
        tmp_path,
        '[communities.acme]\nplatform = "local"\n\n[communities.acme.welcome]\ngate = true\n'
        "\n[cogs.welcome]\ngate = true\n\n[modmail]\nenabled = true\n",
    )
    assert problems_of(path, registry) == [
        f"{path}:4: communities.acme.welcome: unknown key; did you mean "
        "[communities.acme.cogs.welcome]?",
        f"{path}:7: cogs: unknown key; cog settings go under [communities.<name>.cogs.<cog>], "
        "per community",
        f"{path}:10: modmail: unknown key; the modmail cog's settings go under "
        "[communities.<name>.cogs.modmail]",
    ]


def test_toml_nested_too_deeply_to_read_is_a_config_error(
    tmp_path: Path, registry: CogRegistry
) -> None:
    path = write(tmp_path, "x = " + "[" * 5_000 + "]" * 5_000)
    assert problems_of(path, registry) == [f"{path}: nested too deeply"]


def test_wrong_type_names_file_key_and_line(tmp_path: Path, registry: CogRegistry) -> None:
    path = write(
        tmp_path, '[communities.acme]\nplatform = "local"\n\n\ntimezone = "Mars/Olympus"\n'
    )
    (problem,) = problems_of(path, registry)
    assert problem.startswith(f"{path}:5: communities.acme.timezone: unknown time zone")


def test_a_time_zone_too_long_for_a_file_name_is_an_unknown_zone(
    tmp_path: Path, registry: CogRegistry
) -> None:
    # zoneinfo looks the name up as a file: this one raised OSError (name too long).
    name = "Europe/" + "x" * 300
    path = write(tmp_path, f'[communities.acme]\nplatform = "local"\ntimezone = "{name}"\n')
    (problem,) = problems_of(path, registry)
    assert problem.startswith(f"{path}:3: communities.acme.timezone: unknown time zone")


def test_all_problems_are_reported_at_once(tmp_path: Path, registry: CogRegistry) -> None:
    path = write(tmp_path, '[bus]\nworkers = "many"\ncapacity = 0\n')
    found = problems_of(path, registry)
    assert len(found) == 2
    assert found[0].startswith(f"{path}:2: bus.workers:")
    assert found[1].startswith(f"{path}:3: bus.capacity:")


def test_cog_settings_are_validated_with_lines(tmp_path: Path, registry: CogRegistry) -> None:
    text = '[communities.acme]\n[communities.acme.cogs.welcome]\nchannel = "general"\ngreet_bots = "sometimes"\n'
    path = write(tmp_path, text)
    (problem,) = problems_of(path, registry)
    assert problem.startswith(f"{path}:4: communities.acme.cogs.welcome.greet_bots:")


def test_unknown_cog_is_named(tmp_path: Path, registry: CogRegistry) -> None:
    path = write(tmp_path, "[communities.acme.cogs.telepathy]\nenabled = true\n")
    (problem,) = problems_of(path, registry)
    assert problem.startswith(f"{path}:1: communities.acme.cogs.telepathy: unknown cog 'telepathy'")


def test_toml_syntax_error_names_the_line(tmp_path: Path, registry: CogRegistry) -> None:
    path = write(tmp_path, '[steward]\ndatabase = "x.db"\nlog_level = \n')
    (problem,) = problems_of(path, registry)
    assert problem.startswith(f"{path}:3:")


def test_missing_file_is_a_config_error(tmp_path: Path, registry: CogRegistry) -> None:
    (problem,) = problems_of(tmp_path / "absent.toml", registry)
    assert "cannot read" in problem


def test_literal_secrets_are_refused(tmp_path: Path, registry: CogRegistry) -> None:
    path = write(tmp_path, '[discord]\ntoken = "MTIz.very-secret"\n')
    (problem,) = problems_of(path, registry)
    assert "secrets never go in the config file" in problem
    assert "very-secret" not in problem


def test_secrets_come_from_env_or_file_and_never_print(
    tmp_path: Path,
    registry: CogRegistry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("MY_TOKEN", "env-secret-value")
    secret_file = tmp_path / "slack_secret"
    secret_file.write_text("file-secret-value\n", encoding="utf-8")
    text = f'[discord]\ntoken_env = "MY_TOKEN"\n[slack]\nsigning_secret_file = "{secret_file}"\n'
    loaded = load_config(write(tmp_path, text), registry)
    token = loaded.config.discord.token()
    signing = loaded.config.slack.signing_secret()
    assert token is not None and token.get_secret_value() == "env-secret-value"
    assert signing is not None and signing.get_secret_value() == "file-secret-value"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("config %r token %s", loaded.config, token)
    assert "env-secret-value" not in caplog.text
    assert "env-secret-value" not in repr(loaded.config.discord) + str(token)


def test_several_communities_each_with_own_cogs(registry: CogRegistry) -> None:
    text = (
        '[communities.one]\nplatform = "discord"\nid = "123"\n'
        "[communities.one.cogs.welcome]\nenabled = false\n"
        '[communities.two]\nplatform = "slack"\nid = "T1"\n'
    )
    loaded = parse_config(text, registry)
    assert "welcome" not in loaded.cogs["one"]
    assert "welcome" in loaded.cogs["two"]
    assert loaded.community("one").ref.id == "123"


def test_the_classifier_section_has_defaults(registry: CogRegistry) -> None:
    section = parse_config("", registry).config.classifier
    assert (section.model_path, section.timeout, section.on_timeout, section.max_batch) == (
        None,
        2.0,
        "review",
        16,
    )
    assert parse_config(
        '[classifier]\nmodel = "models/x"\n', registry
    ).config.classifier.model_path == Path("models/x")


def test_each_classifier_lane_computes_on_one_thread_unless_told(
    tmp_path: Path, registry: CogRegistry
) -> None:
    section = parse_config("", registry).config.classifier
    assert (section.english_threads, section.multilingual_threads) == (1, 1)
    told = parse_config(
        "[classifier]\nenglish_threads = 2\nmultilingual_threads = 4\n", registry
    ).config.classifier
    assert (told.english_threads, told.multilingual_threads) == (2, 4)
    path = write(tmp_path, "[classifier]\nmultilingual_threads = 0\n")
    assert [p.split(": ")[:2] for p in problems_of(path, registry)] == [
        [f"{path}:2", "classifier.multilingual_threads"]
    ]


def test_classifier_errors_name_file_key_and_line(tmp_path: Path, registry: CogRegistry) -> None:
    path = write(
        tmp_path,
        '[classifier]\nmodel = "m"\ntimeout = 0\non_timeout = "ignore"\nmax_batch = 0\nmodle = "x"\n',
    )
    found = problems_of(path, registry)
    assert [p.split(": ")[:2] for p in found] == [
        [f"{path}:3", "classifier.timeout"],
        [f"{path}:4", "classifier.on_timeout"],
        [f"{path}:5", "classifier.max_batch"],
        [f"{path}:6", "classifier.modle"],
    ]
    assert "Input should be 'review' or 'rules'" in found[1]


def test_the_classifier_timeout_must_be_shorter_than_the_handler_timeout(
    tmp_path: Path, registry: CogRegistry
) -> None:
    path = write(tmp_path, "[bus]\nhandler_timeout = 5\n\n[classifier]\ntimeout = 5\n")
    assert problems_of(path, registry) == [
        f"{path}:5: classifier.timeout: must be shorter than bus.handler_timeout (5s)"
    ]


def test_a_community_language_that_is_no_tag_is_refused_with_examples(
    tmp_path: Path, registry: CogRegistry
) -> None:
    path = write(tmp_path, '[communities.acme]\nlanguage = "Danish"\n')
    (problem,) = problems_of(path, registry)
    assert problem.startswith(f"{path}:2: communities.acme.language:")
    assert "'Danish' is not a language tag (such as en, da, fr-CA or pt-BR)" in problem
    # Well formed, but no language the registry knows (Denmark's country code, not Danish).
    path = write(tmp_path, '[communities.acme]\nlanguage = "dk"\n')
    (problem,) = problems_of(path, registry)
    assert "'dk' names no known language or region" in problem


def test_a_community_language_is_standardised(registry: CogRegistry) -> None:
    text = '[communities.acme]\nlanguage = "pt_br"\n[communities.other]\nlanguage = " DA "\n'
    loaded = parse_config(text, registry)
    assert loaded.config.communities["acme"].info("acme").language == "pt-BR"
    assert loaded.config.communities["other"].language == "da"


def test_files_and_names_cogs_need_are_checked_with_the_configuration(
    tmp_path: Path, registry: CogRegistry
) -> None:
    # Each of these passed check-config and failed only when the cog started, with a
    # traceback: a policy, intents or prompt library that cannot be read, and a routing
    # team for an intent the intents file does not define.
    broken = tmp_path / "broken.toml"
    broken.write_text("[policy\n", encoding="utf-8")
    path = write(
        tmp_path,
        "[communities.acme]\n"
        f'cogs.guidelines.policy = "{broken}"\n'
        f'cogs.discussions.library = "{tmp_path / "missing.toml"}"\n'
        "[communities.acme.cogs.routing.teams.support]\n"
        'destination = "mod-log"\n'
        "[communities.beta.cogs.routing]\n"
        f'intents = "{tmp_path / "none.toml"}"\n',
    )
    said = {
        problem.split(": ", 2)[1]: problem.split(": ", 2)[2]
        for problem in problems_of(path, registry)
    }
    assert said["communities.acme.cogs.guidelines.policy"].startswith(f"{broken}: ")
    assert "cannot read the prompt library" in said["communities.acme.cogs.discussions.library"]
    assert said["communities.acme.cogs.routing"] == (
        "teams name unknown intents support "
        "(known: sales_lead, bug_report, support_request, product_feedback, press, legal)"
    )
    assert "cannot read the intents file" in said["communities.beta.cogs.routing"]


def test_a_status_address_is_a_host_and_a_port() -> None:
    assert host_and_port("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert host_and_port("[::1]:0") == ("::1", 0)  # 0: any free port
    for wrong in ("9464", ":9464", "localhost:", "localhost:70000", "localhost:-1"):
        with pytest.raises(ValueError, match="is not HOST:PORT"):
            host_and_port(wrong)
