"""NIK and KK numbers never reach a log line whole (UU 24/2013 Pasal 84).

Masking at each call site is the first line (`mask_nik`); this is the net under it: a log
record factory that masks every 16-digit run in every message of every logger — ours,
Prefect's, a library's — before any handler sees it.
"""

from __future__ import annotations

import logging
import re

from extractors.nik import mask_nik

SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")


def mask_numbers(text: str) -> str:
    """Every standalone 16-digit number in `text` masked as `6101********0003`."""
    return SIXTEEN_DIGITS.sub(lambda m: mask_nik(m.group()), text)


def install_log_masking() -> None:
    """Mask NIK-like numbers in all log records from now on; safe to call twice."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_niks", False):
        return

    def masked(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        message = record.getMessage()
        if SIXTEEN_DIGITS.search(message):
            record.msg, record.args = mask_numbers(message), None
        return record

    masked.masks_niks = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked)
