"""Keep bearer secrets out of the server log: tokens and chat sessions travel in socket URLs."""

from __future__ import annotations

import logging
import re

SECRET_PARAMETER = re.compile(r"\b(token|session|signature|code|state)=[^&\s\"']+")


def _masked(value: object) -> object:
    return SECRET_PARAMETER.sub(r"\1=***", value) if isinstance(value, str) else value


class MaskSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _masked(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        return True


def mask_secrets_in_logs(names: tuple[str, ...] = ("uvicorn.access", "uvicorn.error")) -> None:
    """Mask secret query parameters in what these loggers write."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskSecrets) for f in logger.filters):
            logger.addFilter(MaskSecrets())
