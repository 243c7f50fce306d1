"""The weekly highlight of helpful members: who drew thanks and reactions from others.

A reply that thanks someone (in any of the configured words) credits the member it
answers or mentions; a reaction credits the author of the message. Members never credit
themselves, bots are never credited, and members with an active infraction are left out
of the highlight whatever their credits.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core.channels import ChannelName
from bot.core.language_tags import LanguageTag, primary_subtag
from bot.core.quoting import quoted
from bot.core.templates import picked_language, placeholders_from, render
from cogs._discussion_store import Credit
from cogs._schedules import checked_cron

_THANKS = (
    "thanks", "thank you", "thank u", "thx", "ty", "cheers", "merci", "bedankt", "dank je",
    "dankjewel", "dank u", "tak", "mange tak", "dzięki", "dziękuję", "danke", "gracias",
    "grazie", "obrigado", "obrigada", "ありがとう", "感謝",
)  # fmt: skip

_MESSAGES = {
    "en": "This week's most helpful members, thanked by the community: {members}. Thank you!",
    "fr": "Les membres les plus serviables de la semaine, remerciés par la communauté : {members}. Merci !",
    "nl": "De behulpzaamste leden van deze week, bedankt door de community: {members}. Dank jullie!",
    "da": "Ugens mest hjælpsomme medlemmer, takket af fællesskabet: {members}. Tak!",
    "pl": "Najbardziej pomocni członkowie tygodnia, docenieni przez społeczność: {members}. Dziękujemy!",
    "ja": "今週、みんなから感謝された頼れるメンバー：{members}。ありがとうございます！",
}


Highlights = dict[LanguageTag, Annotated[str, placeholders_from("members")]]
"""The weekly highlight, by language."""


class RecognitionSettings(BaseModel):
    """When and how to thank helpful members.

    Attributes:
        cron: When the highlight goes up, in the community's local time.
        channel: The channel (name or id) it goes to.
        top: How many members it names at most.
        min_credits: The fewest thanks and reactions that earn a mention.
        window: How far back credits count.
        include_staff: Whether moderators and admins may be named.
        thanks_words: Words that make a reply a thank-you (matched as whole words).
        messages: The highlight by language; ``{members}`` lists who and what they drew.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    cron: str = "0 16 * * fri"
    channel: ChannelName = "general"
    top: int = Field(3, ge=1, le=20)
    min_credits: int = Field(2, ge=1)
    window: timedelta = timedelta(days=7)
    include_staff: bool = True
    thanks_words: tuple[str, ...] = _THANKS
    messages: Highlights = Field(default_factory=lambda: dict(_MESSAGES))

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return checked_cron(value)


@lru_cache(maxsize=32)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted({w.lower() for w in words}, key=len, reverse=True)
    # Whole words in alphabetic scripts; Japanese and Chinese have no spaces to bound one.
    parts = [re.escape(w) if _cjk(w) else rf"(?<!\w){re.escape(w)}(?!\w)" for w in ordered]
    return re.compile("|".join(parts))


def _cjk(word: str) -> bool:
    return any("\u3040" <= c <= "\u9fff" for c in word)


def thanks_in(text: str, settings: RecognitionSettings) -> bool:
    """Return whether a message says thank you."""
    return _pattern(settings.thanks_words).search(text.lower()) is not None


# What each named member drew, in the highlight's language ("label: count" reads right
# for any count, so no plural forms are needed).
_DREW = {
    "en": "thanks: {thanks}, reactions: {reactions}",
    "fr": "remerciements : {thanks}, réactions : {reactions}",
    "nl": "bedankjes: {thanks}, reacties: {reactions}",
    "da": "tak: {thanks}, reaktioner: {reactions}",
    "pl": "podziękowania: {thanks}, reakcje: {reactions}",
    "ja": "感謝 {thanks}件、リアクション {reactions}件",
}


def highlight(credits: list[Credit], settings: RecognitionSettings, language: str) -> str:
    """Return the highlight text naming the members and what they drew.

    The highlight is posted for everyone to read: a display name is quoted, so a name
    written as a masked link (``[free nitro](https://phish.example)``) shows where it leads.
    """
    spoken = picked_language(settings.messages, language, "en")
    template = settings.messages[spoken] if spoken is not None else ""
    drew = _DREW.get(primary_subtag(spoken), _DREW["en"])
    named = ", ".join(
        f"**{quoted(c.name)}** ({render(drew, {'thanks': c.thanks, 'reactions': c.reactions})})"
        for c in credits
    )
    return render(template, {"members": named})
