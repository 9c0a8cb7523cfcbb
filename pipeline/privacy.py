"""NIK and KK numbers never reach a log line whole (UU 24/2013 Pasal 84).

Masking at each call site is the first line (`mask_nik`); this is the net under it: a log
record factory that, for every record of every logger — ours, Prefect's, uvicorn's, a
library's — before any handler sees it:

- masks every 16-digit run (NIK, KK) and every Indonesian mobile number (the WhatsApp sender
  in a submission id, `wa-6281…`), in the message and in the formatted exception (tracebacks,
  SQLAlchemy errors; the state engine also hides bound parameters);
- escapes control characters, newlines and bidirectional overrides in the message, so a file
  named `a\\nERROR forged` or `\\u202egpj.exe` cannot forge or hide a log line.

Arguments are masked one by one and keep their shape: uvicorn's access formatter unpacks them.
"""

from __future__ import annotations

import logging
import re
import traceback

from extractors.nik import mask_nik

SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
# 08xx or 628xx (an Indonesian mobile number, 10-15 digits), not part of a longer number.
PHONE = re.compile(r"(?<!\d)(?:\+?62|0)8\d{7,12}(?!\d)")
# C0/C1 controls (newline, ESC, ...), DEL, and the bidirectional embeddings and isolates.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def mask_numbers(text: str) -> str:
    """Every standalone 16-digit number in `text` masked as `6101********0003`."""
    return SIXTEEN_DIGITS.sub(lambda m: mask_nik(m.group()), text)


def mask_phones(text: str) -> str:
    """Every Indonesian mobile number masked but its first four and last three digits."""
    return PHONE.sub(lambda m: m.group()[:4] + "*" * (len(m.group()) - 7) + m.group()[-3:], text)


def mask_text(text: str) -> str:
    return mask_phones(mask_numbers(text))


def escape_controls(text: str) -> str:
    """`\\n`, `\\x1b`, `\\u202e`... written out, so one record is one honest line."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _clean(value: object) -> object:
    return escape_controls(mask_text(value)) if isinstance(value, str) else value


def _clean_record(record: logging.LogRecord) -> None:
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_clean(a) for a in args)
    elif isinstance(args, dict):
        record.args = {k: _clean(v) for k, v in args.items()}
    record.msg = _clean(record.msg)
    try:
        message = record.getMessage()
    except Exception:  # a library's own formatting bug: leave it to the handler
        return
    cleaned = escape_controls(mask_text(message))
    if cleaned != message:  # a number or control made of non-string arguments
        record.msg, record.args = cleaned, ()
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text, record.exc_info = mask_text(text), None
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


def install_log_masking() -> None:
    """Mask NIK-like and phone numbers in all log records from now on; safe to call twice."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_niks", False):
        return

    def masked(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _clean_record(record)
        return record

    masked.masks_niks = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked)
