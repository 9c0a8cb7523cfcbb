"""Import the BNBA deactivation list (CSV or XLSX) and look people up in it.

Spreadsheets lie in known ways (DOMAIN.md §8): a 16-digit NIK typed as a number keeps 15
significant digits and ends in 0; one date column mixes DD/MM and MM/DD. So NIK and KK are
read as text, a NIK that came from a numeric cell is flagged, and an ambiguous birth date is
read the way the NIK's own date digits agree with. A bad row is reported by number and the
other rows still import. A new import replaces the old list in one transaction, so a reader
sees the old list or the new one, never half of either.

National lists run to millions of rows, so the import streams the file, parses each row with
plain functions (caches for the values that repeat: region prefixes, dates, names), writes in
big `executemany` chunks inside the one transaction, and builds the secondary indexes after the
bulk insert. `tests/benchmarks/bench_list.py` prints the figures.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from operator import itemgetter
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select

from extractors.dates import MONTHS
from extractors.nik import check_nik, mask_nik
from extractors.region import is_known_prefix
from models import DeactivationRecord
from models.tables import deactivation, list_import

# Header spellings seen in BNBA exports, normalised (upper case, letters and digits only).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nik": ("NIK", "NONIK", "NOMORINDUKKEPENDUDUKAN", "NIKPESERTA", "NIKART"),
    "kk_number": ("NOKK", "NOMORKK", "KK", "NIKK", "NOKARTUKELUARGA"),
    "name": ("NAMA", "NAMALENGKAP", "NAMAPESERTA", "NAMAART"),
    "birth_date": ("TGLLAHIR", "TANGGALLAHIR", "TGLLHR"),
    "village": ("DESA", "KELURAHAN", "DESAKELURAHAN", "KELURAHANDESA", "DESAKEL", "NAMADESA"),
    "district": ("KECAMATAN", "KEC", "NAMAKECAMATAN"),
    "deactivated_on": (
        "TGLNONAKTIF", "TANGGALNONAKTIF", "PERIODE", "PERIODENONAKTIF", "TMTNONAKTIF",
        "BULANNONAKTIF", "TGLPENONAKTIFAN",
    ),
    "desil": ("DESIL", "DESILDTSEN"),
    "reason": ("ALASAN", "KETERANGAN", "ALASANNONAKTIF", "STATUS"),
}  # fmt: skip
BATCH = 50_000  # rows per executemany; a chunk of tuples costs ~15 MB
SNIFF_CHARS = 64 * 1024
DESIL_MAX = 8  # the column is String(8); PostgreSQL would refuse a longer value
# Stored columns in insert order; _parse returns tuples in this order.
STORED = (
    "nik", "kk_number", "name", "name_key", "birth_date", "village", "district",
    "deactivated_on", "desil", "reason", "row",
)  # fmt: skip


@dataclass
class ImportReport:
    source: str
    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)


def _key(header: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(header).upper())


def map_columns(headers: list[str]) -> dict[str, int]:
    """Field name -> column index, from the header row."""
    found: dict[str, int] = {}
    keys = [_key(h) for h in headers]
    for name, spellings in COLUMNS.items():
        for index, key in enumerate(keys):
            if key in spellings and name not in found:
                found[name] = index
    return found


def _rows(path: Path) -> Iterator[Sequence[object]]:
    """Rows of the first sheet or of the CSV, streamed; ValueError when it cannot be read."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
        return
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        sample = handle.read(SNIFF_CHARS)
        handle.seek(0)
        if sample.startswith("\ufeff"):
            handle.read(1)  # seek(0) brings the BOM back; utf-8-sig only drops it at the start
        reader = csv.reader(handle, _dialect(sample))
        try:
            yield from reader
        except csv.Error as error:
            raise ValueError(
                f"{path.name}: cannot read the CSV near line {reader.line_num} ({error})"
            ) from error


def _calamine() -> type | None:
    """python-calamine's workbook class when installed: it reads XLSX ~15 times faster than
    openpyxl (bench_list.py: 100,000 rows in 1.6 s CPU against 25 s)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return None
    return CalamineWorkbook


def _xlsx_rows(path: Path) -> Iterator[Sequence[object]]:
    # A damaged workbook raises whatever the zip reader, the XML parser or the library meets
    # first (BadZipFile, KeyError, ParseError, CalamineError...): all mean "cannot read it".
    calamine = _calamine()
    if calamine is not None:
        try:
            rows = calamine.from_path(str(path)).get_sheet_by_index(0).iter_rows()
        except Exception as error:
            raise ValueError(f"{path.name} is not a readable XLSX workbook ({error})") from error
        yield from rows
        return
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise ValueError(f"{path.name} is not a readable XLSX workbook ({error})") from error
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    except Exception as error:
        raise ValueError(f"{path.name}: the first sheet cannot be read ({error})") from error
    finally:
        workbook.close()


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The sniffed dialect, or the delimiter most common in the first line when sniffing fails
    (a one-column file, a header-only file)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        first = sample.split("\n", 1)[0]
        delimiter = max(",;\t|", key=first.count)

        class Fallback(csv.excel):
            pass

        Fallback.delimiter = delimiter if first.count(delimiter) else ","
        return Fallback


_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")
_NUMBER_JUNK = re.compile(r"[\s.\-]")


def _text_number(value: object) -> tuple[str, bool]:
    """Digits of a NIK/KK cell and whether it came from a numeric cell (lost precision)."""
    if isinstance(value, str):
        if value.isascii() and value.isdigit():  # the common case: already clean text
            return value, False
        text = value.strip().lstrip("'")
        if _SCIENTIFIC.fullmatch(text):  # 6.10101E+15 as typed into a CSV
            return _integer_text(float(text)), True
        return _NUMBER_JUNK.sub("", text), False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _integer_text(value), True
    return _NUMBER_JUNK.sub("", str(value or "").strip().lstrip("'")), False


def _integer_text(number: float) -> str:
    try:
        return f"{int(number):d}"
    except (OverflowError, ValueError):  # inf or nan: certainly not a NIK
        return str(number)


def _date_candidates(value: object) -> tuple[date, ...]:
    """The dates a cell can mean, day-first before month-first."""
    if isinstance(value, str):
        return _dates_in_text(value.strip())
    if isinstance(value, datetime):
        return (value.date(),)
    if isinstance(value, date):
        return (value,)
    if value is None:
        return ()
    return _dates_in_text(str(value).strip())


def _dates_in_text(text: str) -> tuple[date, ...]:
    """Fixed-width numeric dates (most of a list) are sliced, not matched: a million birth
    dates are nearly all distinct texts, so a cache would not help them."""
    if len(text) == 10 and text.isascii():
        sep = text[2]
        if sep in "/-." and text[5] == sep and (text[:2] + text[3:5] + text[6:]).isdigit():
            a, b, year = int(text[:2]), int(text[3:5]), int(text[6:])
            return _valid([(year, b, a), (year, a, b)])  # day-first before month-first
        if text[4] == "-" == text[7] and (text[:4] + text[5:7] + text[8:]).isdigit():
            return _valid([(int(text[:4]), int(text[5:7]), int(text[8:]))])
    return _dates_matched(text)


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_NUMERIC = re.compile(r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})")
_PERIOD = re.compile(r"(\d{4})[/\-](\d{1,2})")
_MONTH_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{4})")
# `12 Februari 2026`, and the medium form `12-Feb-2026` (OpenSID, Excel): DOMAIN.md §9.
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:\s+|-)([A-Za-z]+)\.?(?:\s+|-)(\d{4})")


@lru_cache(maxsize=1 << 16)
def _dates_matched(text: str) -> tuple[date, ...]:
    """The other forms, by pattern. Cached: periods and deactivation dates repeat."""
    if not text:
        return ()
    m = _ISO.fullmatch(text)
    if m:
        return _valid([(int(m[1]), int(m[2]), int(m[3]))])
    m = _NUMERIC.fullmatch(text)
    if m:
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        return _valid([(year, b, a), (year, a, b)])  # day-first before month-first
    m = _PERIOD.fullmatch(text)  # a period: 2026-02
    if m:
        return _valid([(int(m[1]), int(m[2]), 1)])
    m = _MONTH_YEAR.fullmatch(text)  # Februari 2026
    if m and m[1].lower() in MONTHS:
        return _valid([(int(m[2]), MONTHS[m[1].lower()], 1)])
    m = _DAY_MONTH_YEAR.fullmatch(text)
    if m and m[2].lower() in MONTHS:
        return _valid([(int(m[3]), MONTHS[m[2].lower()], int(m[1]))])
    return ()


def _valid(parts: list[tuple[int, int, int]]) -> tuple[date, ...]:
    out: list[date] = []
    for year, month, day in parts:
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate not in out:
            out.append(candidate)
    return tuple(out)


_TITLES = re.compile(r"\b(H|HJ|NY|TN|SDR|SDRI|AN|BY)\.\s*")
_INITIALS = re.compile(r"\.[A-Z]{1,2}\b")
_SPACES = re.compile(r"\s+")
_NOT_NAME = re.compile(r"[^A-Z ]")


def name_key(name: str | None) -> str:
    """Upper case, titles and patronymic initials dropped (`MAWARDI.Z` -> `MAWARDI`)."""
    if (
        name
        and name.isascii()
        and name.isupper()
        and name.replace(" ", "").isalpha()
        and "  " not in name
        and name[0] != " " != name[-1]
    ):
        return name  # already a key: plain words in capitals, single spaces
    return _name_key(name)


@lru_cache(maxsize=1 << 16)
def _name_key(name: str | None) -> str:
    text = _TITLES.sub(" ", (name or "").upper())
    text = _INITIALS.sub(" ", text)
    return _NOT_NAME.sub("", _SPACES.sub(" ", text)).strip()


known_prefix = lru_cache(maxsize=1 << 16)(is_known_prefix)


@cache
def _date_digits_ok(ddmm: str) -> bool:
    """Whether check_nik accepts these DDMM digits (asked once per DDMM, not per row)."""
    problems = check_nik("000000" + ddmm + "000001")  # prefix 000000: only "region" besides
    return problems == ["region"]


def nik_problems(nik: str) -> list[str]:
    """check_nik with the region and date verdicts cached; a valid NIK costs a few dict hits.
    Anything doubtful goes to check_nik itself, so the problem codes are its own."""
    if (
        len(nik) == 16
        and nik.isascii()
        and nik.isdigit()
        and nik[12:] != "0000"
        and known_prefix(nik[:6])
        and _date_digits_ok(nik[6:10])
    ):
        return []
    return check_nik(nik)


def _text(value: object) -> str | None:
    if value.__class__ is str:
        return value.strip() or None  # type: ignore[attr-defined]
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a numeric cell read as 7.0 means 7
    return str(value).strip() or None


def _upper(value: object) -> str | None:
    if value.__class__ is str:
        return value.strip().upper() or None  # type: ignore[attr-defined]
    text = _text(value)
    return text.upper() if text else None


def _parse(
    cells: Sequence[object], row: int
) -> tuple[tuple[object, ...] | None, str | None, str | None]:
    """One row's cells (in COLUMNS order) -> (stored tuple, rejection, warning)."""
    (raw_nik, raw_kk, raw_name, raw_birth, raw_village, raw_district, raw_off, raw_desil,
     raw_reason) = cells  # fmt: skip
    if raw_nik.__class__ is str and len(raw_nik) == 16 and raw_nik.isascii() and raw_nik.isdigit():
        nik, numeric = raw_nik, False  # the common case, without a call: clean text digits
    else:
        nik, numeric = _text_number(raw_nik)
    if not nik:
        return None, "empty NIK", None
    if numeric and (len(nik) != 16 or nik.endswith("0")):
        return (
            None,
            (
                f"NIK {mask_nik(nik)} was stored as a number in the spreadsheet and has lost its "
                "last digit(s); re-export the column as text"
            ),
            None,
        )
    problems = nik_problems(nik)
    if problems:
        return None, f"NIK {mask_nik(nik)} is not valid ({', '.join(problems)})", None
    if raw_kk.__class__ is str and len(raw_kk) == 16 and raw_kk.isascii() and raw_kk.isdigit():
        kk = raw_kk
    else:
        kk, _ = _text_number(raw_kk)
    warnings: list[str] = []
    births = (
        _dates_in_text(raw_birth.strip())  # type: ignore[attr-defined]
        if raw_birth.__class__ is str
        else _date_candidates(raw_birth)
    )
    if len(births) > 1:  # DD/MM or MM/DD: the NIK's date digits decide
        raw_day, month = int(nik[6:8]), int(nik[8:10])
        day = raw_day - 40 if raw_day > 40 else raw_day
        agreeing = [d for d in births if d.day == day and d.month == month]
        if not agreeing:
            warnings.append("birth date is ambiguous (day/month) and the NIK does not settle it")
        birth_date = agreeing[0] if agreeing else births[0]
    else:
        birth_date = births[0] if births else None
    deactivated = (
        _dates_matched(raw_off.strip())  # type: ignore[attr-defined]
        if raw_off.__class__ is str and len(raw_off) != 10
        else _date_candidates(raw_off)
    )  # periods (2026-02, Februari 2026) go straight to the cache
    desil = _text(raw_desil)
    if desil is not None and len(desil) > DESIL_MAX:
        warnings.append(f"desil {desil[:20]!r} is not a desil; left empty")
        desil = None
    name = _upper(raw_name)
    return (
        (
            nik,
            kk if len(kk) == 16 else None,
            name,
            name_key(name),
            birth_date,
            _upper(raw_village),
            _upper(raw_district),
            deactivated[0] if deactivated else None,
            desil,
            _text(raw_reason),
            row,
        ),
        None,
        "; ".join(warnings) or None,
    )


def _picker(columns: dict[str, int]):
    """values -> the cells of COLUMNS' fields; a missing column or a short row gives None."""
    indexes = [columns.get(name, -1) for name in COLUMNS]
    width = max(indexes) + 1
    pick = itemgetter(*indexes)

    def cells(values: Sequence[object]) -> tuple[object, ...]:
        padded = list(values)
        if len(padded) < width:
            padded += [None] * (width - len(padded))
        padded.append(None)  # index -1: the missing columns
        return pick(padded)

    return cells


def parse_row(
    values: list[object], columns: dict[str, int], row: int
) -> tuple[DeactivationRecord | None, str | None, str | None]:
    """One list row -> (record, rejection, warning)."""
    stored, rejection, warning = _parse(_picker(columns)(values), row)
    return (_from_stored(stored) if stored else None), rejection, warning


def _from_stored(stored: tuple[object, ...]) -> DeactivationRecord:
    data = dict(zip(STORED, stored, strict=True))
    data.pop("name_key")
    return DeactivationRecord(**data)


def _blank(values: Sequence[object]) -> bool:
    return not any(values) and all(v in (None, "") for v in values)


class _Writer:
    """Bulk inserts into `deactivation` on one connection, inside the caller's transaction.

    SQLite gets the driver's own executemany with dates as the ISO text SQLAlchemy stores
    (no per-row bind processing); other databases get SQLAlchemy's executemany."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        quote = connection.dialect.identifier_preparer.quote
        self.sql = (
            f"INSERT INTO {quote(deactivation.name)} ({', '.join(quote(c) for c in STORED)}) "
            f"VALUES ({', '.join('?' * len(STORED))})"
        )

    def write(self, rows: list[tuple[object, ...]]) -> None:
        if not rows:
            return
        rows.sort(key=itemgetter(0))  # NIK order: the primary-key B-tree fills page by page
        if self.sqlite:  # dates as the `YYYY-MM-DD` text SQLAlchemy's SQLite Date stores
            self.connection.exec_driver_sql(
                self.sql,
                [
                    (a, b, c, d, e and e.isoformat(), f, g, h and h.isoformat(), i, j, k)
                    for a, b, c, d, e, f, g, h, i, j, k in rows
                ],
            )
        else:
            self.connection.execute(
                insert(deactivation), [dict(zip(STORED, r, strict=True)) for r in rows]
            )


def _sqlite_pragma(connection: Connection, name: str, value: object | None = None) -> object:
    if value is None:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()
    connection.exec_driver_sql(f"PRAGMA {name}={value}")
    return value


def import_list(path: Path, engine: Engine) -> ImportReport:
    """Read `path` and replace the stored list with its valid rows, atomically.

    ValueError when the file cannot be read at all (empty, no NIK column, not a CSV or XLSX);
    the stored list is then left as it was."""
    report = ImportReport(source=str(path))
    rows = _rows(path)
    header = next(rows, None)
    if header is None:
        raise ValueError(f"{path.name} is empty")
    columns = map_columns([str(h or "") for h in header])
    if "nik" not in columns:
        raise ValueError(
            f"{path.name}: no NIK column found among the headers {list(header)[:30]!r}; "
            f"expected one of {', '.join(COLUMNS['nik'])}"
        )
    report.columns = {name: str(header[i]) for name, i in columns.items()}
    cells = _picker(columns)
    seen: set[int] = set()  # NIKs as ints: half the memory of a million strings
    with engine.begin() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            cache_size = _sqlite_pragma(connection, "cache_size")
            _sqlite_pragma(connection, "cache_size", -128 * 1024)  # 128 MB while importing
        connection.execute(delete(deactivation))
        for index in deactivation.indexes:  # rebuilt once after the bulk insert
            index.drop(connection)
        writer = _Writer(connection)
        batch: list[tuple[object, ...]] = []
        for number, values in enumerate(rows, start=2):
            if _blank(values):
                continue
            stored, rejection, warning = _parse(cells(values), number)
            if stored is None:
                report.rejected.append((number, rejection or "unreadable row"))
                continue
            key = int(stored[0])  # type: ignore[call-overload]
            if key in seen:
                report.warnings.append((number, f"NIK {mask_nik(str(stored[0]))} listed twice"))
                continue
            seen.add(key)
            if warning:
                report.warnings.append((number, warning))
            batch.append(stored)
            if len(batch) >= BATCH:
                writer.write(batch)
                batch = []
        writer.write(batch)
        for index in deactivation.indexes:
            index.create(connection)
        report.imported = len(seen)
        connection.execute(
            insert(list_import),
            [
                {
                    "source": str(path),
                    "imported_at": datetime.now(UTC),
                    "rows": report.imported,
                    "rejected": len(report.rejected),
                }
            ],
        )
        if sqlite:
            _sqlite_pragma(connection, "cache_size", cache_size)
    return report


# Built once: SQLAlchemy then reuses the compiled SQL instead of building it per lookup.
_BY_NIK = select(deactivation).where(deactivation.c.nik == bindparam("nik"))
_BY_NIKS = select(deactivation).where(deactivation.c.nik.in_(bindparam("niks", expanding=True)))
_BY_NAME_AND_BIRTH = select(deactivation).where(
    deactivation.c.birth_date == bindparam("birth_date"),
    deactivation.c.name_key == bindparam("name_key"),
)


def lookup(engine: Engine, nik: str) -> DeactivationRecord | None:
    """The list entry under exactly this NIK (primary-key lookup)."""
    with engine.connect() as connection:
        row = connection.execute(_BY_NIK, {"nik": nik}).first()
    return _record(row) if row else None


def _record(row) -> DeactivationRecord:
    data = dict(row._mapping)
    data.pop("name_key", None)
    return DeactivationRecord(**data)


def near_niks(nik: str) -> list[str]:
    """NIKs one OCR slip away: one digit changed, or two neighbours swapped."""
    out: set[str] = set()
    for i, ch in enumerate(nik):
        for d in "0123456789":
            if d != ch:
                out.add(nik[:i] + d + nik[i + 1 :])
    for i in range(len(nik) - 1):
        swapped = nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]
        if swapped != nik:
            out.add(swapped)
    return sorted(out)


def candidates(
    engine: Engine, nik: str | None, name: str | None, birth_date: date | None
) -> list[tuple[DeactivationRecord, str]]:
    """List entries that nearly match: a NIK one slip away, or the same name and birth date
    under another NIK. Each is for a reviewer, never a match."""
    found: list[tuple[DeactivationRecord, str]] = []
    with engine.connect() as connection:
        if nik:
            rows = connection.execute(_BY_NIKS, {"niks": near_niks(nik)}).all()
            found += [(_record(r), "NIK differs by one digit from the one read") for r in rows]
        key = name_key(name)
        if key and birth_date:
            rows = connection.execute(
                _BY_NAME_AND_BIRTH, {"birth_date": birth_date, "name_key": key}
            ).all()
            found += [
                (_record(r), "same name and birth date under another NIK")
                for r in rows
                if r.nik != nik
            ]
    return found
