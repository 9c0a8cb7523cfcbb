"""The S3 backend against a real S3 server process over HTTP, through the real client."""

import pytest
from minio.error import S3Error

from pipeline.config import Settings
from pipeline.storage import S3Storage, UnsafeKey, open_location


def test_put_get_list_sizes(s3_server):
    store = S3Storage(s3_server.endpoint, "S3RVER", "S3RVER", "reaktivasi")
    store.put("inbox/wa 1/foto surat é.jpg", b"photo")
    store.put("originals/abc", b"data")
    assert store.get("inbox/wa 1/foto surat é.jpg") == b"photo"
    assert store.exists("originals/abc") and not store.exists("originals/zzz")
    assert store.sizes("inbox/") == {"inbox/wa 1/foto surat é.jpg": 5}
    assert store.keys("") == ["inbox/wa 1/foto surat é.jpg", "originals/abc"]
    with pytest.raises(UnsafeKey):
        store.put("../escape", b"x")


def test_wrong_credentials_are_refused(s3_server):
    with pytest.raises(S3Error, match="InvalidAccessKeyId"):
        S3Storage(s3_server.endpoint, "nobody", "wrong", "reaktivasi")


def test_location_names_bucket_and_prefix(s3_server):
    settings = Settings(
        s3_endpoint=s3_server.endpoint, s3_access_key="S3RVER", s3_secret_key="S3RVER"
    )
    store, prefix = open_location("s3://dinsos-sambas/inbox/", settings)
    assert prefix == "inbox/"
    store.put(f"{prefix}wa-1/ktp.jpg", b"k")
    assert store.keys("inbox/") == ["inbox/wa-1/ktp.jpg"]


def test_s3_location_without_endpoint_is_a_clear_error():
    with pytest.raises(ValueError, match="REAKTIVASI_S3_ENDPOINT"):
        open_location("s3://bucket/inbox/", Settings(s3_endpoint=None))
