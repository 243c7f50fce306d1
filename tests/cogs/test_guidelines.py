"""The guidelines cog end to end on the local platform: rules, ladder, raids, commands, appeals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.local.driver import LocalDriver
from bot.adapters.local.scenario import CommunityLine
from bot.core.events import Event
from bot.registry import CogRegistry
from bot.simulation import LocalSession, Refusal, action_record, load_for_scenario
from tests.conftest import ScenarioRunner
from tests.policies.searches import count_screen_searches

T0 = "2026-03-02T09:00:00Z"


def at(minute: int, second: int = 0) -> str:
    return f"2026-03-02T09:{minute:02d}:{second:02d}Z"


def community(**extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "type": "community",
        "name": "acme",
        "channels": ["general", "support", "mod-log"],
        "members": [
            {"name": "owner", "roles": ["admin"], "owner": True, "joined": "2024-01-01T00:00:00Z"},
            {"name": "mod1", "roles": ["moderator"], "joined": "2024-01-01T00:00:00Z"},
            {"name": "mod2", "roles": ["moderator"], "joined": "2024-01-01T00:00:00Z"},
            {
                "name": "alice",
                "lang": "en",
                "joined": "2025-01-01T00:00:00Z",
                "account_created": "2020-01-01T00:00:00Z",
            },
            {
                "name": "bob",
                "lang": "fr",
                "joined": "2025-01-01T00:00:00Z",
                "account_created": "2020-01-01T00:00:00Z",
            },
        ],
        "config": {"cogs": {"welcome": {"enabled": False}}},
    }
    line.update(extra)
    return line


def say(
    ident: str, author: str, content: str, when: str, channel: str = "general"
) -> dict[str, Any]:
    return {
        "type": "message",
        "at": when,
        "id": ident,
        "channel": channel,
        "author": author,
        "content": content,
    }


def cmd(author: str, name: str, when: str, **options: Any) -> dict[str, Any]:
    return {
        "type": "command",
        "at": when,
        "author": author,
        "channel": "general",
        "name": name,
        "options": options,
    }


def of(actions: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [a for a in actions if a["action"] == kind]


def staff_posts(actions: list[dict[str, Any]]) -> list[str]:
    """Return what Steward posted to the staff channel (#mod-log), in order."""
    return [a["content"] for a in of(actions, "post_message") if a["channel"] == "mod-log"]


def replies(actions: list[dict[str, Any]]) -> list[str]:
    return [a["content"] for a in of(actions, "reply_ephemeral")]


async def test_ordinary_multilingual_chat_is_left_alone(run_scenario: ScenarioRunner) -> None:
    chat = [
        "Thanks for the assistance! I ordered a classic cocktail lamp for my flat in Essex.",
        "My therapist loves the grapefruit colour preset. Greetings from Scunthorpe!",
        "Bonjour ! Le conseil d'administration a validé la commande, merci pour le contact.",
        "Goedemorgen! Bij mij werkt de app-koppeling pas na een herstart, iemand anders ook?",
        "Hej! Min lampe blinker tre gange når jeg tænder den. Hvad betyder det?",
        "Cześć! Mój nowy zestaw w salonie, klasyczne ciepłe światło wieczorem.",
        "おはようございます！新しいファームウェアで色がとても自然になりました。",
        "see https://en.wikipedia.org/wiki/Lamp and version 2.3.1 of the app",
    ]
    lines = [community()] + [say(f"m{i}", "alice", text, at(i)) for i, text in enumerate(chat)]
    assert await run_scenario(lines) == []


async def test_spam_link_is_removed_warned_and_logged(run_scenario: ScenarioRunner) -> None:
    actions = await run_scenario(
        [community(), say("m1", "alice", "claim now https://bit.ly/fr33-g1ft", at(1))]
    )
    (delete,) = of(actions, "delete_message")
    assert (delete["message"], delete["rule"], delete["case"]) == ("m1", "spam-links", "#1")
    (notice,) = of(actions, "send_direct_message")
    assert notice["member"] == "alice"
    assert "This is a warning." in notice["content"] and "/appeal #1" in notice["content"]
    (log,) = [a for a in of(actions, "post_message") if a["channel"] == "mod-log"]
    assert "deleted message m1 in #general" in log["content"] and "case #1" in log["content"]


async def test_a_notice_quotes_the_guideline_in_the_members_language(
    run_scenario: ScenarioRunner,
) -> None:
    # A French notice quoted the guideline in English: "Cela enfreint notre règle : Keep
    # it civil: no swearing at or about people."
    line = community()
    line["members"] += [
        {"name": "kenji", "lang": "ja", "joined": "2025-01-01T00:00:00Z"},
        {"name": "hans", "lang": "de", "joined": "2025-01-01T00:00:00Z"},
    ]
    actions = await run_scenario(
        [
            line,
            say("m1", "bob", "what the fuck is this", at(1)),
            say("m2", "kenji", "what the fuck is this", at(2)),
            say("m3", "hans", "what the fuck is this", at(3)),
        ]
    )
    french, japanese, german = (a["content"] for a in of(actions, "send_direct_message"))
    assert (
        "Cela enfreint notre règle : Restons courtois : pas de jurons ni d'injures envers les "
        "autres."
    ) in french
    assert "これはガイドライン「礼儀を守りましょう：人に向けた" in japanese
    # No German notices: the English notice quotes the English guideline, not another.
    assert "It breaks our guideline: Keep it civil: no swearing at or about people." in german


async def test_a_repeated_message_is_removed_with_every_earlier_copy(
    run_scenario: ScenarioRunner,
) -> None:
    # Only the copy that tripped the rule was removed: three of a spammer's four stayed up.
    spam = "buy cheap lamps at my shop today"
    actions = await run_scenario(
        [
            community(),
            say("m1", "alice", spam, at(1)),
            say("m2", "alice", spam, at(1, 20), channel="support"),
            say("m3", "alice", spam, at(1, 40), channel="support"),
            say("m4", "alice", spam, at(2)),
        ]
    )
    (last,) = of(actions, "delete_message")
    assert (last["message"], last["case"]) == ("m4", "#1")
    assert [(a["channel"], a["messages"], a["case"]) for a in of(actions, "delete_messages")] == [
        ("general", ["m1"], "#1"),
        ("support", ["m2", "m3"], "#1"),
    ]
    (notice,) = of(actions, "send_direct_message")
    assert (
        "was removed. Its earlier copies were removed too. This is a warning."
        in (notice["content"])
    )
    logged = staff_posts(actions)
    assert [line.split(" | ")[0] for line in logged] == [
        "Steward deleted message m4 in #general",
        "Steward deleted 1 message(s) in #general",
        "Steward deleted 2 message(s) in #support",
    ]


async def test_the_copies_before_a_copy_paste_raid_tripped_go_to_moderators(
    run_scenario: ScenarioRunner,
) -> None:
    # Four newcomers, joined far enough apart to be no join spike, paste one text: the
    # fourth tripped the rule and the first three copies stayed up, with no card.
    joins = [
        {"type": "join", "at": at(i * 2), "member": {"name": f"new{i}", "lang": "en"}}
        for i in range(4)
    ]
    text = "LUMEN LAMPS CAUSE FIRES!!! boycott now, share everywhere"
    actions = await run_scenario(
        [
            community(),
            *joins,
            *[say(f"c{i}", f"new{i}", text, at(10, i * 10)) for i in range(4)],
        ]
    )
    assert [a["message"] for a in of(actions, "delete_message")] == ["c3"]
    cards = [a["content"] for a in of(actions, "post_message") if a.get("buttons")]
    assert [c.splitlines()[0] for c in cards] == [
        f"Review needed: new{i} in #general - the text of a copy-paste raid (case #1)"
        for i in range(3)
    ]
    assert f"> new0: {text}" in cards[0].splitlines()


async def test_a_moderator_confirming_a_repeat_removes_every_copy(
    run_scenario: ScenarioRunner, tmp_path: Path
) -> None:
    # A community trying the rule out sends repeats to review first.
    policy = tmp_path / "review.toml"
    policy.write_text(
        '[policy]\nname = "review"\nextends = "default"\n[[rules]]\nid = "repeats"\n'
        'mode = "review"\n',
        encoding="utf-8",
    )
    config = {"cogs": {"welcome": {"enabled": False}, "guidelines": {"policy": str(policy)}}}
    spam = "buy cheap lamps at my shop today"
    click = {"type": "click", "at": at(3), "author": "mod1", "target": "review:1"}
    actions = await run_scenario(
        [
            community(config=config),
            *[say(f"m{i}", "alice", spam, at(1, i * 10)) for i in range(1, 5)],
            {**click, "choice": "remove"},
        ]
    )
    assert [a["message"] for a in of(actions, "delete_message")] == ["m4"]
    assert [a["messages"] for a in of(actions, "delete_messages")] == [["m1", "m2", "m3"]]
    (notice,) = of(actions, "send_direct_message")
    assert "was removed. Its earlier copies were removed too." in notice["content"]


async def test_repeat_offences_climb_the_ladder(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        say("m1", "alice", "what the fuck", at(1)),
        say("m2", "alice", "you absolute m0r0n", at(2)),
        {"type": "advance", "to": "2026-03-02T11:00:00Z"},
        say("m3", "alice", "fuuuck you", "2026-03-02T11:00:00Z"),
    ]
    actions = await run_scenario(lines)
    assert [a["message"] for a in of(actions, "delete_message")] == ["m1", "m2", "m3"]
    assert [(a["member"], a["duration"], a["case"]) for a in of(actions, "timeout")] == [
        ("alice", 3600, "#2"),
        ("alice", 86400, "#3"),
    ]


async def test_a_timed_out_member_cannot_post(run_scenario: ScenarioRunner) -> None:
    refusals: list[Refusal] = []
    lines = [
        community(),
        say("m1", "alice", "fuck", at(1)),
        say("m2", "alice", "asshole", at(2)),
        say("m3", "alice", "hello?", at(3)),
    ]
    await run_scenario(lines, refusals=refusals)
    assert [r.line for r in refusals] == [4]
    assert "timed out" in refusals[0].reason


async def test_shadow_rules_record_without_acting(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        say("m1", "alice", "WHY IS NOBODY ANSWERING MY QUESTION ABOUT THE LAMP", at(1)),
        cmd("mod1", "case list", at(2)),
        cmd("mod1", "history", at(3), member="alice"),
    ]
    actions = await run_scenario(lines)
    assert of(actions, "delete_message") == [] and of(actions, "send_direct_message") == []
    listing, record = replies(actions)
    assert "#1" in listing and "shadow" in listing and "(caps)" in listing
    # A rule on trial says nothing about alice: her record counts no case.
    assert record.splitlines()[0] == (
        "alice: 0 case(s), 0 active point(s). Rules in shadow mode recorded 1 more, not on "
        "the record."
    )


async def test_moderators_can_shadow_a_rule_at_run_time(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        cmd("mod1", "policy shadow", at(1), rule="profanity"),
        say("m1", "alice", "fuck", at(2)),
        cmd("mod1", "policy shadow", at(3), rule="profanity", on="no"),
        say("m2", "alice", "fuck", at(4)),
    ]
    actions = await run_scenario(lines)
    assert "shadow mode" in replies(actions)[0]
    assert [a["message"] for a in of(actions, "delete_message")] == ["m2"]


def carl_joins() -> dict[str, Any]:
    """Return carl's join at 09:00: a member since 2025, his account older still."""
    carl = {
        "name": "carl",
        "joined": "2025-01-01T00:00:00Z",
        "account_created": "2020-01-01T00:00:00Z",
    }
    return {"type": "join", "at": at(0), "member": carl}


def new_fans_join(count: int) -> list[dict[str, Any]]:
    """Return ``count`` joins of day-old accounts five seconds apart from 09:10."""
    return [
        {
            "type": "join",
            "at": at(10, i * 5),
            "member": {"name": f"fan{i}", "account_created": "2026-03-01T00:00:00Z"},
        }
        for i in range(count)
    ]


async def test_a_raid_slows_channels_alerts_staff_and_holds_newcomers(
    run_scenario: ScenarioRunner,
) -> None:
    joins = new_fans_join(6)
    lines = [
        community(),
        *joins,
        say("r1", "fan0", "lamps are great, check my profile", at(11)),
        *[
            say(
                f"c{i}",
                f"fan{i}",
                "LUMEN LAMPS CAUSE FIRES!!! boycott now, share everywhere",
                at(11, 10 + i),
            )
            for i in range(1, 5)
        ],
    ]
    actions = await run_scenario(lines)
    (slow,) = of(actions, "set_slowmode")
    assert (slow["channel"], slow["seconds"], slow["rule"]) == ("general", 30, "raid")
    staff = staff_posts(actions)
    # The spike is the community's: the fifth account to join did nothing more than the rest.
    assert any(s.startswith("Alert: acme - raid: 5 joins within 60s") for s in staff)
    assert any("Review needed: fan0" in s for s in staff)
    deleted = [a["message"] for a in of(actions, "delete_message")]
    assert "r1" not in deleted, "a newcomer's ordinary message goes to review, not deletion"
    assert "c4" in deleted, "the fourth account pasting the same text is a copy-paste raid"


async def test_a_raids_case_is_on_no_members_record(run_scenario: ScenarioRunner) -> None:
    joins = new_fans_join(5)
    lines = [
        community(),
        *joins,
        cmd("mod1", "history", at(11), member="fan4"),
        cmd("mod1", "case show", at(12), number=1),
        cmd("fan4", "appeal", at(13), case=1, reason="I only joined"),
    ]
    said = replies(await run_scenario(lines))
    assert said[0] == "fan4: 0 case(s), 0 active point(s)."
    assert said[1].startswith("#1 2026-03-02 09:10 UTC recorded: acme - slowmode 30s, staff alert")
    assert "matched: fan0, fan1, fan2, fan3, fan4" in said[1]
    assert said[2].startswith("You have no case #1 to appeal")


async def test_moderator_commands_with_cases(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        cmd("mod1", "warn", at(1), member="alice", reason="be kind"),
        cmd("mod1", "timeout", at(2), member="bob", duration="10m", reason="cool down"),
        cmd("mod1", "untimeout", at(3), member="bob"),
        cmd("mod1", "case note", at(4), number=1, text="talked in DM"),
        cmd("mod1", "case show", at(5), number=1),
        cmd("mod1", "history", at(6), member="alice"),
        cmd("mod1", "case pardon", at(7), number=1, reason="apologised"),
        cmd("mod1", "history", at(8), member="alice"),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    assert said[0] == "Warned alice (case #1)."
    assert said[1] == "bob timed out for 10m (case #2)."
    assert said[2] == "bob timeout lifted (case #3)."
    assert said[3] == "Noted on case #1."
    assert "note" in said[4] and "talked in DM" in said[4] and "by mod1" in said[4]
    assert said[5].startswith("alice: 1 case(s), 1 active point(s).")
    assert said[6] == "Case #1 pardoned."
    assert said[7].startswith("alice: 1 case(s), 0 active point(s).")
    (dm_alice,) = [a for a in of(actions, "send_direct_message") if a["member"] == "alice"]
    assert "This is a warning." in dm_alice["content"]
    (dm_bob,) = [a for a in of(actions, "send_direct_message") if a["member"] == "bob"]
    assert "Tu es mis en sourdine pendant 10 minutes." in dm_bob["content"]
    assert [a["duration"] for a in of(actions, "timeout")] == [600, 0]


async def test_tempban_ends_on_time_and_unban_works(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        cmd("mod1", "ban", at(1), member="alice", reason="spam", duration="2d"),
        {"type": "advance", "to": "2026-03-04T09:02:00Z"},
        cmd("mod1", "ban", "2026-03-04T09:03:00Z", member="bob", reason="raid"),
        cmd("mod1", "unban", "2026-03-04T09:04:00Z", member="bob"),
    ]
    actions = await run_scenario(lines)
    assert [(a["member"], a.get("duration")) for a in of(actions, "ban")] == [
        ("alice", 172800),
        ("bob", None),
    ]
    unbans = of(actions, "unban")
    assert [(a["member"], a["at"]) for a in unbans] == [
        ("alice", "2026-03-04T09:01:00Z"),
        ("bob", "2026-03-04T09:04:00Z"),
    ]
    assert replies(actions)[-1] == "Unbanned bob (case #3)."


async def test_a_lifted_timeout_reads_as_lifted_in_the_record(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        cmd("mod1", "timeout", at(1), member="bob", duration="1h", reason="spam"),
        cmd("mod1", "untimeout", at(2), member="bob", reason="mistake"),
        cmd("mod1", "history", at(3), member="bob"),
        cmd("bob", "appeal", at(4), case=2, reason="?"),
    ]
    *_, history, appeal = replies(await run_scenario(lines))
    record = history.splitlines()
    # "active" means counting towards escalation: the lifting counts nothing, and read
    # "active" beside a timeout it was taken for the timeout still running.
    assert " recorded: bob - timeout lifted by mod1 (manual): mistake" in record[1]
    assert " active: bob - timeout 1h by mod1 (manual): spam" in record[2]
    # Nothing in the lifting stands against bob (it was offered to him for appeal).
    assert "rien à contester" in appeal, "bob speaks French"


async def test_unbanning_someone_not_banned_says_so_and_asks_nobody_to_act(
    run_scenario: ScenarioRunner,
) -> None:
    # A mistyped id, or a ban lifted already: it was answered "Unbanned", and a card asked
    # moderators to act on it with Warn, Timeout and Ban buttons.
    actions = await run_scenario([community(), cmd("mod1", "unban", at(1), member="alice")])
    assert replies(actions) == ["Not unbanned: alice is not banned (case #1)."]
    assert not [a for a in of(actions, "post_message") if "Please act" in a["content"]]


async def test_purge_slowmode_and_lockdown(run_scenario: ScenarioRunner) -> None:
    refusals: list[Refusal] = []
    lines = [
        community(),
        say("m1", "alice", "one", at(1)),
        say("m2", "bob", "two", at(2)),
        say("m3", "alice", "three", at(3)),
        cmd("mod1", "purge", at(4), count=2, member="alice"),
        cmd("mod1", "slowmode", at(5), interval="30s"),
        cmd("mod1", "lockdown", at(6)),
        say("m4", "bob", "hello?", at(7)),
        cmd("mod1", "unlock", at(8)),
        say("m5", "bob", "hello!", at(9)),
    ]
    actions = await run_scenario(lines, refusals=refusals)
    (purged,) = of(actions, "delete_messages")  # one bulk delete
    assert sorted(purged["messages"]) == ["m1", "m3"]
    assert of(actions, "set_slowmode")[0]["seconds"] == 30
    assert [a["locked"] for a in of(actions, "lock_channel")] == [True, False]
    assert [r.line for r in refusals] == [8]
    assert "locked" in refusals[0].reason


async def test_nobody_acts_on_equals_owners_bots_or_themselves(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "warn", at(1), member="mod2", reason="x"),
        cmd("mod1", "kick", at(2), member="owner", reason="x"),
        cmd("mod1", "ban", at(3), member="steward", reason="x"),
        cmd("mod1", "timeout", at(4), member="mod1", duration="1h", reason="x"),
        cmd("alice", "warn", at(5), member="bob", reason="x"),
        cmd("owner", "warn", at(6), member="mod1", reason="late"),
    ]
    actions = await run_scenario(lines)
    assert replies(actions) == [
        "mod2 is staff with the same or higher standing than you; ask an admin.",
        "owner owns this community; nobody can act on them.",
        "Steward is a bot; moderation commands do not act on bots.",
        "You cannot act on yourself.",
        "Only a moderator can use /warn.",
        "Warned mod1 (case #1).",
    ]


async def test_appeals_are_decided_by_another_moderator_and_lift_the_sanction(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "timeout", at(1), member="alice", duration="1d", reason="rude"),
        cmd("bob", "appeal", at(2), case=1, reason="not mine"),
        cmd("alice", "appeal", at(3), case=1, reason="it was a quote"),
        cmd("mod1", "appeal decide", at(4), case=1, outcome="overturned"),
        cmd("mod2", "appeal decide", at(5), case=1, outcome="overturned", note="you were quoting"),
        cmd("mod2", "case show", at(6), number=1),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    # Someone else's case reads as no case, in the member's language (bob's is French).
    assert said[1].startswith("Tu n'as pas de cas #1 à contester")
    assert "We received your appeal of case #1" in said[2]
    assert said[3] == "a moderator other than the one who acted must decide this appeal"
    assert said[4] == "Appeal of case #1: overturned."
    assert "overturned" in said[5].splitlines()[0]
    lifted = of(actions, "timeout")[-1]
    assert (lifted["member"], lifted["duration"]) == ("alice", 0)
    last_dm = of(actions, "send_direct_message")[-1]
    assert last_dm["member"] == "alice" and "overturned" in last_dm["content"]


async def test_a_command_that_cannot_run_is_answered_in_the_members_language(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("bob", "warn", at(1), member="alice", reason="x"),
        cmd("bob", "nosuch", at(2)),
        cmd("alice", "nosuch", at(3)),
        cmd("bob", "help", at(4)),
    ]
    said = replies(await run_scenario(lines))
    assert said[:3] == [
        "Seul un modérateur peut utiliser /warn.",
        "Il n'y a pas de commande /nosuch ici. Essaie /help.",
        "There is no /nosuch command here. Try /help.",
    ]
    assert said[3].splitlines()[0] == "Commandes que tu peux utiliser :"
    assert said[3].splitlines()[1:] == [
        "/appeal <case> <reason> - Faire appel d'un cas contre toi.",
        "/guidelines - Lire les règles de la communauté.",
        "/help - Lister les commandes que tu peux utiliser ici.",
        "/privacy - Voir ce qui est conservé à ton sujet, combien de temps, et comment l'obtenir "
        "ou l'effacer.",
        "/record - Voir ton historique : tes cas, et jusqu'à quand chacun compte.",
        "/report <message> [reason] - Signaler un message aux modérateurs.",
    ]


async def test_notices_say_durations_in_words_in_the_members_language(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "timeout", at(1), member="alice", duration="30d", reason="rude"),
        cmd("mod1", "ban", at(2), member="bob", duration="14d", reason="rude"),
    ]
    alice, bob = [a["content"] for a in of(await run_scenario(lines), "send_direct_message")]
    assert "You are timed out for 30 days." in alice  # not 4w2d
    assert "Tu es banni de acme (2 semaines)." in bob


async def test_a_banned_member_is_told_where_to_appeal_not_to_run_appeal(
    run_scenario: ScenarioRunner,
) -> None:
    # A banned member cannot run /appeal in the community that banned them.
    ban = cmd("mod1", "ban", at(1), member="alice", reason="scam links")
    (unset,) = of(await run_scenario([community(), ban]), "send_direct_message")
    assert unset["content"].endswith(
        "If you think we got this wrong, contact the acme team and quote case #1."
    )
    config = {
        "cogs": {
            "welcome": {"enabled": False},
            "guidelines": {"ban_appeals": "https://acme.example/appeal"},
        }
    }
    kick = cmd("mod1", "kick", at(2), member="bob", reason="spam")
    banned, kicked = of(
        await run_scenario([community(config=config), ban, kick]), "send_direct_message"
    )
    assert banned["content"].endswith("appeal at https://acme.example/appeal and quote case #1.")
    # A kicked member may join again and appeal there (bob reads French).
    assert kicked["content"].endswith("fais appel avec /appeal #2.")


async def test_a_moderator_records_a_banned_members_appeal_and_another_decides_it(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "ban", at(1), member="alice", reason="scam links"),
        cmd("alice", "appeal record", at(2), case=1, reason="x"),
        cmd("mod2", "appeal record", at(3), case=1, reason="my account was hacked"),
        cmd("mod2", "appeal record", at(4), case=1, reason="again"),
        cmd("mod2", "appeal decide", at(5), case=1, outcome="overturned", note="hacked"),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    assert said[1] == "Only a moderator can use /appeal record."
    # Banned, alice shares no community with the bot: the moderator answers where she wrote.
    untold = " Not told: alice shares no community with the bot any more."
    assert said[2] == "Recorded the appeal of case #1; decide it with /appeal decide." + untold
    assert said[3] == "case #1 has an open appeal already"
    assert said[4] == "Appeal of case #1: overturned." + untold
    (staff,) = [a for a in of(actions, "post_message") if a["content"].startswith("Appeal of")]
    assert staff["content"] == (
        "Appeal of case #1 by alice (recorded by mod2): my account was hacked"
    )
    assert of(actions, "unban")[-1]["member"] == "alice"
    _ban_notice, received, decided = of(actions, "send_direct_message")
    assert received["member"] == "alice"
    assert received["content"].startswith("We received your appeal of case #1.")
    assert decided["member"] == "alice" and "overturned" in decided["content"]


async def test_a_banned_members_record_is_still_shown_and_a_typo_is_not_a_clean_one(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "ban", at(1), member="alice", reason="scam links"),
        cmd("mod1", "history", at(2), member="alice"),
        cmd("mod1", "case list", at(3), member="alice"),
        cmd("mod1", "history", at(4), member="alcie"),
        cmd("mod1", "warn", at(5), member="alice", reason="no one to warn"),
    ]
    said = replies(await run_scenario(lines))
    assert said[1].splitlines()[0] == (
        "alice (not in the community now): 1 case(s), 0 active point(s)."
    )
    assert said[2].startswith("#1 ") and said[2].endswith(
        "alice - ban by mod1 (manual): scam links"
    )
    assert said[3] == "no member 'alcie' here, and no case names anyone by that id"
    # Only reading a record reaches past the members: nobody acts on someone who left.
    assert said[4] == "no member 'alice' here"


async def test_a_member_who_posted_and_left_is_banned_all_the_same(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "warn", at(1), member="alice", reason="selling followers"),
        {"type": "leave", "at": at(2), "member": "alice"},
        cmd("mod1", "ban", at(3), member="alice", reason="came back to sell again"),
        cmd("mod1", "ban", at(4), member="alcie", reason="a typo"),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    assert said[1] == (
        "alice banned (case #2). Not told: alice shares no community with the bot any more."
    )
    assert said[2] == "no member 'alcie' here, and no case names anyone by that id"
    (ban,) = of(actions, "ban")
    assert (ban["member"], ban["case"]) == ("alice", "#2")


async def test_a_pardon_settles_the_appeal_waiting_on_the_case(
    run_scenario: ScenarioRunner,
) -> None:
    # Left open, the appeal let a later "upheld" make the pardoned case count again.
    lines = [
        community(),
        cmd("mod1", "warn", at(1), member="alice", reason="rude"),
        cmd("alice", "appeal", at(2), case=1, reason="it was a joke"),
        cmd("mod1", "case pardon", at(3), number=1, reason="first time"),
        cmd("mod2", "appeal decide", at(4), case=1, outcome="upheld"),
        cmd("mod2", "history", at(5), member="alice"),
        cmd("mod2", "review list", at(6)),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    assert said[2:] == [
        "Case #1 pardoned.",
        "case #1 has no open appeal",
        said[4],
        "Nothing waits for review.",
    ]
    assert said[4].startswith("alice: 1 case(s), 0 active point(s).")
    told = of(actions, "send_direct_message")[-1]
    assert told["member"] == "alice"
    assert told["content"] == "Your appeal of case #1 was decided: the case is pardoned. first time"


async def test_a_case_is_appealed_once_and_members_are_told_why_not_in_their_language(
    run_scenario: ScenarioRunner,
) -> None:
    lines = [
        community(),
        cmd("mod1", "warn", at(1), member="alice", reason="rude"),
        cmd("mod1", "warn", at(2), member="bob", reason="rude"),
        cmd("alice", "appeal", at(3), case=1, reason="it was a quote"),
        cmd("alice", "appeal", at(4), case=1, reason="please"),
        cmd("mod2", "appeal decide", at(5), case=1, outcome="upheld"),
        cmd("alice", "appeal", at(6), case=1, reason="again"),
        cmd("alice", "appeal", at(7), case=9, reason="which?"),
        cmd("mod1", "case pardon", at(8), number=2),
        cmd("bob", "appeal", at(9), case=2, reason="pardonné ?"),
        say("m1", "alice", "honestly I can't take this anymore, I want it all to end", at(10)),
        cmd("alice", "appeal", at(11), case=3, reason="I am fine"),
    ]
    actions = await run_scenario(lines)
    said = [a["content"] for a in of(actions, "reply_ephemeral") if a["member"] in {"alice", "bob"}]
    assert "We received your appeal of case #1" in said[0]
    assert said[1].startswith("Your appeal of case #1 is already with the moderators")
    assert said[2] == (
        "Your appeal of case #1 was decided already (the decision stands); each case can be "
        "appealed once."
    )
    assert said[3].startswith("You have no case #9 to appeal")
    assert said[4] == "Le cas #2 ne compte pas contre toi : il n'y a rien à contester."
    assert said[5].startswith("Moderators are looking at case #3 already")
    assert len(said) == 6
    # Only the first appeal reached the moderators.
    staff = [a for a in of(actions, "post_message") if a["content"].startswith("Appeal of case")]
    assert len(staff) == 1


async def test_policy_show(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        cmd("mod1", "policy show", at(1)),
        cmd("mod1", "policy show", at(2), rule="spam-links"),
        cmd("mod1", "policy show", at(3), rule="insults"),
        cmd("mod1", "policy show", at(4), rule="threats"),
    ]
    listing, detail, insults, threats = replies(await run_scenario(lines))
    assert "Policy default" in listing and "caps: caps, low, shadow" in listing
    assert detail.splitlines()[:4] == [
        "spam-links (links): No spam: no invites to other servers, link shorteners, "
        "disguised links or blocked sites (also in da, fr, ja, nl, pl)",
        "severity medium, mode enforce, actions delete, escalate, expires after 30 days",
        "block_invites: yes",
        "block_shorteners: yes",
    ]
    # Settings read as settings, not as Python ({'words': {'en': [...]}}): a language a
    # line, words as code (Discord would read "idiot*, moron*" as emphasis).
    assert "words (fr): `crétin*`, `abruti*`, `débile*`, `imbécile*`, `pauvre con`, `sale con`" in (
        insults.splitlines()
    )
    # Patterns, with commas and spaces of their own, get a line each.
    assert "  `(?:^|[^\\pL])kys(?:[^\\pL]|$)`" in threats.splitlines()


async def test_how_each_rule_did_and_what_a_trial_recorded(run_scenario: ScenarioRunner) -> None:
    # A community manager decides from chat whether a trialled rule goes live, and which
    # rules moderators keep overruling: the figures were only in `steward stats rules`.
    lines = [
        community(),
        cmd("mod1", "policy shadow", at(1), rule="profanity"),
        say("m1", "alice", "fuck this update, the lamp   won't pair", at(2)),
        say("m2", "bob", "free stuff at bit.ly/abc", at(3)),
        say("m3", "alice", "I'll kill you if you post that again", at(4)),
        cmd("mod1", "review decide", at(5), item=1, decision="violation"),
        cmd("bob", "appeal", at(6), case=2, reason="it was my shop"),
        cmd("mod2", "appeal decide", at(7), case=2, outcome="overturned"),
        cmd("owner", "policy stats", at(8)),
        cmd("owner", "policy show", at(9), rule="profanity"),
        cmd("owner", "policy show", at(10), rule="caps"),
    ]
    *_, stats, profanity, caps = replies(await run_scenario(lines))
    assert stats.splitlines()[:4] == [
        "How each rule did, since its first case:",
        "profanity: 1 case(s), all in shadow",
        "threats: 1 case(s); 1 of 1 review item(s) decided, 1 a violation (precision 100%); "
        "0 of 1 acted case(s) undone on review or appeal (0%)",
        # An appeal is no review item of the rule's: members contest only some cases, so
        # its outcome is counted apart (it undid the case: a reversal), not as precision.
        "spam-links: 1 case(s); 1 of 1 acted case(s) undone on review or appeal (100%); "
        "1 appeal(s), 1 overturned",
    ]
    assert stats.splitlines()[-1].startswith("No case yet: mild-swearing, insults, slurs,")
    shown = profanity.splitlines()
    assert shown[shown.index("So far: 1 case(s), all in shadow.") :] == [
        "So far: 1 case(s), all in shadow.",
        "Latest in shadow mode (recorded, nothing done):",
        '#1 2026-03-02 09:02 UTC alice in #general: "fuck this update, the lamp won\'t pair" - '
        "would have done: delete, warn",
    ]
    assert caps.splitlines()[-1] == "So far: no case yet."


async def test_how_each_rule_did_in_the_last_days(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        say("m1", "alice", "free stuff at bit.ly/abc", at(1)),
        {"type": "advance", "to": "2026-03-05T09:00:00Z"},
        say("m2", "bob", "more free stuff at bit.ly/abc", "2026-03-05T09:01:00Z"),
        cmd("owner", "policy stats", "2026-03-05T09:02:00Z", days=2),
        cmd("owner", "policy stats", "2026-03-05T09:03:00Z"),
        cmd("owner", "policy stats", "2026-03-05T09:04:00Z", days=0),
    ]
    recent, ever, refused = replies(await run_scenario(lines))
    assert recent.splitlines()[:2] == [
        "How each rule did, in the last 2 day(s):",
        "spam-links: 1 case(s); 0 of 1 acted case(s) undone on review or appeal (0%)",
    ]
    assert ever.splitlines()[1].startswith("spam-links: 2 case(s);")
    assert refused == "days must be between 1 and 3650"


async def test_a_broken_policy_reload_keeps_the_old_policy(
    registry: CogRegistry, tmp_path: Path
) -> None:
    policy = tmp_path / "ours.toml"
    policy.write_text('[policy]\nname = "ours"\nextends = "default"\n', encoding="utf-8")
    line = CommunityLine.model_validate(
        community(config={"cogs": {"guidelines": {"policy": str(policy)}}})
    )
    loaded = load_for_scenario(line, registry)
    session = await LocalSession.open(
        line, loaded, registry, start=datetime(2026, 3, 2, 9, tzinfo=UTC)
    )
    said: list[str] = []
    session.platform.observe(lambda applied: said.append(getattr(applied.action, "content", "")))
    try:
        await session.driver.command("owner", "general", "policy reload", {})
        await session.app.bus.join()
        policy.write_text(
            '[policy]\nname = "broken"\nextends = "default"\n[[rules]]\nid = "flood"\n[rules.params]\nper_secondz = 3\n',
            encoding="utf-8",
        )
        await session.driver.command("owner", "general", "policy reload", {})
        await session.driver.command("mod1", "general", "policy reload", {})
        await session.app.bus.join()
        await session.driver.say("alice", "general", "fuck")
        await session.app.bus.join()
    finally:
        await session.close()
    # The staff channel hears of the reload; a failed one changed nothing to tell.
    assert said[:2] == ["owner reloaded the policy: ours, 18 rules.", said[1]]
    assert said[1] == "Policy ours reloaded: 18 rules."
    assert said[2].startswith("Policy not reloaded; the old one stays in force:")
    assert f"{policy}:7: rule 'flood': params.per_secondz: unknown key" in said[2]
    assert said[3] == "Only an admin can use /policy reload."
    kept = [m.content for m in session.community.messages.values() if m.author.name == "alice"]
    assert kept == [], "the old policy still deletes profanity"


HOSTILE = [
    "a" * 100_000,
    "f\u0336u\u0336c\u0336k\u0336 " * 5_000,
    "\u202eevil\u202c https://exa mple.com http://[::1 " * 2_000,
    "\ud800 lone surrogate \udfff and NUL \x00 " * 1_000,
    "x" + "\u0301" * 20_000,
    "@everyone " * 3_000 + "discord.gg/" + "a" * 5_000,
    "\n" * 50_000,
    "😂" * 30_000,
]


async def test_hostile_messages_are_judged_without_crashing(run_scenario: ScenarioRunner) -> None:
    line = community()
    line["members"] += [
        {"name": f"writer{i}", "joined": "2025-01-01T00:00:00Z"} for i in range(len(HOSTILE))
    ]
    lines = [line] + [say(f"h{i}", f"writer{i}", text, at(i)) for i, text in enumerate(HOSTILE)]
    lines.append(say("ok", "bob", "still working?", at(30)))
    actions = await run_scenario(lines)
    deleted = {a["message"] for a in of(actions, "delete_message")}
    assert {"h1", "h5", "h6", "h7"} <= deleted, (
        "zalgo-masked profanity, invites, walls and emoji floods go"
    )
    assert "ok" not in deleted


async def test_strict_policy_gates_new_accounts_joining_during_a_raid(
    run_scenario: ScenarioRunner,
) -> None:
    joins = [
        {
            "type": "join",
            "at": at(10, i * 5),
            "member": {"name": f"fan{i}", "account_created": "2026-03-01T00:00:00Z", "lang": "fr"},
        }
        for i in range(4)
    ]
    late = {
        "type": "join",
        "at": at(20),
        "member": {"name": "late_fan", "account_created": "2026-03-01T00:00:00Z", "lang": "fr"},
    }
    regular = {
        "type": "join",
        "at": at(21),
        "member": {"name": "old_friend", "account_created": "2019-01-01T00:00:00Z"},
    }
    config = {"cogs": {"welcome": {"enabled": False}, "guidelines": {"policy": "strict"}}}
    lines = [
        community(config=config),
        *joins,
        late,
        regular,
        cmd("mod1", "history", at(22), member="late_fan"),
        cmd("mod1", "untimeout", at(23), member="late_fan", reason="checked, a real fan"),
    ]
    actions = await run_scenario(lines)
    (slow,) = of(actions, "set_slowmode")
    assert slow["seconds"] == 120
    gates = [a for a in of(actions, "timeout") if a.get("rule") == "raid"]
    # strict: a spike is 3 joins, so fan3 and late_fan join while it is held; old_friend's
    # account is years old and is not gated.
    assert [(g["member"], g["duration"]) for g in gates] == [("fan3", 3600), ("late_fan", 3600)]
    (notice,) = [a for a in of(actions, "send_direct_message") if a["member"] == "late_fan"]
    assert "tu pourras publier à nouveau dans 1 heure," in notice["content"]
    history = replies(actions)[0]
    assert history.startswith("late_fan: 1 case(s), 0 active point(s)."), (
        "a precaution is not an offence"
    )
    assert of(actions, "timeout")[-1] == {
        **of(actions, "timeout")[-1],
        "member": "late_fan",
        "duration": 0,
    }


async def test_nobody_is_welcomed_while_a_raid_is_held(run_scenario: ScenarioRunner) -> None:
    joins = [
        {
            "type": "join",
            "at": at(10, i * 5),
            "member": {"name": f"fan{i}", "account_created": "2026-03-01T00:00:00Z"},
        }
        for i in range(7)
    ]
    after = {"type": "join", "at": "2026-03-02T10:00:00Z", "member": {"name": "newcomer"}}
    config = {"cogs": {"welcome": {"channel": "general"}}}
    actions = await run_scenario([community(config=config), *joins, after])
    greeted = [
        a["content"].split(",")[1].split("!")[0].strip()
        for a in of(actions, "post_message")
        if a["channel"] == "general"
    ]
    assert greeted == ["fan0", "fan1", "fan2", "fan3", "fan4", "newcomer"], (
        "fan5 and fan6 joined during the hold"
    )


async def test_purging_a_channel_opens_no_case_against_anyone(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        say("m1", "alice", "one", at(1)),
        say("m2", "bob", "two", at(2)),
        cmd("mod1", "purge", at(3), count=5),
        cmd("mod1", "case list", at(4)),
    ]
    actions = await run_scenario(lines)
    (purged,) = of(actions, "delete_messages")  # one bulk delete
    assert sorted(purged["messages"]) == ["m1", "m2"] and purged["actor"] == "mod1"
    assert replies(actions) == ["Purged 2 message(s) in #general.", "No cases."]


async def test_a_member_at_risk_is_cared_for_never_punished(run_scenario: ScenarioRunner) -> None:
    lines = [
        community(),
        say(
            "m1",
            "bob",
            "honestly I can't take this fucking life anymore, I want it all to end",
            at(1),
        ),
        cmd("mod1", "history", at(2), member="bob"),
        say("m2", "bob", "go away, everyone here is an idiot", at(3)),
    ]
    actions = await run_scenario(lines)
    assert [a["message"] for a in of(actions, "delete_message")] == ["m2"]
    assert of(actions, "timeout") == []
    reply, _insult_notice = of(actions, "send_direct_message")
    assert reply["member"] == "bob" and reply["rule"] == "self-harm"
    assert "Tu n'es pas seul" in reply["content"], "bob speaks French"
    staff = staff_posts(actions)
    assert any(s.startswith("Urgent, please reach out: bob") for s in staff)
    # Being at risk is no offence: the alert is on his record apart, not as a case that
    # would make him a repeat offender, and the next card tells moderators of it.
    summary, line = replies(actions)[0].splitlines()
    assert summary == (
        "bob: 0 case(s), 0 active point(s). 1 welfare alert(s): someone may have been at "
        "risk; not an offence."
    )
    assert " welfare: bob - caring reply, staff alert by Steward (self-harm)" in line
    insult_log = [s for s in staff if "insults" in s and "deleted message m2" in s]
    assert insult_log, staff


async def test_someone_at_risk_who_writes_again_gets_one_reply_and_moderators_each_word(
    run_scenario: ScenarioRunner,
) -> None:
    # Each message opened a case and a card, and sent the same canned reply again: three
    # identical answers to someone in distress, three cards for one person.
    actions = await run_scenario(
        [
            community(),
            say("m1", "alice", "I want to kill myself tonight", at(1)),
            {
                "type": "click",
                "at": at(1, 30),
                "author": "mod2",
                "target": "review:1",
                "choice": "claim",
            },
            say("m2", "alice", "I want to die", at(2)),
            {
                "type": "dm",
                "at": at(3),
                "author": "alice",
                "content": "goodbye, I want to end it all",
            },
            {
                "type": "click",
                "at": at(4),
                "author": "mod1",
                "target": "review:1",
                "choice": "reached_out",
            },
            # Once a moderator has reached out, what comes later is a new alert.
            say("m3", "alice", "I want to die, nothing helps", at(5, 30)),
        ]
    )
    replies_to_alice = [a for a in of(actions, "send_direct_message") if a["member"] == "alice"]
    assert [a["case"] for a in replies_to_alice] == ["#1", "#2"]
    cards = [a for a in of(actions, "post_message") if a.get("buttons")]
    assert [c["case"] for c in cards] == ["#1", "#2"]
    staff = staff_posts(actions)
    assert (
        "Urgent, still waiting (case #1): alice wrote again in #general and may be at risk "
        "(contains a listed word: want to die): I want to die"
    ) in staff
    assert (
        "Urgent, still waiting (case #1): alice wrote again in a private message to Steward "
        "and may be at risk (contains a listed word: end it all): goodbye, I want to end it all"
    ) in staff
    assert of(actions, "delete_message") == [] and of(actions, "timeout") == []
    # The card a moderator opens shows all of it, under the first message, and still says
    # who is on it.
    edits = [a for a in of(actions, "edit_message") if a["message"] == cards[0]["created"]]
    claimed, wrote, confided, *_ = [e["content"].splitlines() for e in edits]
    first = confided.index("> alice: I want to kill myself tonight")
    assert confided[first + 1 : first + 3] == [
        "> alice, later in #general: I want to die",
        "> alice, later in a private message to Steward: goodbye, I want to end it all",
    ]
    assert claimed[-1] == wrote[-1] == confided[-1] == "Claimed by mod2."
    assert edits[2]["buttons"], "still waiting: its buttons stay"


async def test_someone_at_risk_who_edits_their_message_reaches_moderators_as_an_edit(
    run_scenario: ScenarioRunner,
) -> None:
    # An edit is judged again: it read as "wrote again", and the card showed it twice.
    actions = await run_scenario(
        [
            community(),
            say("m1", "bob", "I want to kill myself", at(1)),
            {"type": "edit", "at": at(2), "id": "m1", "content": "I want to kill myself tonight"},
            cmd("mod1", "case show", at(3), number=1),
        ]
    )
    staff = staff_posts(actions)
    assert (
        "Urgent, still waiting (case #1): bob edited their message in #general and may be at "
        "risk (contains a listed word: kill myself): I want to kill myself tonight"
    ) in staff
    assert len(of(actions, "send_direct_message")) == 1, "one caring reply"
    notes = [line for line in replies(actions)[0].splitlines() if line.startswith("note ")]
    assert notes == [
        "note 2026-03-02 09:02 UTC steward: its author edited the message at 2026-03-02 09:02 "
        "UTC (review item 1 shows what it says now)"
    ], "noted once"
    (card,) = [a for a in of(actions, "post_message") if a.get("buttons")]
    shown = [e for e in of(actions, "edit_message") if e["message"] == card["created"]][-1]
    lines = shown["content"].splitlines()
    first = lines.index("> bob: I want to kill myself")
    assert lines[first + 1 :][:2] == [
        "> bob, edited at 2026-03-02 09:02 UTC to: I want to kill myself tonight",
        "Member bob: 0 earlier case(s), 0 active point(s), member for 425d, account 2252d",
    ]


async def test_a_member_who_confides_in_the_bot_privately_is_cared_for_too(
    run_scenario: ScenarioRunner,
) -> None:
    # Modmail is off: before, what bob told the bot alone reached no one at all.
    def dm(content: str, when: str) -> dict[str, Any]:
        return {"type": "dm", "at": when, "author": "bob", "content": content}

    actions = await run_scenario(
        [
            community(),
            dm("je veux mourir, je n'en peux plus", at(1)),
            dm("you are all idiots and this lamp is shit", at(2)),
        ]
    )
    (reply,) = of(actions, "send_direct_message")
    assert reply["member"] == "bob" and reply["rule"] == "self-harm"
    assert "Tu n'es pas seul" in reply["content"]
    staff = staff_posts(actions)
    assert (
        "Urgent, please reach out: bob in a private message to Steward may be at risk "
        "(contains a listed word: veux mourir)"
    ) in staff
    (card,) = [a for a in of(actions, "post_message") if a.get("buttons")]
    assert "> bob: je veux mourir, je n'en peux plus" in card["content"]
    assert [b["choice"] for b in card["buttons"]] == [
        "claim",
        "reached_out",
        "dismiss",
        "escalate",
    ]
    # Nothing else in a private message is judged: the insult opens no case.
    assert of(actions, "delete_message") == [] and of(actions, "timeout") == []
    assert not any("insults" in str(a.get("rule")) for a in actions)


async def test_threats_are_removed_and_raised_with_moderators(run_scenario: ScenarioRunner) -> None:
    actions = await run_scenario(
        [community(), say("m1", "alice", "I know where you live, you will regret it", at(1))]
    )
    assert [(a["message"], a["rule"]) for a in of(actions, "delete_message")] == [("m1", "threats")]
    staff = staff_posts(actions)
    assert any(s.startswith("Alert: alice") for s in staff)


async def test_emoji_floods_over_a_window_are_counted_across_messages(
    run_scenario: ScenarioRunner, tmp_path: Path
) -> None:
    policy = tmp_path / "emoji.toml"
    policy.write_text(
        '[policy]\nname = "emoji"\nextends = "default"\n[[rules]]\nid = "flood"\n[rules.params]\nmax_emojis = 5\n',
        encoding="utf-8",
    )
    config = {"cogs": {"welcome": {"enabled": False}, "guidelines": {"policy": str(policy)}}}
    lines = [community(config=config)] + [
        say(f"m{i}", "alice", f"look {'😍' * 2}", at(1, i)) for i in range(3)
    ]
    actions = await run_scenario(lines)
    assert [(a["message"], a["rule"]) for a in of(actions, "delete_message")] == [("m2", "flood")]


BURST = [
    ("alice", "good morning everyone"),
    ("bob", "Bonjour ! Le mode lever du soleil est génial."),
    ("alice", "has anyone tried the new firmware?"),
    ("helper-bot", "fuck, a bot's own words are never judged"),
    ("alice", "this firmware is fucking broken"),
    ("bob", "on est d'accord"),
    ("alice", "i know where you live"),
    ("bob", "bonne journée"),
]


async def _burst_actions(
    registry: CogRegistry, monkeypatch: pytest.MonkeyPatch, *, together: bool
) -> tuple[list[dict[str, Any]], int]:
    """Post BURST as one burst or one message at a time; return the actions and searches."""
    searches = count_screen_searches(monkeypatch)
    line = community()
    line["members"].append({"name": "helper-bot", "bot": True})
    scenario = CommunityLine.model_validate(line)
    session = await LocalSession.open(
        scenario,
        load_for_scenario(scenario, registry),
        registry,
        start=datetime(2026, 3, 2, 9, tzinfo=UTC),
    )
    actions: list[dict[str, Any]] = []
    session.platform.observe(lambda applied: actions.append(action_record(applied)))
    heard: list[Event] = []

    async def hear(event: Event) -> bool:
        heard.append(event)
        return True

    app = session.app
    poster = LocalDriver(
        session.platform, session.community, app.loaded.community("acme"), session.clock, hear
    )
    try:
        for author, text in BURST:
            await poster.say(author, "general", text)
        searches.clear()
        if together:
            await app.ingest_many(heard)
        else:
            for event in heard:
                await app.ingest(event)
        await app.bus.join()
    finally:
        await session.close()
    return actions, len(searches)


async def test_a_burst_read_ahead_is_judged_as_its_messages_one_at_a_time(
    registry: CogRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    together, few = await _burst_actions(registry, monkeypatch, together=True)
    one_by_one, many = await _burst_actions(registry, monkeypatch, together=False)
    assert together == one_by_one
    deleted = [a["message"] for a in of(together, "delete_message")]
    assert deleted == ["m5", "m7"]  # the profanity and the threat; not the bot's words
    # One screen search for the burst and one from the line after each match; the threat's
    # match is first found on the line break before it, so that line is asked alone and
    # the threat found again: 5 searches, against one for each of the 7 messages judged.
    assert (few, many) == (5, 7)


async def test_the_record_says_what_was_done_in_words(run_scenario: ScenarioRunner) -> None:
    # Moderators read "delete_message, timeout" as the bot's internals; and a case whose
    # notice never arrived read like one whose member was told.
    lines = [
        community(),
        say("m1", "alice", "FREE NITRO claim now https://bit.ly/fr33-g1ft", at(1)),
        *(say(f"c{n}", "alice", "buy followers cheap, DM me", at(2, n)) for n in range(4)),
        {"type": "leave", "at": at(4), "member": "alice"},
        cmd("mod1", "ban", at(5), member="alice", duration="7d", reason="scams"),
        cmd("mod1", "history", at(6), member="alice"),
        cmd("mod1", "case show", at(7), number=2),
    ]
    *_, history, shown = replies(await run_scenario(lines))
    record = history.splitlines()
    done = [line.split(" - ", 1)[1].split(" by ", 1)[0] for line in record[1:]]
    assert done == [
        "ban 1w, notice not delivered",
        "message removed, 3 message(s) removed, timeout 1h",
        "message removed",
    ], record
    assert [line for line in shown.splitlines() if line.startswith("action")] == [
        "action: message removed",
        "action: 3 message(s) removed",
        "action: timeout 1h",
    ]


async def test_a_member_reads_their_own_record_in_their_language(
    run_scenario: ScenarioRunner,
) -> None:
    # A member whose notices never arrived (closed DMs) had no way to learn which cases
    # stood against them, or their numbers to appeal.
    lines = [
        community(),
        cmd("bob", "record", at(1)),
        say("m1", "bob", "fuck this update", at(2)),
        cmd("mod1", "warn", at(3), member="bob", reason="spamming links"),
        cmd("mod1", "case pardon", at(4), number=2, reason="fine"),
        cmd("mod1", "policy shadow", at(5), rule="insults"),
        say("m2", "bob", "what an idiot take", at(6)),  # shadow: not on his record
        say("m3", "bob", "I want to die", at(7)),  # welfare: not an offence
        cmd("bob", "appeal", at(8), case=1, reason="c'était une citation"),
        cmd("mod1", "timeout", at(8, 30), member="bob", duration="10m", reason="flooding"),
        cmd("bob", "appeal", at(8, 35), case=5, reason="my cat"),
        cmd("mod2", "appeal decide", at(8, 40), case=5, outcome="reduced"),
        cmd("mod1", "warn", at(8, 45), member="bob", reason="rude to staff"),
        cmd("bob", "record", at(9)),
        cmd("alice", "record", at(10)),
    ]
    said = replies(await run_scenario(lines))
    empty, *_, bobs, alices = said
    assert empty == "Ton historique dans acme est vierge."
    assert bobs.splitlines() == [
        "Ton historique dans acme :",
        "Cas #6 (2026-03-02) : rude to staff. Il compte jusqu'au 2026-04-01.",
        # Reduced on appeal: it stays, and counts towards nothing.
        "Cas #5 (2026-03-02) : flooding. Il ne compte pas pour de futures sanctions.",
        "Cas #2 (2026-03-02) : spamming links. Il a été annulé par les modérateurs.",
        "Cas #1 (2026-03-02) : Restons courtois : pas de jurons ni d'injures envers les "
        "autres. Ton appel est entre les mains des modérateurs.",
        "Pour contester un cas qui compte, utilise /appeal avec son numéro.",
    ]
    assert alices == "Your record in acme is clean."


async def test_a_banned_member_back_under_another_name_is_put_to_moderators(
    run_scenario: ScenarioRunner,
) -> None:
    # A troll banned in the morning was back by lunch as a new account; nobody noticed
    # until the insults started again.
    yesterday = "2026-03-01T09:00:00Z"
    joins = [
        {"type": "join", "at": at(2), "member": {"name": "al1ce_2", "account_created": yesterday}},
        {"type": "join", "at": at(3), "member": {"name": "gus", "account_created": yesterday}},
        {"type": "join", "at": at(4), "member": {"name": "alice_3", "account_created": yesterday}},
    ]
    lines = [
        community(),
        cmd("mod1", "ban", at(1), member="alice", reason="trolling"),
        *joins,
        cmd("al1ce_2", "record", at(5)),
        {"type": "click", "at": at(6), "author": "mod1", "target": "review:1", "choice": "dismiss"},
        {
            "type": "click",
            "at": at(7),
            "author": "mod2",
            "target": "review:2",
            "choice": "ban",
            "reason": "alice again",
        },
        cmd("al1ce_2", "record", at(8)),
        cmd("mod1", "policy stats", at(9)),
        cmd("mod1", "unban", at(10), member="alice"),
        cmd("mod1", "unban", at(10, 30), member="alice_3"),
        {"type": "join", "at": at(11), "member": {"name": "alice.4", "account_created": yesterday}},
    ]
    actions = await run_scenario(lines)
    cards = [a["content"] for a in of(actions, "post_message") if a.get("buttons")]
    assert [card.splitlines()[0] for card in cards] == [
        "Review needed: al1ce_2 - an account 1 day(s) old, named like alice (banned "
        "2026-03-02, case #1; names 100% alike)",
        "Review needed: alice_3 - an account 1 day(s) old, named like alice (banned "
        "2026-03-02, case #1; names 100% alike)",
    ], "gus is nobody's look-alike, and once alice is unbanned nobody evades her ban"
    # Judged as they arrived: the card quotes no message, only that they joined.
    assert "\n> al1ce_2 joined\n" in cards[0]
    # A suspicion for moderators to judge: the newcomer is not told, nor is it theirs to
    # read or appeal, whether it waits or was found to be someone else.
    assert not [a for a in of(actions, "send_direct_message") if a["member"] == "al1ce_2"]
    said = replies(actions)
    assert said[1] == said[4] == "Your record in acme is clean."
    assert [a["member"] for a in of(actions, "ban")] == ["alice", "alice_3"]
    # Each decision counts towards the rule's precision.
    assert (
        "ban-evasion: 2 case(s); 2 of 2 review item(s) decided, 1 a violation (precision 50%)"
        in said[5]
    )


async def test_a_rule_that_only_asks_moderators_puts_nothing_on_a_record_until_they_act(
    run_scenario: ScenarioRunner, tmp_path: Path
) -> None:
    # A low severity's default action is "review": its case read "It stays on your record"
    # in the member's /record while moderators had not even looked, and "It was pardoned"
    # once they found nothing wrong.
    policy = tmp_path / "fruit.toml"
    policy.write_text(
        '[policy]\nname = "fruit"\nextends = "default"\n[[rules]]\nid = "fruit"\n'
        'type = "keywords"\nguideline = "No fruit talk"\nseverity = "low"\n'
        '[rules.params.words]\nen = ["banana"]\n',
        encoding="utf-8",
    )
    config = {"cogs": {"welcome": {"enabled": False}, "guidelines": {"policy": str(policy)}}}
    click = {"type": "click", "author": "mod1"}
    actions = await run_scenario(
        [
            community(config=config),
            say("m1", "alice", "banana bread again", at(1)),
            cmd("alice", "record", at(2)),
            cmd("mod1", "history", at(2, 30), member="alice"),
            {**click, "at": at(3), "target": "review:1", "choice": "dismiss"},
            cmd("alice", "record", at(4)),
            say("m2", "alice", "banana banana banana", at(5)),
            {**click, "at": at(6), "target": "review:2", "choice": "remove"},
            cmd("alice", "record", at(7)),
        ]
    )
    waiting, history, _, dismissed, _, removed = replies(actions)
    # Staff read it as waiting for them, not as a sanction in force.
    assert history.splitlines()[1].startswith("#1 2026-03-02 09:01 UTC review: alice")
    assert waiting == dismissed == "Your record in acme is clean."
    assert removed.splitlines()[1:] == [
        "Case #2 (2026-03-02): No fruit talk. It stays on your record."
    ]
    assert [a["message"] for a in of(actions, "delete_message")] == ["m2"]


async def test_in_a_crisis_a_suspected_evader_waits_for_a_moderator(
    run_scenario: ScenarioRunner,
) -> None:
    config = {"cogs": {"welcome": {"enabled": False}, "guidelines": {"policy": "strict"}}}
    actions = await run_scenario(
        [
            community(config=config),
            cmd("mod1", "ban", at(1), member="alice", reason="trolling"),
            {"type": "join", "at": at(2), "member": {"name": "al1ce_2"}},
        ]
    )
    assert [(a["member"], a["duration"]) for a in of(actions, "timeout")] == [("al1ce_2", 3600)]
    (card,) = [a["content"] for a in of(actions, "post_message") if a.get("buttons")]
    assert card.startswith("Review needed: al1ce_2 - an account of unknown age, named like alice")


async def test_the_raid_rule_on_trial_asks_about_a_spike_and_slows_nothing(
    run_scenario: ScenarioRunner,
) -> None:
    actions = await run_scenario(
        [
            community(config={}),  # the welcome cog on: a held raid would quiet it
            cmd("owner", "policy trial", at(9), rule="raid", hits=1),
            *new_fans_join(6),
            say("m1", "fan5", "hi all, new here!", at(11)),
        ]
    )
    (card,) = [a for a in of(actions, "post_message") if a.get("buttons")]
    assert card["content"].startswith(
        "Rule raid on trial, was it right? acme - 5 joins within 60s, 5 of them new or "
        "look-alike accounts. It would have done: slowmode:30s, alert; it did nothing."
    )
    assert of(actions, "set_slowmode") == []
    # Nobody is held for review, and the welcome goes on.
    welcomed = [a["content"] for a in of(actions, "post_message") if "Welcome" in a["content"]]
    assert len(welcomed) == 6, welcomed
    assert not any("joined during a raid" in a["content"] for a in of(actions, "post_message"))


async def test_whoever_reported_a_message_hears_whether_moderators_acted(
    run_scenario: ScenarioRunner,
) -> None:
    # Reporters heard nothing after "thank you", and a second report was dropped unseen.
    lines = [
        community(),
        carl_joins(),
        say("m1", "carl", "the designer lives at Elm Street 12, go visit him", at(1)),
        say("m2", "carl", "that update was a bit meh", at(2)),
        cmd("alice", "report", at(3), message="m1", reason="doxxing"),
        cmd("bob", "report", at(4), message="m1", reason="adresse"),
        cmd("alice", "report", at(5), message="m2", reason="rude"),
        {"type": "click", "at": at(6), "author": "mod1", "target": "m1", "choice": "remove"},
        {"type": "click", "at": at(7), "author": "mod1", "target": "m2", "choice": "dismiss"},
    ]
    actions = await run_scenario(lines)
    told = [
        (a["member"], a["content"])
        for a in of(actions, "send_direct_message")
        if a.get("reason") == "report outcome"
    ]
    assert told == [
        (
            "alice",
            "The moderators looked at the message you reported in #general and acted on it. "
            "Thank you for telling us.",
        ),
        (
            "bob",
            "Les modérateurs ont examiné le message que tu as signalé dans #general et ont agi. "
            "Merci de nous l'avoir signalé.",
        ),
        (
            "alice",
            "The moderators looked at the message you reported in #general and found it within "
            "our guidelines. Thank you for telling us.",
        ),
    ]


async def test_a_staff_note_reaches_moderators_and_never_the_member(
    run_scenario: ScenarioRunner,
) -> None:
    # What one moderator learnt about a member ("asked twice about refunds") had nowhere
    # to go but a warning, which tells the member and counts against them.
    lines = [
        community(),
        cmd("mod1", "note", at(1), member="bob", text="asked twice about a refund; be patient"),
        cmd("mod1", "history", at(2), member="bob"),
        cmd("bob", "record", at(3)),
        cmd("bob", "appeal", at(4), case=1, reason="quoi ?"),
        cmd("mod2", "appeal record", at(5), case=1, reason="by email"),
        say("m1", "bob", "this shop is a joke", at(6)),
        cmd("alice", "report", at(7), message="m1", reason="rude"),
        cmd("mod2", "case pardon", at(8), number=1, reason="wrong member"),
        cmd("mod2", "history", at(9), member="bob"),
        cmd("mod2", "case pardon", at(10), number=1),
        cmd("mod1", "note", at(11), member="alice", text="   "),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    assert said[0] == "Noted on bob for moderators (case #1); they are not told."
    assert said[1].splitlines() == [
        "bob: 0 case(s), 0 active point(s). 1 staff note(s).",
        "#1 2026-03-02 09:01 UTC note: bob - noted by mod1: asked twice about a refund; be patient",
    ]
    assert said[2] == "Ton historique dans acme est vierge."
    assert said[3].startswith("Tu n'as pas de cas #1")
    assert said[4] == "case #1 is a staff note: nothing to appeal"
    assert not [a for a in of(actions, "send_direct_message") if a["member"] == "bob"]
    # Whoever decides a card about bob reads the note.
    (card,) = [
        a["content"] for a in of(actions, "post_message") if a.get("reason") == "review card"
    ]
    lines_of_card = card.splitlines()
    member_line = next(i for i, line in enumerate(lines_of_card) if line.startswith("Member bob"))
    assert "0 earlier case(s)" in lines_of_card[member_line]
    assert lines_of_card[member_line + 1] == (
        "Staff note by mod1, 2026-03-02: asked twice about a refund; be patient"
    )
    assert said[-4] == "Case #1 note withdrawn."
    assert said[-3].splitlines() == [
        "bob: 0 case(s), 0 active point(s).",
        "#1 2026-03-02 09:01 UTC note withdrawn: bob - noted by mod1: asked twice about a refund; "
        "be patient",
    ]
    assert said[-2] == "case #1 is a note withdrawn already"
    assert said[-1] == "the note is empty"


async def test_old_accounts_sharing_a_picture_make_a_raid_and_are_shown_why(
    run_scenario: ScenarioRunner,
) -> None:
    # Bought or long-kept accounts pass the age check; one hand gave them one picture.
    old = "2019-05-01T00:00:00Z"
    names = ["mira", "quentin", "sol", "tove", "ugo"]
    pictures = ["c0ffee", "c0ffee", "c0ffee", "", ""]
    lines = [
        community(),
        *[
            {
                "type": "join",
                "at": at(10, i * 5),
                "member": {"name": name, "account_created": old, "avatar": picture},
            }
            for i, (name, picture) in enumerate(zip(names, pictures, strict=True))
        ],
        cmd("mod1", "raid show", at(11)),
    ]
    actions = await run_scenario(lines)
    posted = [a["content"] for a in of(actions, "post_message")]
    assert any("raid: 5 joins within 60s, 3 of them new or look-alike" in p for p in posted)
    shown = replies(actions)[-1].splitlines()
    assert [line.split(":")[0] for line in shown[1:]] == [
        "raider? (the same picture as another's) mira",
        "raider? (the same picture as another's) quentin",
        "raider? (the same picture as another's) sol",
        "newcomer tove",
        "newcomer ugo",
    ]


async def test_a_raids_accounts_are_banned_at_once_each_on_its_own_case(
    run_scenario: ScenarioRunner,
) -> None:
    # Banning twenty raiders one /ban at a time takes longer than the raid did.
    gus = {"name": "gus", "account_created": "2019-05-01T00:00:00Z"}
    lines = [
        community(),
        cmd("mod1", "raid show", at(9)),
        *new_fans_join(4),
        {"type": "join", "at": at(10, 22), "member": gus},  # an old account: a newcomer
        {"type": "join", "at": at(10, 25), "member": {"name": "fan00"}},  # a look-alike
        say("r1", "fan0", "LUMEN LAMPS CAUSE FIRES, boycott", at(11)),
        {"type": "leave", "at": at(12), "member": "fan3"},  # gone before anyone acted
        cmd("mod1", "raid show", at(13)),
        cmd("mod2", "raid ban", at(14), reason="coordinated raid"),
        cmd("mod2", "raid ban", at(15), reason="again"),
        cmd("mod1", "raid show", at(15, 30)),
        cmd("mod1", "history", at(16), member="fan3"),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    assert said[0] == "no raid in the last day"
    shown = said[1].splitlines()
    assert "raider? (new account) fan3: joined 09:10:15, account 1d old; no longer here" in shown
    assert shown[0] == (
        "Raid of 2026-03-02 09:10 UTC (held until 09:40 UTC): 6 join(s), 5 look like raiders "
        "(/raid ban or /raid kick acts on those):"
    )
    assert shown[1] == "raider? (new account) fan0: joined 09:10:00, account 1d old"
    assert "newcomer gus: joined 09:10:22, account 2497d old" in shown
    assert shown[-1].startswith("raider? (a name like another's) fan00: joined 09:10:25")
    banned = sorted(a["member"] for a in of(actions, "ban"))
    assert banned == ["fan0", "fan00", "fan1", "fan2", "fan3"], "gus is left alone"
    assert said[2] == (
        "Banned 5 raid account(s): fan0 (#3), fan1 (#4), fan2 (#5), fan3 (#6), fan00 (#7). "
        "1 other join(s) look like ordinary newcomers and were not touched."
    )
    assert said[3].startswith("Banned 0 raid account(s): none. Left alone: fan0 (acted on")
    # Shown again, the list says what became of each account.
    after = said[4].splitlines()
    assert after[1] == "raider? (new account) fan0: joined 09:10:00, account 1d old; ban (#3)"
    assert "newcomer gus: joined 09:10:22, account 2497d old" in after
    # fan3 left before anyone acted: banned all the same, so they cannot come back.
    assert (
        said[5]
        .splitlines()[1]
        .endswith("fan3 - ban, notice not delivered by mod2 (manual): raid: coordinated raid")
    )
    # Each raider is told, and may appeal their own case.
    told = [a["member"] for a in of(actions, "send_direct_message")]
    assert {"fan0", "fan1", "fan2", "fan00"} <= set(told)
    # fan0's held message no longer waits: its card says why.
    (closed,) = [
        a
        for a in of(actions, "edit_message")
        if a["content"].endswith("banned with the raid (#3).")
    ]
    assert not closed.get("buttons"), "nothing is left to decide on it"
    staff = staff_posts(actions)
    assert "mod2 banned 5 account(s) of the raid of 2026-03-02 09:10 UTC: coordinated raid" in (
        staff
    )


async def test_banning_someone_closes_the_cards_still_waiting_about_them(
    run_scenario: ScenarioRunner,
) -> None:
    # Each card would otherwise wait for a decision nobody needs, asking for a ban done.
    lines = [
        community(),
        carl_joins(),
        say("m1", "carl", "buy cheap lamps at my shop", at(1)),
        say("m2", "carl", "seriously, cheapest lamps anywhere", at(2)),
        say("m3", "bob", "cheap lamps here too", at(2, 30)),
        cmd("alice", "report", at(3), message="m1", reason="ads"),
        cmd("alice", "report", at(4), message="m2", reason="ads again"),
        cmd("alice", "report", at(4, 30), message="m3", reason="ads"),
        {
            "type": "click",
            "at": at(5),
            "author": "mod1",
            "target": "m1",
            "choice": "ban",
            "reason": "spam",
        },
        cmd("mod1", "review list", at(6)),
        cmd("mod1", "kick", at(7), member="bob", reason="ads"),
        cmd("mod1", "review list", at(8)),
    ]
    actions = await run_scenario(lines)
    said = replies(actions)
    listed_after_ban = said[-3]
    assert listed_after_ban.splitlines()[0] == "1 item(s) wait for review; the most urgent first:"
    assert "bob" in listed_after_ban.splitlines()[1], "only bob's report still waits"
    assert said[-1] == "Nothing waits for review."
    closed = [a for a in of(actions, "edit_message") if "Closed: carl was banned" in a["content"]]
    assert len(closed) == 1 and not closed[0].get("buttons")
    assert any("Closed: bob was kicked" in a["content"] for a in of(actions, "edit_message"))
    # Whoever reported each message hears that the moderators acted on it.
    heard = [a["content"] for a in of(actions, "send_direct_message") if a["member"] == "alice"]
    assert [h.split(" and ")[1] for h in heard if "you reported" in h] == [
        "acted on it. Thank you for telling us."
    ] * 3


async def test_a_ban_answers_the_cards_of_rules_that_judge_the_account_not_the_message(
    run_scenario: ScenarioRunner,
) -> None:
    # Ban evasion asked whether al1ce_2 is alice back: the ban by hand says yes, and the rule's
    # precision should show it. The threat's card asked about a message nobody judged.
    lines = [
        community(),
        cmd("mod1", "ban", at(1), member="alice", reason="trolling"),
        {"type": "join", "at": at(2), "member": {"name": "al1ce_2"}},
        say("m1", "al1ce_2", "I know where you live", at(3)),
        {
            "type": "by_hand",
            "at": at(4),
            "moderator": "mod1",
            "action": "ban",
            "member": "al1ce_2",
            "reason": "alice again",
        },
        cmd("mod1", "policy stats", at(5)),
    ]
    actions = await run_scenario(lines)
    closed = [
        a["content"] for a in of(actions, "edit_message") if "al1ce_2 was banned" in a["content"]
    ]
    assert len(closed) == 2, "both cards close"
    stats = replies(actions)[-1].splitlines()
    assert (
        "ban-evasion: 1 case(s); 1 of 1 review item(s) decided, 1 a violation (precision 100%); "
        "0 of 1 acted case(s) undone on review or appeal (0%)"
    ) in stats
    (threats,) = [line for line in stats if line.startswith("threats:")]
    assert "0 of 1 review item(s) decided" in threats
