"""Categories of service (medical, legal, …), managed by admins."""

from __future__ import annotations

from domain.catalog.items import CatalogItems
from domain.models import Category

CATEGORIES = CatalogItems(Category, what="category", subject="category")
