"""The review queue with many submissions: server time to render a page of it.

    python tests/benchmarks/bench_review.py --count 10000 --runs 40

Builds a state database of `--count` decided submissions (statuses, priorities and kecamatan
drawn with a seed; each decision points at a stored KK extraction, as `process` leaves it),
indexes them the way the app does on its first request (timed: a one-off; then the server's
background thread keeps the index current, also timed), then asks
the app for queue pages through FastAPI's TestClient and reads the `Server-Timing` header the
app sets (time inside the app: routing, session, SQL, template). Prints p50/p95 per view and
the target (300 ms). Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

from models import Candidate, Decision, Priority, Status
from models.tables import decision, document
from pipeline.cases.submissions import PIPELINE_VERSION
from pipeline.state import engine_for
from review import auth
from review.app import create_app
from review.queue import sync_cases
from review.settings import ReviewSettings

TARGET_MS = 300.0
DISTRICTS = [f"KECAMATAN {i:02d}" for i in range(40)]
NOTES = [
    "NIK read with low confidence on {s}/IMG-1.jpg",
    "a near match on the deactivation list needs checking",
    "NIK on {s}/IMG-2.jpg differs by one digit: a misreading?",
]


def _kk(district: str, sha256: str) -> dict:
    return {
        "source": "kk.jpg",
        "sha256": sha256,
        "doc_type": "kk",
        "fields": {"district": {"name": "district", "value": district, "confidence": 0.9}},
    }


def build(out: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    engine = engine_for(f"sqlite:///{(out / 'state.sqlite').resolve()}")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    docs, rows = [], []
    for i in range(count):
        sid = f"wa-62812{i:08d}-2026"
        sha = f"{i:064x}"
        district = rng.choice(DISTRICTS)
        received = start + timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        docs.append(
            {
                "sha256": sha,
                "pipeline_version": PIPELINE_VERSION,
                "extractions": [_kk(district, sha)],
                "created_at": received,
            }
        )
        status = rng.choices(list(Status), weights=[4, 3, 2, 1])[0]
        priority = Priority.urgent if rng.random() < 0.3 else Priority.regular
        nik = "".join(rng.choice("0123456789") for _ in range(16))
        record = Decision(
            submission=sid,
            status=status,
            priority=priority,
            nik=nik,
            priority_category="gagal_ginjal" if priority is Priority.urgent else None,
            review_notes=[n.format(s=sid) for n in rng.sample(NOTES, 2)]
            if status is Status.needs_review
            else [],
            candidates=[Candidate(nik=nik[:-1] + "9", name="X", why="near")]
            if status is Status.needs_review
            else [],
        )
        rows.append(
            {
                "submission": sid,
                "status": status.value,
                "priority": priority.value,
                "nik": nik,
                "record": record.model_dump(mode="json"),
                "documents": [sha],
                "decided_at": received,
            }
        )
    with engine.begin() as connection:
        for lo in range(0, count, 1000):
            connection.execute(insert(document), docs[lo : lo + 1000])
            connection.execute(insert(decision), rows[lo : lo + 1000])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=4242)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        out = Path(tmp)
        began = time.perf_counter()
        build(out, args.count, args.seed)
        print(f"built {args.count} decided submissions in {time.perf_counter() - began:.1f} s")
        app = create_app(ReviewSettings(out=out))
        engine = app.state.ctx.engine
        began = time.perf_counter()
        added = sync_cases(engine)
        print(f"first index of {added} cases (one-off): {time.perf_counter() - began:.2f} s")
        began = time.perf_counter()
        sync_cases(engine)
        print(
            f"index sync with nothing new (background, every few s): "
            f"{(time.perf_counter() - began) * 1000:.0f} ms"
        )
        auth.add_user(engine, "bench", "bench-password-1", auth.Role.reviewer)
        client = TestClient(app)
        form = client.get("/masuk").text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/masuk",
            data={"name": "bench", "password": "bench-password-1", "csrf_token": token},
        )
        views = {
            "queue (needs_review, page 1)": "/antrian",
            "all statuses, page 100": "/antrian?status=semua&halaman=100",
            "urgent + one kecamatan": f"/antrian?prioritas=urgent&kecamatan={DISTRICTS[3]}",
            "dashboard": "/dasbor",
        }
        print(f"{'view':34} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target")
        worst = 0.0
        for name, path in views.items():
            timings = []
            for _ in range(args.runs):
                response = client.get(path)
                if response.status_code != 200:
                    print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
                    return 1
                timings.append(float(response.headers["server-timing"].split("dur=")[1]))
            rows = response.text.count("<tr class=")
            p50, p95 = statistics.median(timings), percentile(timings, 0.95)
            worst = max(worst, p95) if name != "dashboard" else worst
            print(
                f"{name:34} {rows:>5} {p50:8.1f} {p95:8.1f} {max(timings):8.1f}  "
                f"{'ok' if p95 <= TARGET_MS else 'OVER'} (≤{TARGET_MS:.0f})"
            )
        print(f"queue p95 worst: {worst:.1f} ms of {TARGET_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
