"""`dispatch`'s split of a batch: every submission in exactly one flow run, in order."""

from __future__ import annotations

import pytest

from flows.deploy import chunks


@pytest.mark.parametrize(("count", "size", "runs"), [(0, 20, 0), (4, 1, 4), (4, 2, 2), (41, 20, 3)])
def test_chunks_put_each_submission_in_exactly_one_run(count: int, size: int, runs: int) -> None:
    ids = [f"sub-{n:03d}" for n in range(count)]
    parts = chunks(ids, size)
    assert len(parts) == runs
    assert [sub for part in parts for sub in part] == ids
    assert all(1 <= len(part) <= size for part in parts)


def test_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        chunks(["a"], 0)
