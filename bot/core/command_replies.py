"""What the command router answers when a command cannot run, in the member's language.

``help_header`` opens ``/help``'s list, whose descriptions speak the member's language too
where a command has translations.

Members meet these more than moderators do: a member who tries a moderator's command, or
mistypes one. The six seed languages are written here; another language falls back to
the community's, then English (``pick_language``).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.templates import pick_language, render

_REPLIES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "no_command": "There is no {command} command here. Try {help}.",
        "moderators_only": "Only a moderator can use {command}.",
        "admins_only": "Only an admin can use {command}.",
        "failed": "{command} failed on our side; the error was logged.",
        "help_header": "Commands you can use:",
    },
    "fr": {
        "no_command": "Il n'y a pas de commande {command} ici. Essaie {help}.",
        "moderators_only": "Seul un modérateur peut utiliser {command}.",
        "admins_only": "Seul un administrateur peut utiliser {command}.",
        "failed": "{command} a échoué de notre côté ; l'erreur a été enregistrée.",
        "help_header": "Commandes que tu peux utiliser :",
    },
    "nl": {
        "no_command": "Er is hier geen commando {command}. Probeer {help}.",
        "moderators_only": "Alleen een moderator kan {command} gebruiken.",
        "admins_only": "Alleen een beheerder kan {command} gebruiken.",
        "failed": "{command} ging bij ons mis; de fout is vastgelegd.",
        "help_header": "Commando's die je kunt gebruiken:",
    },
    "da": {
        "no_command": "Der er ingen kommando {command} her. Prøv {help}.",
        "moderators_only": "Kun en moderator kan bruge {command}.",
        "admins_only": "Kun en administrator kan bruge {command}.",
        "failed": "{command} fejlede hos os; fejlen er logget.",
        "help_header": "Kommandoer, du kan bruge:",
    },
    "pl": {
        "no_command": "Nie ma tu polecenia {command}. Spróbuj {help}.",
        "moderators_only": "Tylko moderator może użyć {command}.",
        "admins_only": "Tylko administrator może użyć {command}.",
        "failed": "{command} nie zadziałało po naszej stronie; błąd został zapisany.",
        "help_header": "Polecenia, których możesz użyć:",
    },
    "ja": {
        "no_command": "ここには {command} というコマンドはありません。{help} をお試しください。",
        "moderators_only": "{command} はモデレーターのみ使用できます。",
        "admins_only": "{command} は管理者のみ使用できます。",
        "failed": "{command} はこちらの問題で失敗しました。エラーは記録されています。",
        "help_header": "使えるコマンド：",
    },
}
REPLY_NAMES = frozenset(_REPLIES["en"])
"""The router's replies, each written in every language above."""


def command_reply(name: str, lang: str | None, fallback: str, **values: str) -> str:
    """Return the router's reply ``name`` in ``lang`` (else ``fallback``, else English).

    Args:
        name: One of :data:`REPLY_NAMES`.
        lang: The member's language (BCP 47), when known.
        fallback: The community's language.
        values: ``command`` (as typed on this platform) and, for ``no_command``, ``help``.
    """
    texts = {code: replies[name] for code, replies in _REPLIES.items()}
    return render(pick_language(texts, lang, fallback), values)
