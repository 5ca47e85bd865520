"""What the database holds after a ws_load run: the bench visitors' bookings, and overlaps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import create_engine, text

from bench.ws_client import Conversation

# Two occupying bookings of one provider whose blocked spans intersect: a double booking.
OVERLAPS = """
SELECT count(*) FROM bookings a JOIN bookings b
  ON a.provider_id = b.provider_id AND a.id < b.id
 AND a.starts_at < b.blocked_until AND b.starts_at < a.blocked_until
WHERE a.status IN ('hold', 'confirmed') AND b.status IN ('hold', 'confirmed')
"""
# Bench visitors are known by the name and phone number they give (bench.ws_visitors.identity).
BENCH_CONFIRMED = """
SELECT c.id, count(b.id) FROM clients c JOIN bookings b ON b.client_id = c.id
WHERE b.status = 'confirmed' AND (c.name LIKE 'Bench Client %' OR c.phone LIKE '%170555%')
GROUP BY c.id
"""


@dataclass
class BookingCheck:
    visitors_confirmed: int
    visitors_with_several: int
    cards_confirmed: int
    cards: int
    overlaps: int


def check_bookings(database_url: str, conversations: Sequence[Conversation]) -> BookingCheck:
    """Count the bench visitors' confirmed bookings and overlapping bookings of one provider."""
    cards = [c.booking_id for c in conversations if c.booking_id is not None]
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            per_client: list[tuple[str, int]] = [
                (str(client), int(count))
                for client, count in connection.execute(text(BENCH_CONFIRMED))
            ]
            overlaps = connection.execute(text(OVERLAPS)).scalar_one()
            statuses: dict[str, str] = {
                str(booking): str(status)
                for booking, status in connection.execute(text("SELECT id, status FROM bookings"))
            }
    finally:
        engine.dispose()
    return BookingCheck(
        visitors_confirmed=sum(count for _, count in per_client),
        visitors_with_several=sum(1 for _, count in per_client if count > 1),
        cards_confirmed=sum(1 for card in set(cards) if statuses.get(card) == "confirmed"),
        cards=len(cards),
        overlaps=int(overlaps),
    )
