"""The latent searchers (gae-bo, gae-rl) on a real graph space with a real tabular evaluator: valid,
distinct, reproducible, resumable after a kill, with several workers, and blind to scores in their
encoder. A small NAS-Bench-Graph space (ops gcn, fc, skip: 192 cells) keeps the encoder tiny."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from qgnas.cli import main
from qgnas.core import Evaluator, Result, Runner, RunOutcome
from qgnas.encoders import train_encoder
from qgnas.graph.nas_bench_graph import NASBenchGraphEvaluator, NASBenchGraphSpace
from qgnas.quantum.circuit_space import CircuitSpace
from qgnas.searchers import make_searcher

_CLOCK = re.compile(r', "(elapsed|seconds)": [0-9.e+-]+')  # wall-clock fields, never equal twice
SMALL = {"epochs": 40, "latent": 6, "hidden": 32, "layers": 2, "batch_size": 16, "prior_samples": 100}
CASES = [("gae-bo", "decode"), ("gae-bo", "pool"), ("gae-rl", "decode"), ("gae-rl", "pool")]


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("encoder")
    train_encoder(NASBenchGraphSpace(("gcn", "fc", "skip")), seed=0, out=out, progress=False, **SMALL)
    return out


def run(
    name, proposal, encoder_dir, run_dir: Path, budget: int, seed=3, resume=False, workers=1
) -> RunOutcome:
    space = NASBenchGraphSpace(("gcn", "fc", "skip"))
    options = {"encoder": str(encoder_dir), "proposal": proposal}
    if name == "gae-bo":
        options |= {"n_initial_points": 5, "n_points": 100}
    runner = Runner(
        space,
        NASBenchGraphEvaluator("cora"),
        lambda sp, rng: make_searcher(name, sp, rng, **options),
        budget=budget,
        seed=seed,
        run_dir=run_dir,
        progress=False,
        workers=workers,
    )
    return runner.run(resume=resume)


def lines(outcome: RunOutcome) -> list[str]:
    return [_CLOCK.sub("", line) for line in outcome.log_path.read_text().splitlines()]


@pytest.mark.parametrize(("name", "proposal"), CASES)
def test_valid_distinct_reproducible_and_resumed_after_a_kill(name, proposal, encoder_dir, tmp_path):
    space = NASBenchGraphSpace(("gcn", "fc", "skip"))
    whole = run(name, proposal, encoder_dir, tmp_path / "whole", budget=25)
    assert whole.status == "complete" and len({r.key for r in whole.records}) == 25
    assert all(r.result.ok and space.key(space.from_json(r.arch)) == r.key for r in whole.records)
    assert lines(run(name, proposal, encoder_dir, tmp_path / "again", budget=25)) == lines(whole)
    assert lines(run(name, proposal, encoder_dir, tmp_path / "other", budget=25, seed=4)) != lines(whole)
    # killed after 9 evaluations, the last line torn in the middle of its write
    part = run(name, proposal, encoder_dir, tmp_path / "part", budget=10)
    log = part.log_path.read_text()
    part.log_path.write_text(log[: len(log) - 40])
    resumed = run(name, proposal, encoder_dir, tmp_path / "part", budget=25, resume=True)
    assert resumed.resumed_from == 9
    assert lines(resumed) == lines(whole)


@pytest.mark.parametrize(("name", "proposal"), [("gae-bo", "decode"), ("gae-rl", "pool")])
def test_two_workers_distinct_reproducible_resumed_mid_batch(name, proposal, encoder_dir, tmp_path):
    whole = run(name, proposal, encoder_dir, tmp_path / "whole", budget=20, workers=2)
    assert len({r.key for r in whole.records}) == 20
    run(name, proposal, encoder_dir, tmp_path / "part", budget=7, workers=2)
    resumed = run(name, proposal, encoder_dir, tmp_path / "part", budget=20, resume=True, workers=2)
    assert resumed.resumed_from == 7
    assert [(r.key, r.result.objective) for r in resumed.records] == [
        (r.key, r.result.objective) for r in whole.records
    ]


@pytest.mark.parametrize("name", ["gae-bo", "gae-rl"])
def test_whole_space_searched_without_repeats(name, encoder_dir, tmp_path):
    outcome = run(name, "decode", encoder_dir, tmp_path, budget=500)  # clamped to the 192 cells
    assert outcome.status == "complete" and len({r.key for r in outcome.records}) == 192


class GateCount(Evaluator):
    """Scores a circuit by its CNOT count minus a tenth of its gates (a cheap stand-in objective for
    a test of the searchers' bookkeeping on a sampled pool, not of any quantum result)."""

    def _evaluate(self, arch) -> Result:
        cnots = sum(g[0] == "cx" for g in arch)
        return Result(objective=cnots - 0.1 * len(arch))


@pytest.mark.parametrize("name", ["gae-bo", "gae-rl"])
def test_sampled_pool_on_a_circuit_space(name, tmp_path):
    space = CircuitSpace(2, 4)
    encoder = train_encoder(space, samples=400, seed=0, progress=False, **{**SMALL, "epochs": 5})
    options = {"encoder": encoder, "pool_size": 60}
    runner = Runner(
        space,
        GateCount(),
        lambda sp, rng: make_searcher(name, sp, rng, **options),
        budget=40,
        seed=0,
        run_dir=tmp_path,
        progress=False,
    )
    outcome = runner.run()
    assert len({r.key for r in outcome.records}) == 40
    searcher = make_searcher(name, space, np.random.default_rng(0), **options)
    assert len(searcher.pool) == 60 and len(set(searcher.pool_keys)) == 60


def test_search_leaves_the_encoder_untouched(encoder_dir, tmp_path):
    """The encoder learns nothing during a search: no score reaches its weights."""
    from qgnas.encoders import load_encoder

    space = NASBenchGraphSpace(("gcn", "fc", "skip"))
    before = {k: v.clone() for k, v in load_encoder(encoder_dir, space).model.state_dict().items()}
    run("gae-rl", "decode", encoder_dir, tmp_path / "rl", budget=30)
    run("gae-bo", "decode", encoder_dir, tmp_path / "bo", budget=30)
    after = load_encoder(encoder_dir, space).model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_bad_options_and_missing_or_foreign_encoder(encoder_dir):
    space = NASBenchGraphSpace(("gcn", "fc", "skip"))
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="proposal must be one of decode, pool; got 'nearest'"):
        make_searcher("gae-bo", space, rng, encoder=str(encoder_dir), proposal="nearest")
    with pytest.raises(ValueError, match="needs a trained encoder"):
        make_searcher("gae-rl", space, rng)
    with pytest.raises(ValueError, match="trained on space 'nas-bench-graph\\[gcn,fc,skip\\]'"):
        make_searcher("gae-bo", NASBenchGraphSpace(), rng, encoder=str(encoder_dir))
    with pytest.raises(ValueError, match="lr"):
        make_searcher("gae-rl", space, rng, encoder=str(encoder_dir), lr=0)


def test_bench_refuses_an_encoder_of_another_space(encoder_dir, tmp_path, capsys):
    argv = ["bench", "nas-bench-graph", "--searchers", "gae-bo", "--budget", "5", "--seeds", "1"]
    assert main([*argv, "--out", str(tmp_path / "b"), "--encoder", str(encoder_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert "trained on space 'nas-bench-graph[gcn,fc,skip]'" in err and len(err.splitlines()) == 1


def test_bench_trains_and_caches_an_encoder_when_none_is_given(tmp_path, capsys, monkeypatch):
    """Without --encoder the bench trains one into OUT/encoder (fast settings here) and says so; a
    resumed bench reuses it."""
    import qgnas.encoders.training as training

    defaults = training.train_encoder.__kwdefaults__.copy()
    monkeypatch.setattr(
        training.train_encoder, "__kwdefaults__", {**defaults, **SMALL, "epochs": 1, "samples": 300}
    )
    out = tmp_path / "b"
    argv = ["bench", "nas-bench-graph", "--dataset", "proteins", "--searchers", "gae-bo,random"]
    assert main([*argv, "--budget", "20", "--seeds", "1", "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    assert "no --encoder given: training one" in capsys.readouterr().err
    config = json.loads((out / "encoder" / "config.json").read_text())
    assert config["space"]["name"] == "nas-bench-graph[gcn,sage,arma,fc,skip]"
    assert main([*argv, "--budget", "25", "--seeds", "1", "--out", str(out), "--quiet", "--resume"]) == 0
    assert "using the encoder trained earlier" in capsys.readouterr().err
