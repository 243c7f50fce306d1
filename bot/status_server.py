"""Tell operators how a running Steward is: ``/healthz`` for probes, ``/metrics`` for Prometheus.

``steward run`` serves both on the address ``[steward] status_address`` (or
``--status-address``) names; each process that splits Discord's shards serves its own.
``/healthz`` answers 200 while every platform this process serves is connected and 503
while one is not (discord.py and Socket Mode reconnect by themselves; a probe that sees
503 for long should restart the process). ``/metrics`` gives the bus's counters, each
platform's connection, each community's review backlog (the figure to alert on when
moderators fall behind), what moderation did (rules' matches, moderators' decisions,
actions; counted as they happen by :class:`bot.metrics.ProcessMetrics`) and, where a
model is configured, how the classifier keeps up: how long messages wait for scores, how
many went without them and why, its queue.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from bot.app import App
from bot.core.protocols import Classifier
from moderation.store import store_for
from policies.classifiers.serving import ClassifierService

logger = logging.getLogger(__name__)


class PlatformLink(Protocol):
    """What the status server asks of a platform connection."""

    async def connected(self) -> bool:
        """Return whether events can arrive from the platform now."""
        ...


async def health(app: App, links: Mapping[str, PlatformLink]) -> tuple[bool, dict[str, Any]]:
    """Return whether this process is healthy, and what a probe's reader needs to see why."""
    platforms = {name: await link.connected() for name, link in links.items()}
    stats = app.bus.stats
    ok = all(platforms.values())
    return ok, {
        "status": "ok" if ok else "unavailable",
        "uptime_seconds": round((app.clock.now() - app.started_at).total_seconds(), 1),
        "platforms": {
            name: "connected" if up else "disconnected" for name, up in platforms.items()
        },
        "events_received": stats.published,
        "handler_runs": {"done": stats.handled, "failed": stats.failed},
        "handlers_waiting": app.bus.pending,
        "communities": sorted(app.runtimes),
    }


async def metrics(app: App, links: Mapping[str, PlatformLink]) -> list[Metric]:
    """Return this process's figures as Prometheus metric families, read now."""
    stats = app.bus.stats
    uptime = GaugeMetricFamily(
        "steward_uptime_seconds", "Seconds since this process started serving."
    )
    uptime.add_metric([], (app.clock.now() - app.started_at).total_seconds())
    received = CounterMetricFamily(
        "steward_events_received", "Platform events handed to the bus.", value=stats.published
    )
    runs = CounterMetricFamily(
        "steward_handler_runs", "Cog handler runs, by how they ended.", labels=["outcome"]
    )
    runs.add_metric(["done"], stats.handled)
    runs.add_metric(["failed"], stats.failed)
    runs.add_metric(["timed_out"], stats.timed_out)
    waiting = GaugeMetricFamily(
        "steward_handlers_waiting", "Handler runs queued or running.", value=app.bus.pending
    )
    connected = GaugeMetricFamily(
        "steward_platform_connected", "1 while the platform is connected.", labels=["platform"]
    )
    for name, link in sorted(links.items()):
        connected.add_metric([name], 1.0 if await link.connected() else 0.0)
    backlog_waiting = GaugeMetricFamily(
        "steward_review_items_waiting",
        "Review items waiting for moderators (open or claimed).",
        labels=["community"],
    )
    backlog_claimed = GaugeMetricFamily(
        "steward_review_items_claimed",
        "Waiting review items a moderator said they are on.",
        labels=["community"],
    )
    oldest = GaugeMetricFamily(
        "steward_review_oldest_wait_seconds",
        "How long the longest-waiting review item has waited (0 when none waits).",
        labels=["community"],
    )
    reviews = store_for(app.storage).reviews
    now = app.clock.now()
    for key, runtime in sorted(app.runtimes.items()):
        backlog = await reviews.backlog(runtime.community.ref)
        backlog_waiting.add_metric([key], backlog.waiting)
        backlog_claimed.add_metric([key], backlog.claimed)
        waited = (now - backlog.oldest).total_seconds() if backlog.oldest else 0.0
        oldest.add_metric([key], max(0.0, waited))
    return [
        uptime,
        received,
        runs,
        waiting,
        connected,
        backlog_waiting,
        backlog_claimed,
        oldest,
        *classifier_metrics(app.classifier),
        *app.metrics.registry.collect(),
    ]


def classifier_metrics(classifier: Classifier | None) -> list[Metric]:
    """Return what the process's classifier says of itself: which model, and its queue.

    How long messages waited for scores and which went without them are counted by the
    cogs that asked (:class:`bot.metrics.ProcessMetrics`); these are the service's own.
    """
    if classifier is None:
        return []
    info = GaugeMetricFamily(
        "steward_classifier_info", "The model that scores messages (always 1).", labels=["model"]
    )
    info.add_metric([f"{classifier.model_id}@{classifier.version}"], 1.0)
    if not isinstance(classifier, ClassifierService):
        return [info]  # another implementation keeps no queue the server knows of
    stats = classifier.stats
    scored = CounterMetricFamily(
        "steward_classifier_texts_scored", "Texts the model scored, by lane.", labels=["lane"]
    )
    for lane, lane_stats in classifier.lane_stats.items():
        scored.add_metric([lane], lane_stats.texts)
    return [
        info,
        GaugeMetricFamily(
            "steward_classifier_texts_waiting",
            "Texts queued for the model or being scored.",
            value=classifier.pending,
        ),
        scored,
        CounterMetricFamily(
            "steward_classifier_answers_remembered",
            "Texts answered without running the model (seen again, or a copy in one batch).",
            value=stats.remembered,
        ),
        CounterMetricFamily(
            "steward_classifier_model_failures",
            "Calls of the model that raised; their messages were judged by the rules alone.",
            value=stats.failures,
        ),
    ]


class _Snapshot(Collector):
    """A collector that hands over metric families read before the scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


class StatusServer:
    """Serve ``/healthz`` and ``/metrics`` for one process.

    Args:
        app: The running app.
        links: The platform connections this process serves, by platform.
        host: The address to listen on (``127.0.0.1`` keeps it to this machine).
        port: The port; 0 takes any free one (:attr:`url` says which).
    """

    def __init__(self, app: App, links: Mapping[str, PlatformLink], host: str, port: int) -> None:
        self._app = app
        self._links = links
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        """Start listening; return the base URL (the port chosen, when 0 was asked)."""
        server = web.Application()
        server.router.add_get("/healthz", self._health)
        server.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(server, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        logger.info("status endpoints on %s/healthz and %s/metrics", self.url, self.url)
        return self.url

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, _: web.Request) -> web.Response:
        ok, report = await health(self._app, self._links)
        return web.json_response(report, status=200 if ok else 503)

    async def _metrics(self, _: web.Request) -> web.Response:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Snapshot(await metrics(self._app, self._links)))
        response = web.Response(body=generate_latest(registry))
        # The exposition format's type carries its version; aiohttp's content_type takes none.
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response
