"""Runner contracts: budget in distinct evaluations, cache of repeats, logging, resume, failures."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qgnas.core import (
    Decision,
    Evaluator,
    InvalidArchitecture,
    Result,
    ResumeMismatch,
    Runner,
    Searcher,
    SearchExhausted,
    SearchSpace,
    read_log,
    seed_streams,
)


class GridSpace(SearchSpace):
    """Pairs (a, b) with a, b in 0..k-1; (0, 0) is invalid; (a, b) and (b, a) are the same arch."""

    name = "grid"

    def __init__(self, k: int = 6):
        self.k = k

    def decisions(self):
        return [Decision("a", tuple(range(self.k))), Decision("b", tuple(range(self.k)))]

    def decode(self, indices):
        a, b = (int(i) for i in indices)
        if (a, b) == (0, 0):
            raise InvalidArchitecture("(0, 0) is not allowed")
        return (a, b)

    def encode(self, arch):
        return list(arch)

    def key(self, arch):
        return "-".join(map(str, sorted(arch)))

    def to_json(self, arch):
        return list(arch)

    def from_json(self, obj):
        return self.decode(obj)

    def size(self):
        return self.k * (self.k + 1) // 2 - 1


class SumEvaluator(Evaluator):
    def __init__(self, fail_on=()):
        self.calls = []
        self.fail_on = set(fail_on)

    def _evaluate(self, arch):
        self.calls.append(arch)
        if tuple(arch) in self.fail_on:
            raise RuntimeError(f"boom on {arch}")
        return Result(objective=float(arch[0] + arch[1]), metrics={"test": float(arch[0] * arch[1])})


class SamplerWithRepeats(Searcher):
    """Samples with replacement, so repeats (also symmetric ones) reach the runner's cache."""

    def __init__(self, space, rng):
        super().__init__(space, rng)
        self.told = []

    def ask(self):
        return self.space.sample(self.rng)

    def tell(self, arch, result):
        self.told.append((arch, result.objective))


def make_runner(tmp_path, budget=10, seed=0, evaluator=None, factory=SamplerWithRepeats, **kw):
    space = GridSpace()
    return Runner(
        space,
        evaluator or SumEvaluator(),
        factory,
        budget=budget,
        seed=seed,
        run_dir=tmp_path,
        progress=False,
        **kw,
    )


def test_budget_counts_distinct_architectures_and_repeats_are_served_from_cache(tmp_path):
    ev = SumEvaluator()
    out = make_runner(tmp_path, budget=12, evaluator=ev).run()
    keys = [r.key for r in out.records]
    assert out.status == "complete"
    assert len(keys) == 12 and len(set(keys)) == 12
    assert len(ev.calls) == 12  # every evaluation is distinct
    assert len(read_log(out.log_path)) == 12
    meta = json.loads((tmp_path / "run.meta.json").read_text())
    assert meta["seed"] == 0 and meta["evaluations"] == 12 and "versions" in meta


def test_budget_is_clamped_to_space_size_and_searcher_exhaustion_stops_cleanly(tmp_path):
    class Exhausting(SamplerWithRepeats):
        def ask(self):
            if len(self.told) >= 3:
                raise SearchExhausted("done")
            return super().ask()

    assert make_runner(tmp_path, budget=10_000).budget == GridSpace().size()
    out = make_runner(tmp_path / "x", budget=50, factory=Exhausting).run()
    assert out.status == "exhausted" and len(out.records) <= 3


def test_failed_evaluation_is_recorded_not_fatal(tmp_path):
    ev = SumEvaluator(fail_on={(a, b) for a in range(6) for b in range(6) if a == 5})
    out = make_runner(tmp_path, budget=20, evaluator=ev).run()
    failed = [r for r in out.records if not r.result.ok]
    assert failed, "the seed should hit a failing architecture"
    assert all(math.isinf(r.result.objective) and "boom" in r.result.message for r in failed)
    assert read_log(out.log_path)[0].result.status in ("ok", "failed")


def test_same_seed_same_log_and_different_seed_differs(tmp_path):
    a = make_runner(tmp_path / "a", seed=3).run()
    b = make_runner(tmp_path / "b", seed=3).run()
    c = make_runner(tmp_path / "c", seed=4).run()

    def strip(p):
        return [{k: v for k, v in json.loads(line).items() if k != "elapsed"} for line in open(p)]

    assert [r.key for r in a.records] == [r.key for r in b.records]
    assert [r.key for r in a.records] != [r.key for r in c.records]
    assert [{**x, "result": {**x["result"], "seconds": 0}} for x in strip(a.log_path)] == [
        {**x, "result": {**x["result"], "seconds": 0}} for x in strip(b.log_path)
    ]


def test_resume_continues_exactly_and_repairs_a_torn_line(tmp_path):
    full = make_runner(tmp_path / "full", budget=15, seed=7).run()
    part = make_runner(tmp_path / "part", budget=6, seed=7).run()
    with open(part.log_path, "a") as f:  # a write cut by a kill
        f.write('{"index": 6, "key": "1-')
    ev = SumEvaluator()
    resumed = make_runner(tmp_path / "part", budget=15, seed=7, evaluator=ev).run(resume=True)
    assert resumed.resumed_from == 6
    assert len(ev.calls) == 9  # nothing logged is evaluated again
    assert [r.key for r in resumed.records] == [r.key for r in full.records]
    assert [r.key for r in read_log(resumed.log_path)] == [r.key for r in full.records]


def test_refuses_to_overwrite_and_detects_a_changed_run(tmp_path):
    make_runner(tmp_path, budget=5, seed=1).run()
    with pytest.raises(FileExistsError, match="already holds 5"):
        make_runner(tmp_path, budget=5, seed=1).run()
    with pytest.raises(ResumeMismatch, match="seed or options differ"):
        make_runner(tmp_path, budget=8, seed=2).run(resume=True)


def test_bad_budget_and_seed():
    with pytest.raises(ValueError, match="budget must be a positive integer, got 0"):
        Runner(GridSpace(), SumEvaluator(), SamplerWithRepeats, budget=0, seed=0, run_dir=".")
    with pytest.raises(ValueError, match="non-negative integer"):
        seed_streams(-1)


def test_seed_streams_are_independent_and_reproducible():
    a, b = seed_streams(5), seed_streams(5)
    assert a["searcher"].integers(1 << 30) == b["searcher"].integers(1 << 30)
    x = seed_streams(5)
    assert x["searcher"].integers(1 << 30) != x["evaluator"].integers(1 << 30)


def test_generic_space_operators():
    space, rng = GridSpace(), np.random.default_rng(0)
    arch = (2, 3)
    for _ in range(20):
        child = space.mutate(arch, rng)
        assert space.key(child) != space.key(arch)
        assert sum(x != y for x, y in zip(child, arch, strict=True)) == 1
    nbrs = space.neighbours(arch)
    assert len({space.key(n) for n in nbrs}) == len(nbrs)
    assert all(space.is_valid(n) for n in nbrs)
    assert not space.is_valid((0, 0))


def test_read_jsonl_ignores_and_repairs_a_torn_last_line(tmp_path):
    from qgnas.core.io import read_jsonl

    path = tmp_path / "log.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n{"a": 3')
    assert read_jsonl(path) == [{"a": 1}, {"a": 2}]
    assert path.read_text().endswith('{"a": 3')  # reading alone changes nothing
    assert read_jsonl(path, parse=lambda row: row["a"], repair=True) == [1, 2]
    assert path.read_text() == '{"a": 1}\n\n{"a": 2}\n'
    # a row the parser rejects ends the log like a torn line
    path.write_text('{"a": 1}\n{"b": 2}\n')
    assert read_jsonl(path, parse=lambda row: row["a"]) == [1]
    assert read_jsonl(tmp_path / "missing.jsonl") == []


class LoggingSumEvaluator(Evaluator):
    """SumEvaluator for worker processes: each call appends the architecture to a file (a worker's own
    copy of the evaluator cannot report back through attributes); (5, 5) kills its process."""

    def __init__(self, calls_path):
        self.calls_path = str(calls_path)

    def _evaluate(self, arch):
        with open(self.calls_path, "a") as f:
            f.write("-".join(map(str, sorted(arch))) + "\n")  # the space's key
        if tuple(arch) == (5, 5):
            os._exit(3)  # a worker killed mid-training (out of memory, a signal)
        return Result(objective=float(arch[0] + arch[1]), metrics={"test": float(arch[0] * arch[1])})


def _plain_log(records):
    return [(r.index, r.key, r.result.objective, r.result.status) for r in records]


def test_workers_evaluate_batches_at_once_and_reproduce_exactly(tmp_path):
    runs = [
        make_runner(
            tmp_path / d, budget=9, seed=2, evaluator=LoggingSumEvaluator(tmp_path / f"{d}.calls"), workers=2
        ).run()
        for d in ("a", "b")
    ]
    a, b = runs
    assert _plain_log(a.records) == _plain_log(b.records)  # the same batches, whichever finished first
    assert [r.index for r in a.records] == list(range(9)) and len({r.key for r in a.records}) == 9
    assert _plain_log(read_log(a.log_path)) == _plain_log(a.records)  # the log is read in index order
    for r in a.records:  # each result is the evaluator's, worked out in a worker process
        x, y = map(int, r.key.split("-"))
        assert r.result.objective == x + y if r.result.ok else "died" in r.result.message
    assert sorted((tmp_path / "a.calls").read_text().split()) == sorted(r.key for r in a.records)
    assert json.loads((tmp_path / "a" / "run.meta.json").read_text())["workers"] == 2
    # this sampler ignores the results, so the batches change nothing it proposes: the same log as
    # one worker (a searcher that learns sees two results at a time, and its search differs)
    one = make_runner(tmp_path / "one", budget=9, seed=2).run()
    assert _plain_log(one.records) == _plain_log(a.records)


def test_workers_resume_a_batch_killed_midway_and_keep_their_number(tmp_path):
    full = make_runner(
        tmp_path / "full",
        budget=12,
        seed=5,
        evaluator=LoggingSumEvaluator(tmp_path / "full.calls"),
        workers=2,
    ).run()
    part = tmp_path / "part"
    part.mkdir()
    # killed while evaluation 6 was still training and 7 had finished: the log holds 0-5 and 7
    lines = [json.dumps(r.to_json()) for r in full.records if r.index < 6 or r.index == 7]
    (part / "run.jsonl").write_text("\n".join(lines[::-1]) + "\n")  # any order within the file
    (part / "run.meta.json").write_text((tmp_path / "full" / "run.meta.json").read_text())
    with pytest.raises(ResumeMismatch, match="written with workers=2; resume it with workers=2, not 1"):
        make_runner(part, budget=12, seed=5).run(resume=True)
    calls = tmp_path / "part.calls"
    resumed = make_runner(part, budget=12, seed=5, evaluator=LoggingSumEvaluator(calls), workers=2).run(
        resume=True
    )
    assert resumed.resumed_from == 7
    assert sorted(calls.read_text().split()) == sorted(
        r.key for r in full.records if r.index == 6 or r.index > 7
    )
    assert _plain_log(resumed.records) == _plain_log(full.records)


def test_a_dead_worker_fails_its_evaluations_and_the_search_goes_on(tmp_path):
    class Then55(SamplerWithRepeats):
        """Proposes (5, 5), whose evaluation kills its worker, first."""

        def ask(self):
            self.asked = getattr(self, "asked", 0) + 1
            return (5, 5) if self.asked == 1 else super().ask()

    out = make_runner(
        tmp_path,
        budget=6,
        seed=0,
        factory=Then55,
        workers=2,
        evaluator=LoggingSumEvaluator(tmp_path / "calls"),
    ).run()
    assert out.status == "complete" and len(out.records) == 6
    dead = out.records[0]
    assert dead.key == "5-5" and not dead.result.ok and "died" in dead.result.message
    assert all(r.result.ok for r in out.records[2:])  # fresh workers for the next batches


def test_workers_need_a_positive_count_and_an_evaluator_that_pickles(tmp_path):
    with pytest.raises(ValueError, match="workers must be a positive integer, got 0"):
        make_runner(tmp_path, workers=0)
    local = lambda arch: Result(objective=1.0)  # noqa: E731
    with pytest.raises(ValueError, match="workers=2 needs an evaluator that pickles, and function does not"):
        make_runner(tmp_path, evaluator=local, workers=2).run()


def _spawned_children(pid):
    """Live worker processes (``spawn_main``) whose parent is ``pid``, from /proc."""
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields["PPid"]) == pid and not fields["State"].startswith("Z") and b"spawn_main" in cmdline:
            out.append(int(status.parent.name))
    return out


def _alive(pid):
    try:
        return not (Path("/proc") / str(pid) / "status").read_text().split("State:\t", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads worker processes from /proc")
def test_workers_end_when_the_search_is_killed():
    script = "import time\nfrom qgnas.core.parallel import EvaluationPool\n"
    script += "list(EvaluationPool(time.sleep, workers=2).evaluate([300, 300]))\n"
    search = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while len(workers := _spawned_children(search.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(workers) == 2, "the pool should have started two workers"
    finally:
        search.kill()  # as kill -9 or a closed terminal would
        search.wait()
    deadline = time.monotonic() + 20
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(_alive, workers)), "orphaned workers kept training"
