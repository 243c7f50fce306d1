"""The arena limit reaches glibc: threads that allocate together share the arenas allowed."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from bot import cli
from bot.malloc_tuning import limit_malloc_arenas

glibc_only = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the arena limit is glibc's"
)

# Four threads hold memory from malloc at the same time, then glibc reports its arenas.
_THREADS_THEN_STATS = """
import ctypes, ctypes.util, sys, threading
from bot.malloc_tuning import limit_malloc_arenas

if sys.argv[1] == "limit":
    assert limit_malloc_arenas(1)
together = threading.Barrier(4)

def hold() -> None:
    buffers = [bytearray(100_000) for _ in range(20)]  # from malloc, not Python's pools
    together.wait()
    del buffers

threads = [threading.Thread(target=hold) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(ctypes.util.find_library("c")).malloc_stats()  # one "Arena N:" block each
"""


def _arenas(mode: str) -> int:
    done = subprocess.run(  # noqa: S603 - this interpreter, on the script above
        [sys.executable, "-c", textwrap.dedent(_THREADS_THEN_STATS), mode],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"},
    )
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


@glibc_only
def test_threads_share_the_arenas_allowed() -> None:
    assert _arenas("none") > 1  # without a limit, threads that allocate together spread
    assert _arenas("limit") == 1


@glibc_only
def test_an_operators_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert not limit_malloc_arenas()


def test_every_command_starts_with_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def limit() -> bool:
        calls.append(1)
        return True

    monkeypatch.setattr(cli, "limit_malloc_arenas", limit)
    result = CliRunner().invoke(cli.main, ["check-config", "--config", "/no/such/file.toml"])
    assert result.exit_code != 0  # the command ran (and refused the missing file)
    assert calls == [1]
