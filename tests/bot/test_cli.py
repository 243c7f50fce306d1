"""The steward CLI: help everywhere, exit codes, check-config, cogs, demo, simulate, backup."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import _shown, main

COMMANDS = [
    "run",
    "console",
    "simulate",
    "demo",
    "check-config",
    "cogs",
    "backup",
    "bench",
    "reload",
    "classify",
]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_bad_usage_exits_2() -> None:
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 2
    assert CliRunner().invoke(main, ["simulate"]).exit_code == 2


def test_invalid_config_exits_2_and_names_the_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[bus]\nworkers = 0\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 2
    assert f"{config}:2: bus.workers:" in result.output


def test_check_config_shows_secrets_only_as_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_DISCORD_TOKEN", "super-secret-token")
    config = tmp_path / "steward.toml"
    config.write_text('[communities.guild]\nplatform = "discord"\nid = "42"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "discord token (STEWARD_DISCORD_TOKEN): set" in result.output
    assert "super-secret-token" not in result.output


def test_cogs_lists_builtin_cogs() -> None:
    result = CliRunner().invoke(main, ["cogs"])
    assert result.exit_code == 0
    assert "welcome" in result.output and "modlog" in result.output


def test_demo_prints_transcript_and_summary() -> None:
    result = CliRunner().invoke(main, ["demo", "--no-model"])
    assert result.exit_code == 0, result.output
    assert "Steward demo" in result.output
    assert "crypto_king99" in result.output
    # The weekly prompt goes up with a thread, and its engagement is counted.
    assert "opened thread t1" in result.output
    assert "posted once, 2 replies from 2 people" in result.output
    # A moderator's note reaches whoever answers the member's modmail.
    assert (
        "Staff note by pieter, 2026-03-02: Usually helpful in #support; this morning came "
        "after a rough update week."
    ) in result.output
    # A modmail conversation, a routed sales lead and a review card decided by a click.
    assert "Steward opened thread t3 (modmail dave (Lumen)) in #modmail" in result.output
    assert "Steward posted in #sales:\n        @sales-team Sales request from" in result.output
    assert "Decided by Pieter (mod): banned." in result.output
    # A newcomer posing as the brand's support is put to moderators on arrival.
    assert "Review needed: lumen_helpdesk - named like staff: Lumen Support (support)" in (
        result.output
    )
    # A banned member back under another name is put to moderators.
    assert (
        "Review needed: r3x_2 - an account less than a day old, named like rex and showing the "
        "same picture" in result.output
    )
    # A ban made with the platform's own menu is recorded all the same, its card closed.
    assert (
        "sara banned r3x_2 | reason: rex again, evading his ban (by hand in the local "
        "platform) | case #24" in result.output
    )
    assert "now ending: Closed: r3x_2 was banned by hand (#24)." in result.output
    # The raid's accounts are banned at once, each on its own case.
    assert "sara banned 6 account(s) of the raid of 2026-03-02 11:00 CET" in result.output
    # Someone at risk is looked after: a moderator writes to them through modmail, so the
    # team reads the conversation, and the card says so.
    assert "Steward posted in #modmail > t2: **tom:** thanks Sara." in result.output
    assert "Decided by Sara (mod): reached out (case #18)." in result.output
    # A card shows whole: the message it asks about sits below its context lines.
    card = result.output.split("Review needed: lumen_fan_01", 1)[1].split("[Claim]", 1)[0]
    assert "\n        > lumen_fan_01: LUMEN LAMPS CAUSE FIRES!!!" in card
    # The member reads their own record; the community manager how each rule did.
    assert (
        "Case #3 (2026-03-02): Respect each other: no insults or name-calling. It does not "
        "count towards further sanctions." in result.output
    ), "reduced on appeal"
    assert "spam-links: 3 case(s); 0 of 3 acted case(s) undone on review or appeal" in (
        result.output
    )
    # A phishing site's domain added from chat: its next post is removed by itself.
    assert (
        "Steward posted in #mod-log: Sara (mod) added `lumen-arc-update.shop` to the deny list "
        "of rule spam-links." in result.output
    )
    assert (
        "Steward deleted message m34 in #general  (reason: spam-links: links to a blocked site "
        "(lumen-arc-update.shop)" in result.output
    )
    # dave's appeal of an insults case is an appeal, no review item of the rule's.
    assert "insults: 1 case(s); 0 of 1 acted case(s) undone on review or appeal (0%); " in (
        result.output
    )
    assert "1 appeal(s), 0 overturned" in result.output
    # Asked in chat, the shadowed rule is judged on #general's latest messages, acting on none.
    assert (
        "caps on the latest 10 message(s) of #general (since 2026-03-02 10:00 CET): no match."
        in result.output
    )
    # A rule on trial: one hit, judged wrong, and the staff channel hears how it did.
    assert (
        "Steward posted in #mod-log: The trial of caps is over: moderators found it right 0 "
        "time(s) of 1 (0%)." in result.output
    )
    # The summary counts what /policy stats counts: a card's update is no case of its own.
    summary = result.output.split("\nSummary\n", 1)[1]
    assert "raid 4, repeats 3, self-harm 1, spam-links 3" in summary


def test_simulate_writes_json_lines(tmp_path: Path) -> None:
    scenario = tmp_path / "s.jsonl"
    scenario.write_text(
        json.dumps({"type": "community", "name": "acme", "channels": ["general"]})
        + "\n"
        + json.dumps({"type": "join", "at": "2026-01-01T10:00:00Z", "member": {"name": "zoe"}})
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["simulate", str(scenario)])
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["action"] == "post_message"


def test_simulate_malformed_scenario_exits_2(tmp_path: Path) -> None:
    scenario = tmp_path / "s.jsonl"
    scenario.write_text(
        '{"type": "community", "name": "acme"}\n{"type": "join"}\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["simulate", str(scenario)])
    assert result.exit_code == 2
    assert "line 2:" in result.output


def test_run_without_a_network_platform_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "steward.toml"
    config.write_text("[communities.acme]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert (
        f"{config}:1: communities.acme.platform: local communities have no network side"
        in result.output
    )
    assert "steward console" in result.output
    config.write_text(
        '[communities.acme]\n\n[communities.guild]\nplatform = "discord"\nid = "1"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "communities.acme.platform: local communities" in result.output
    assert "no discord adapter" not in result.output  # the Discord adapter is built in


def test_backup_copies_the_database(tmp_path: Path) -> None:
    database = tmp_path / "steward.db"
    scenario = tmp_path / "s.jsonl"
    scenario.write_text(
        json.dumps({"type": "community", "name": "acme"})
        + "\n"
        + json.dumps({"type": "join", "at": "2026-01-01T10:00:00Z", "member": {"name": "zoe"}})
        + "\n",
        encoding="utf-8",
    )
    config = tmp_path / "steward.toml"
    config.write_text(f'[steward]\ndatabase = "{database}"\n', encoding="utf-8")
    assert (
        CliRunner().invoke(main, ["simulate", str(scenario), "--database", str(database)]).exit_code
        == 0
    )
    copy = tmp_path / "copy.db"
    result = CliRunner().invoke(main, ["backup", str(copy), "--config", str(config)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(copy) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'post_message'"
        ).fetchone()
    assert count == 1
    assert CliRunner().invoke(main, ["backup", str(copy), "--config", str(config)]).exit_code == 2


def test_a_database_file_that_is_not_sqlite_is_a_clear_failure(tmp_path: Path) -> None:
    database = tmp_path / "steward.db"
    database.write_bytes(b"this is a spreadsheet, not a database" * 200)
    config = tmp_path / "steward.toml"
    config.write_text(f'[steward]\ndatabase = "{database}"\n', encoding="utf-8")
    for command in (["backup", str(tmp_path / "copy.db")], ["stats", "rules"]):
        result = CliRunner().invoke(main, [*command, "--config", str(config)])
        assert result.exit_code == 1, result.output
        assert f"cannot open the database {database}: file is not a database" in result.output
        assert "steward backup" in result.output
        assert "Traceback" not in result.output


def test_bench_quick_json() -> None:
    result = CliRunner().invoke(main, ["bench", "--json", "--quick", "--only", "bus"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)
    assert (
        entry["name"] == "bus.events_per_second"
        and entry["unit"] == "events/s"
        and entry["value"] > 0
    )


def test_bench_shows_ratios_with_three_decimals() -> None:
    assert _shown(0.3949) == "0.395"  # a ratio against a target of 0.6 stays readable
    assert _shown(12_345.67) == "12,345.7"
    assert _shown(6.0, "lines") == "6"  # a count is whole


def test_check_config_says_when_banned_discord_members_have_nowhere_to_appeal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_DISCORD_TOKEN", "x")
    config = tmp_path / "steward.toml"
    section = '[communities.guild]\nplatform = "discord"\nid = "42"\n'
    config.write_text(section, encoding="utf-8")
    unset = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    config.write_text(
        section + '[communities.guild.cogs.guidelines]\nban_appeals = "https://x.example/appeal"\n',
        encoding="utf-8",
    )
    set_ = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert unset.exit_code == set_.exit_code == 0
    assert "community guild: ban_appeals is not set" in unset.output
    assert "ban_appeals" not in set_.output


def test_check_config_says_when_review_cards_have_nowhere_to_go(tmp_path: Path) -> None:
    config = tmp_path / "steward.toml"
    section = "[communities.acme]\n[communities.acme.cogs.guidelines]\n"
    config.write_text(section + 'staff_channel = ""\n', encoding="utf-8")
    empty = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    config.write_text(section, encoding="utf-8")
    default = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert empty.exit_code == default.exit_code == 0
    assert "community acme: staff_channel is empty: review cards" in empty.output
    assert "staff_channel" not in default.output


def test_check_config_names_the_classifier_without_loading_it(tmp_path: Path) -> None:
    config = tmp_path / "steward.toml"
    config.write_text('[classifier]\nmodel = "models/x"\ntimeout = 1.5\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "classifier: models/x (timeout 1.5s, then review; loaded when Steward starts)" in (
        result.stdout
    )


def test_check_config_summarises_slack_without_printing_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "steward.toml"
    config.write_text(
        '[slack]\nmode = "socket"\n[communities.acme]\nplatform = "slack"\nid = "T1"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("STEWARD_SLACK_BOT_TOKEN", "xoxb-secret-value")
    monkeypatch.delenv("STEWARD_SLACK_APP_TOKEN", raising=False)
    monkeypatch.delenv("STEWARD_SLACK_USER_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "slack: socket mode" in result.output
    assert "slack app token (STEWARD_SLACK_APP_TOKEN): MISSING" in result.output
    assert "not set: deletions go to moderators" in result.output
    assert "xoxb-secret-value" not in result.output


def test_the_status_address_is_checked_in_the_config_and_on_the_command_line(
    tmp_path: Path,
) -> None:
    config = tmp_path / "steward.toml"
    config.write_text('[steward]\nstatus_address = "127.0.0.1:9464"\n', encoding="utf-8")
    served = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    config.write_text('[steward]\nstatus_address = "9464"\n', encoding="utf-8")
    broken = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    flag = CliRunner().invoke(
        main, ["run", "--config", str(config), "--status-address", "localhost:http"]
    )
    assert "status: /healthz and /metrics on http://127.0.0.1:9464" in served.output
    assert broken.exit_code == 2 and "'9464' is not HOST:PORT" in broken.output
    assert flag.exit_code == 2 and "'localhost:http' is not HOST:PORT" in flag.output


def test_check_config_says_how_long_members_words_are_kept(tmp_path: Path) -> None:
    config = tmp_path / "steward.toml"
    config.write_text("[steward]\nkeep_texts_days = 365\n", encoding="utf-8")
    kept = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    config.write_text("[steward]\nkeep_texts_days = -1\n", encoding="utf-8")
    broken = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert "members' words kept: 365 days" in kept.output.splitlines()
    assert broken.exit_code == 2 and "keep_texts_days" in broken.output


def test_history_export_of_a_local_community_points_at_its_scenario(tmp_path: Path) -> None:
    config = tmp_path / "steward.toml"
    config.write_text('[communities.acme]\nplatform = "local"\n', encoding="utf-8")
    result = CliRunner().invoke(
        main, ["history", "export", "--config", str(config), "--community", "acme"]
    )
    assert result.exit_code == 2
    assert "a local community's history is its scenario file" in result.output
