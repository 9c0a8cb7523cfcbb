from pathlib import Path

from pipeline.cases.submissions import list_submissions
from pipeline.storage import LocalStorage


def test_submissions_are_subfolders_with_their_files(tmp_path: Path):
    store = LocalStorage(tmp_path)
    store.put("wa-2/ktp.jpg", b"k")
    store.put("wa-1/surat 1.jpg", b"s")
    store.put("wa-1/kk.pdf", b"kk")
    store.put("wa-1/.DS_Store", b"x")  # hidden: not a document
    store.put("wa-1/catatan.txt", b"x")  # notes beside scans are skipped
    store.put("loose.jpg", b"x")  # not in a submission folder
    found = list_submissions(store)
    assert [s.id for s in found] == ["wa-1", "wa-2"]
    assert found[0].keys == ("wa-1/kk.pdf", "wa-1/surat 1.jpg")


def test_fingerprint_changes_when_a_file_arrives_or_grows(tmp_path: Path):
    store = LocalStorage(tmp_path)
    store.put("wa-1/surat.jpg", b"s")
    first = list_submissions(store)[0].fingerprint
    assert list_submissions(store)[0].fingerprint == first
    store.put("wa-1/surat.jpg", b"s-longer")
    grown = list_submissions(store)[0].fingerprint
    store.put("wa-1/kk.jpg", b"k")
    assert len({first, grown, list_submissions(store)[0].fingerprint}) == 3


def test_prefix_of_a_bucket_layout(tmp_path: Path):
    store = LocalStorage(tmp_path)
    store.put("inbox/wa-1/surat.jpg", b"s")
    store.put("outbox/wa-0.json", b"{}")
    found = list_submissions(store, "inbox/")
    assert [(s.id, s.keys) for s in found] == [("wa-1", ("inbox/wa-1/surat.jpg",))]
