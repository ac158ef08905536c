"""Auto-GNN's RCNAS controller: small steps from the best, no repeats, determinism, lineage, resume."""

from __future__ import annotations

import numpy as np
import pytest

from qgnas.core import Evaluator, InvalidArchitecture, Result, Runner, WarmStart, seed_streams
from qgnas.graph.autognn_space import AutoGNNSpace
from qgnas.searchers.autognn import AutoGNNSearcher, action_classes

from .conftest import changed_classes


class SyntheticGNNScore(Evaluator):
    """A cheap stand-in for training: additive per-choice scores (deterministic in the arch)."""

    def __init__(self, space: AutoGNNSpace, seed: int = 0):
        self.space = space
        rng = np.random.default_rng(seed)
        self.table = [rng.normal(size=len(d)) for d in space.decisions()]

    def _evaluate(self, arch) -> Result:
        idx = self.space.encode(arch)
        score = 70.0 + sum(t[i] for t, i in zip(self.table, idx, strict=True))
        return Result(objective=float(score), metrics={"test": float(score) - 1.0})


def test_action_classes():
    assert action_classes(AutoGNNSpace())[:6] == [
        "attention",
        "aggregation",
        "activation",
        "heads",
        "hidden",
        "skip",
    ]
    from qgnas.graph.nas_bench_graph import NASBenchGraphSpace

    assert action_classes(NASBenchGraphSpace()) == ["link"] * 3 + ["op"] * 4


def test_proposals_are_small_modifications_of_the_best():
    space = AutoGNNSpace()
    ev = SyntheticGNNScore(space)
    classes = action_classes(space)
    searcher = AutoGNNSearcher(space, seed_streams(0)["searcher"])
    keys = set()
    for _ in range(60):
        best = None if searcher.best is None else space.encode(searcher.best)
        arch = searcher.ask()
        key = space.key(arch)
        assert key not in keys  # never proposes an architecture twice
        keys.add(key)
        if best is not None:
            changed = [i for i, (a, b) in enumerate(zip(space.encode(arch), best, strict=True)) if a != b]
            assert 1 <= len(changed) <= space.n_layers  # at most one decision per layer ...
            assert len({classes[i] for i in changed}) == 1  # ... all of one action class
        searcher.tell(arch, ev(arch))
    assert searcher.best_reward == ev(searcher.best).objective


def test_exploration_starts_from_the_best_of_the_initial_draws():
    space = AutoGNNSpace()
    ev = SyntheticGNNScore(space, seed=2)
    searcher = AutoGNNSearcher(space, seed_streams(2)["searcher"], n_init=6)
    draws = []
    for _ in range(6):
        arch = searcher.ask()
        draws.append((ev(arch).objective, arch))
        searcher.tell(arch, ev(arch))
    far = [len(changed_classes(space, a, draws[0][1])) for _, a in draws[1:]]
    assert max(far) > 1  # the draws are from scratch, not modifications of the first
    start = max(draws, key=lambda d: d[0])[1]
    assert searcher.best == start
    assert len(changed_classes(space, searcher.ask(), start)) == 1


def test_conservative_explorer_improves_on_its_start():
    space = AutoGNNSpace()
    ev = SyntheticGNNScore(space, seed=1)
    searcher = AutoGNNSearcher(space, seed_streams(1)["searcher"])
    rewards = []
    for _ in range(80):
        arch = searcher.ask()
        result = ev(arch)
        rewards.append(result.objective)
        searcher.tell(arch, result)
    assert searcher.best_reward > rewards[0] + 2.0  # greedy small steps climb an additive landscape


def test_same_seed_same_proposals():
    space = AutoGNNSpace()
    ev = SyntheticGNNScore(space)

    def run(seed: int) -> list[str]:
        s = AutoGNNSearcher(space, seed_streams(seed)["searcher"])
        out = []
        for _ in range(25):
            arch = s.ask()
            out.append(space.key(arch))
            s.tell(arch, ev(arch))
        return out

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_lineage_names_the_best_as_parent():
    space = AutoGNNSpace()
    ev = SyntheticGNNScore(space)
    pairs = []
    searcher = AutoGNNSearcher(space, seed_streams(2)["searcher"], lineage=lambda c, p: pairs.append((c, p)))
    for _ in range(10):
        best = searcher.best
        arch = searcher.ask()
        if best is not None:
            assert pairs[-1] == (arch, best)
        searcher.tell(arch, ev(arch))
    assert len(pairs) == 9  # every proposal but the first (sampled from scratch)


def test_failures_are_the_worst_reward_not_a_crash():
    space = AutoGNNSpace()
    searcher = AutoGNNSearcher(space, seed_streams(3)["searcher"])
    a = searcher.ask()
    searcher.tell(a, Result(objective=50.0))
    b = searcher.ask()
    searcher.tell(b, Result.failure("out of memory"))
    assert searcher.best_reward == 50.0 and searcher.ask() is not None


def test_runs_on_nas_bench_graph_through_the_runner_and_resumes(tmp_path):
    from qgnas.graph.nas_bench_graph import NASBenchGraphEvaluator, NASBenchGraphSpace

    space, ev = NASBenchGraphSpace(), NASBenchGraphEvaluator("cora")
    full = Runner(
        space, ev, AutoGNNSearcher, budget=30, seed=0, run_dir=tmp_path, name="full", progress=False
    )
    records = full.run().records
    assert len(records) == 30 and len({r.key for r in records}) == 30
    half = Runner(
        space, ev, AutoGNNSearcher, budget=15, seed=0, run_dir=tmp_path, name="part", progress=False
    )
    half.run()
    rest = Runner(
        space, ev, AutoGNNSearcher, budget=30, seed=0, run_dir=tmp_path, name="part", progress=False
    )
    resumed = rest.run(resume=True)
    assert resumed.resumed_from == 15 and [r.key for r in resumed.records] == [r.key for r in records]


def test_bad_options():
    with pytest.raises(ValueError, match="n_init and classes_per_step must be >= 1"):
        AutoGNNSearcher(AutoGNNSpace(), np.random.default_rng(0), n_init=0)


def test_steps_further_out_when_the_neighbourhood_of_the_best_is_exhausted():
    # A small space on an additive landscape: the search soon sits on the optimum with its whole
    # one-decision neighbourhood tried; it must keep proposing new architectures (further out)
    # until the space itself is exhausted, never repeating one.
    choices = {
        "attention": ("gat", "gcn"),
        "aggregation": ("sum",),
        "activation": ("relu", "elu"),
        "heads": (1,),
        "hidden": (4, 8),
    }
    space = AutoGNNSpace(2, choices)
    ev = SyntheticGNNScore(space, seed=2)
    searcher = AutoGNNSearcher(space, seed_streams(2)["searcher"], max_tries=20)
    keys = []
    from qgnas.core import SearchExhausted

    with pytest.raises(SearchExhausted, match="all .* proposed"):
        for _ in range(space.size() + 1):
            arch = searcher.ask()
            keys.append(space.key(arch))
            searcher.tell(arch, ev(arch))
    assert len(keys) == len(set(keys)) == space.size()
    assert searcher.best_reward == max(ev(a).objective for a in space.enumerate())


def test_warm_start_gives_its_architectures_first_and_the_explorer_keeps_the_best():
    space = AutoGNNSpace()
    ev = SyntheticGNNScore(space)
    starts = [space.sample(np.random.default_rng(s)) for s in (1, 2, 3)]
    searcher = WarmStart(AutoGNNSearcher(space, seed_streams(0)["searcher"]), starts)
    for given in starts:
        arch = searcher.ask()
        assert arch == given
        searcher.tell(arch, ev(arch))
    best = max(starts, key=lambda a: ev(a).objective)
    assert searcher.inner.best == best
    for _ in range(5):  # then only small modifications of the best start (or of a better child)
        incumbent = searcher.inner.best
        arch = searcher.ask()
        assert space.key(arch) not in {space.key(a) for a in starts}
        assert len(changed_classes(space, arch, incumbent)) == 1
        searcher.tell(arch, ev(arch))
    with pytest.raises(ValueError, match="repeat"):
        WarmStart(AutoGNNSearcher(space, seed_streams(0)["searcher"]), [starts[0], starts[0]])
    narrow = AutoGNNSpace(2, {"heads": (1,)})
    wide = next(a for a in starts if a.layers[0].heads != 1)
    with pytest.raises(InvalidArchitecture, match="heads"):
        WarmStart(AutoGNNSearcher(narrow, seed_streams(0)["searcher"]), [wide])
