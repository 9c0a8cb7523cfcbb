"""Words the screens show, in Bahasa Indonesia: field, document and status names, and the
pipeline's review notes (written in English for logs) said the way a reviewer reads them."""

from __future__ import annotations

import re

FIELDS = {
    "nik": "NIK",
    "name": "Nama",
    "birth_date": "Tanggal lahir",
    "register_number": "No. register / RM",
    "diagnosis": "Diagnosis",
    "icd10": "ICD-10",
    "priority_category": "Kategori prioritas",
    "facility_name": "Fasilitas kesehatan",
    "letter_date": "Tanggal surat",
    "village": "Desa/Kelurahan",
    "district": "Kecamatan",
    "letter_number": "Nomor surat",
    "kk_number": "No. KK",
    "head_name": "Kepala keluarga",
    "gender": "L/P",
    "relationship": "Hubungan",
}

DOC_TYPES = {
    "faskes_letter": "Surat keterangan faskes",
    "sktm": "SKTM",
    "kk": "Kartu Keluarga",
    "ktp": "KTP",
    "unknown": "Tidak dikenali",
}

STATUSES = {
    "needs_review": "Perlu ditinjau",
    "needs_correction": "Perlu perbaikan pemohon",
    "ready": "Siap diunggah",
    "not_eligible": "Tidak memenuhi syarat",
    "semua": "Semua",
}

PRIORITIES = {"urgent": "Mendesak", "regular": "Biasa", "semua": "Semua"}

ACTIONS = {
    "correct": "Koreksi",
    "accept": "Diterima apa adanya",
    "approve": "Disetujui",
    "return": "Dikembalikan ke pemohon",
}

_NOTES = (
    (r"NIK on (.+) differs by one digit: a misreading\?",
     "NIK pada {0} berbeda satu digit: salah baca?"),
    (r"NIK read with low confidence on (.+)", "NIK pada {0} terbaca dengan keyakinan rendah"),
    (r"(\w+) read with low confidence on (.+)", "{0} pada {1} terbaca dengan keyakinan rendah"),
    (r"KK member table of (.+) could not be read", "Tabel anggota KK pada {0} tidak terbaca"),
    (r"a KK member NIK on (.+) could not be read",
     "Ada NIK anggota KK pada {0} yang tidak terbaca"),
    (r"a near match on the deactivation list needs checking",
     "Ada data yang hampir cocok di daftar penonaktifan: periksa"),
    (r"reviewer: (.*)", "Catatan petugas: {0}"),
    (r"NIK differs by one digit from the one read", "NIK berbeda satu digit dari yang terbaca"),
    (r"same name and birth date under another NIK",
     "Nama dan tanggal lahir sama dengan NIK lain"),
)  # fmt: skip


def note(text: str) -> str:
    """A pipeline note in Bahasa Indonesia; an unknown one is shown as written."""
    for pattern, template in _NOTES:
        m = re.fullmatch(pattern, text)
        if m:
            return template.format(*(FIELDS.get(g, g) for g in m.groups()))
    return text
