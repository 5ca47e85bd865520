"""Reading the catalog: active services and providers."""

from __future__ import annotations

from sqlmodel import col, select

from domain.models import Provider, ProviderService, Service
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


def offerings(*, uow: UnitOfWork) -> list[tuple[Provider, list[Service]]]:
    """Return every active provider with the active services they offer."""
    with uow.reading() as reader:
        rows = reader.session.exec(
            select(Provider, Service)
            .join(ProviderService, col(ProviderService.provider_id) == col(Provider.id))
            .join(Service, col(Service.id) == col(ProviderService.service_id))
            .where(col(Provider.archived).is_(False), col(Service.archived).is_(False))
            .order_by(col(Provider.id), col(Service.id))
        )
        grouped: dict[str, tuple[Provider, list[Service]]] = {}
        for provider, service in rows:
            grouped.setdefault(provider.id, (provider, []))[1].append(service)
        return list(grouped.values())
