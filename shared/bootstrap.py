"""The one composition root: picks adapters from settings, lazily, once per worker.

Nothing is built at import time. ``ready()`` builds the dependencies on first
use and runs the one-time start-up work (the first admin account). Tests call
``use(deps)`` to install their own and ``reset()`` to drop them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shared.config import Settings, load_settings
from shared.ports.clock import Clock, SystemClock

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from shared.ports.blobs import BlobStore
    from shared.ports.bus import EventBus
    from shared.ports.charger_link import ChargerLink
    from shared.ports.mailer import Mailer
    from shared.ports.payments import PaymentGateway
    from shared.ports.store import DocumentStore
    from shared.services.tokens import TokenService

__all__ = ["Deps", "build", "close", "ready", "reset", "use"]

log = logging.getLogger("wattsup.bootstrap")


@dataclass
class Deps:
    settings: Settings
    store: DocumentStore
    bus: EventBus
    clock: Clock
    tokens: TokenService
    passwords: PasswordHasher
    link: ChargerLink
    payments: PaymentGateway
    blobs: BlobStore
    mailer: Mailer


_deps: Deps | None = None
_started = False
_lock: asyncio.Lock | None = None


def _start_lock() -> asyncio.Lock:
    # Created on first use, inside the worker's event loop.
    global _lock
    if _lock is None:
        _lock = asyncio.Lock()
    return _lock


def _store(settings: Settings, clock: Clock) -> DocumentStore:
    if settings.storage_backend == "cosmos":
        from azure.core.credentials_async import AsyncTokenCredential

        from shared.adapters.azure.cosmos_store import CosmosDocumentStore

        credential: str | AsyncTokenCredential = settings.cosmos_key
        if not settings.cosmos_key:
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential()
        return CosmosDocumentStore(
            settings.cosmos_endpoint,
            credential,
            database=settings.cosmos_database,
            connection_verify=settings.cosmos_verify_tls,
        )
    from shared.adapters.embedded.sqlite_store import SqliteDocumentStore

    path = settings.resolve_path(settings.sqlite_path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteDocumentStore(path, clock=clock)


def _bus(settings: Settings, clock: Clock) -> EventBus:
    topics = {settings.session_events_topic, settings.billing_events_topic}
    if settings.bus_backend == "servicebus":
        from shared.adapters.azure.servicebus_bus import ServiceBusEventBus

        if settings.servicebus_connection_string:
            return ServiceBusEventBus.from_connection_string(settings.servicebus_connection_string, topics=topics)
        return ServiceBusEventBus.from_namespace(settings.servicebus_namespace, topics=topics)
    from shared.adapters.embedded.local_bus import LocalBus

    path = settings.resolve_path(settings.local_bus_path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return LocalBus(path, max_delivery_count=settings.bus_max_delivery_count, clock=clock)


def _link(settings: Settings) -> ChargerLink:
    # One adapter for Azure and the local host: the local relay answers Web PubSub's REST call.
    from shared.adapters.azure.webpubsub_link import WebPubSubLink

    return WebPubSubLink.from_settings(settings)


def _payments(settings: Settings, clock: Clock) -> PaymentGateway:
    if settings.payment_backend == "stripe":
        from shared.adapters.azure.stripe_gateway import StripeGateway

        return StripeGateway(
            settings.stripe_secret_key,
            settings.stripe_webhook_secret,
            max_network_retries=settings.stripe_max_network_retries,
            timeout_seconds=settings.stripe_timeout_seconds,
        )
    from shared.adapters.embedded.payment_simulator import DEFAULT_WEBHOOK_SECRET, PaymentSimulator

    path = settings.resolve_path(settings.payment_simulator_path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    secret = settings.payment_simulator_webhook_secret or DEFAULT_WEBHOOK_SECRET
    return PaymentSimulator(path, webhook_secret=secret, clock=clock)


def _blobs(settings: Settings, clock: Clock) -> BlobStore:
    if settings.blob_backend == "azure":
        from shared.adapters.azure.blob_store import AzureBlobStore

        if settings.azure_storage_connection_string:
            return AzureBlobStore.from_connection_string(
                settings.azure_storage_connection_string,
                create_containers=settings.blob_create_containers,
                health_container=settings.invoices_container,
                clock=clock,
            )
        return AzureBlobStore.from_account_url(
            settings.azure_storage_account_url, health_container=settings.invoices_container, clock=clock
        )
    from shared.adapters.embedded.folder_blob_store import FolderBlobStore

    return FolderBlobStore(settings.resolve_path(settings.blob_root))


def _mailer(settings: Settings) -> Mailer:
    if settings.mail_backend == "acs":
        from shared.adapters.azure.acs_mailer import AcsMailer

        return AcsMailer.from_endpoint(settings.acs_email_endpoint, settings.mail_sender)
    if settings.mail_backend == "smtp":
        from shared.adapters.smtp_mailer import SmtpMailer

        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
        )
    from shared.adapters.embedded.outbox_mailer import OutboxMailer

    # beside the SQLite file by default (.data/outbox), so tests on temp files keep their mail there too
    folder = settings.mail_outbox_dir or str(Path(settings.sqlite_path).parent / "outbox")
    return OutboxMailer(settings.resolve_path(folder), settings.mail_sender)


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Deps:
    from argon2 import PasswordHasher

    from shared.services.tokens import TokenService

    settings = settings or load_settings()
    clock = clock or SystemClock()
    return Deps(
        settings=settings,
        store=_store(settings, clock),
        bus=_bus(settings, clock),
        clock=clock,
        tokens=TokenService(
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
            clock=clock,
        ),
        passwords=PasswordHasher(),
        link=_link(settings),
        payments=_payments(settings, clock),
        blobs=_blobs(settings, clock),
        mailer=_mailer(settings),
    )


async def ready() -> Deps:
    """The worker's dependencies, built and started on first use."""
    global _deps, _started
    if _deps is None:
        _deps = build()
    if not _started:
        from shared.services.accounts import ensure_first_admin

        async with _start_lock():
            if not _started:
                await ensure_first_admin(_deps)
                _started = True
    return _deps


def use(deps: Deps) -> None:
    global _deps, _started, _lock
    _deps, _started, _lock = deps, False, None


def reset() -> None:
    global _deps, _started, _lock
    _deps, _started, _lock = None, False, None


async def close() -> None:
    if _deps is not None:
        await _deps.store.close()
        await _deps.bus.close()
        await _deps.link.close()
        await _deps.payments.close()
        await _deps.blobs.close()
        await _deps.mailer.close()
    reset()
