"""Re-sealing under the current key what older keys sealed, in batches, while the service runs.

Each batch is a short transaction; a row is rewritten only if it still holds the value read
(a write by the service meanwhile is already sealed with the current key), so nothing the
service changes is lost. Blind indexes are recomputed under the current key the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from domain.documents.sealing import DocumentUnreadable, seal, unseal
from domain.kernel.db import SQLITE_BEGIN, is_sqlite
from domain.kernel.keyring import ENVELOPE, Keyring
from domain.kernel.sealing_conversion import (
    BLIND_INDEXES,
    ROTATED_FIELDS,
    SEALED_FIELDS,
    SealedField,
)

BATCH = 200


@dataclass
class Rotated:
    """How many values each column had re-sealed (or re-indexed)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, where: str, count: int) -> None:
        self.counts[where] = self.counts.get(where, 0) + count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def rotate_sealed_values(engine: Engine, keyring: Keyring, *, batch: int = BATCH) -> Rotated:
    """Re-seal every sealed value and blind index not yet under the current key."""
    rotated = Rotated()
    writer = (
        engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}) if is_sqlite(engine) else engine
    )
    current = f"{ENVELOPE}:{keyring.current_id}:%"
    for sealed in ROTATED_FIELDS:
        while done := _reseal_batch(writer, keyring, sealed, current, batch):
            rotated.add(f"{sealed.table}.{sealed.column}", done)
    for table, column, index in BLIND_INDEXES:
        sealed = next(f for f in SEALED_FIELDS if (f.table, f.column) == (table, column))
        after = ""
        while True:
            done, after = _reindex_batch(writer, keyring, sealed, index, batch, after)
            if done:
                rotated.add(f"{table}.{index}", done)
            if not after:
                break
    rotated.add("uploaded_documents.ciphertext", _reseal_uploads(writer, keyring, batch))
    return rotated


def _reseal_uploads(engine: Engine, keyring: Keyring, batch: int) -> int:
    """Uploads name no key: each is tried with the current key and re-sealed if it fails."""
    after, resealed = "", 0
    query = text(
        "SELECT id, client_id, ciphertext FROM uploaded_documents WHERE id > :after"  # noqa: S608
        f" ORDER BY id LIMIT {batch}"
    )
    update = text(
        "UPDATE uploaded_documents SET ciphertext = :new WHERE id = :id AND ciphertext = :old"
    )
    while True:
        with engine.begin() as connection:
            rows = connection.execute(query, {"after": after}).all()
            for document_id, client_id, old in rows:
                bound = {"document_id": document_id, "client_id": client_id}
                try:
                    unseal(keyring.current, bytes(old), **bound)
                    continue
                except DocumentUnreadable:
                    plain = unseal(keyring, bytes(old), **bound)
                new = seal(keyring.current, plain, **bound)
                connection.execute(update, {"new": new, "id": document_id, "old": old})
                resealed += 1
        if not rows:
            return resealed
        after = rows[-1][0]


def _reseal_batch(
    engine: Engine, keyring: Keyring, sealed: SealedField, current: str, batch: int
) -> int:
    # Table and column names are the module's constants, never input (S608 is moot).
    query = text(
        f"SELECT {sealed.key}, {sealed.row}, {sealed.column} FROM {sealed.table} "  # noqa: S608
        f"WHERE {sealed.column} IS NOT NULL AND {sealed.column} NOT LIKE :current LIMIT {batch}"
    )
    update = text(
        f"UPDATE {sealed.table} SET {sealed.column} = :new "  # noqa: S608
        f"WHERE {sealed.key} = :key AND {sealed.column} = :old"
    )
    with engine.begin() as connection:
        rows = connection.execute(query, {"current": current}).all()
        for key, row, old in rows:
            bound_to = f"{sealed.table}.{sealed.column}:{row}"
            plain = keyring.open_field(old, bound_to=bound_to)
            new = keyring.seal_field(plain, bound_to=bound_to)
            connection.execute(update, {"new": new, "key": key, "old": old})
    return len(rows)


def _reindex_batch(
    engine: Engine, keyring: Keyring, sealed: SealedField, index: str, batch: int, after: str
) -> tuple[int, str]:
    """Re-index one batch of rows past `after` (by id); return how many, and the last id read.

    Read in id order, so a row whose empty value has no index is passed over, not read again.
    """
    query = text(
        f"SELECT id, {sealed.column}, {index} FROM {sealed.table} "  # noqa: S608
        f"WHERE id > :after AND {sealed.column} IS NOT NULL "
        f"AND ({index} IS NULL OR {index} NOT LIKE :current) ORDER BY id LIMIT {batch}"
    )
    update = text(
        f"UPDATE {sealed.table} SET {index} = :new "  # noqa: S608
        f"WHERE id = :id AND {sealed.column} = :value"
    )
    done = 0
    with engine.begin() as connection:
        rows = connection.execute(
            query, {"current": f"{keyring.current_id}:%", "after": after}
        ).all()
        for key, value, _old in rows:
            plain = keyring.open_field(value, bound_to=f"{sealed.table}.{sealed.column}:{key}")
            if not plain:
                continue  # an empty value is found by nothing
            new = keyring.blind_index(plain.decode())
            connection.execute(update, {"new": new, "id": key, "value": value})
            done += 1
    return (done, rows[-1][0]) if rows else (0, "")
