"""Where decisions go: decisions.jsonl, the SIKS-NG worklist, WhatsApp replies, the database."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import PurePosixPath

from sqlalchemy import Engine, delete, insert, select, update

from models import Decision, Extraction, Status, Submission
from models.tables import decision as decision_table
from pipeline.cases.corrections import apply_corrections, stored_corrections
from pipeline.cases.decide import file_messages, photo_messages
from pipeline.cases.submissions import stored_submission
from pipeline.storage import Storage

WORKLIST_COLUMNS = (
    "PRIORITAS", "KATEGORI", "NIK", "NAMA", "TGL_LAHIR", "NO_KK", "DESA", "KECAMATAN",
    "DIAGNOSA", "ICD10", "NO_REGISTER", "FASKES", "TGL_SURAT", "SUBMISSION",
)  # fmt: skip


REVIEWER_NOTE = "reviewer: "  # a review note written by a person, for the applicant


def reviewer_note(decision: Decision) -> str | None:
    """The last note a reviewer wrote for the applicant, if any."""
    notes = [
        n.removeprefix(REVIEWER_NOTE) for n in decision.review_notes if n.startswith(REVIEWER_NOTE)
    ]
    return notes[-1] if notes else None


def reply_text(decision: Decision) -> str:
    """The WhatsApp reply: polite, naming each missing or unreadable piece."""
    lines = [
        "Yth. Bapak/Ibu,",
        "",
        "Terima kasih, berkas pengajuan reaktivasi PBI-JK Anda sudah kami terima, tetapi belum "
        "dapat kami proses karena:",
    ]
    lines += [f"- {r.message}" for r in decision.reasons]
    files = file_messages()
    lines += [
        f"- File {PurePosixPath(source).name}: {files.get(code, files['unreadable_file'])}."
        for source, code in decision.unreadable_files
    ]
    photos = photo_messages()
    lines += [f"- {photos[code]}" for code in decision.photo_problems if code in photos]
    note = reviewer_note(decision)
    lines += [f"- Catatan petugas: {' '.join(note.split())}"] if note else []
    lines += [
        "",
        "Mohon kirimkan kembali dokumen yang diminta melalui nomor ini. Terima kasih.",
        "Dinas Sosial",
    ]
    return "\n".join(lines)


def _letter(submission: Submission) -> Extraction | None:
    return next((d for d in submission.documents if d.doc_type.value == "faskes_letter"), None)


def worklist_row(decision: Decision, submission: Submission) -> dict[str, str]:
    letter = _letter(submission)
    person = next(
        (m for d in submission.documents for m in d.members if m.nik == decision.nik), None
    )
    kk = next((d for d in submission.documents if d.doc_type.value == "kk"), None)
    sktm = next((d for d in submission.documents if d.doc_type.value == "sktm"), None)

    def value(doc: Extraction | None, name: str) -> str:
        return (doc.value(name) if doc else None) or ""

    return {
        "PRIORITAS": decision.priority.value,
        "KATEGORI": decision.priority_category or "",
        "NIK": decision.nik or "",
        "NAMA": value(letter, "name") or (person.name if person else "") or "",
        "TGL_LAHIR": value(letter, "birth_date") or (person.birth_date if person else "") or "",
        "NO_KK": value(kk, "kk_number"),
        "DESA": value(kk, "village") or value(sktm, "village"),
        "KECAMATAN": value(kk, "district") or value(sktm, "district"),
        "DIAGNOSA": value(letter, "diagnosis"),
        "ICD10": value(letter, "icd10"),
        "NO_REGISTER": value(letter, "register_number"),
        "FASKES": value(letter, "facility_name"),
        "TGL_SURAT": value(letter, "letter_date"),
        "SUBMISSION": decision.submission,
    }


def route(
    decisions: list[Decision],
    submissions: dict[str, Submission],
    storage: Storage,
    engine: Engine,
    fingerprints: dict[str, str] | None = None,
) -> dict[str, int]:
    """Record a batch of decisions, then publish every output; returns the batch's counts."""
    record(decisions, submissions, engine, fingerprints or {})
    publish(engine, storage)
    return status_counts(decisions)


def status_counts(decisions: list[Decision]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.status.value] = counts.get(d.status.value, 0) + 1
    return counts


def decided_by_people(engine: Engine, fingerprints: dict[str, str]) -> set[str]:
    """Submissions a reviewer decided whose files have not changed since: `process` keeps
    those decisions; new files from the applicant open the case again."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(decision_table.c.submission, decision_table.c.fingerprint).where(
                decision_table.c.reviewed_by.is_not(None)
            )
        ).all()
    return {
        r.submission
        for r in rows
        if r.fingerprint and fingerprints.get(r.submission) == r.fingerprint
    }


def record(
    decisions: list[Decision],
    submissions: dict[str, Submission],
    engine: Engine,
    fingerprints: dict[str, str],
) -> None:
    """One row per submission, replaced in one transaction: a crash leaves the old rows or
    the new ones, never a submission decided twice.

    A decision equal to the one already recorded on the same files (same fingerprint, same
    record, same documents) leaves its row alone, `published` included: running a batch
    again never rewrites a reply that was already sent to the gateway."""
    now = datetime.now(UTC)
    names = [d.submission for d in decisions]
    with engine.begin() as connection:
        known = {
            r.submission: r
            for start in range(0, len(names), 500)
            for r in connection.execute(
                select(
                    decision_table.c.submission,
                    decision_table.c.record,
                    decision_table.c.documents,
                    decision_table.c.fingerprint,
                ).where(decision_table.c.submission.in_(names[start : start + 500]))
            )
        }
        for d in sorted(decisions, key=lambda d: d.submission):
            row = {
                "submission": d.submission,
                "status": d.status.value,
                "priority": d.priority.value,
                "nik": d.nik,
                "record": d.model_dump(mode="json"),
                "documents": sorted(
                    {e.sha256 for e in submissions[d.submission].documents if e.sha256}
                ),
                "decided_at": now,
                "fingerprint": fingerprints.get(d.submission),
                "published": False,
            }
            old = known.get(d.submission)
            if old is not None and (old.fingerprint, old.record, old.documents) == (
                row["fingerprint"], row["record"], row["documents"]
            ):  # fmt: skip
                continue  # the same decision on the same files: recorded and published once
            connection.execute(
                delete(decision_table).where(decision_table.c.submission == d.submission)
            )
            connection.execute(insert(decision_table), [row])


def publish(engine: Engine, storage: Storage) -> None:
    """Write the outputs from the decision table: idempotent, so a rerun after a crash or a
    storage outage finishes what was left. A reply is marked published only once written."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(decision_table.c.record, decision_table.c.published).order_by(
                decision_table.c.submission
            )
        ).all()
    decisions = [(Decision.model_validate(r.record), r.published) for r in rows]
    unpublished = [d for d, published in decisions if not published]
    for d in unpublished:
        if d.status is Status.needs_correction:
            body = json.dumps(reply_record(d), ensure_ascii=False, indent=2)
            storage.put(f"outbox/{d.submission}.json", body.encode("utf-8"))
    with engine.begin() as connection:
        for start in range(0, len(unpublished), 500):
            names = [d.submission for d in unpublished[start : start + 500]]
            connection.execute(
                update(decision_table)
                .where(decision_table.c.submission.in_(names))
                .values(published=True)
            )
    lines = "".join(json.dumps(d.to_contract(), ensure_ascii=False) + "\n" for d, _ in decisions)
    storage.put("decisions.jsonl", lines.encode("utf-8"))
    rows_out = worklist_rows(engine)
    storage.put("exports/worklist.csv", worklist_csv(rows_out))
    storage.put("exports/worklist.xlsx", worklist_xlsx(rows_out))


def worklist_rows(engine: Engine) -> list[dict[str, str]]:
    """The SIKS-NG rows of every `ready` case, urgent first, with the reviewers' values."""
    with engine.connect() as connection:
        ready = connection.execute(
            select(decision_table.c.submission, decision_table.c.record, decision_table.c.documents)
            .where(decision_table.c.status == Status.ready.value)
            .order_by((decision_table.c.priority != "urgent").asc(), decision_table.c.submission)
        ).all()
    fixes = stored_corrections(engine, [r.submission for r in ready])
    return [
        worklist_row(
            Decision.model_validate(r.record),
            apply_corrections(
                stored_submission(engine, r.submission, r.documents or []),
                fixes.get(r.submission, []),
            ),
        )
        for r in ready
    ]


def reply_record(d: Decision) -> dict:
    """The outbox record for the WhatsApp gateway."""
    return {
        "submission": d.submission,
        "status": d.status.value,
        "reasons": [r.model_dump(mode="json") for r in d.reasons],
        "photo_problems": d.photo_problems,
        "unreadable_files": [list(f) for f in d.unreadable_files],
        "reviewer_note": reviewer_note(d),
        "reply": reply_text(d),
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell that Excel or LibreOffice could take for a formula (OWASP's rule: it starts with
    `= + - @`, a tab or a carriage return) gets a leading `'`: an OCR'd or reviewer-typed
    facility name `=HYPERLINK(...)` stays text and sends no NIK anywhere."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def worklist_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=WORKLIST_COLUMNS)
    writer.writeheader()
    writer.writerows({c: neutralise(row[c]) for c in WORKLIST_COLUMNS} for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def worklist_xlsx(rows: list[dict[str, str]]) -> bytes:
    """NIK and KK as text cells, so Excel does not round them to 15 digits."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Reaktivasi PBI-JK"
    sheet.append(list(WORKLIST_COLUMNS))
    for row in rows:
        sheet.append([neutralise(row[c]) for c in WORKLIST_COLUMNS])
    for column in ("C", "F"):
        for cell in sheet[column]:
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
