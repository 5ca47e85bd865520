"""Reading the catalog: the active providers and the services they offer."""

from __future__ import annotations

from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import Provider, ProviderService, Service


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
