"""Sealed columns: values encrypted at rest, read and written by the domain as plain values.

A sealed column keeps `fd1:<key id>:<ciphertext>` (AES-256-GCM, see domain.kernel.keyring),
bound by its associated data to its table, column and row: a ciphertext copied into another
row does not open there. The row is named by one of the table's own columns (its id, or the
conversation an entry belongs to), which every SELECT of the column reads beside it.

Writes through the ORM are bound to their row by mapper events (`watch_sealed_rows`); a plain
INSERT passes `bound_to_row(value, row)`. A bare value is refused rather than sealed unbound.

A column with a blind index (`indexed_by`) keeps the keyed digest of its value in another
column, and `column == value` compares digests: equality is the only question it answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    String,
    Text,
    bindparam,
    event,
    literal,
    type_coerce,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import get_history, set_committed_value
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from domain.kernel.keyring import Keyring

_ROW_SEPARATOR = "\x1f"  # between a sealed value and its row's id in what a SELECT reads
_KEYRING = "frontdesk_keyring"


def attach_keyring(engine: Engine, keyring: Keyring) -> None:
    """Give an engine the keys its sealed columns are written and read with."""
    setattr(engine.dialect, _KEYRING, keyring)


def keyring_of(dialect: Dialect) -> Keyring:
    keyring: Keyring | None = getattr(dialect, _KEYRING, None)
    if keyring is None:
        raise RuntimeError("this engine has no keyring: build it with make_engine(url, keyring=…)")
    return keyring


@dataclass(frozen=True)
class RowBound:
    """A value to seal, with the row it belongs to."""

    value: Any
    row: str


def bound_to_row(value: Any, row: str) -> RowBound | None:
    """A value for a plain INSERT into a sealed column, bound to its row (None stays NULL)."""
    return None if value is None else RowBound(value, row)


class Codec:
    """How a column's values become bytes to seal, and back."""

    def encode(self, value: Any) -> bytes:
        return str(value).encode()

    def decode(self, data: bytes) -> Any:
        return data.decode()


class JsonCodec(Codec):
    def encode(self, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()

    def decode(self, data: bytes) -> Any:
        return json.loads(data)


class BytesCodec(Codec):
    def encode(self, value: Any) -> bytes:
        return bytes(value)

    def decode(self, data: bytes) -> Any:
        return data


CODECS: dict[str, Codec] = {"text": Codec(), "json": JsonCodec(), "bytes": BytesCodec()}


class Sealed(TypeDecorator[Any]):
    """A column whose values are sealed with the engine's keyring, bound to table, column, row."""

    impl = Text
    cache_ok = True

    def __init__(
        self, where: str, *, row: str = "id", codec: str = "text", indexed_by: str | None = None
    ) -> None:
        super().__init__()
        self.where = where  # "table.column"
        self.row = row
        self.codec = codec
        self.indexed_by = indexed_by

    def bound_to(self, row: str) -> str:
        return f"{self.where}:{row}"

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, RowBound):
            raise TypeError(
                f"{self.where} is sealed: write it through the ORM or as bound_to_row(value, row)"
            )
        plaintext = CODECS[self.codec].encode(value.value)
        return keyring_of(dialect).seal_field(plaintext, bound_to=self.bound_to(value.row))

    def column_expression(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        # The row's id travels with the value, so it opens only in the row it was sealed for.
        table = getattr(column, "table", None)
        if table is None:
            return column
        row = table.c[self.row]
        joined = (
            type_coerce(column, Text()) + literal(_ROW_SEPARATOR, Text()) + type_coerce(row, Text())
        )
        return type_coerce(joined, self)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        envelope, _, row = str(value).partition(_ROW_SEPARATOR)
        plaintext = keyring_of(dialect).open_field(envelope, bound_to=self.bound_to(row))
        return CODECS[self.codec].decode(plaintext)

    class comparator_factory(TypeDecorator.Comparator[Any]):  # noqa: N801 (SQLAlchemy's name)
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            sealed = self.type
            table = getattr(self.expr, "table", None)
            if (
                op is operators.eq
                and isinstance(sealed, Sealed)
                and sealed.indexed_by
                and table is not None
                and not isinstance(other[0], ColumnElement)
                and other[0] is not None
            ):
                # Equality is asked of the blind index, under every key of the ring.
                index: ColumnElement[Any] = table.c[sealed.indexed_by]
                return index.in_([literal(other[0], BlindIndex(slot)) for slot in range(MAX_KEYS)])
            compared: ColumnElement[Any] = super().operate(op, *other, **kwargs)
            return compared


MAX_KEYS = 3  # lookups try the current key and up to two retired ones (rotation in progress)


class BlindIndex(TypeDecorator[str]):
    """The keyed digest of a value, written under the current key; `slot` picks another key."""

    impl = String(64)
    cache_ok = True

    def __init__(self, slot: int = 0) -> None:
        super().__init__()
        self.slot = slot

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        keyring = keyring_of(dialect)
        key_ids = keyring.key_ids
        return keyring.blind_index(value, key_id=key_ids[min(self.slot, len(key_ids) - 1)])


class KeyedDigest(TypeDecorator[str]):
    """A lookup key kept only as its keyed digest (idempotency keys naming a phone number).

    Written under the current key; `slot` picks another key of the ring. A digest cannot be
    recomputed under a new key, so `column == key` asks for it under every key of the ring:
    a retry spanning a rotation still finds what its key made.
    """

    impl = String(255)
    cache_ok = True

    def __init__(self, slot: int = 0) -> None:
        super().__init__()
        self.slot = slot

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        keyring = keyring_of(dialect)
        key_ids = keyring.key_ids
        return keyring.blind_index(value, key_id=key_ids[min(self.slot, len(key_ids) - 1)])

    class comparator_factory(TypeDecorator.Comparator[Any]):  # noqa: N801 (SQLAlchemy's name)
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            if op is operators.eq and not isinstance(other[0], ColumnElement):
                column: ColumnElement[Any] = self.expr
                return column.in_([literal(other[0], KeyedDigest(s)) for s in range(MAX_KEYS)])
            compared: ColumnElement[Any] = super().operate(op, *other, **kwargs)
            return compared


def digest_matches(column: Any, name: str) -> ColumnElement[Any]:
    """`column` holds the digest of parameter `name` under some key of the ring.

    For statements compiled once: pass the value as each of `digest_parameters(name, value)`.
    """
    slots = [bindparam(_slot_name(name, s), type_=KeyedDigest(s)) for s in range(MAX_KEYS)]
    matched: ColumnElement[Any] = column.in_(slots)
    return matched


def digest_parameters(name: str, value: str | None) -> dict[str, str | None]:
    """The parameters `digest_matches(column, name)` reads, all holding the one value."""
    return {_slot_name(name, s): value for s in range(MAX_KEYS)}


def _slot_name(name: str, slot: int) -> str:
    return name if slot == 0 else f"{name}_under_key_{slot}"


def sealed_column(
    where: str,
    *,
    row: str = "id",
    codec: str = "text",
    indexed_by: str | None = None,
    nullable: bool | None = None,
) -> Any:
    """Return a fresh sealed column (SQLModel needs one Column object per field)."""
    sealed = Sealed(where, row=row, codec=codec, indexed_by=indexed_by)
    # A client's contact may be missing; the other sealed values are always there, if empty.
    return Column(sealed, nullable=indexed_by is not None if nullable is None else nullable)


def index_column(*, indexed: bool = True, unique: bool = False) -> Any:
    """A blind index column (`indexed=False` where a table's own index covers it)."""
    return Column(BlindIndex(), nullable=True, index=indexed or unique, unique=unique or None)


def watch_sealed_rows(model: type[Any]) -> type[Any]:
    """Bind a model's sealed values to their rows as the ORM writes them; plain again after."""
    sealed = [
        (column.key, column.type)
        for column in model.__table__.columns
        if isinstance(column.type, Sealed)
    ]

    def bind(target: Any, *, updating: bool) -> None:
        for key, kind in sealed:
            value = getattr(target, key)
            if isinstance(value, RowBound):
                continue
            if updating and not get_history(target, key).has_changes():
                continue  # unchanged: the row keeps its sealed value
            if value is None:
                if kind.indexed_by:
                    setattr(target, kind.indexed_by, None)
                continue
            setattr(target, key, RowBound(value, str(getattr(target, kind.row))))
            if kind.indexed_by:
                # BlindIndex digests it on the way; an empty value has nothing to be found by.
                setattr(target, kind.indexed_by, value if value != "" else None)

    def before_insert(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
        bind(target, updating=False)

    def before_update(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
        bind(target, updating=True)

    def after(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
        for key, _kind in sealed:
            value = target.__dict__.get(key)
            if isinstance(value, RowBound):
                set_committed_value(target, key, value.value)

    event.listen(model, "before_insert", before_insert)
    event.listen(model, "before_update", before_update)
    event.listen(model, "after_insert", after)
    event.listen(model, "after_update", after)
    return model
