"""Slash commands: registered per guild when changed, routed back, completed, ranked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.adapters.discord.commands import application_commands
from bot.adapters.discord.translate import ref
from bot.core.commands import commands_of
from bot.standins.discord import DiscordStandin, Member
from bot.standins.discord._model import MODERATE_MEMBERS
from bot.system import SystemCommands
from cogs.guidelines import Guidelines
from moderation.store import store_for
from tests.bot.adapters.discord.conftest import (
    CALLBACK,
    ORIGINAL,
    Lumen,
    Start,
    cases_of,
    departed,
    weekly_prompts,
)

COMMANDS = "/applications/{app_id}/guilds/{guild_id}/commands"


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in items}


def test_paths_become_groups_with_typed_options_and_permissions() -> None:
    commands = application_commands([*commands_of(Guidelines), *commands_of(SystemCommands)])
    top = by_name(commands.payload)
    assert set(by_name(top["case"]["options"])) == {"show", "list", "note", "pardon", "edit"}
    assert top["case"]["default_member_permissions"] == str(1 << 40)
    assert top["help"]["default_member_permissions"] is None
    assert top["appeal"]["default_member_permissions"] is None  # members appeal
    assert top["guidelines"]["default_member_permissions"] is None  # members read them
    assert top["guidelines"]["description_localizations"]["da"] == (
        "Læs fællesskabets retningslinjer."
    )
    assert set(by_name(top["appeal"]["options"])) == {"open", "decide", "record"}
    assert commands.aliases == {"appeal open": "appeal"}
    # What members use is described (and the report menu named) in their Discord's language.
    assert top["report"]["description_localizations"]["fr"] == (
        "Signaler un message aux modérateurs."
    )
    assert top["appeal"]["description_localizations"]["ja"].startswith("あなたに対する")
    opened = by_name(top["appeal"]["options"])["open"]
    assert opened["description_localizations"]["nl"] == "Ga in beroep tegen een zaak tegen jou."
    assert "description_localizations" not in by_name(top["case"]["options"])["show"]
    (menu,) = [c for c in commands.payload if c["name"] == "Report to moderators"]
    assert menu["name_localizations"]["pl"] == "Zgłoś moderatorom"
    timeout = by_name(top["timeout"]["options"])
    assert [(o["type"], o["required"]) for o in timeout.values()] == [
        (6, True),
        (3, True),
        (3, True),
    ]
    assert timeout["duration"]["autocomplete"] is True
    assert by_name(top["ban"]["options"])["duration"]["autocomplete"] is True
    assert by_name(top["slowmode"]["options"])["interval"]["autocomplete"] is True
    show = by_name(by_name(top["case"]["options"])["show"]["options"])
    assert show["number"]["autocomplete"] is True
    edit = by_name(by_name(top["case"]["options"])["edit"]["options"])
    # A case by number (completed), and a boolean for a ban that should never end.
    assert edit["number"]["autocomplete"] is True and edit["permanent"]["type"] == 5
    assert top["History"]["type"] == 2
    assert top["Report to moderators"]["type"] == 3
    assert top["Report to moderators"]["default_member_permissions"] is None


async def test_commands_sync_at_start_only_when_they_changed(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start():
        pass
    async with start():
        pass
    (put,) = standin.requests_to("PUT", COMMANDS)
    assert {c["name"] for c in lumen.guild.commands} >= {"case", "timeout", "steward", "History"}
    assert put.path.endswith(f"/guilds/{lumen.guild.id}/commands")


async def test_aliases_and_context_menus_reach_stewards_commands(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await standin.run_command(
            lumen.guild,
            lumen.general,
            lumen.mona,
            "History",
            command_type=2,
            target_id=lumen.alice.user.id,
        )
        history = await standin.wait_for_request("PATCH", ORIGINAL)
        await standin.run_command(
            lumen.guild, lumen.general, lumen.alice, "appeal open", {"case": 9, "reason": "mistake"}
        )
        appeal = await standin.wait_for_request("PATCH", ORIGINAL, count=2)
        await steward.settle()
    assert "alice" in history.json["content"]
    assert "no /appeal" not in appeal.json["content"] and "9" in appeal.json["content"]


async def test_the_history_menu_on_someone_who_left_names_them_as_discord_does(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        raider = await departed(standin, lumen, "raider")
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            lumen.mona,
            "History",
            command_type=2,
            target_id=raider.user.id,
        )
        history = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
    assert history.json["content"] == (
        "raider (not in the community now): 0 case(s), 0 active point(s)."
    )


async def alices_spam_is_case_1(standin: DiscordStandin, lumen: Lumen) -> None:
    """Alice posts an invite; wait until Steward deletes it (case #1, spam-links)."""
    spam = await standin.post_message(lumen.general, lumen.alice, "join discord.gg/abc")
    await standin.wait_for_request("DELETE", f"/channels/{lumen.general.id}/messages/{spam.id}")


async def test_case_numbers_and_rule_ids_autocomplete(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await alices_spam_is_case_1(standin, lumen)
        await steward.settle()
        await standin.run_command(
            lumen.guild, lumen.general, lumen.mona, "case show", {"number": ""}, focused="number"
        )
        cases = await standin.wait_for_request("POST", CALLBACK)
        await standin.run_command(
            lumen.guild, lumen.general, lumen.mona, "policy show", {"rule": "spa"}, focused="rule"
        )
        rules = await standin.wait_for_request("POST", CALLBACK, count=2)
    assert cases.json["type"] == 8
    assert cases.json["data"]["choices"] == [{"name": "#1 alice: spam-links", "value": 1}]
    completed = [c["value"] for c in rules.json["data"]["choices"]]
    assert "spam-links" in completed and all("spa" in rule for rule in completed)


async def test_policy_words_completes_the_rules_with_lists_and_their_lists(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start():
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "policy words", {"rule": ""}, focused="rule"
        )
        rules = await standin.wait_for_request("POST", CALLBACK, where=_choices)
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            lumen.mona,
            "policy words",
            {"rule": "spam-links", "which": "d"},
            focused="which",
        )
        lists = await standin.wait_for_request("POST", CALLBACK, where=_choices, count=2)
    offered_rules = [c["value"] for c in rules.json["data"]["choices"]]
    assert "spam-links" in offered_rules and "insults" in offered_rules
    assert "caps" not in offered_rules and "raid" not in offered_rules, "no list to edit"
    named = {c["value"]: c["name"] for c in lists.json["data"]["choices"]}
    assert named.keys() == {"da", "deny"}
    assert named["deny"] == "deny: spam-links"
    assert named["da"].startswith("da: profanity, mild-swearing, insults")


async def test_unban_completes_the_members_whose_ban_still_holds(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # Nobody banned is in the server: Discord's picker cannot offer them, and their ids
    # are eighteen digits nobody remembers.
    carl = standin.add_member(lumen.guild, "carl")
    async with start() as steward:
        for count, banned in enumerate((lumen.alice, lumen.bob), start=1):
            await standin.run_command(
                lumen.guild, lumen.modlog, lumen.mona, "ban", {"member": banned, "reason": "spam"}
            )
            await standin.wait_for_request("PATCH", ORIGINAL, count=count)
        await standin.run_command(
            lumen.guild, lumen.modlog, lumen.mona, "unban", {"member": str(lumen.alice.user.id)}
        )
        await standin.wait_for_request("PATCH", ORIGINAL, count=3)
        await steward.settle()
        completions = []
        for count, (typed, member) in enumerate(
            (("", lumen.mona), ("bo", lumen.mona), ("al", lumen.mona), ("", carl)), start=1
        ):
            await standin.run_command(
                lumen.guild, lumen.modlog, member, "unban", {"member": typed}, focused="member"
            )
            answer = await standin.wait_for_request("POST", CALLBACK, where=_choices, count=count)
            completions.append(answer.json["data"]["choices"])
    bob = {
        "name": f"bob: banned {datetime.now(UTC):%Y-%m-%d} (case #2)",
        "value": str(lumen.bob.user.id),
    }
    assert completions[:3] == [[bob], [bob], []], "alice was unbanned"
    assert completions[3] == [], "only moderators see who is banned"


def _choices(request: Any) -> bool:
    return bool(request.json) and request.json.get("type") == 8


Typing = tuple[Member, str, str, str]
"""Who types, into which command, which option, what so far."""


async def completions(
    standin: DiscordStandin, lumen: Lumen, typings: Sequence[Typing]
) -> list[list[dict[str, Any]]]:
    """Type each option in #mod-log, one after the other; return the choices offered each."""
    offered = []
    for count, (member, command, option, typed) in enumerate(typings, start=1):
        await standin.run_command(
            lumen.guild, lumen.modlog, member, command, {option: typed}, focused=option
        )
        answer = await standin.wait_for_request("POST", CALLBACK, where=_choices, count=count)
        offered.append(answer.json["data"]["choices"])
    return offered


async def test_review_items_and_decisions_complete_for_moderators_only(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await alices_spam_is_case_1(standin, lumen)
        # Someone who may be at risk: the alert waits for a moderator as review item 1.
        await standin.post_message(lumen.general, lumen.bob, "I want to kill myself")
        await standin.wait_for_request("POST", "/channels/{channel_id}/messages")
        await steward.settle()
        decide = "review decide"
        asked = await completions(
            standin,
            lumen,
            [
                (lumen.mona, decide, "item", ""),
                (lumen.mona, decide, "item", "bob"),
                (lumen.mona, decide, "item", "carl"),
                (lumen.alice, decide, "item", ""),
                (lumen.mona, decide, "decision", "re"),
            ],
        )
    (item,) = asked[0]
    assert item == {
        "name": '1. [p11] bob - contains a listed word: kill myself (case #2): "I want to kill myself"',
        "value": 1,
    }
    assert asked[1] == [item], "found by the member's name"
    assert asked[2] == [], "nobody named carl waits"
    assert asked[3] == [], "a member is offered nothing of the queue"
    assert asked[4] == [
        {"name": "reached_out: someone who may be at risk was reached", "value": "reached_out"}
    ]


async def test_appeals_waiting_and_their_outcomes_complete_and_each_decision_counts(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await alices_spam_is_case_1(standin, lumen)
        await steward.settle()
        await standin.run_command(
            lumen.guild,
            lumen.general,
            lumen.alice,
            "appeal open",
            {"case": 1, "reason": "it was our own server's invite"},
        )
        await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
        decide = "appeal decide"
        asked = await completions(
            standin,
            lumen,
            [(lumen.mona, decide, "case", ""), (lumen.mona, decide, "outcome", "ov")],
        )
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            lumen.mona,
            "appeal decide",
            {"case": 1, "outcome": "overturned"},
        )
        await standin.wait_for_request("PATCH", ORIGINAL, count=2)
        await steward.settle()
        decided = steward.app.metrics.registry.get_sample_value(
            "steward_appeal_decisions_total",
            {"community": "lumen", "rule": "spam-links", "outcome": "overturned"},
        )
    assert asked[0] == [
        {"name": "#1 alice (spam-links): it was our own server's invite", "value": 1}
    ]
    assert asked[1] == [
        {"name": "overturned: the case was wrong, its sanction is lifted", "value": "overturned"}
    ]
    assert decided == 1.0


async def test_prompts_and_schedules_complete_by_number_words_and_name(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    extra = weekly_prompts(lumen, "0 10 * * 1")
    async with start(extra) as steward:
        await standin.run_command(
            lumen.guild,
            lumen.modlog,
            lumen.mona,
            "prompt add",
            {"text": "Which lamp lights your reading corner?"},
        )
        added = await standin.wait_for_request("PATCH", ORIGINAL)
        number = int(added.json["content"].removeprefix("Added prompt #").rstrip("."))
        await steward.settle()
        asked = await completions(
            standin,
            lumen,
            [
                (lumen.mona, "prompt remove", "prompt", "reading corner"),
                (lumen.mona, "prompt edit", "prompt", str(number)),
                (lumen.mona, "prompt skip", "schedule", "wee"),
                (lumen.mona, "prompt skip", "schedule", "daily"),
            ],
        )
    (prompt,) = asked[0]
    assert prompt["value"] == number
    assert prompt["name"] == f"#{number} en Which lamp lights your reading corner?"
    assert prompt in asked[1]
    assert asked[2] == [{"name": f"weekly (#{lumen.general.id})", "value": "weekly"}]
    assert asked[3] == []


async def test_a_member_completing_a_case_number_sees_only_their_own_cases(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await alices_spam_is_case_1(standin, lumen)
        await steward.settle()
        await standin.run_command(
            lumen.guild,
            lumen.general,
            lumen.mona,
            "warn",
            {"member": lumen.bob, "reason": "rude"},
        )
        await standin.wait_for_request("PATCH", ORIGINAL)
        # Lifting a timeout is a case too, but nothing in it stands against bob.
        await standin.run_command(
            lumen.guild, lumen.general, lumen.mona, "untimeout", {"member": lumen.bob}
        )
        await standin.wait_for_request("PATCH", ORIGINAL, count=2)
        await steward.settle()
        typing = {"case": "", "reason": ""}
        await standin.run_command(
            lumen.guild, lumen.general, lumen.alice, "appeal open", typing, focused="case"
        )
        alice_sees = await standin.wait_for_request("POST", CALLBACK, count=3)
        await standin.run_command(
            lumen.guild, lumen.general, lumen.bob, "appeal open", typing, focused="case"
        )
        bob_sees = await standin.wait_for_request("POST", CALLBACK, count=4)
        await standin.run_command(
            lumen.guild, lumen.general, lumen.mona, "appeal open", typing, focused="case"
        )
        mona_sees = await standin.wait_for_request("POST", CALLBACK, count=5)
    (alices,) = alice_sees.json["data"]["choices"]
    assert alices["value"] == 1 and alices["name"].endswith(": spam-links")
    assert "bob" not in alices["name"]
    (bobs,) = bob_sees.json["data"]["choices"]
    assert bobs["value"] == 2 and bobs["name"].endswith(": rude")
    assert [c["value"] for c in mona_sees.json["data"]["choices"]] == [3, 2, 1]


async def test_a_moderator_cannot_act_on_a_higher_role(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    senior = standin.add_role(lumen.guild, "senior", position=7)
    carl = standin.add_member(lumen.guild, "carl", roles=[senior])
    async with start() as steward:
        await standin.run_command(
            lumen.guild,
            lumen.general,
            lumen.mona,
            "timeout",
            {"member": carl, "duration": "1h", "reason": "rude"},
        )
        answer = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
    assert "highest role is at or above yours" in answer.json["content"]
    assert standin.requests_to("PATCH", "/guilds/{guild_id}/members/{user_id}") == []


async def test_unbanning_someone_not_banned_says_so_and_posts_no_card(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        await standin.run_command(
            lumen.guild, lumen.general, lumen.mona, "unban", {"member": lumen.bob.user.id}
        )
        answer = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
    assert answer.json["content"].startswith(
        "Not unbanned: the member is not banned (Discord 10026)"
    )
    staff = standin.requests_to("POST", f"/channels/{lumen.modlog.id}/messages")
    assert not [r for r in staff if "Please act" in str(r.json.get("content"))]


async def test_slowmode_or_a_timeout_longer_than_discord_allows_is_refused(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # Discord caps slowmode at 6 hours; Steward capped it silently and said "25200s".
    async with start() as steward:
        for count, interval in enumerate(("7h", "90m"), start=1):
            await standin.run_command(
                lumen.guild, lumen.general, lumen.mona, "slowmode", {"interval": interval}
            )
            await standin.wait_for_request("PATCH", ORIGINAL, count=count)
        # Discord caps timeouts at 28 days: a longer one is refused, not shortened unsaid.
        month = {"member": lumen.bob, "duration": "30d", "reason": "spam"}
        await standin.run_command(lumen.guild, lumen.general, lumen.mona, "timeout", month)
        await standin.wait_for_request("PATCH", ORIGINAL, count=3)
        await steward.settle()
    too_long, set_, timeout = [r.json["content"] for r in standin.requests_to("PATCH", ORIGINAL)]
    assert timeout == "a timeout is at most 4w here; for longer, /ban with a duration"
    assert too_long == "slowmode is at most 6h here"
    assert [
        r.json for r in standin.requests_to("PATCH", "/guilds/{guild_id}/members/{user_id}")
    ] == []
    assert set_ == f"Slowmode in <#{lumen.general.id}> set to 1h30m."
    (changed,) = standin.requests_to("PATCH", "/channels/{channel_id}")
    assert changed.json == {"rate_limit_per_user": 5400}


async def test_a_missing_permission_is_told_to_moderators_and_recorded(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    standin.deny(lumen.guild, MODERATE_MEMBERS)
    async with start() as steward:
        await standin.run_command(
            lumen.guild,
            lumen.general,
            lumen.mona,
            "timeout",
            {"member": lumen.bob, "duration": "1h", "reason": "rude"},
        )
        staff = await standin.wait_for_request("POST", f"/channels/{lumen.modlog.id}/messages")
        await steward.settle()
        (case,) = await cases_of(steward, lumen, lumen.bob)
    assert "Timeout Members" in staff.json["content"]
    (timeout,) = [a for a in case.actions if a.kind == "timeout"]
    assert timeout.status == "failed" and "50013" in timeout.error


async def report(standin: DiscordStandin, lumen: Lumen, message: str) -> None:
    """Alice reports a message with the "Report to moderators" message menu."""
    await standin.run_command(
        lumen.guild,
        lumen.general,
        lumen.alice,
        "Report to moderators",
        command_type=3,
        target_id=message,
    )


async def test_a_reported_message_reaches_the_review_queue(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    posted = await standin.post_message(lumen.general, lumen.bob, "buy my lamps cheap")
    async with start() as steward:
        await report(standin, lumen, posted.id)
        thanks = await standin.wait_for_request("PATCH", ORIGINAL)
        staff = await standin.wait_for_request("POST", f"/channels/{lumen.modlog.id}/messages")
        await steward.settle()
        (item,) = await store_for(steward.storage).reviews.open_items(ref(lumen.guild.id))
    assert "moderators will look" in thanks.json["content"]
    assert item.source == "report" and item.message == ref(posted.id)
    assert staff.json["content"].startswith("Reported by alice: bob")
    assert staff.json["components"], "the review card carries its buttons"


async def test_a_moderators_click_on_a_review_card_applies_the_decision(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    posted = await standin.post_message(lumen.general, lumen.bob, "buy my lamps cheap")
    async with start() as steward:
        await report(standin, lumen, posted.id)
        await standin.wait_for_request("POST", f"/channels/{lumen.modlog.id}/messages")
        await steward.settle()
        (card,) = [m for m in lumen.modlog.messages.values() if m.components]
        (item,) = await store_for(steward.storage).reviews.open_items(ref(lumen.guild.id))
        await standin.click(card, lumen.mona, f"review:{item.id}|remove")
        await standin.wait_for_request(
            "DELETE", f"/channels/{lumen.general.id}/messages/{posted.id}"
        )
        edited = await standin.wait_for_request(
            "PATCH", f"/channels/{lumen.modlog.id}/messages/{card.id}"
        )
        await steward.settle()
        decided = await store_for(steward.storage).reviews.get(item.id)
    assert decided is not None and decided.outcome is not None
    assert decided.outcome.value == "violation"
    assert "Decided by mona" in edited.json["content"]
    assert not edited.json.get("components"), "a decided card has no buttons left"


async def test_durations_are_offered_and_a_wrong_one_is_explained(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        options: dict[str, Any] = {"member": lumen.bob, "duration": "9", "reason": "heated"}
        await standin.run_command(
            lumen.guild, lumen.general, lumen.mona, "timeout", options, focused="duration"
        )
        offered = await standin.wait_for_request("POST", CALLBACK)
        options["duration"] = "abc"
        await standin.run_command(lumen.guild, lumen.general, lumen.mona, "timeout", options)
        refused = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
    assert offered.json["type"] == 8
    assert offered.json["data"]["choices"] == [{"name": "9m (9 minutes)", "value": "9m"}]
    assert refused.json["content"] == "'abc' is not a duration: try 10m, 2h or 7d"
    assert standin.requests_to("PATCH", "/guilds/{guild_id}/members/{user_id}") == []


async def test_a_purge_is_one_bulk_delete_on_the_member_s_record(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    # One request for many messages: a purge of 100 one by one ran into rate limits.
    async with start() as steward:
        posted = [await standin.post_message(lumen.general, lumen.bob, f"ad {n}") for n in range(3)]
        await standin.post_message(lumen.general, lumen.alice, "a reply")
        await standin.run_command(
            lumen.guild,
            lumen.general,
            lumen.mona,
            "purge",
            {"count": 3, "member": lumen.bob, "reason": "ads"},
        )
        answer = await standin.wait_for_request("PATCH", ORIGINAL)
        await steward.settle()
    (bulk,) = standin.requests_to("POST", "/channels/{channel_id}/messages/bulk-delete")
    assert sorted(bulk.json["messages"]) == sorted(str(p.id) for p in posted)
    assert standin.requests_to("DELETE", "/channels/{channel_id}/messages/{message_id}") == []
    assert not lumen.general.messages.keys() & {p.id for p in posted}
    assert answer.json["content"] == f"Purged 3 message(s) in <#{lumen.general.id}> (case #1)."
