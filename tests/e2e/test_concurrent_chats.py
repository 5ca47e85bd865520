"""Fifty people booking at once over the web chat: every one books, nobody double-booked."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from domain.kernel.db import make_engine
from domain.models import Booking, BookingStatus, Client
from testkit.chat_client import ChatClient, book_something
from testkit.keys import TEST_KEYRING
from testkit.live import LiveServer, live_server
from tests.conftest import fresh_database_url

VISITORS = 50
REQUESTS = [
    f"I need a {who} on {day}"
    for who in ("GP", "dermatologist")
    for day in ("Tuesday", "Wednesday", "Thursday", "Friday")
]
FIRST_NAMES = ["Anna", "Ben", "Clara", "David", "Eva", "Finn", "Greta", "Hugo", "Ida", "Jonas"]
LAST_NAMES = ["Adler", "Bauer", "Conrad", "Dietz", "Engel"]
OVERLAPS = """
    SELECT count(*) FROM bookings a JOIN bookings b
      ON a.provider_id = b.provider_id AND a.id < b.id
     AND a.starts_at < b.blocked_until AND b.starts_at < a.blocked_until
     WHERE a.status IN ('hold', 'confirmed') AND b.status IN ('hold', 'confirmed')
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    url = fresh_database_url(request, tmp_path, request.param)
    with live_server(tmp_path / "data", database_url=url) as server:
        yield server, url


def visit(server: LiveServer, number: int) -> dict[str, Any]:
    with ChatClient(server.ws_url) as chat:
        return book_something(
            chat,
            request=REQUESTS[number % len(REQUESTS)],
            name=f"{FIRST_NAMES[number % 10]} {LAST_NAMES[number // 10]}",
            phone=f"+49 170 555{number:04d}",
            rng=random.Random(number),
        )


def test_fifty_concurrent_conversations_each_book_without_double_booking(
    served: tuple[LiveServer, str],
) -> None:
    server, url = served
    with ThreadPoolExecutor(VISITORS) as pool:
        cards = list(pool.map(lambda n: visit(server, n), range(VISITORS)))
    assert all(card["status"] == "confirmed" for card in cards)
    assert len({card["booking_id"] for card in cards}) == VISITORS
    # Clients' phones are sealed at rest: read them as the server does.
    engine = make_engine(
        url.replace("postgresql://", "postgresql+psycopg://"), keyring=TEST_KEYRING
    )
    try:
        with engine.connect() as db:
            assert db.execute(text(OVERLAPS)).scalar_one() == 0
        with Session(engine) as session:
            confirmed = session.exec(
                select(Client)
                .join(Booking, col(Booking.client_id) == col(Client.id))
                .where(Booking.status == BookingStatus.CONFIRMED)
            ).all()
    finally:
        engine.dispose()
    booked = sum(1 for client in confirmed if (client.phone or "").startswith("+49170555"))
    assert booked == VISITORS
