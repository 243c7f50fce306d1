"""Connect Steward to one Slack workspace with slack-bolt's AsyncApp.

Bolt verifies request signatures and refuses stale timestamps (over HTTP), acknowledges,
and calls the listeners below; they translate payloads at the edge and hand events to
``App.ingest(dedupe=True)``. Slack redelivers what it did not see acknowledged and bolt
does not deduplicate: the app's ledger drops a redelivery, also after a restart.
Listeners finish before bolt answers (``process_before_response``), so an
acknowledgement means the event was recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import commands, modals, render, translate
from bot.adapters.slack.gateway import SlackGateway
from bot.adapters.slack.members import MemberDirectory
from bot.config import ConfigError, ConfigProblem, LoadedConfig, SlackSection
from bot.core.commands import CommandSpec
from bot.core.events import CommandInvoked, ComponentClicked, Event
from bot.core.protocols import Clock, Gateway
from bot.core.refs import Ref

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)

MALFORMED = (KeyError, TypeError, ValueError, AttributeError)
"""What reading a payload that lacks a field, or has one of the wrong type, raises."""


def web_client(token: str, api_base: str) -> AsyncWebClient:
    """Return a Web API client that waits out rate limits (429 with ``Retry-After``)."""
    client = AsyncWebClient(token=token, base_url=api_base)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    return client


class SlackConnection:
    """One Slack workspace: its gateway, and the bolt app that receives its events.

    Args:
        settings: The ``[slack]`` section.
        bot_token: The bot token.
        user_token: An admin user token, if any (deletes members' messages).
        app_token: The app-level token, for Socket Mode.
        signing_secret: The signing secret, for the Events API.
    """

    def __init__(
        self,
        settings: SlackSection,
        *,
        bot_token: str,
        user_token: str | None = None,
        app_token: str | None = None,
        signing_secret: str | None = None,
    ) -> None:
        self.settings = settings
        self.client = web_client(bot_token, settings.api_base)
        admin = web_client(user_token, settings.api_base) if user_token else None
        self.directory = MemberDirectory(self.client, refresh=settings.groups_refresh)
        self._gateway = SlackGateway(self.client, admin, self.directory, command=settings.command)
        self._app_token = app_token
        socket = settings.mode == "socket"
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=None if socket else signing_secret,
            request_verification_enabled=not socket,
            process_before_response=True,
        )
        self.ready = asyncio.Event()
        self._socket: AsyncSocketModeHandler | None = None
        self.url = ""
        self.handled = 0
        self.dropped = 0
        self.malformed = 0
        self._steward: App | None = None
        self._listen()

    @property
    def gateway(self) -> Gateway:
        """Return the gateway that acts in this workspace."""
        return self._gateway

    async def close(self) -> None:
        """Let go of Slack: nothing stays open outside :meth:`run`, which closes its own."""

    async def connected(self) -> bool:
        """Return whether Slack's events can arrive: the HTTP endpoint up, or the socket open.

        Socket Mode reconnects by itself; a socket whose pings go unanswered counts as down.
        """
        if not self.ready.is_set():
            return False
        if self._socket is None:
            return True
        return bool(await self._socket.client.is_connected())

    # -- listeners -----------------------------------------------------------------------

    def _listen(self) -> None:
        bolt = self.bolt
        bolt.event(re.compile(".+"))(self._on_event)
        bolt.command(self.settings.command)(self._on_command)
        bolt.action(re.compile(".+"))(self._on_action)
        bolt.view(modals.COMMAND_CALLBACK)(self._on_command_reason)
        bolt.view(modals.CLICK_CALLBACK)(self._on_click_reason)
        bolt.shortcut(modals.REPORT_CALLBACK)(self._on_report_shortcut)
        bolt.view(modals.REPORT_CALLBACK)(self._on_report)
        bolt.error(self._on_error)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        """Answer what went wrong in bolt or a listener: a malformed payload, or a failure.

        A payload that cannot be read now never will be, whether it is an event, a command,
        a click or a form: letting the error through would answer Slack with a 500 and a
        traceback, and Slack would deliver the same event three times more (or show the
        member an error for a click that can never work). It is logged in one line, counted
        and acknowledged. Anything else (a network error during a member lookup) stays a
        failure with its traceback, so that Slack delivers again what may work later.
        """
        if not isinstance(error, MALFORMED):
            logger.error("Slack request failed: %r", error, exc_info=error)
            return None
        self.malformed += 1
        logger.error("could not hear Slack %s: malformed payload: %r", _described(body), error)
        logger.debug("the malformed payload's error", exc_info=error)
        return BoltResponse(status=200, body="")

    async def _hand_over(self, event: Event | None) -> None:
        if event is None or self._steward is None:
            return
        if await self._steward.ingest(event, dedupe=True):
            self.handled += 1
        else:
            self.dropped += 1

    async def _on_event(self, body: dict[str, Any]) -> None:
        # A payload that cannot be read ends in _on_error.
        await self._hand_over(await self._event_of(body))

    async def _event_of(self, body: dict[str, Any]) -> Event | None:
        inner = body.get("event") or {}
        user = inner.get("user")
        if inner.get("type") == "user_change" and isinstance(user, dict):
            return await self._user_changed(body, user)
        return await translate.event_of(body, self.directory.member_now)

    async def _user_changed(self, body: dict[str, Any], user: dict[str, Any]) -> Event | None:
        """Compare the changed user with the one last seen, and keep the new one."""
        ident = str(user.get("id") or "")
        before = await self.directory.known(ident)
        self.directory.remember(user)
        after = await self.directory.member(ident)
        return translate.member_updated(body, before, after) if after is not None else None

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        author = await self.directory.member(str(body.get("user_id")))
        if author is None:
            return
        community = translate.ref(str(body.get("team_id") or ""))
        specs = self._specs(community)
        name, options = commands.parse(
            str(body.get("text") or ""), specs, prefix=self.settings.command.lstrip("/")
        )
        if commands.wants_reason(name, options, specs) and body.get("trigger_id"):
            metadata = {"name": name, "options": options, "channel": body.get("channel_id")}
            view = modals.reason_modal(
                modals.COMMAND_CALLBACK, f"/{name}", f"Why? (/{name})", metadata
            )
            await self.client.views_open(trigger_id=str(body["trigger_id"]), view=view)
            return
        at = datetime.now(tz=UTC)
        await self._hand_over(translate.invoked(body, author, name, options, at))

    async def _on_command_reason(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        metadata, reason = modals.submitted(body)
        if metadata.get("name"):
            options = {**metadata.get("options", {}), "reason": reason}
            await self._invoke_from_modal(body, str(metadata["name"]), options, metadata)

    async def _on_report_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        metadata = {
            "channel": (body.get("channel") or {}).get("id"),
            "ts": body.get("message_ts") or (body.get("message") or {}).get("ts"),
        }
        view = modals.reason_modal(
            modals.REPORT_CALLBACK,
            "Report to moderators",
            "What is wrong with this message?",
            metadata,
        )
        await self.client.views_open(trigger_id=str(body.get("trigger_id")), view=view)

    async def _on_report(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        # The report is the community's /report command, run on the shortcut's message.
        await ack()
        metadata, reason = modals.submitted(body)
        if metadata.get("ts"):
            options = {"message": str(metadata["ts"]), "reason": reason}
            await self._invoke_from_modal(body, "report", options, metadata)

    async def _invoke_from_modal(
        self, body: dict[str, Any], name: str, options: dict[str, Any], metadata: dict[str, Any]
    ) -> None:
        author = await self.directory.member(str((body.get("user") or {}).get("id")))
        if author is None:
            return
        view_id = str((body.get("view") or {}).get("id") or "")
        await self._hand_over(
            CommandInvoked(
                community=translate.ref(str((body.get("team") or {}).get("id") or "")),
                at=datetime.now(tz=UTC),
                id=f"modal:{view_id}",
                name=name,
                options=options,
                author=author,
                channel=translate.ref(str(metadata.get("channel") or "")),
                interaction=translate.ref(view_id),
            )
        )

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        author = await self.directory.member(str((body.get("user") or {}).get("id")))
        if author is None:
            return
        click = translate.clicked(body, author)
        if click is not None and await self._ask_why(body, click):
            return  # delivered when the form comes back
        await self._hand_over(click)

    async def _ask_why(self, body: dict[str, Any], click: ComponentClicked) -> bool:
        """Open the form of a moderator's click on a button that asks why before acting.

        Returns:
            Whether the form opened; if not, the click is delivered as it is.
        """
        action = (body.get("actions") or [{}])[0]
        question = render.question_of(str(action.get("action_id") or ""))
        trigger = body.get("trigger_id")
        if (
            not question
            or not trigger
            or self._steward is None
            or not self._steward.is_staff(click.community, click.author)
        ):
            return False
        label = str((action.get("text") or {}).get("text") or "Reason")
        metadata = translate.click_metadata(click)
        view = modals.reason_modal(modals.CLICK_CALLBACK, label, question, metadata, optional=True)
        try:
            await self.client.views_open(trigger_id=str(trigger), view=view)
        except SlackApiError as error:
            logger.warning("could not ask why on a click: %s", error.response.get("error"))
            return False
        return True

    async def _on_click_reason(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        metadata, reason = modals.submitted(body)
        author = await self.directory.member(str((body.get("user") or {}).get("id")))
        if author is not None:
            await self._hand_over(translate.answered(body, author, metadata, reason))

    def _specs(self, community: Ref) -> Iterable[CommandSpec]:
        if self._steward is None:
            return ()
        for runtime in self._steward.runtimes.values():
            if runtime.community.ref == community:
                return [bound.spec for bound in runtime.commands.values()]
        return ()

    # -- running -------------------------------------------------------------------------

    async def run(self, app: App) -> None:
        """Receive events (HTTP or Socket Mode) and hand them to ``app`` until cancelled."""
        self._steward = app
        if self.settings.mode == "socket":
            await self._run_socket()
        else:
            await self._run_http()

    async def _run_http(self) -> None:
        async def handle(request: web.Request) -> web.Response:
            try:
                # Bolt reads the body before it checks the signature, so this request may
                # come from anyone: refuse it in one line rather than a traceback a stranger
                # could repeat into the logs.
                bolt_request = await to_bolt_request(request)
            except (*MALFORMED, RecursionError) as error:
                # RecursionError: JSON nested deeper than Python reads (100,000 "[").
                logger.warning("refused a Slack request that could not be read: %r", error)
                return web.Response(status=400, text="malformed request")
            return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

        server = web.Application()
        server.router.add_post(self.settings.path, handle)
        runner = web.AppRunner(server, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.settings.host, self.settings.port)
            await site.start()
            host, port = runner.addresses[0][:2]
            self.url = f"http://{host}:{port}{self.settings.path}"
            logger.info("listening for Slack on %s", self.url)
            self.ready.set()
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    async def _run_socket(self) -> None:
        assert self._app_token is not None
        handler = AsyncSocketModeHandler(
            self.bolt,
            self._app_token,
            web_client=web_client(self._app_token, self.settings.api_base),
        )
        self._socket = handler
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            self.ready.set()
            await asyncio.Event().wait()
        finally:
            with contextlib.suppress(Exception):
                await handler.close_async()  # type: ignore[no-untyped-call]


def _described(body: Any) -> str:
    """Say which payload this is in a log line: its kind, and its event id or its sender."""
    if not isinstance(body, dict):
        return "request"
    if "event" in body:
        inner = body.get("event")
        kind = inner.get("type") if isinstance(inner, dict) else None
        return f"event {body.get('event_id', '?')} ({kind or '?'})"
    if "command" in body:
        return f"command {body.get('command')} from {body.get('user_id') or '?'}"
    user = body.get("user")
    sender = user.get("id") if isinstance(user, dict) else None
    return f"{body.get('type') or 'request'} from {sender or '?'}"


def _secrets(settings: SlackSection, source: str) -> Mapping[str, str | None]:
    def value(secret: Any) -> str | None:
        return secret.get_secret_value() if secret is not None else None

    found = {
        "bot_token": value(settings.bot_token()),
        "user_token": value(settings.user_token()),
        "app_token": value(settings.app_token()),
        "signing_secret": value(settings.signing_secret()),
    }
    needed = {"bot_token": settings.bot_token_env}
    if settings.mode == "socket":
        needed["app_token"] = settings.app_token_env
    else:
        needed["signing_secret"] = settings.signing_secret_env
    problems = [
        ConfigProblem(source, f"slack.{key}_env", None, f"{env} is not set")
        for key, env in needed.items()
        if not found[key]
    ]
    if problems:
        raise ConfigError(problems)
    return found


async def connect(loaded: LoadedConfig, clock: Clock) -> SlackConnection:
    """Build the Slack connection the configuration describes.

    Raises:
        ConfigError: If a token or secret the chosen mode needs is not set.
    """
    settings = loaded.config.slack
    secrets = _secrets(settings, loaded.source)
    bot_token = secrets["bot_token"]
    assert bot_token is not None
    return SlackConnection(
        settings,
        bot_token=bot_token,
        user_token=secrets["user_token"],
        app_token=secrets["app_token"],
        signing_secret=secrets["signing_secret"],
    )
