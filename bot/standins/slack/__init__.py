"""A stand-in Slack: Web API, Socket Mode and a signed sender of events, commands, clicks."""

from bot.standins.slack.server import Call, Delivery, SlackStandin
from bot.standins.slack.workspace import Conversation, User, UserGroup, Workspace

__all__ = ["Call", "Conversation", "Delivery", "SlackStandin", "User", "UserGroup", "Workspace"]
