from pathlib import Path

import pytest

from pipeline.storage import LocalStorage, UnsafeKey, check_key


def test_put_get_keys(tmp_path: Path):
    store = LocalStorage(tmp_path)
    store.put("originals/abc", b"data")
    store.put("outbox/wa-1.json", b"{}")
    assert store.get("originals/abc") == b"data"
    assert store.exists("originals/abc")
    assert not store.exists("originals/zzz")
    assert store.keys("outbox") == ["outbox/wa-1.json"]
    assert not list(tmp_path.rglob(".part-*"))


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "a\\b", ""])
def test_keys_cannot_escape(key: str):
    with pytest.raises(UnsafeKey):
        check_key(key)


def test_names_with_spaces_and_unicode_are_fine(tmp_path: Path):
    store = LocalStorage(tmp_path)
    store.put("inbox/wa 1/foto surat é.jpg", b"x")
    assert store.keys("inbox") == ["inbox/wa 1/foto surat é.jpg"]
