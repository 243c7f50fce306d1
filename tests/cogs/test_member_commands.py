"""What members read for themselves: the guidelines in force and what is kept about them."""

from __future__ import annotations

from pathlib import Path

from tests.cogs.test_guidelines import at, cmd, community, replies
from tests.conftest import ScenarioRunner


async def test_a_member_reads_the_guidelines_in_force_in_their_language(
    run_scenario: ScenarioRunner, tmp_path: Path
) -> None:
    # Members learnt the rules only from a notice once they had broken one; on Slack there
    # is often no #rules channel to read them in.
    policy = tmp_path / "ours.toml"
    policy.write_text(
        '[policy]\nname = "ours"\nextends = "default"\n'
        '[[rules]]\nid = "walls"\nchannels = ["support"]\n'
        '[[rules]]\nid = "resale"\ntype = "keywords"\n'
        'guideline = "No selling or reselling"\n[rules.params.words]\nen = ["wts"]\n'
        '[[rules]]\nid = "trading"\ntype = "keywords"\n'
        'guideline = "No selling or reselling"\n[rules.params.words]\nen = ["wtb"]\n',
        encoding="utf-8",
    )
    config = {"cogs": {"welcome": {"enabled": False}, "guidelines": {"policy": str(policy)}}}
    said = replies(
        await run_scenario(
            [
                community(config=config),
                cmd("bob", "guidelines", at(1)),
                cmd("mod1", "policy shadow", at(2), rule="insults"),
                cmd("bob", "guidelines", at(3)),
                cmd("alice", "guidelines", at(4)),
            ]
        )
    )
    before, _, after, alices = said
    assert before.splitlines()[0] == "Les règles de acme :"
    assert "- Respectons-nous : pas d'insultes ni d'injures" in before.splitlines()
    listed = after.splitlines()
    assert listed[0] == "Les règles de acme :"
    # In the policy's order; rules in shadow mode (as written, or set by a moderator) act on
    # nobody and are left out; a guideline shared by two rules is read once, and one the
    # policy words in English only is read in English.
    assert listed[1:-1] == [
        "- Restons courtois : pas de jurons ni d'injures envers les autres",
        "- Pas de haine : les insultes visant un groupe ne sont jamais acceptables",
        "- Nous prenons soin les uns des autres",
        "- Aucune menace, et ne jamais pousser quelqu'un à se faire du mal",
        "- Pas de spam : pas d'invitations vers d'autres serveurs, de liens raccourcis, de "
        "liens déguisés ni de sites bloqués",
        "- Pas de mentions en masse ni de @everyone",
        "- Pas de flood : laissons de la place aux autres",
        "- Pas de spam : pas de messages répétés ni de campagnes de copier-coller",
        "- Gardons les textes lisibles",
        "- Des messages lisibles : pas de pavés ni de lignes vides (seulement dans #support)",
        "- Pas de raids : pas d'afflux coordonnés de nouveaux comptes",
        "- Soyez vous-même : ne vous faites pas passer pour l'équipe, la marque ou son support",
        "- Un compte par personne : pas de retour sous un autre nom après un bannissement",
        "- Respectons-nous : pas de harcèlement, de menaces ni de propos injurieux",
        "- Pas de spam, d'arnaques ni de publicité non sollicitée",
        "- No selling or reselling",
    ]
    assert listed[-1] == (
        "Les enfreindre peut mener à un avertissement, une mise en sourdine ou un "
        "bannissement, et chacun peut être contesté. Consulte ton historique avec /record."
    )
    assert alices.splitlines()[0] == "The guidelines of acme:"
    assert "- Keep messages readable: no walls of text or blank lines (only in #support)" in (
        alices.splitlines()
    )


async def test_a_policy_with_nothing_in_force_says_so(
    run_scenario: ScenarioRunner, tmp_path: Path
) -> None:
    policy = tmp_path / "quiet.toml"
    policy.write_text(
        '[policy]\nname = "quiet"\n'
        + "".join(
            f'[severities.{s}]\npoints = 1\nactions = ["review"]\n'
            for s in ("low", "medium", "high", "critical")
        )
        + '[[escalation.steps]]\npoints = 1\nactions = ["warn"]\n'
        '[[rules]]\nid = "caps"\ntype = "caps"\nguideline = "Don\'t shout"\nmode = "shadow"\n',
        encoding="utf-8",
    )
    config = {"cogs": {"welcome": {"enabled": False}, "guidelines": {"policy": str(policy)}}}
    (said,) = replies(
        await run_scenario([community(config=config), cmd("alice", "guidelines", at(1))])
    )
    assert said == (
        "acme has no guidelines in force here yet; ask the moderators if you are unsure."
    )


async def test_a_member_learns_what_is_kept_about_them_and_where_to_ask(
    run_scenario: ScenarioRunner,
) -> None:
    # A member may ask for a copy of their data or its erasure only once they know what is
    # kept; `steward member export|erase` answers them.
    config = {
        "cogs": {
            "welcome": {"enabled": False},
            "guidelines": {"privacy_contact": "privacy@acme.example"},
        }
    }
    kept_a_while = "[steward]\nkeep_texts_days = 90\n"
    bobs, alices = replies(
        await run_scenario(
            [
                community(config=config),
                cmd("bob", "privacy", at(1)),
                cmd("alice", "privacy", at(2)),
            ],
            config_text=kept_a_while,
        )
    )
    (by_default,) = replies(await run_scenario([community(), cmd("alice", "privacy", at(1))]))
    assert bobs.startswith(
        "Ce que acme conserve à ton sujet via Steward : les cas qui te concernent"
    )
    assert bobs.endswith(
        "Le texte de tes messages est effacé au bout de 90 jours, sauf si un cas qui le "
        "concerne peut encore être contesté ; les faits d'un cas (ce qui a été fait, jusqu'à "
        "quand il compte) restent dans ton historique. Pour obtenir une copie de ce qui est "
        "conservé à ton sujet, ou le faire effacer, demande-le via privacy@acme.example."
    )
    assert alices.endswith(
        "The words of your messages are deleted after 90 days, unless a case about one can "
        "still be appealed; a case's bare facts (what was done, until when it counts) stay on "
        "your record. To get a copy of what is kept about you, or to have it erased, ask at "
        "privacy@acme.example."
    )
    assert by_default.endswith(
        "The words of your messages are kept until they are erased; a case's bare facts (what "
        "was done, until when it counts) stay on your record. To get a copy of what is kept "
        "about you, or to have it erased, ask the moderators."
    )


async def test_privacy_says_when_a_message_log_keeps_copies_of_members_messages(
    run_scenario: ScenarioRunner,
) -> None:
    # The copies are posts in a staff channel, beyond keep_texts_days and erasure: a member
    # who is not told cannot ask about them.
    logged = {"cogs": {"welcome": {"enabled": False}, "modlog": {"message_log": "mod-log"}}}
    bobs, alices = replies(
        await run_scenario(
            [community(config=logged), cmd("bob", "privacy", at(1)), cmd("alice", "privacy", at(2))]
        )
    )
    assert (
        "until they are erased; a case's bare facts (what was done, until when it counts) stay "
        "on your record. Moderators also keep a copy of your messages that are edited or "
        "deleted (what they said before), in a staff channel: it is not erased with the rest. "
        "To get a copy"
    ) in alices
    assert "Les modérateurs gardent aussi une copie de tes messages modifiés ou supprimés" in bobs
