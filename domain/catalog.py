"""Reading the catalog: active services and providers."""

from __future__ import annotations

from sqlmodel import col, select

from domain.models import Provider, Service
from domain.uow import UnitOfWork


def list_services(*, uow: UnitOfWork) -> list[Service]:
    """Return the services on offer, by id."""
    with uow.reading() as reader:
        query = select(Service).where(col(Service.archived).is_(False)).order_by(col(Service.id))
        return list(reader.session.exec(query))


def list_providers(*, uow: UnitOfWork) -> list[Provider]:
    """Return the providers taking bookings, by id."""
    with uow.reading() as reader:
        query = select(Provider).where(col(Provider.archived).is_(False)).order_by(col(Provider.id))
        return list(reader.session.exec(query))
