"""`dispatch`'s own deadline: a run a worker took that shows no sign of life — no state
change, no heartbeat — for the deadline is given up on (marked crashed and run again); a run
still waiting for a free worker never is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from prefect.client.schemas.objects import FlowRun, State, StateType

from flows.deploy import DEADLINE_SECONDS, HEARTBEAT_SECONDS, SILENT_SECONDS, chunks, silent

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def run_in(state: StateType, seconds_ago: float) -> FlowRun:
    when = NOW - timedelta(seconds=seconds_ago)
    return FlowRun(flow_id=uuid4(), state=State(type=state, timestamp=when))


@pytest.mark.parametrize("state", [StateType.RUNNING, StateType.PENDING, StateType.CANCELLING])
def test_a_taken_run_without_heartbeat_past_the_deadline_is_silent(state):
    assert silent(run_in(state, 601), None, NOW, 600)
    assert not silent(run_in(state, 599), None, NOW, 600)


def test_a_recent_heartbeat_keeps_a_long_run_alive():
    long_run = run_in(StateType.RUNNING, 3600)
    assert not silent(long_run, NOW - timedelta(seconds=HEARTBEAT_SECONDS), NOW, 600)
    assert silent(long_run, NOW - timedelta(seconds=601), NOW, 600)


@pytest.mark.parametrize("state", [StateType.SCHEDULED, StateType.COMPLETED, StateType.CRASHED])
def test_a_waiting_or_finished_run_is_never_silent(state):
    assert not silent(run_in(state, 86400), None, NOW, 600)


def test_the_limits_leave_room_for_heartbeats():
    # the automation waits three heartbeats; dispatch waits past three of Prefect's default
    # (180 s), so a run of a deployment without the 30 s setting is not given up on early
    assert SILENT_SECONDS >= 3 * HEARTBEAT_SECONDS
    assert DEADLINE_SECONDS > 3 * 180


def test_each_submission_in_one_chunk():
    ids = [f"s{i}" for i in range(7)]
    assert chunks(ids, 3) == [["s0", "s1", "s2"], ["s3", "s4", "s5"], ["s6"]]
    with pytest.raises(ValueError):
        chunks(ids, 0)
