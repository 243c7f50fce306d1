"""`steward run` in several processes that split Discord's shards: connections and reloads."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import ConfigError, load_config, parse_config, with_shard_ids
from bot.registry import CogRegistry
from bot.serve import _connectors, _reread, pid_file, signal_reload

EVEN, ODD = str(40 << 22), str(41 << 22)  # guilds on shard 0 and on shard 1 of two


def config(shard_ids: str, *, slack: bool = True) -> str:
    slack_part = '[communities.team]\nplatform = "slack"\nid = "T1"\n' if slack else ""
    return f"""
[discord]
sharded = true
shard_count = 2
shard_ids = [{shard_ids}]

[communities.even]
platform = "discord"
id = "{EVEN}"

{slack_part}"""


ODD_COMMUNITY = f'[communities.odd]\nplatform = "discord"\nid = "{ODD}"\n'


def test_shard_ids_need_a_shard_count_and_must_be_in_range(registry: CogRegistry) -> None:
    with pytest.raises(ConfigError, match="shard_ids needs sharded = true and a shard_count"):
        parse_config("[discord]\nsharded = true\nshard_ids = [0]\n", registry, source="<t>")
    with pytest.raises(ConfigError, match="distinct numbers from 0 to 1"):
        parse_config(config("2"), registry, source="<t>")


def test_each_process_runs_its_shards_guilds_and_shard_0_the_other_platforms(
    registry: CogRegistry,
) -> None:
    runs = {}
    for ids in ("0", "1", "0, 1"):
        loaded = parse_config(config(ids) + ODD_COMMUNITY, registry, source="<t>")
        runs[ids] = {key for key in loaded.config.communities if loaded.config.runs_here(key)}
    assert runs == {"0": {"team", "even"}, "1": {"odd"}, "0, 1": {"team", "even", "odd"}}


def test_only_the_process_with_shard_0_connects_to_slack(registry: CogRegistry) -> None:
    zero = _connectors(parse_config(config("0"), registry, source="<t>"))
    both = _connectors(parse_config(config("0, 1"), registry, source="<t>"))
    assert set(zero) == set(both) == {"discord", "slack"}
    odd = parse_config(config("1") + ODD_COMMUNITY, registry, source="<t>")
    assert set(_connectors(odd)) == {"discord"}


def test_a_process_whose_shards_hold_no_community_is_refused(registry: CogRegistry) -> None:
    loaded = parse_config(config("1", slack=False), registry, source="<t>")
    with pytest.raises(ConfigError, match=r"no configured community is on shards \[1\]"):
        _connectors(loaded)


def test_the_process_with_shard_0_connects_for_the_dms_even_without_a_guild(
    registry: CogRegistry,
) -> None:
    text = config("0", slack=False).replace(EVEN, ODD)  # the only guild is on shard 1
    assert set(_connectors(parse_config(text, registry, source="<t>"))) == {"discord"}


def test_reload_reaches_every_process_of_the_database(tmp_path: Path) -> None:
    database = tmp_path / "steward.db"
    waiter = (
        "import os, pathlib, signal, sys, time\n"
        # Written aside, then renamed: once the mark exists it holds the word (a plain
        # write_text let the test read the file between its creation and its content).
        "def hup(*_):\n"
        "    pathlib.Path(sys.argv[1] + '.tmp').write_text('hup')\n"
        "    os.replace(sys.argv[1] + '.tmp', sys.argv[1])\n"
        "signal.signal(signal.SIGHUP, hup)\n"
        "pathlib.Path(sys.argv[1] + '.ready').write_text('')\n"
        "time.sleep(20)\n"
    )
    marks = [tmp_path / "zero", tmp_path / "one"]
    # Our own interpreter and script: nothing untrusted.
    processes = [subprocess.Popen([sys.executable, "-c", waiter, str(m)]) for m in marks]  # noqa: S603
    try:
        for mark in marks:
            for _ in range(200):
                if Path(f"{mark}.ready").exists():
                    break
                time.sleep(0.05)
        for process, shards in zip(processes, ([0], [1]), strict=True):
            pid_file(database, shards).write_text(str(process.pid), encoding="utf-8")
        assert sorted(signal_reload(database)) == sorted(p.pid for p in processes)
        for mark in marks:
            for _ in range(200):
                if mark.exists():
                    break
                time.sleep(0.05)
            assert mark.read_text() == "hup"
    finally:
        for process in processes:
            process.kill()
            process.wait()


def test_reload_without_a_running_process_says_so(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="no running steward"):
        signal_reload(tmp_path / "steward.db")


def test_each_process_can_name_its_shards_on_the_command_line(
    registry: CogRegistry, tmp_path: Path
) -> None:
    file = tmp_path / "steward.toml"
    file.write_text(config("").replace("shard_ids = []\n", ""), encoding="utf-8")
    loaded = with_shard_ids(load_config(file, registry), [1])
    assert loaded.config.discord.shard_ids == [1]
    assert not loaded.config.runs_here("even")
    # A reload reads the file again and keeps the shards the process started with.
    assert _reread(file, registry, [1]).config.discord.shard_ids == [1]
    assert _reread(file, registry, None).config.discord.shard_ids == []
    with pytest.raises(ConfigError, match="distinct numbers from 0 to 1"):
        with_shard_ids(loaded, [3])


def test_steward_run_refuses_shards_that_do_not_fit_before_connecting(tmp_path: Path) -> None:
    file = tmp_path / "steward.toml"
    file.write_text(config("").replace("shard_ids = []\n", ""), encoding="utf-8")
    wrong = CliRunner().invoke(main, ["run", "--config", str(file), "--shard-ids", "0,2"])
    assert wrong.exit_code == 2
    assert "discord.shard_ids" in wrong.output and "distinct numbers from 0 to 1" in wrong.output
    garbled = CliRunner().invoke(main, ["run", "--config", str(file), "--shard-ids", "zero"])
    assert garbled.exit_code == 2
    assert "give shard numbers separated by commas" in garbled.output
