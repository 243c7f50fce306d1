"""The console drives a community end to end: members talk, moderators run commands."""

from __future__ import annotations

import io
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.console import run_console
from bot.registry import CogRegistry


async def play(registry: CogRegistry, typed: str, config_text: str = "") -> str:
    out = io.StringIO()
    await run_console(
        registry, config_text, "<defaults>", name="acme", stdin=io.StringIO(typed), out=out
    )
    return out.getvalue()


async def test_moderator_command_end_to_end(registry: CogRegistry) -> None:
    transcript = await play(
        registry, "/as mod1\n/steward status\n/as alice\n/steward status\n/quit\n"
    )
    assert "Steward told mod1 privately: Steward is up for" in transcript
    assert "Steward told alice privately: Only a moderator can use /steward status." in transcript


async def test_members_talk_join_and_time_moves(registry: CogRegistry) -> None:
    transcript = await play(
        registry, "/as alice hello there\n/join zoe\n/advance 2h\n/in nowhere\n/who\n"
    )
    assert "mod1@#general> /as alice hello there" in transcript
    assert "alice@#general> /join zoe" in transcript
    assert "Steward posted in #general: Welcome to acme, zoe!" in transcript
    assert "(the time is now" in transcript
    assert "! channels: general, support, off-topic, mod-log" in transcript
    assert "zoe" in transcript.split("/who", 1)[1]


async def test_positional_arguments_fill_options(registry: CogRegistry) -> None:
    transcript = await play(registry, "/as alice\n/help\n/help please\n")
    assert "Commands you can use:" in transcript
    assert "unknown option 'please'" in transcript


async def test_a_reason_keeps_its_words_before_a_duration(registry: CogRegistry) -> None:
    transcript = await play(registry, "/ban bob spamming links 7d\n/case show 1\n")
    shown = transcript.split("/case show 1", 1)[1]
    assert "(manual): spamming links" in shown
    assert "banned for 1w" in transcript


async def test_a_card_button_that_asks_why_takes_the_reason_inline(
    registry: CogRegistry,
) -> None:
    transcript = await play(
        registry,
        "/as bob the designer lives at Elm Street 12, go visit him\n"
        '/as alice\n/report m1 "sharing an address"\n'
        "/as mod1\n/click review:1 timeout posted a home address\n",
    )
    assert "[Timeout] -> review:1 timeout  (asks: Why time this member out?)" in transcript
    assert "Steward timed out bob for 1h  (reason: posted a home address; case #1)" in transcript


def test_sighup_reloads_the_console(tmp_path: Path) -> None:
    config = tmp_path / "steward.toml"
    config.write_text("[communities.acme]\n", encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(  # noqa: S603 - our own CLI
        [
            sys.executable,
            "-m",
            "bot",
            "--log-level",
            "info",
            "console",
            "--config",
            str(config),
            "--community",
            "acme",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    logs: queue.Queue[str] = queue.Queue()
    stderr = proc.stderr

    def pump() -> None:
        for line in stderr:
            logs.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        assert "Steward console" in proc.stdout.readline()
        config.write_text("[communities.acme.cogs.welcome]\nenabled = false\n", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        assert _wait_for(logs, "SIGHUP reload:", seconds=30).rstrip().endswith("Reloaded: acme.")
        out, _ = proc.communicate("/as owner\n/steward cogs\n/quit\n", timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "off welcome" in out
    assert proc.returncode == 0


def _wait_for(logs: queue.Queue[str], text: str, *, seconds: float) -> str:
    """Return the first log line holding ``text``, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = logs.get(timeout=left)
        except queue.Empty:
            break
        if text in line:
            return line
    raise AssertionError(f"no log line with {text!r} within {seconds}s")


async def test_as_a_member_with_a_command_runs_it_as_them(registry: CogRegistry) -> None:
    transcript = await play(
        registry, "/warn alice rude\n/as alice /appeal 1 it was a quote\n/quit\n"
    )
    assert "Steward told alice privately: We received your appeal of case #1." in transcript
    assert "alice@#general>" in transcript  # alice speaks from then on


async def test_the_channels_the_configuration_names_exist_in_the_console(
    registry: CogRegistry,
) -> None:
    # With a config naming #modmail, a member's private message opened no thread: the
    # console's community had only its four channels ("FAILED: no channel #modmail").
    config = (
        '[communities.acme]\nplatform = "local"\n'
        '[communities.acme.cogs.modmail]\nchannel = "#staff-inbox"\n'
    )
    transcript = await play(registry, "/who\n/as bob\n/dm hello?\n/quit\n", config)
    assert (
        "channels: #general, #support, #off-topic, #mod-log, #introductions, #rules, #staff-inbox"
        in transcript
    )
    assert "Steward opened thread t1 (modmail bob (acme)) in #staff-inbox" in transcript
    assert "FAILED" not in transcript


async def test_a_moderator_acts_by_hand_and_steward_records_it(registry: CogRegistry) -> None:
    transcript = await play(
        registry,
        "/byhand ban alice spam DMs\n/history alice\n/byhand timeout bob\n/byhand mute bob\n"
        "/byhand ban alice again\n/byhand untimeout bob\n",
    )
    assert "mod1 banned alice | reason: spam DMs (by hand in the local platform) | case #1" in (
        transcript
    )
    assert "ban by mod1 by hand in the local platform (manual): spam DMs" in transcript
    usage = (
        "! usage: /byhand ban|unban|kick|untimeout NAME [REASON] or /byhand timeout NAME DURATION"
    )
    assert transcript.count(usage) == 2  # a timeout without its length, an unknown action
    # What the platform's menu would not offer is refused, and nothing is recorded.
    assert "! alice is banned already" in transcript
    assert "! bob is not timed out" in transcript
    assert "case #2" not in transcript


async def test_a_member_takes_a_name_and_a_staff_like_one_is_put_to_moderators(
    registry: CogRegistry,
) -> None:
    transcript = await play(registry, "/rename bob Lumen Support\n/rename\n/rename nobody x\n")
    assert "Review needed: bob - named like staff: Lumen Support (support)" in transcript
    assert "! usage: /rename NAME [DISPLAY NAME] (none goes back to NAME)" in transcript
    assert "! nobody called 'nobody' is in" in transcript
