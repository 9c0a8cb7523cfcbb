"""The bucket path end to end: files dropped into `inbox/` of a bucket on a real S3 server
process come out as decisions, originals, exports and outbox replies in the same bucket —
through `reaktivasi watch --once` (a real Prefect flow run) and the real `minio` client."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from pipeline.storage import S3Storage
from tests.flows.conftest import cli, cli_env, lines

pytestmark = pytest.mark.slow
BUCKET = "dinsos-demo"


def test_bucket_inbox_to_decisions(demo: Path, ocr_cache: Path, s3_server, tmp_path: Path):
    bucket = S3Storage(s3_server.endpoint, "S3RVER", "S3RVER", BUCKET)
    files = sorted(p for p in (demo / "inbox").rglob("*") if p.is_file())
    for path in files:
        bucket.put(f"inbox/{path.relative_to(demo / 'inbox').as_posix()}", path.read_bytes())
    bucket.put("lists/deactivation.csv", (demo / "deactivation.csv").read_bytes())
    env = cli_env(ocr_cache, **s3_server.env(), REAKTIVASI_WORK_DIR=str(tmp_path / "work"))
    args = (
        "watch", f"s3://{BUCKET}/inbox/", "--deactivation", f"s3://{BUCKET}/lists/deactivation.csv",
        "--out", f"s3://{BUCKET}/", "--once", "--interval", "1",
        "--as-of", (demo / "as_of.txt").read_text().strip(),
    )  # fmt: skip

    first = cli(*args, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    decided = lines(bucket.get("decisions.jsonl").decode())
    assert decided == lines((demo / "truth.jsonl").read_text())
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert set(bucket.keys("originals/")) == {f"originals/{h}" for h in hashes}
    corrections = sorted(s for s, d in decided.items() if d["status"] == "needs_correction")
    assert bucket.keys("outbox/") == [f"outbox/{s}.json" for s in corrections]
    worklist = list(
        csv.DictReader(io.StringIO(bucket.get("exports/worklist.csv").decode("utf-8-sig")))
    )
    assert sorted(r["SUBMISSION"] for r in worklist) == sorted(
        s for s, d in decided.items() if d["status"] == "ready"
    )
    assert bucket.exists("exports/worklist.xlsx")

    # The next poll finds nothing new; a document sent later re-decides only its submission.
    second = cli(*args, env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "0 submissions decided" in second.stderr
    late = corrections[0]
    bucket.put(f"inbox/{late}/tambahan.jpg", files[0].read_bytes())
    third = cli(*args, env=env)
    assert third.returncode == 0, third.stderr[-3000:]
    assert "1 submissions decided" in third.stderr
