"""Background jobs: progress, results, failures, one job per key, per-workspace listing."""

from __future__ import annotations

import threading

from core.jobs import Jobs


def test_a_job_reports_progress_and_its_result() -> None:
    jobs, gate, seen = Jobs(), threading.Event(), threading.Event()

    def work(progress):
        progress(1, 4, "党政办工作群.csv", "写入工作区")
        seen.set()
        gate.wait(10)
        return ["report"]

    job = jobs.start("导入", "/data/a.duckdb", work)
    assert seen.wait(10)
    assert (job.finished, job.done, job.total, job.item, job.step, job.fraction) == (
        False, 1, 4, "党政办工作群.csv", "写入工作区", 0.25)
    assert [j.id for j in jobs.running("/data/a.duckdb")] == [job.id]
    assert jobs.running("/data/b.duckdb") == []  # another workspace's sessions do not see it
    gate.set()
    assert job.wait(10)
    assert (job.finished, job.result, job.error, job.fraction) == (True, ["report"], None, 1.0)
    assert jobs.get(job.id) is job and jobs.running("/data/a.duckdb") == []


def test_a_failure_is_kept_with_its_message() -> None:
    jobs = Jobs()

    def work(progress):
        raise ValueError("群「甲群」不存在")

    job = jobs.start("计算整合方案", "/a", work, key=("plan", 1))
    assert job.wait(10)
    assert job.error == "群「甲群」不存在" and isinstance(job.exc, ValueError)
    # The same request is not run again: it would fail the same way.
    assert jobs.start("计算整合方案", "/a", work, key=("plan", 1)) is job


def test_one_job_per_key_until_the_key_changes() -> None:
    jobs, calls = Jobs(), []

    def work(progress):
        calls.append(1)
        return len(calls)

    first = jobs.start("计算整合方案", "/a", work, key=("v1", 3))
    assert first.wait(10)
    assert jobs.start("计算整合方案", "/a", work, key=("v1", 3)) is first
    second = jobs.start("计算整合方案", "/a", work, key=("v2", 3))
    assert second.wait(10) and (first.result, second.result) == (1, 2)
    assert jobs.wait(10)


def test_finished_jobs_beyond_the_limit_are_forgotten() -> None:
    jobs = Jobs(keep=2)
    done = [jobs.start(f"任务{i}", "/a", lambda progress, i=i: i, key=i) for i in range(4)]
    for j in done:
        assert j.wait(10)
    jobs.start("任务4", "/a", lambda progress: 4)
    assert jobs.get(done[0].id) is None and jobs.get(done[-1].id) is done[-1]
