"""The policy's keyword and regex rules as AutoMod rules; what AutoMod blocks becomes a case."""

from __future__ import annotations

import json
from pathlib import Path

from bot.adapters.discord.automod import MAX_KEYWORDS, MAX_PATTERNS, compile_policy
from bot.adapters.discord.translate import ref
from bot.core.events import BLOCKED_PREFIX, AutoModBlocked
from bot.standins.discord import DiscordStandin
from policies.policy import load_policy
from tests.bot.adapters.discord.conftest import ORIGINAL, Lumen, Start, cases_of, notice_for
from tests.conftest import listen

RULES = "/guilds/{guild_id}/auto-moderation/rules"
BLOCK, ALERT, TIMEOUT = 1, 2, 3


def rule_id(lumen: Lumen, name: str) -> str:
    """Return the id of the guild's AutoMod rule called ``name``."""
    return next(i for i, r in lumen.guild.automod_rules.items() if r["name"] == name)


def test_the_default_policy_compiles_its_worst_rules_first() -> None:
    compiled = compile_policy(load_policy("default"))
    assert list(compiled.owner.values()) == ["slurs", "threats", "threats", "profanity", "insults"]
    slurs = compiled.rules["Steward: slurs"]["trigger_metadata"]["keyword_filter"]
    assert "faggot*" in slurs and "bøsserøv*" in slurs
    assert "mild-swearing" not in compiled.owner.values()  # shadow mode stays in Steward
    assert "self-harm" not in compiled.owner.values()  # caring, never blocking
    trialled = compile_policy(load_policy("default"), shadow=frozenset({"insults"}))
    assert "insults" not in trialled.owner.values(), "shadowed at run time, it blocks nothing"


def test_a_blocked_member_reads_the_guideline_in_the_communitys_language() -> None:
    # Discord shows one message to everyone AutoMod blocks: the community's language.
    def shown(language: str) -> str:
        compiled = compile_policy(load_policy("default"), language=language)
        action = compiled.rules["Steward: profanity"]["actions"][0]
        return str(action["metadata"]["custom_message"])

    assert shown("fr") == "Restons courtois : pas de jurons ni d'injures envers les autres"
    assert shown("en") == "Keep it civil: no swearing at or about people"


def test_big_rules_are_split_within_discords_limits(tmp_path: Path) -> None:
    words = [f"word{n}" for n in range(2500)]
    patterns = [f"bad{n}" for n in range(12)] + ["x" * 300]
    policy = tmp_path / "big.toml"
    policy.write_text(
        '[policy]\nname = "big"\nextends = "default"\n\n'
        f'[[rules]]\nid = "many"\ntype = "keywords"\nseverity = "critical"\n'
        f"[rules.params.words]\nen = {json.dumps(words)}\n\n"
        f'[[rules]]\nid = "patterns"\ntype = "regex"\nseverity = "critical"\n'
        f"[rules.params]\npatterns = {json.dumps(patterns)}\n",
        encoding="utf-8",
    )
    compiled = compile_policy(load_policy(str(policy)))
    assert len(compiled.rules) == 6
    sizes = [
        len(
            r["trigger_metadata"].get(
                "keyword_filter", r["trigger_metadata"].get("regex_patterns", [])
            )
        )
        for r in compiled.rules.values()
    ]
    assert max(sizes) <= MAX_KEYWORDS
    regex = [r for r in compiled.rules.values() if "regex_patterns" in r["trigger_metadata"]]
    assert all(len(r["trigger_metadata"]["regex_patterns"]) <= MAX_PATTERNS for r in regex)
    assert f"patterns: {'x' * 300}" in compiled.skipped
    assert any("allows 6 keyword rules" in s for s in compiled.skipped)


async def test_rules_sync_at_start_leave_others_alone_and_exempt_staff(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    theirs = {"id": "1", "name": "Server's own", "trigger_type": 1, "trigger_metadata": {}}
    stale = {"id": "2", "name": "Steward: retired", "trigger_type": 1, "trigger_metadata": {}}
    lumen.guild.automod_rules.update({"1": theirs, "2": stale})
    async with start():
        pass
    async with start():
        pass
    names = sorted(r["name"] for r in lumen.guild.automod_rules.values())
    assert names == sorted(
        [
            "Server's own",
            "Steward: insults",
            "Steward: profanity",
            "Steward: slurs",
            "Steward: threats 1",
            "Steward: threats 2",
        ]
    )
    assert len(standin.requests_to("POST", RULES)) == 5  # the second start changed nothing
    assert standin.requests_to("PATCH", RULES + "/{rule_id}") == []
    slurs = next(r for r in lumen.guild.automod_rules.values() if r["name"] == "Steward: slurs")
    assert slurs["exempt_roles"] == [lumen.moderators.id]


async def test_what_automod_blocked_becomes_one_case_whatever_its_actions(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        heard = listen(steward.app.bus, AutoModBlocked)
        rule = rule_id(lumen, "Steward: profanity")
        await standin.automod_execution(
            lumen.guild,
            lumen.general,
            lumen.alice,
            rule_id=rule,
            content="you absolute cunt",
            keyword="cunt",
            actions=[BLOCK, ALERT, TIMEOUT],
        )
        notice = await notice_for(standin, 1)
        await steward.settle()
        (case,) = await cases_of(steward, lumen, lumen.alice)
    assert [e.action for e in heard.events] == ["block", "alert", "timeout"]
    first = heard.events[0]
    assert first.rule_name == "Steward: profanity" and first.policy_rule == "profanity"
    assert first.matched == "cunt" and first.channel == ref(lumen.general.id)
    assert case.rule == "profanity" and "warning" in notice.json["content"]
    assert case.message is not None and case.message.id.startswith(BLOCKED_PREFIX)
    assert [n.text for n in case.notes] == [
        "the platform's filter (Steward: profanity, matching 'cunt') blocked the message",
        "the platform's filter also alerted the moderators",
        "the platform's filter also timed the member out",
    ]
    assert standin.requests_to("DELETE", "/channels/{channel_id}/messages/{message_id}") == []


async def test_a_second_attempt_after_a_block_is_a_case_of_its_own(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        rule = rule_id(lumen, "Steward: profanity")
        for _ in range(2):
            await standin.automod_execution(
                lumen.guild, lumen.general, lumen.alice, rule_id=rule, content="you absolute cunt"
            )
        await notice_for(standin, 2)
        await steward.settle()
        cases = await cases_of(steward, lumen, lumen.alice)
    assert [c.rule for c in cases] == ["profanity", "profanity"]
    assert cases[0].message != cases[1].message


async def test_a_reload_syncs_the_rules_again(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        slurs = rule_id(lumen, "Steward: slurs")
        del lumen.guild.automod_rules[slurs]  # an admin deleted it by hand
        report = await steward.app.reload(steward.app.loaded)
    assert report.ok
    assert "Steward: slurs" in {r["name"] for r in lumen.guild.automod_rules.values()}
    assert len(standin.requests_to("POST", RULES)) == 6


async def test_a_rule_shadowed_or_on_trial_stops_blocking_in_automod_at_once(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # Shadow mode does nothing visible: AutoMod went on blocking the rule's words, so a
    # trial never saw a hit and members were still stopped.
    def ours() -> set[str]:
        return {str(r["name"]) for r in lumen.guild.automod_rules.values()}

    async with start() as steward:
        before = ours()
        for count, (name, options) in enumerate(
            (
                ("policy trial", {"rule": "profanity", "hits": 3}),
                ("policy shadow", {"rule": "profanity", "on": False}),
            ),
            start=1,
        ):
            await standin.run_command(lumen.guild, lumen.modlog, lumen.mona, name, options)
            await standin.wait_for_request("PATCH", ORIGINAL, count=count)
            await steward.settle()
            if count == 1:
                shadowed = ours()
        after = ours()
    assert "Steward: profanity" in before
    assert shadowed == before - {"Steward: profanity"}
    assert after == before, "enforced again, it blocks again"


async def test_a_word_added_with_policy_words_reaches_automod_at_once(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # A scam phrase added in chat must block on Discord too, not only in Steward.
    def profanity() -> list[str]:
        rule = lumen.guild.automod_rules[rule_id(lumen, "Steward: profanity")]
        return list(rule["trigger_metadata"]["keyword_filter"])

    async with start() as steward:
        before = profanity()
        options = {"rule": "profanity", "add": "lampwrecker*", "which": "en"}
        await standin.run_command(lumen.guild, lumen.modlog, lumen.mona, "policy words", options)
        await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
        answer = standin.requests_to("PATCH", ORIGINAL)[-1].json
        after = profanity()
    assert "lampwrecker*" not in before
    assert "lampwrecker*" in after
    assert answer is not None
    assert str(answer["content"]).startswith(
        "Added `lampwrecker*` to the en list of rule profanity."
    )
