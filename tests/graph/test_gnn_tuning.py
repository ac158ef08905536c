"""Training-schedule tuning (``qgnas tune gnn``): protocol, exact resume, errors, retraining with it."""

from __future__ import annotations

import json

import pytest

from qgnas.graph.pipeline import search_gnn, train_gnn, tune_gnn
from qgnas.graph.tuning import DEFAULT_TRAINING, HYPER_RANGES, check_training, tune_training

from .conftest import small_arch

TINY = dict(epochs=3, patience=None)


def test_tuning_starts_from_the_default_chooses_on_validation_and_resumes_exactly(tmp_path, cora):
    arch = small_arch("gcn", heads=1, hidden=4)
    full = tune_training(arch, cora, tmp_path / "full.jsonl", trials=4, seeds=[1, 2], n_initial=1, **TINY)
    rows = full["trials"]
    assert [r["trial"] for r in rows] == [0, 1, 2, 3]
    assert rows[0]["training"] == DEFAULT_TRAINING  # trial 0 is the search's own schedule
    for r in rows:
        assert r["status"] == "ok" and len(r["valid"]) == 2
        for rng in HYPER_RANGES:
            assert rng.low <= r["training"][rng.name] <= rng.high
    # chosen on mean validation accuracy alone, never below the default's
    best = max(rows, key=lambda r: (r["valid_mean"], -r["trial"]))
    assert full["training"] == best["training"] and full["valid_mean"] == best["valid_mean"]
    assert full["valid_mean"] >= full["default"]["valid_mean"]

    # killed after two trials (the second line torn), then resumed: the same trials as uninterrupted
    part = tmp_path / "part.jsonl"
    tune_training(arch, cora, part, trials=2, seeds=[1, 2], n_initial=1, **TINY)
    text = part.read_text()
    part.write_text(text[: len(text) - 15])
    resumed = tune_training(arch, cora, part, trials=4, seeds=[1, 2], n_initial=1, **TINY)

    def untimed(trials):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in trials]

    assert untimed(resumed["trials"]) == untimed(rows)
    # a log written with other seeds is not silently mixed in
    from qgnas.core.runner import ResumeMismatch

    with pytest.raises(ResumeMismatch, match="seeds"):
        tune_training(arch, cora, part, trials=5, seeds=[7], n_initial=1, **TINY)


def test_failed_trial_is_recorded_not_fatal(tmp_path, cora, monkeypatch):
    import qgnas.graph.trainer as trainer

    real = trainer.train_node_classifier
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # trial 1's only seed
            raise RuntimeError("out of memory")
        return real(*args, **kwargs)

    monkeypatch.setattr(trainer, "train_node_classifier", flaky)
    out = tune_training(
        small_arch("gcn", heads=1, hidden=4),
        cora,
        tmp_path / "t.jsonl",
        trials=3,
        seeds=[1],
        n_initial=1,
        **TINY,
    )
    assert [r["status"] for r in out["trials"]] == ["ok", "failed", "ok"]
    assert "out of memory" in out["trials"][1]["message"]


def test_check_training_names_the_bad_value():
    assert check_training({}) == DEFAULT_TRAINING
    assert check_training({"lr": 0.01})["lr"] == 0.01
    with pytest.raises(ValueError, match=r"dropout=1.5 must be in \[0, 1\)"):
        check_training({"dropout": 1.5})
    with pytest.raises(ValueError, match="lr=0.0 must be > 0"):
        check_training({"lr": 0})
    with pytest.raises(
        ValueError, match="unknown training setting 'momentum'; allowed: lr, weight_decay, dropout"
    ):
        check_training({"momentum": 0.9})
    with pytest.raises(ValueError, match="not a finite number"):
        check_training({"weight_decay": "a lot"})


def test_tune_command_writes_tuned_json_that_train_uses(tmp_path, planetoid_root, capsys):
    from qgnas.cli import main

    out = tmp_path / "run"
    search_gnn(
        "cora",
        "random",
        2,
        0,
        out,
        data_root=planetoid_root,
        choices={"heads": (1,), "hidden": (4,)},
        epochs=2,
        patience=None,
        progress=False,
    )
    assert (
        main(["tune", "gnn", str(out), "--trials", "2", "--seeds", "1", "--data-root", str(planetoid_root)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "(chosen)" in printed and "trial 0 = the search's schedule" in printed
    tuned = json.loads((out / "tuned.json").read_text())
    assert tuned["architecture_from"].endswith("best.json")  # no selected.json in this directory
    assert [r["seeds"] for r in tuned["trials"]] == [[1], [1]]  # search seed 0 + 1
    report = train_gnn(out / "tuned.json", seeds=1, data_root=planetoid_root, epochs=2, patience=None)
    assert report["training"] == tuned["training"]
    # resumed with a larger budget, the first trials are kept
    again = tune_gnn(out, trials=3, seeds=1, data_root=planetoid_root, progress=False)
    assert [r["training"] for r in again["trials"][:2]] == [r["training"] for r in tuned["trials"]]
    assert main(["tune", "gnn", str(tmp_path / "nope")]) == 2
    assert "neither selected.json nor best.json" in capsys.readouterr().err
