"""A local Discord (REST v10 and gateway v10) that the real discord.py runs against."""

from bot.standins.discord._model import Channel, Guild, Member, Role, StoredMessage, User
from bot.standins.discord.server import DiscordStandin, RecordedRequest

__all__ = [
    "Channel",
    "DiscordStandin",
    "Guild",
    "Member",
    "RecordedRequest",
    "Role",
    "StoredMessage",
    "User",
]
