"""The composition root: everything a way in needs, built once from settings and handed down.

`bootstrap` builds the engine and the clock; `Frontdesk` makes the keys, the channel clients
(Twilio, the couriers) and the embedder the first time they are asked for, and keeps them.
Each `open_knowledge`, `open_agent` and `serving` opens a knowledge index, an agent, or what the
web app runs on (the hub with its outlets, the SMS desk, the Telegram bot) for as long as it is
entered, from those kept parts; nothing else builds any of them.
Tests build the same thing from settings that point at local servers (a fake Twilio, Telegram
or SMTP server, a temporary PostgreSQL).

The knowledge index and the agent are imported where they are opened, not at the top: their
stack (torch, chromadb, langgraph) takes seconds to import, which the commands that never
talk to the agent (db upgrade, world load, worker) should not pay.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from starlette.requests import HTTPConnection

from api.settings import Settings
from api.single_server import only_server_on_sqlite
from channels.calendar_refresher import CalendarRefresher
from channels.couriers import Courier
from channels.delivery_worker import DeliveryWorker
from channels.email_courier import EmailCourier
from channels.outlets import Outlet
from channels.sms.courier import SmsCourier
from channels.sms.inbound import CHANNEL as SMS_CHANNEL
from channels.sms.inbound import SmsDesk
from channels.sms.outlet import SmsOutlet
from channels.sms.twilio_rest import TwilioMessages
from channels.telegram.courier import TelegramCourier
from domain.documents.sealing import KEY_BYTES, DocumentKey
from domain.kernel.clock import Clock, FrozenClock, SystemClock
from domain.kernel.db import is_sqlite, make_engine
from domain.kernel.keyring import Keyring
from domain.kernel.migrate import upgrade_schema
from domain.kernel.private_files import private_dir
from domain.kernel.uow import UnitOfWork
from domain.models.sealed import keyring_of

if TYPE_CHECKING:
    from agent.runner import ConversationAgent
    from channels.hub import Hub
    from channels.telegram.bot import TelegramBot
    from knowledge.embeddings import MiniLMEmbedder
    from knowledge.index import KnowledgeIndex

SMS_STATUS_PATH = "/sms/status"  # where Twilio reports delivery (api.sms_routes serves it)
FormUrl = Callable[[str], str]


@dataclass(frozen=True)
class Serving:
    """What the web app runs on while it serves, as `Frontdesk.serving` opened it."""

    knowledge: KnowledgeIndex
    hub: Hub
    sms_desk: SmsDesk | None  # with Twilio configured
    telegram: TelegramBot | None  # with a bot configured; started and stopped by the app


@dataclass
class Frontdesk:
    """Everything a way in (HTTP, CLI, channel, worker) needs, built once."""

    settings: Settings
    engine: Engine
    clock: Clock

    @cached_property
    def secret_key(self) -> bytes:
        """The key that signs staff tokens and form links; one is made and kept if not set."""
        if self.settings.secret_key:
            return self.settings.secret_key.encode()
        path = kept_secret(self.settings.data_dir / "secret.key", secrets.token_urlsafe(48))
        return path.read_text().strip().encode()

    @property
    def document_key(self) -> DocumentKey:
        """The key client files are sealed with; one is made and kept (mode 0600) if not set."""
        return self.keyring.current

    @property
    def keyring(self) -> Keyring:
        """The current document key and the retired ones (the engine's: its sealed columns')."""
        return keyring_of(self.engine.dialect)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock)

    @cached_property
    def twilio(self) -> TwilioMessages | None:
        """Twilio's REST client, shared by the SMS outlet and courier; None without Twilio."""
        twilio = self.settings.twilio
        if twilio is None:
            return None
        public_url = self.settings.public_url
        return TwilioMessages(
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token,
            from_number=twilio.from_number,
            api_url=twilio.api_url,
            # Delivery reports are asked for only when our public address is known.
            status_callback_url=f"{public_url}{SMS_STATUS_PATH}" if public_url else None,
        )

    @property
    def courier_channels(self) -> frozenset[str]:
        """The channels a worker with these settings delivers on (its one-time codes included).

        Read from the settings: the web app asks at start, and building couriers there would
        open Twilio and Telegram clients it never uses or closes.
        """
        settings = self.settings
        configured = {"email": settings.smtp, "sms": settings.twilio, "telegram": settings.telegram}
        return frozenset(channel for channel, on in configured.items() if on is not None)

    @cached_property
    def couriers(self) -> dict[str, Courier]:
        """One courier per configured channel, none for the others."""
        settings = self.settings
        couriers: dict[str, Courier] = {}
        if settings.smtp is not None:
            smtp = settings.smtp
            couriers["email"] = EmailCourier(
                host=smtp.host,
                port=smtp.port,
                sender=smtp.sender,
                username=smtp.username,
                password=smtp.password,
                security=smtp.security,
            )
        if self.twilio is not None:
            couriers["sms"] = SmsCourier(self.twilio)
        if settings.telegram is not None:
            couriers["telegram"] = TelegramCourier(
                token=settings.telegram.token, api_url=settings.telegram.api_url
            )
        return couriers

    def delivery_worker(self, *, batch: int) -> DeliveryWorker:
        """The notification worker over this database, sending through the couriers."""
        return DeliveryWorker(
            uow=self.uow,
            couriers=self.couriers,
            reminder_hours=self.settings.reminder_hours,
            batch=batch,
        )

    def calendar_refresher(self) -> CalendarRefresher:
        """The refresher of providers' external calendars, on the settings' schedule."""
        every = timedelta(minutes=self.settings.calendar_sync_minutes)
        return CalendarRefresher(uow=self.uow, every=every)

    @cached_property
    def embedder(self) -> MiniLMEmbedder:
        """The sentence embedder the knowledge index and the offline model share, loaded."""
        from knowledge.embeddings import MiniLMEmbedder

        embedder = MiniLMEmbedder()
        embedder.load()
        return embedder

    @contextmanager
    def open_knowledge(self) -> Iterator[KnowledgeIndex]:
        """Open the knowledge index in the data dir, brought up to date with the database."""
        from knowledge.entries import entries_from_database
        from knowledge.index import KnowledgeIndex

        chroma_url = self.settings.scale.chroma_url
        opened = (
            KnowledgeIndex.connect(chroma_url, self.embedder)
            if chroma_url
            else KnowledgeIndex.open(self.settings.data_dir / "chroma", self.embedder)
        )
        with opened as index:
            index.reindex(entries_from_database(self.uow()))
            yield index

    @contextmanager
    def open_agent(self, knowledge: KnowledgeIndex) -> Iterator[ConversationAgent]:
        """Yield the conversational agent as the settings describe it, searching `knowledge`."""
        from agent.checkpoint import open_checkpointer
        from agent.graph import build_graph
        from agent.models import chat_model
        from agent.runner import ConversationAgent
        from tools import ToolDeps, make_tools

        settings = self.settings
        with open_checkpointer(
            settings.database_url, settings.data_dir, self.keyring
        ) as checkpointer:
            graph = build_graph(
                model=chat_model(settings.model),
                tools=make_tools(ToolDeps(uow=self.uow, knowledge=knowledge)),
                uow=self.uow,
                checkpointer=checkpointer,
            )
            yield ConversationAgent(graph, self.uow)

    @contextmanager
    def open_agent_and_knowledge(self) -> Iterator[ConversationAgent]:
        """Yield the agent over a knowledge index of its own (the terminal chat's)."""
        with self.open_knowledge() as index, self.open_agent(index) as agent:
            yield agent

    @asynccontextmanager
    async def serving(self, *, form_url: FormUrl) -> AsyncIterator[Serving]:
        """Open what the web app runs on: knowledge, agent, hub with its outlets, SMS desk and
        Telegram bot; the hub's turns under way finish before anything closes."""
        from channels.bus import EventBus
        from channels.hub import Hub
        from channels.hub_signals import hear_other_processes
        from channels.relay import NoRelay, PostgresRelay
        from channels.telegram.bot import TelegramBot
        from channels.telegram.chats import ChannelDeps

        with ExitStack() as opened:
            sqlite_file = self.engine.url.database if is_sqlite(self.engine) else None
            opened.enter_context(only_server_on_sqlite(sqlite_file))
            index = opened.enter_context(self.open_knowledge())
            agent = opened.enter_context(self.open_agent(index))
            relay = NoRelay() if is_sqlite(self.engine) else PostgresRelay(self._libpq_url())
            hub = Hub(
                agent=agent,
                uow=self.uow,
                bus=EventBus(),
                form_url=form_url,
                max_turns=self.settings.scale.max_turns,
                lease_seconds=self.settings.scale.turn_lease_seconds,
                relay=relay,
            )
            hear_other_processes(hub)
            hub.outlets.update(self._sms_outlets())
            telegram = self.settings.telegram
            bot = (
                TelegramBot(
                    token=telegram.token,
                    api_url=telegram.api_url,
                    deps=ChannelDeps(
                        hub=hub,
                        uow=self.uow,
                        document_key=self.document_key,
                        max_upload_bytes=self.settings.max_upload_bytes,
                    ),
                )
                if telegram is not None
                else None
            )
            desk = (
                SmsDesk(hub=hub, uow=self.uow, public_url=self.settings.public_url)
                if self.twilio is not None
                else None
            )
            if isinstance(relay, PostgresRelay):
                await relay.start()
            await hub.start()
            try:
                yield Serving(knowledge=index, hub=hub, sms_desk=desk, telegram=bot)
            finally:
                await hub.stop()
                if isinstance(relay, PostgresRelay):
                    await relay.stop()

    def _libpq_url(self) -> str:
        """The database's address as psycopg's own connections take it (no `+psycopg`)."""
        url = make_url(self.settings.database_url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _sms_outlets(self) -> dict[str, Outlet]:
        if self.twilio is None:
            return {}
        outlet = SmsOutlet(messages=self.twilio, uow=self.uow, public_url=self.settings.public_url)
        return {SMS_CHANNEL: outlet}

    def close(self) -> None:
        self.engine.dispose()


def kept_secret(path: Path, value: str) -> Path:
    """Keep `value` at `path` (mode 0600) unless a secret is there already; return the path.

    Written whole to a temporary file and linked into place, so a process starting at the
    same moment, or a crash half-way, never leaves an empty or partial key behind.
    """
    if path.exists():
        return path
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as file:  # mkstemp makes it 0600
            file.write(value)
            file.flush()
            os.fsync(file.fileno())
        with suppress(FileExistsError):  # another process kept its secret first: use that one
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path


def bootstrap(
    settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True
) -> Frontdesk:
    """Build the application from settings; bring the schema up to date unless told not to."""
    settings = settings or Settings.from_env()
    private_dir(settings.data_dir)
    engine = make_engine(settings.database_url, keyring=keyring_from(settings))
    if migrate:
        upgrade_schema(engine)
    if clock is None:
        clock = FrozenClock(settings.frozen_now) if settings.frozen_now else SystemClock()
    return Frontdesk(settings=settings, engine=engine, clock=clock)


def keyring_from(settings: Settings) -> Keyring:
    """The document keys the settings name; a current one is made and kept if none is set."""
    retired = tuple(DocumentKey(secret) for secret in settings.retired_document_keys)
    if settings.document_key is not None:
        return Keyring(DocumentKey(settings.document_key), retired)
    made = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()
    path = kept_secret(settings.data_dir / "document.key", made)
    try:
        current = DocumentKey(base64.b64decode(path.read_text().strip(), validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{path} does not hold a document key: {exc}") from None
    return Keyring(current, retired)


def frontdesk_of(connection: HTTPConnection) -> Frontdesk:
    """The Frontdesk the app serving this request (or socket) was built around."""
    frontdesk: Frontdesk = connection.app.state.frontdesk
    return frontdesk
