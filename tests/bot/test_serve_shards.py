"""`steward run` in several processes that split Discord's shards: connections and reloads."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from bot.registry import CogRegistry
from bot.serve import _connectors, pid_file, signal_reload

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


def test_only_the_process_with_shard_0_connects_to_slack(registry: CogRegistry) -> None:
    zero = _connectors(parse_config(config("0"), registry, source="<t>"))
    both = _connectors(parse_config(config("0, 1"), registry, source="<t>"))
    assert set(zero) == set(both) == {"discord", "slack"}
    odd = parse_config(
        config("1") + f'[communities.odd]\nplatform = "discord"\nid = "{ODD}"\n',
        registry,
        source="<t>",
    )
    assert set(_connectors(odd)) == {"discord"}


def test_a_process_whose_shards_hold_no_community_is_refused(registry: CogRegistry) -> None:
    loaded = parse_config(config("1", slack=False), registry, source="<t>")
    with pytest.raises(ConfigError, match=r"no configured community is on shards \[1\]"):
        _connectors(loaded)


def test_reload_reaches_every_process_of_the_database(tmp_path: Path) -> None:
    database = tmp_path / "steward.db"
    waiter = (
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGHUP, lambda *_: pathlib.Path(sys.argv[1]).write_text('hup'))\n"
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
