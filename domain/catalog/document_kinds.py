"""Kinds of document a service asks clients for (passport, insurance card, …), managed by admins."""

from __future__ import annotations

from domain.catalog.items import CatalogItems
from domain.models import DocumentKind

DOCUMENT_KINDS = CatalogItems(DocumentKind, what="document kind", subject="document_kind")
