"""Reading the catalog: the active providers and services, and the knowledge entries."""

from __future__ import annotations

from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import KnowledgeEntry, Provider, ProviderService, Service


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


def active_services(*, uow: UnitOfWork) -> list[Service]:
    """Return every service that is not archived, by id."""
    with uow.reading() as reader:
        return list(
            reader.session.exec(
                select(Service).where(col(Service.archived).is_(False)).order_by(col(Service.id))
            )
        )


def knowledge_entries(*, uow: UnitOfWork) -> list[KnowledgeEntry]:
    """Return every knowledge entry, by id."""
    with uow.reading() as reader:
        return list(reader.session.exec(select(KnowledgeEntry).order_by(col(KnowledgeEntry.id))))


def every_provider(*, uow: UnitOfWork) -> list[Provider]:
    """Return every provider by id, archived ones too."""
    with uow.reading() as reader:
        return list(reader.session.exec(select(Provider).order_by(col(Provider.id))))


def has_providers(*, uow: UnitOfWork) -> bool:
    """Tell whether any provider, archived or not, is in the database."""
    with uow.reading() as reader:
        return reader.session.exec(select(Provider.id).limit(1)).first() is not None
