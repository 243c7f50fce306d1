"""Serve gateway v10 sessions: HELLO, IDENTIFY, READY, dispatches, heartbeats, RESUME.

Sessions outlive their websocket: events dispatched while a client is away stay in the
session's backlog, and a RESUME replays what the client had not seen, as Discord does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

HEARTBEAT_INTERVAL_MS = 41_250
BACKLOG = 10_000

# Gateway intents (Discord's numbering) and the privileged ones a portal toggle guards.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MODERATION = 1 << 2
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
AUTO_MODERATION_EXECUTION = 1 << 21
GUILD_MESSAGE_POLLS = 1 << 24
PRIVILEGED = {
    "members": GUILD_MEMBERS,
    "presences": GUILD_PRESENCES,
    "message_content": MESSAGE_CONTENT,
}

NORMAL_CLOSURE = 1000
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_DISALLOWED_INTENTS = 4014

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 7, 8, 9, 10, 11


@dataclass(slots=True)
class Session:
    """One identified gateway session, resumable after its socket closes."""

    id: str
    intents: int
    shard: tuple[int, int]
    seq: int = 0
    backlog: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=BACKLOG))
    ws: web.WebSocketResponse | None = None
    rewind: int = 0

    def owns(self, guild_id: str | None) -> bool:
        """Return whether this session's shard receives a guild's events."""
        if guild_id is None:
            return self.shard[0] == 0
        shard_id, count = self.shard
        return (int(guild_id) >> 22) % count == shard_id


@dataclass(frozen=True, slots=True)
class Dispatch:
    """An event to send: its name, payload, guild and the intent it needs."""

    name: str
    data: dict[str, Any]
    guild_id: str | None = None
    intent: int = 0
    content_gated: bool = False


class GatewayHooks(Protocol):
    """What the gateway asks of the stand-in that owns it."""

    @property
    def token(self) -> str:
        """Return the bot token a client must present."""
        ...

    @property
    def allowed_privileged(self) -> set[str]:
        """Return the privileged intents the application has enabled."""
        ...

    def ready_payload(self, session: Session) -> dict[str, Any]:
        """Return the READY payload for a new session."""
        ...

    def guild_payloads(self, session: Session) -> Iterable[dict[str, Any]]:
        """Return a GUILD_CREATE payload per guild the session's shard owns."""
        ...


def _strip_content(data: dict[str, Any], bot_id: str) -> dict[str, Any]:
    """Withhold content as Discord does without the message-content intent."""
    if "guild_id" not in data or any(u.get("id") == bot_id for u in data.get("mentions", [])):
        return data
    return data | {"content": "", "embeds": [], "attachments": [], "components": []}


class Gateway:
    """The websocket side of the stand-in.

    Args:
        hooks: The stand-in's answers (token, READY, guilds).
        bot_id: The bot's user id (messages that mention it keep their content).
    """

    def __init__(self, hooks: GatewayHooks, bot_id: str) -> None:
        self._hooks = hooks
        self._bot_id = bot_id
        self.sessions: dict[str, Session] = {}
        self.sockets: set[web.WebSocketResponse] = set()
        self.identified = asyncio.Event()
        self.resumed = 0
        self.close_codes: list[int] = []

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one websocket connection until it closes."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.add(ws)
        session: Session | None = None
        try:
            await self._send(
                ws, {"op": OP_HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}
            )
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                session = await self._on_frame(ws, frame, session) or session
        finally:
            self.sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                if ws.close_code == NORMAL_CLOSURE:
                    # A client that closes normally ends its session: nothing to resume.
                    self.sessions.pop(session.id, None)
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, frame: dict[str, Any], session: Session | None
    ) -> Session | None:
        op, data = frame.get("op"), frame.get("d") or {}
        if op == OP_HEARTBEAT:
            await self._send(ws, {"op": OP_HEARTBEAT_ACK, "d": None})
        elif op == OP_IDENTIFY:
            return await self._identify(ws, data)
        elif op == OP_RESUME:
            return await self._resume(ws, data)
        elif op == OP_REQUEST_MEMBERS and session is not None:
            await self._send_chunk(session, data)
        return None

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        if data.get("token") != self._hooks.token:
            await self._close(ws, CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        missing = [
            name
            for name, bit in PRIVILEGED.items()
            if intents & bit and name not in self._hooks.allowed_privileged
        ]
        if missing:
            await self._close(ws, CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s).")
            return None
        shard = data.get("shard") or [0, 1]
        session = Session(uuid.uuid4().hex, intents, (int(shard[0]), int(shard[1])))
        session.ws = ws
        self.sessions[session.id] = session
        await self._emit(session, "READY", self._hooks.ready_payload(session))
        for guild in self._hooks.guild_payloads(session):
            await self._emit(session, "GUILD_CREATE", guild)
        self.identified.set()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self._hooks.token:
            await self._send(ws, {"op": OP_INVALID_SESSION, "d": False})
            return None
        seen = int(data.get("seq") or 0) - session.rewind
        session.rewind = 0
        session.ws = ws
        for frame in list(session.backlog):
            if frame["s"] > seen:
                await self._send(ws, frame)
        await self._emit(session, "RESUMED", {})
        self.resumed += 1
        return session

    async def _send_chunk(self, session: Session, data: dict[str, Any]) -> None:
        for guild in self._hooks.guild_payloads(session):
            if guild["id"] == str(data.get("guild_id")):
                chunk = {
                    "guild_id": guild["id"],
                    "members": guild["members"],
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "nonce": data.get("nonce"),
                }
                await self._emit(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(self, event: Dispatch) -> int:
        """Send an event to every session that should receive it; return how many did."""
        sent = 0
        for session in list(self.sessions.values()):
            if not session.owns(event.guild_id):
                continue
            if event.intent and not session.intents & event.intent:
                continue
            data = event.data
            if event.content_gated and not session.intents & MESSAGE_CONTENT:
                data = _strip_content(data, self._bot_id)
            await self._emit(session, event.name, data)
            sent += 1
        return sent

    async def redeliver(self, name: str, data: dict[str, Any]) -> None:
        """Send a dispatch again under a new sequence number (an at-least-once duplicate)."""
        for session in list(self.sessions.values()):
            await self._emit(session, name, data)

    async def reconnect(self, *, rewind: int = 0) -> None:
        """Ask every client to reconnect (op 7); ``rewind`` replays that many seen events too."""
        for session in self.sessions.values():
            ws, session.ws = session.ws, None
            session.rewind = rewind
            if ws is not None:
                await self._send(ws, {"op": OP_RECONNECT, "d": None})

    async def close_all(self) -> None:
        """Close every open socket."""
        for ws in list(self.sockets):
            await ws.close(code=1001)

    async def _emit(self, session: Session, name: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": OP_DISPATCH, "t": name, "s": session.seq, "d": data}
        session.backlog.append(frame)
        if session.ws is not None and not await self._send(session.ws, frame):
            session.ws = None

    async def _close(self, ws: web.WebSocketResponse, code: int, reason: str) -> None:
        self.close_codes.append(code)
        await ws.close(code=code, message=reason.encode())

    @staticmethod
    async def _send(ws: web.WebSocketResponse, frame: dict[str, Any]) -> bool:
        if ws.closed:
            return False
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(json.dumps(frame))
            return True
        return False
