"""The catalog's public names in a client's language, where the practice gave translations."""

from __future__ import annotations

from sqlmodel import select

from domain.kernel.uow import UnitOfWork
from domain.models import Category, DocumentKind, Provider, Service

# Which texts of each kind of row are names a reply may show.
NAMED_FIELDS: tuple[
    tuple[type[Category | DocumentKind | Service | Provider], tuple[str, ...]], ...
] = (
    (Service, ("name",)),
    (Category, ("name",)),
    (DocumentKind, ("name",)),
    (Provider, ("name", "kind", "location")),
)


def translated_names(*, uow: UnitOfWork, language: str) -> dict[str, str]:
    """Return each original name that has a translation in the language, with the translation."""
    names: dict[str, str] = {}
    with uow.reading() as reader:
        for table, fields in NAMED_FIELDS:
            for row in reader.session.exec(select(table)):
                translations: dict[str, dict[str, str]] = getattr(row, "translations", {}) or {}
                translation = translations.get(language) or {}
                for field in fields:
                    original, translated = getattr(row, field), translation.get(field)
                    if original and translated and translated != original:
                        names[str(original)] = str(translated)
    return names
