"""Import the BNBA deactivation list (CSV or XLSX) and look people up in it.

Spreadsheets lie in known ways (DOMAIN.md §8): a 16-digit NIK typed as a number keeps 15
significant digits and ends in 0; one date column mixes DD/MM and MM/DD. So NIK and KK are
read as text, a NIK that came from a numeric cell is flagged, and an ambiguous birth date is
read the way the NIK's own date digits agree with. A bad row is reported by number and the
other rows still import. A new import replaces the old list in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from extractors.dates import MONTHS
from extractors.nik import check_nik, decode_nik, mask_nik
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
BATCH = 20_000


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


def _rows(path: Path) -> Iterator[list[object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        yield from (list(row) for row in sheet.iter_rows(values_only=True))
        workbook.close()
        return
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig", errors="replace")
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    yield from csv.reader(io.StringIO(text), dialect)


def _text_number(value: object) -> tuple[str, bool]:
    """Digits of a NIK/KK cell and whether it came from a numeric cell (lost precision)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{int(value):d}", True
    text = str(value or "").strip().lstrip("'")
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):  # 6.10101E+15 as typed into a CSV
        return f"{int(float(text)):d}", True
    return re.sub(r"[\s.\-]", "", text), False


def _date_candidates(value: object) -> list[date]:
    if isinstance(value, datetime):
        return [value.date()]
    if isinstance(value, date):
        return [value]
    text = str(value or "").strip()
    if not text:
        return []
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", text)
    if m:
        return _valid([(int(m[1]), int(m[2]), int(m[3]))])
    m = re.fullmatch(r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})", text)
    if m:
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        return _valid([(year, b, a), (year, a, b)])  # day-first before month-first
    m = re.fullmatch(r"(\d{4})[/\-](\d{1,2})", text)  # a period: 2026-02
    if m:
        return _valid([(int(m[1]), int(m[2]), 1)])
    m = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{4})", text)  # Februari 2026
    if m and m[1].lower() in MONTHS:
        return _valid([(int(m[2]), MONTHS[m[1].lower()], 1)])
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})", text)
    if m and m[2].lower() in MONTHS:
        return _valid([(int(m[3]), MONTHS[m[2].lower()], int(m[1]))])
    return []


def _valid(parts: list[tuple[int, int, int]]) -> list[date]:
    out: list[date] = []
    for year, month, day in parts:
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate not in out:
            out.append(candidate)
    return out


def name_key(name: str | None) -> str:
    """Upper case, titles and patronymic initials dropped (`MAWARDI.Z` -> `MAWARDI`)."""
    text = re.sub(r"\b(H|HJ|NY|TN|SDR|SDRI|AN|BY)\.\s*", " ", (name or "").upper())
    text = re.sub(r"\.[A-Z]{1,2}\b", " ", text)
    return re.sub(r"[^A-Z ]", "", re.sub(r"\s+", " ", text)).strip()


def parse_row(
    values: list[object], columns: dict[str, int], row: int
) -> tuple[DeactivationRecord | None, str | None, str | None]:
    """One list row -> (record, rejection, warning)."""

    def cell(name: str) -> object:
        index = columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    nik, numeric = _text_number(cell("nik"))
    if not nik:
        return None, "empty NIK", None
    problems = check_nik(nik)
    if numeric and (len(nik) != 16 or nik.endswith("0")):
        return (
            None,
            (
                f"NIK {mask_nik(nik)} was stored as a number in the spreadsheet and has lost its "
                "last digit(s); re-export the column as text"
            ),
            None,
        )
    if problems:
        return None, f"NIK {mask_nik(nik)} is not valid ({', '.join(problems)})", None
    kk, _ = _text_number(cell("kk_number"))
    warning = None
    birth_date = None
    births = _date_candidates(cell("birth_date"))
    info = decode_nik(nik)
    if births:
        agreeing = [
            d for d in births if info and (d.day, d.month) == (info.birth_day, info.birth_month)
        ]
        birth_date = agreeing[0] if agreeing else births[0]
        if len(births) > 1 and not agreeing:
            warning = "birth date is ambiguous (day/month) and the NIK does not settle it"
    deactivated = _date_candidates(cell("deactivated_on"))
    return (
        DeactivationRecord(
            nik=nik,
            kk_number=kk if len(kk) == 16 else None,
            name=str(cell("name") or "").strip().upper() or None,
            birth_date=birth_date,
            village=str(cell("village") or "").strip().upper() or None,
            district=str(cell("district") or "").strip().upper() or None,
            deactivated_on=deactivated[0] if deactivated else None,
            desil=str(cell("desil") or "").strip() or None,
            reason=str(cell("reason") or "").strip() or None,
            row=row,
        ),
        None,
        warning,
    )


def import_list(path: Path, engine: Engine) -> ImportReport:
    """Read `path` and replace the stored list with its valid rows, atomically."""
    report = ImportReport(source=str(path))
    rows = _rows(path)
    header = next(rows, None)
    if header is None:
        raise ValueError(f"{path.name} is empty")
    columns = map_columns([str(h or "") for h in header])
    if "nik" not in columns:
        raise ValueError(
            f"{path.name}: no NIK column found among the headers {header!r}; "
            f"expected one of {', '.join(COLUMNS['nik'])}"
        )
    report.columns = {name: str(header[i]) for name, i in columns.items()}
    seen: set[str] = set()
    with engine.begin() as connection:
        connection.execute(delete(deactivation))
        batch: list[dict] = []
        for number, values in enumerate(rows, start=2):
            if not any(v not in (None, "") for v in values):
                continue
            record, rejection, warning = parse_row(list(values), columns, number)
            if rejection:
                report.rejected.append((number, rejection))
                continue
            assert record is not None
            if record.nik in seen:
                report.warnings.append((number, f"NIK {mask_nik(record.nik)} listed twice"))
                continue
            seen.add(record.nik)
            if warning:
                report.warnings.append((number, warning))
            batch.append({**record.model_dump(), "name_key": name_key(record.name)})
            if len(batch) >= BATCH:
                connection.execute(insert(deactivation), batch)
                batch.clear()
        if batch:
            connection.execute(insert(deactivation), batch)
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
    return report


def lookup(engine: Engine, nik: str) -> DeactivationRecord | None:
    with engine.connect() as connection:
        row = connection.execute(select(deactivation).where(deactivation.c.nik == nik)).first()
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
            rows = connection.execute(
                select(deactivation).where(deactivation.c.nik.in_(near_niks(nik)))
            ).all()
            found += [(_record(r), "NIK differs by one digit from the one read") for r in rows]
        key = name_key(name)
        if key and birth_date:
            rows = connection.execute(
                select(deactivation).where(
                    deactivation.c.birth_date == birth_date, deactivation.c.name_key == key
                )
            ).all()
            found += [
                (_record(r), "same name and birth date under another NIK")
                for r in rows
                if r.nik != nik
            ]
    return found
