"""Searchers on the toy space: driven by the Runner, valid, deterministic, resumable, and each one
better than random search where its method says it should be.

Behaviour tests use fixed seeds, so they are deterministic; their thresholds leave a wide margin
below what the searchers reach (measured numbers in each test's comment).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from qgnas.core import Result, Runner, RunOutcome, Searcher, seed_streams
from qgnas.searchers import SEARCHERS, make_searcher, resolve_searcher, searcher_class
from qgnas.searchers.controller import Controller
from qgnas.searchers.evolution import RegularizedEvolution
from qgnas.searchers.reinforce import ReinforceSearcher
from tests.toy_spaces import ToyEvaluator, ToySpace

_ELAPSED = re.compile(r', "elapsed": [0-9.e+-]+')
# The latent searchers need a space with a graph view and a trained encoder: tests/test_latent_search.py
# puts them through the same checks on such a space.
GENERIC = sorted(set(SEARCHERS) - {"gae-bo", "gae-rl"})

# Small settings so that every searcher leaves its initial random phase within the test budgets.
FAST: dict[str, dict] = {
    "random": {},
    "evolution": {"population_size": 10, "sample_size": 3},
    "reinforce": {},
    "bo": {"n_initial_points": 5, "n_points": 100},
}


def run(
    name: str,
    run_dir: Path,
    budget: int,
    seed: int = 7,
    resume: bool = False,
    evaluator: ToyEvaluator | None = None,
    keep: list[Searcher] | None = None,
    workers: int = 1,
    **options,
) -> RunOutcome:
    """One Runner run of searcher ``name`` on the toy space; ``keep`` receives the searcher."""
    space = ToySpace()
    evaluator = evaluator or ToyEvaluator(space)
    options = {**FAST.get(resolve_searcher(name), {}), **options}

    def factory(sp, rng):
        searcher = make_searcher(name, sp, rng, **options)
        if keep is not None:
            keep.append(searcher)
        return searcher

    runner = Runner(
        space, evaluator, factory, budget=budget, seed=seed, run_dir=run_dir, progress=False, workers=workers
    )
    return runner.run(resume=resume)


def log_lines(path: Path) -> list[str]:
    """The log's lines, byte for byte, except the runner's wall-clock field, which no two runs share."""
    lines = path.read_text().splitlines()
    assert all(json.loads(line)["elapsed"] >= 0 for line in lines)
    return [_ELAPSED.sub("", line) for line in lines]


def search(name: str, seed: int, budget: int, **options) -> np.ndarray:
    """Objectives of the distinct architectures a searcher proposes, in order: the Runner's loop
    (same seed stream, repeats served from a cache, uncounted) without its log, for the statistics
    tests that run many seeds."""
    space = ToySpace()
    evaluator = ToyEvaluator(space)
    searcher = make_searcher(name, space, seed_streams(seed)["searcher"], **options)
    cache: dict[str, Result] = {}
    while len(cache) < budget:
        arch = searcher.ask()
        key = space.key(arch)
        if key not in cache:
            cache[key] = evaluator(arch)
        searcher.tell(arch, cache[key])
    return np.array([r.objective for r in cache.values()])


# --- every registered searcher -------------------------------------------------------------------


@pytest.mark.parametrize("name", GENERIC)
def test_runs_valid_distinct_and_deterministic(name, tmp_path):
    space = ToySpace()
    evaluator = ToyEvaluator(space)
    first = run(name, tmp_path / "a", budget=20, evaluator=evaluator)
    assert first.status == "complete"
    assert len(first.records) == 20
    assert evaluator.invalid == []
    assert len({r.key for r in first.records}) == 20  # the runner evaluates each architecture once
    for r in first.records:
        assert space.key(space.from_json(r.arch)) == r.key
    second = run(name, tmp_path / "b", budget=20)
    assert log_lines(first.log_path) == log_lines(second.log_path)
    other_seed = run(name, tmp_path / "c", budget=20, seed=8)
    assert log_lines(first.log_path) != log_lines(other_seed.log_path)


@pytest.mark.parametrize("name", GENERIC)
def test_resume_continues_like_an_uninterrupted_run(name, tmp_path):
    whole = run(name, tmp_path / "whole", budget=20)
    part = run(name, tmp_path / "part", budget=8)
    assert len(part.records) == 8
    resumed = run(name, tmp_path / "part", budget=20, resume=True)
    assert resumed.resumed_from == 8
    assert [r.to_json() | {"elapsed": 0} for r in resumed.records] == [
        r.to_json() | {"elapsed": 0} for r in whole.records
    ]
    assert log_lines(resumed.log_path) == log_lines(whole.log_path)


@pytest.mark.parametrize("name", GENERIC)
def test_two_workers_search_distinct_reproduce_and_resume_mid_batch(name, tmp_path):
    """Asked twice before being told twice, every searcher still proposes distinct valid architectures,
    and a run cut after 7 evaluations (inside a batch of two) resumes into the uninterrupted run."""
    space = ToySpace()
    whole = run(name, tmp_path / "whole", budget=20, workers=2)
    assert whole.status == "complete" and len({r.key for r in whole.records}) == 20
    assert all(space.key(space.from_json(r.arch)) == r.key for r in whole.records)
    again = run(name, tmp_path / "again", budget=20, workers=2)
    part = run(name, tmp_path / "part", budget=7, workers=2)
    resumed = run(name, tmp_path / "part", budget=20, resume=True, workers=2)
    assert resumed.resumed_from == 7
    plain = [r.to_json() | {"elapsed": 0} for r in whole.records]
    assert [r.to_json() | {"elapsed": 0} for r in again.records] == plain
    assert [r.to_json() | {"elapsed": 0} for r in resumed.records] == plain
    assert len(part.records) == 7


@pytest.mark.parametrize("name", GENERIC)
def test_tiny_space_is_searched_completely(name, tmp_path):
    space = ToySpace(sizes=(1, 1, 1, 1, 1, 2), invalid_corner=False, off_switch=False)
    runner = Runner(
        space,
        ToyEvaluator(space),
        lambda sp, rng: make_searcher(name, sp, rng),
        budget=10,  # clamped to the space's 2 architectures
        seed=0,
        run_dir=tmp_path,
        progress=False,
    )
    outcome = runner.run()
    assert outcome.status == "complete"
    assert sorted(r.key for r in outcome.records) == ["0-0-0-0-0-0", "0-0-0-0-0-1"]


def test_resolve_searcher_names_and_errors():
    assert resolve_searcher("Regularized_Evolution") == "evolution"
    assert resolve_searcher(" RL ") == "reinforce"
    assert resolve_searcher("bayesopt") == "bo"
    for name in SEARCHERS:
        assert issubclass(searcher_class(name), Searcher)
    with pytest.raises(ValueError) as err:
        resolve_searcher("hill-climbing")
    message = str(err.value)
    assert "'hill-climbing'" in message
    for name in SEARCHERS:
        assert name in message


@pytest.mark.parametrize(
    ("name", "options", "bad"),
    [
        ("evolution", {"population_size": 0}, "population_size"),
        ("evolution", {"population_size": 5, "sample_size": 6}, "sample_size"),
        ("reinforce", {"lr": 0.0}, "lr"),
        ("reinforce", {"failure_reward": math.nan}, "failure_reward"),
        ("bo", {"acq_func": "gp_hedge"}, "acq_func"),
        ("bo", {"acq_optimizer": "lbfgs"}, "acq_optimizer"),
        ("bo", {"encoding": "ordinal"}, "encoding"),
    ],
)
def test_bad_options_name_the_value(name, options, bad):
    with pytest.raises(ValueError, match=bad) as err:
        make_searcher(name, ToySpace(), np.random.default_rng(0), **options)
    assert repr(next(iter(options.values()))) in str(err.value)


# --- regularized evolution -----------------------------------------------------------------------


def test_evolution_beats_random_search():
    # Budget 100, paper defaults (population 50, tournament 10): mean regret about 0.9 for
    # evolution against 2.2 for random search over these seeds.
    space = ToySpace()
    optimum = ToyEvaluator(space).best()[1]
    regret = {"random": [], "evolution": []}
    options = {"random": {}, "evolution": {"population_size": 50, "sample_size": 10}}
    for name in regret:
        for seed in range(10):
            regret[name].append(optimum - search(name, seed, budget=100, **options[name]).max())
    evo, rnd = np.array(regret["evolution"]), np.array(regret["random"])
    assert evo.mean() < rnd.mean() - 0.6
    assert (evo < rnd).sum() >= 7


def test_evolution_population_ages_and_failures_never_win():
    space = ToySpace()
    rng = np.random.default_rng(1)
    evo = RegularizedEvolution(space, rng, population_size=2, sample_size=2)
    loser, winner = (0, 0, 1, 1, 1, 1), (2, 3, 4, 2, 3, 4)  # 6 edits apart: disjoint neighbourhoods
    evo.tell(loser, Result.failure("boom"))
    evo.tell(winner, Result(1.0))
    assert [m[1] for m in evo.population] == [-math.inf, 1.0]
    from_winner = 0
    for _ in range(400):
        child = evo.ask()
        edits = [sum(a != b for a, b in zip(child, p, strict=True)) for p in (loser, winner)]
        assert 1 in edits  # one edit from a population member
        from_winner += edits[1] == 1
    # Draws are with replacement: the failure is the parent only when drawn twice (p = 1/4).
    assert 0.65 < from_winner / 400 < 0.85
    evo.tell((1, 1, 1, 1, 1, 1), Result(0.5))
    assert [m[0] for m in evo.population] == [winner, (1, 1, 1, 1, 1, 1)]  # the oldest left


# --- REINFORCE -----------------------------------------------------------------------------------


def mean_choice_probability(searcher: ReinforceSearcher, arch) -> float:
    """Mean over decisions of the probability the controller gives ``arch``'s choice (teacher forced)."""
    probs = searcher.choice_probabilities(arch)
    return float(np.mean([p[c] for p, c in zip(probs, searcher.space.encode(arch), strict=True)]))


def test_reinforce_policy_moves_toward_good_choices(tmp_path):
    # Budget 80: the optimum's choices go from probability ~0.20 (about uniform) to 0.75 and 0.55
    # for these seeds; the last 25 evaluations score 3.3 and 3.5 higher than the first 25.
    space = ToySpace()
    best_arch, _ = ToyEvaluator(space).best()
    for seed in (0, 1):
        kept: list[ReinforceSearcher] = []
        outcome = run("reinforce", tmp_path / f"rl{seed}", budget=80, seed=seed, keep=kept)
        searcher = kept[0]
        fresh = ReinforceSearcher(space, np.random.default_rng(seed))
        assert mean_choice_probability(fresh, best_arch) < 0.25
        assert mean_choice_probability(searcher, best_arch) > 0.4
        objs = np.array([r.result.objective for r in outcome.records])
        objs = np.where(np.isfinite(objs), objs, np.nan)
        assert np.nanmean(objs[-25:]) > np.nanmean(objs[:25]) + 1.5


def test_reinforce_leaves_global_torch_rng_alone_and_skips_failures():
    state = torch.get_rng_state()
    space = ToySpace()
    searcher = ReinforceSearcher(space, np.random.default_rng(0))
    arch = searcher.ask()
    before = [p.detach().clone() for p in searcher.policy.parameters()]
    searcher.tell(arch, Result.failure("boom"))
    assert searcher.updates == 0 and searcher.baseline is None
    assert all(torch.equal(a, b) for a, b in zip(before, searcher.policy.parameters(), strict=True))
    searcher.tell(arch, Result(1.0))
    assert searcher.updates == 1
    assert torch.equal(state, torch.get_rng_state())

    penalised = ReinforceSearcher(space, np.random.default_rng(0), failure_reward=-5.0)
    penalised.tell(arch, Result.failure("boom"))
    assert penalised.updates == 1 and penalised.baseline == -5.0


def test_policy_controller_scores_what_it_samples():
    sizes = [3, 1, 4]
    for learned_start, scheme in ((False, "graphnas"), (True, "autognn")):
        controller = Controller(sizes, hidden=8, learned_start=learned_start)
        controller.reset(torch.Generator().manual_seed(0), scheme=scheme)
        choices = controller.sample(torch.Generator().manual_seed(1), n=5)
        assert all(0 <= c < n for row in choices for c, n in zip(row, sizes, strict=True))
        log_probs, entropies = controller(torch.tensor(choices))
        assert log_probs.shape == entropies.shape == (5, 3)
        assert torch.all(log_probs <= 0) and torch.all(log_probs[:, 1] == 0)  # one choice: certain
        assert torch.allclose(entropies[:, 1], torch.zeros(5), atol=1e-6)
        probs = controller.probabilities(choices[0])
        assert torch.allclose(
            log_probs[0].exp(), torch.tensor([p[c] for p, c in zip(probs, choices[0], strict=True)])
        )
    fresh = Controller(sizes, hidden=8)
    fresh.reset(torch.Generator().manual_seed(0))
    assert all(torch.all(head.bias == 0) for head in fresh.heads)  # GraphNAS: a near-uniform start


def test_reinforce_textbook_mode_learns_from_repeats_and_resumes(tmp_path):
    # A high learning rate sharpens the policy fast: 105 proposals for 30 distinct architectures.
    options = {"unique": False, "lr": 0.05}
    kept: list[ReinforceSearcher] = []
    whole = run("reinforce", tmp_path / "whole", budget=30, keep=kept, **options)
    run("reinforce", tmp_path / "part", budget=10, **options)
    resumed = run("reinforce", tmp_path / "part", budget=30, resume=True, **options)
    assert log_lines(resumed.log_path) == log_lines(whole.log_path)
    finite = sum(math.isfinite(r.result.objective) for r in whole.records)
    assert kept[0].updates > finite + 20  # cached repeats were told and learned from


# --- Bayesian optimisation -----------------------------------------------------------------------


def test_bo_reaches_good_region_faster_than_random():
    # Budget 40 (the first 10 random): mean regret 1.79 for BO against 2.89 for random search.
    space = ToySpace()
    optimum = ToyEvaluator(space).best()[1]
    regret = {"random": [], "bo": []}
    options = {"random": {}, "bo": {"n_initial_points": 10, "n_points": 200}}
    for name in regret:
        for seed in range(5):
            regret[name].append(optimum - search(name, seed, budget=40, **options[name]).max())
    bo, rnd = np.array(regret["bo"]), np.array(regret["random"])
    assert bo.mean() < rnd.mean() - 0.5


@pytest.mark.parametrize("encoding", ["label", "onehot"])
def test_bo_candidate_encoding_matches_skopt(encoding):
    space = ToySpace(sizes=(1, 2, 3, 4, 5, 6))  # a single-choice decision is left out of the model
    bo = make_searcher("bo", space, np.random.default_rng(0), encoding=encoding)
    archs = [space.sample(np.random.default_rng(i)) for i in range(20)]
    ours = bo.transform(archs)
    theirs = np.asarray(bo.optimizer.space.transform([bo._point(a) for a in archs]), dtype=float)
    np.testing.assert_array_equal(ours, theirs)
    assert ours.shape[1] == (5 if encoding == "label" else 1 + 3 + 4 + 5 + 6)


def test_bo_sampling_mode_keeps_invalid_points_from_the_runner(tmp_path):
    space = ToySpace()
    evaluator = ToyEvaluator(space)
    outcome = run("bo", tmp_path, budget=20, evaluator=evaluator, acq_optimizer="sampling", n_points=200)
    assert len(outcome.records) == 20
    assert evaluator.invalid == []


def test_bo_failures_get_the_worst_seen_objective():
    space = ToySpace()
    bo = make_searcher("bo", space, np.random.default_rng(0), n_initial_points=3)
    bo.tell((0, 0, 0, 0, 1, 1), Result.failure("boom"))  # no finite value yet: waits
    assert bo.optimizer.yi == []
    bo.tell((1, 1, 1, 1, 1, 1), Result(2.0))
    bo.tell((2, 2, 2, 2, 2, 2), Result(-1.0))
    assert bo.optimizer.yi == [-2.0, -2.0, 1.0]  # skopt minimises -objective
    bo.tell((3, 3, 3, 3, 3, 3), Result.failure("boom"))
    assert bo.optimizer.yi[-1] == 1.0
    assert bo.model is not None
    fixed = make_searcher("bo", space, np.random.default_rng(0), failure_objective=-10.0)
    fixed.tell((0, 0, 0, 0, 1, 1), Result.failure("boom"))
    assert fixed.optimizer.yi == [10.0]
