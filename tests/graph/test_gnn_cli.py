"""search_gnn / train_gnn (behind ``qgnas search gnn`` and ``qgnas train gnn``) on tiny budgets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from qgnas.core import InvalidArchitecture, read_log
from qgnas.core.runner import ResumeMismatch
from qgnas.graph.autognn_space import AutoGNNSpace
from qgnas.graph.pipeline import (
    best_record,
    format_train_report,
    load_arch_file,
    search_gnn,
    select_gnn,
    train_gnn,
)

from .conftest import changed_classes

TINY = dict(epochs=2, patience=None, progress=False)


@pytest.mark.parametrize("searcher, sharing", [("autognn", True), ("random", False), ("graphnas", False)])
def test_search_writes_log_and_best_and_resumes(tmp_path, planetoid_root, searcher, sharing):
    if searcher == "graphnas":
        pytest.importorskip(
            "qgnas.searchers.reinforce", reason="the REINFORCE searcher is not in this checkout"
        )
    out = tmp_path / searcher
    report = search_gnn("cora", searcher, 2, 0, out, data_root=planetoid_root, sharing=sharing, **TINY)
    best = json.loads((out / "best.json").read_text())
    assert best == report and best["evaluations"] == 2 and best["dataset"] == "cora"
    assert 0 < best["valid"] <= 100 and 0 < best["test"] <= 100
    log = out / f"{searcher}_seed0.jsonl"
    assert len(read_log(log)) == 2
    again = search_gnn(
        "cora", searcher, 3, 0, out, resume=True, data_root=planetoid_root, sharing=sharing, **TINY
    )
    assert (
        again["evaluations"] == 3 and [r.key for r in read_log(log)][:2] == [r.key for r in read_log(log)][:2]
    )
    if sharing:
        assert list((out / "weights").glob("*.pt"))


def test_search_with_two_workers_reproduces_resumes_and_refuses_sharing(tmp_path, planetoid_root):
    small = dict(TINY, data_root=planetoid_root, choices={"heads": (1, 2), "hidden": (4, 8)}, workers=2)
    a = search_gnn("cora", "autognn", 5, 1, tmp_path / "a", **small)
    search_gnn("cora", "autognn", 3, 1, tmp_path / "b", **small)  # stopped after a batch and a half
    b = search_gnn("cora", "autognn", 5, 1, tmp_path / "b", resume=True, **small)
    logs = [read_log(tmp_path / d / "autognn_seed1.jsonl") for d in ("a", "b")]
    assert [(r.index, r.key, r.result.objective) for r in logs[0]] == [
        (r.index, r.key, r.result.objective) for r in logs[1]
    ]
    assert a["key"] == b["key"] and a["evaluations"] == 5 and a["search_seconds"] > 0
    with pytest.raises(ValueError, match="parameter sharing needs workers=1, got workers=2"):
        search_gnn("cora", "autognn", 2, 0, tmp_path / "c", sharing=True, **small)


def test_select_and_train_with_two_workers_give_the_one_worker_results(tmp_path, planetoid_root, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # one torch thread everywhere: the same sums in every process
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        search_gnn("cora", "random", 3, 0, tmp_path / "s", data_root=planetoid_root, **TINY)
        one, two = (
            select_gnn(
                tmp_path / "s",
                top=2,
                seeds=2,
                data_root=planetoid_root,
                progress=False,
                out=tmp_path / f"w{w}",
                workers=w,
            )
            for w in (1, 2)
        )
        figures = lambda r: [(c["key"], c["valid_mean"], c["test_mean"]) for c in r["candidates"]]  # noqa: E731
        assert figures(one) == figures(two) and one["key"] == two["key"]
        trained = [
            train_gnn(
                tmp_path / "w1" / "selected.json", seeds=3, data_root=planetoid_root, epochs=3, workers=w
            )
            for w in (1, 2)
        ]
        assert trained[0]["test"] == trained[1]["test"] and trained[0]["valid"] == trained[1]["valid"]
    finally:
        torch.set_num_threads(threads)


def test_train_retrains_with_seeds(tmp_path, planetoid_root):
    path = tmp_path / "best.json"
    path.write_text(
        json.dumps(
            {
                "dataset": "cora",
                "arch": {
                    "layers": [
                        {
                            "attention": "gcn",
                            "aggregation": "sum",
                            "activation": "relu",
                            "heads": 1,
                            "hidden": 16,
                        },
                        {"attention": "gcn", "aggregation": "sum", "activation": "linear", "heads": 1},
                    ]
                },
            }
        )
    )
    report = train_gnn(path, seeds=2, data_root=planetoid_root, epochs=3)
    assert report["seeds"] == 2 and len(report["test"]) == 2 and report["test_std"] >= 0
    assert "over 2 seeds" in format_train_report(report) and report["plot"] is None
    assert "selection" not in format_train_report(report)  # the default rule and schedule go unsaid
    gat = train_gnn(path, seeds=1, data_root=planetoid_root, epochs=4, selection="gat")
    assert (gat["selection"], gat["epochs"]) == ("gat", 4)
    assert format_train_report(gat).endswith(
        "up to 4 epochs, gat selection; 1 of 1 trainings reached the 4-epoch cap"
    )
    assert gat["epochs_run"] == [4]
    vd = train_gnn(path, seeds=1, data_root=planetoid_root, epochs=4, value_dropout=0.6)
    assert ", value dropout 0.6;" in format_train_report(vd) and vd["value_dropout"] == 0.6
    with pytest.raises(ValueError, match=r"value_dropout=1.2 must be in \[0, 1\)"):
        train_gnn(path, seeds=1, data_root=planetoid_root, epochs=2, value_dropout=1.2)
    with pytest.raises(ValueError, match="unknown selection rule 'last'"):
        train_gnn(path, seeds=1, data_root=planetoid_root, epochs=2, selection="last")


def test_train_plots_the_learning_curves_through_the_cli(tmp_path, planetoid_root, capsys):
    from qgnas.cli import main

    path = tmp_path / "best.json"
    path.write_text(
        json.dumps(
            {
                "dataset": "cora",
                "arch": {
                    "layers": [
                        {
                            "attention": "gcn",
                            "aggregation": "sum",
                            "activation": "relu",
                            "heads": 1,
                            "hidden": 16,
                        },
                        {"attention": "gcn", "aggregation": "sum", "activation": "linear", "heads": 1},
                    ]
                },
            }
        )
    )
    png = tmp_path / "plots" / "curves.png"
    args = [
        "train",
        "gnn",
        "--arch",
        str(path),
        "--seeds",
        "2",
        "--epochs",
        "4",
        "--data-root",
        str(planetoid_root),
    ]
    assert main([*args, "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    first = capsys.readouterr().out
    assert f"curves in {png}" in first
    # the curves change nothing the report says
    assert main(args) == 0
    assert first.split("s; ")[0].split(" parameters")[0] == capsys.readouterr().out.split(" parameters")[0]


def test_clear_errors(tmp_path, planetoid_root):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        train_gnn(tmp_path / "nope.json", "cora")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"layers": [{"attention": "gatt"}]}))
    with pytest.raises(InvalidArchitecture, match="layers\\[0\\]"):
        train_gnn(bad, "cora", data_root=planetoid_root)
    with pytest.raises(ValueError, match="unknown searcher 'bogus'"):
        search_gnn("cora", "bogus", 1, 0, tmp_path / "x", data_root=planetoid_root, **TINY)
    with pytest.raises(ValueError, match="autognn searcher only, not 'random'"):
        search_gnn("cora", "random", 1, 0, tmp_path / "y", data_root=planetoid_root, init=3, **TINY)
    with pytest.raises(ValueError, match="init must be a positive integer, got 0"):
        search_gnn("cora", "autognn", 1, 0, tmp_path / "z", data_root=planetoid_root, init=0, **TINY)
    assert not (tmp_path / "y").exists() or not list((tmp_path / "y").glob("*.jsonl"))


def test_search_with_a_fixed_output_activation_records_it_and_resumes_only_with_it(tmp_path, planetoid_root):
    small = dict(TINY, data_root=planetoid_root, choices={"heads": (1, 2), "hidden": (4, 8)})
    out = tmp_path / "linear"
    best = search_gnn("cora", "autognn", 3, 0, out, output_activation="linear", **small)
    assert best["space"] == "autognn{heads=1,2;hidden=4,8;output-activation=linear}"
    assert {r.arch["layers"][-1]["activation"] for r in read_log(out / "autognn_seed0.jsonl")} == {"linear"}
    assert (
        search_gnn("cora", "autognn", 4, 0, out, resume=True, output_activation="linear", **small)[
            "evaluations"
        ]
        == 4
    )
    with pytest.raises(ResumeMismatch):  # the log was written in the other space
        search_gnn("cora", "autognn", 5, 0, out, resume=True, **small)
    with pytest.raises(ValueError, match="output_activation = 'soft' is not an activation"):
        search_gnn("cora", "autognn", 1, 0, tmp_path / "bad", output_activation="soft", **small)
    assert not list((tmp_path / "bad").glob("*.jsonl"))
    from qgnas.cli import main  # the CLI flag

    cli = [
        "search",
        "gnn",
        "--dataset",
        "cora",
        "--budget",
        "1",
        "--epochs",
        "2",
        "--heads",
        "1",
        "--hidden",
        "4",
        "--data-root",
        str(planetoid_root),
    ]
    assert main([*cli, "--output-activation", "linear", "--out", str(tmp_path / "c")]) == 0
    assert (
        json.loads((tmp_path / "c" / "best.json").read_text())["arch"]["layers"][1]["activation"] == "linear"
    )
    assert main([*cli, "--output-activation", "soft", "--out", str(tmp_path / "d")]) == 2


def test_search_init_starts_autognn_from_the_best_of_several_draws(tmp_path, planetoid_root):
    out = tmp_path / "init"
    search_gnn(
        "cora",
        "autognn",
        4,
        0,
        out,
        data_root=planetoid_root,
        init=3,
        choices={"heads": (1, 2), "hidden": (4, 8)},
        **TINY,
    )
    meta = json.loads((out / "autognn_seed0.meta.json").read_text())
    assert meta["config"]["init"] == 3
    records = read_log(out / "autognn_seed0.jsonl")
    space = AutoGNNSpace(2, {"heads": (1, 2), "hidden": (4, 8)})
    arch = {r.index: space.from_json(r.arch) for r in records}
    start = arch[best_record(records[:3]).index]
    far = [len(changed_classes(space, arch[i], arch[0])) for i in (1, 2)]
    assert max(far) > 1  # drawn from scratch
    # the fourth proposal is the explorer's first: one action class away from the best of the three
    assert len(changed_classes(space, arch[3], start)) == 1


def test_search_start_trains_the_given_files_first_and_explores_from_the_best(tmp_path, planetoid_root):
    configs = Path(__file__).parents[2] / "experiments" / "configs" / "gnn"
    starts = [configs / "gat_8x16.json", configs / "gat_8x8.json"]
    out = tmp_path / "start"
    search_gnn("cora", "autognn", 3, 0, out, data_root=planetoid_root, start=starts, **TINY)
    space = AutoGNNSpace()
    records = read_log(out / "autognn_seed0.jsonl")
    given = [space.key(AutoGNNSpace().validate(load_arch_file(p)[0])) for p in starts]
    assert [r.key for r in records[:2]] == given
    meta = json.loads((out / "autognn_seed0.meta.json").read_text())
    assert meta["config"]["start"] == given
    arch = [space.from_json(r.arch) for r in records]
    assert len(changed_classes(space, arch[2], arch[best_record(records[:2]).index])) == 1
    # resuming replays the starts and continues the same run
    search_gnn("cora", "autognn", 4, 0, out, resume=True, data_root=planetoid_root, start=starts, **TINY)
    assert [r.key for r in read_log(out / "autognn_seed0.jsonl")[:3]] == [r.key for r in records]
    # a start outside a restricted space is named, before anything is trained
    with pytest.raises(InvalidArchitecture, match="gat_8x16.json: .*hidden"):
        search_gnn(
            "cora",
            "autognn",
            2,
            0,
            tmp_path / "narrow",
            data_root=planetoid_root,
            start=starts[:1],
            choices={"hidden": (4, 8)},
            **TINY,
        )
    assert not list((tmp_path / "narrow").glob("*.jsonl"))
    with pytest.raises(FileNotFoundError, match="nope.json does not exist"):
        search_gnn(
            "cora",
            "autognn",
            2,
            0,
            tmp_path / "n",
            data_root=planetoid_root,
            start=[tmp_path / "nope.json"],
            **TINY,
        )
    # the CLI flag: the one start of a budget of one is the best, a missing file is a usage error
    from qgnas.cli import main

    cli = [
        "search",
        "gnn",
        "--dataset",
        "cora",
        "--searcher",
        "autognn",
        "--budget",
        "1",
        "--seed",
        "0",
        "--epochs",
        "2",
        "--data-root",
        str(planetoid_root),
    ]
    assert main([*cli, "--start", str(starts[1]), "--out", str(tmp_path / "c")]) == 0
    assert json.loads((tmp_path / "c" / "best.json").read_text())["key"] == given[1]
    assert main([*cli, "--start", str(tmp_path / "nope.json"), "--out", str(tmp_path / "d")]) == 2


def test_report_cuts_searches_at_equal_budget(tmp_path, planetoid_root, capsys):
    from qgnas.cli import main
    from qgnas.graph.pipeline import search_report

    out = tmp_path / "random"
    search_gnn("cora", "random", 3, 0, out, data_root=planetoid_root, choices={"heads": (1, 2)}, **TINY)
    records = read_log(out / "random_seed0.jsonl")
    full, cut = search_report(out), search_report(out, budget=2)
    assert full["evaluations"] == 3 and cut["evaluations"] == 2
    best_two = max(records[:2], key=lambda r: (r.result.objective, -r.index))
    assert cut["valid"] == best_two.result.objective and cut["arch"] == best_two.key
    assert all(layer["heads"] in (1, 2) for r in records for layer in r.arch["layers"])
    assert main(["report", str(out), "--budget", "2"]) == 0
    text = capsys.readouterr().out
    assert "| random | off | 2 | 2 |" in text and "|" not in text.splitlines()[-1].split("`")[1]
    assert main(["report", str(tmp_path)]) == 2
    # two seeds of the same searcher: --mean adds mean +- sample std per dataset and searcher
    out1 = tmp_path / "random1"
    search_gnn("cora", "random", 2, 1, out1, data_root=planetoid_root, choices={"heads": (1, 2)}, **TINY)
    assert main(["report", str(out), str(out1), "--budget", "2", "--mean"]) == 0
    text = capsys.readouterr().out
    both = [search_report(out, budget=2)["valid"], search_report(out1, budget=2)["valid"]]
    mean, std = np.mean(both), np.std(both, ddof=1)
    assert f"| cora | random | off | 2 | 0,1 | 2 | {mean:.2f} ± {std:.2f} |" in text


def test_select_retrains_the_top_candidates_with_fresh_seeds_and_resumes(tmp_path, planetoid_root, capsys):
    from qgnas.cli import main
    from qgnas.graph.pipeline import select_gnn
    from qgnas.graph.trainer import train_node_classifier

    out = tmp_path / "random"
    search_gnn("cora", "random", 4, 3, out, data_root=planetoid_root, choices={"heads": (1, 2)}, **TINY)
    records = read_log(out / "random_seed3.jsonl")
    report = select_gnn(out, top=2, seeds=2, data_root=planetoid_root, progress=False)
    top2 = sorted(records, key=lambda r: (-r.result.objective, r.index))[:2]
    assert [c["key"] for c in report["candidates"]] == [r.key for r in top2]
    # the fresh seeds are 4 and 5 (search seed 3 + 1, + 2), with the search's 2 epochs
    rows = [json.loads(line) for line in (out / "selection.jsonl").read_text().splitlines()]
    assert sorted((r["key"], r["seed"]) for r in rows) == sorted((r.key, s) for r in top2 for s in (4, 5))
    arch = AutoGNNSpace().from_json(top2[0].arch)
    from qgnas.graph.datasets import load_planetoid

    again = train_node_classifier(
        arch, load_planetoid("cora", planetoid_root), epochs=2, patience=None, seed=5
    )
    assert [r["valid"] for r in rows if r["key"] == top2[0].key and r["seed"] == 5] == [100.0 * again.val_acc]
    # chosen on mean validation only
    best = max(report["candidates"], key=lambda c: c["valid_mean"])
    assert report["key"] == best["key"] and report["valid"] == best["valid_mean"]
    assert json.loads((out / "selected.json").read_text()) == report
    # resuming retrains nothing; a larger top adds only the new candidate's seeds
    assert select_gnn(out, top=2, seeds=2, data_root=planetoid_root, progress=False) == report
    assert len((out / "selection.jsonl").read_text().splitlines()) == 4
    # a kill mid-write leaves a torn last line: it is cut off and that training redone, the log stays JSONL
    sel = out / "selection.jsonl"
    lines = sel.read_text().splitlines(keepends=True)
    sel.write_text("".join(lines[:3]) + lines[3][:20])
    redone = select_gnn(out, top=2, seeds=2, data_root=planetoid_root, progress=False)
    assert (redone["key"], redone["valid"], redone["test"]) == (
        report["key"],
        report["valid"],
        report["test"],
    )

    def untimed(text: list[str]) -> list[dict]:
        return [{k: v for k, v in json.loads(x).items() if k != "seconds"} for x in text]

    assert untimed(sel.read_text().splitlines()) == untimed(lines)
    assert (
        main(["select", "gnn", str(out), "--top", "3", "--seeds", "2", "--data-root", str(planetoid_root)])
        == 0
    )
    assert len((out / "selection.jsonl").read_text().splitlines()) == 6
    assert "(selected)" in capsys.readouterr().out
    assert main(["select", "gnn", str(tmp_path / "nope")]) == 2


def test_select_seeds_come_after_the_seeds_of_a_repeated_search(tmp_path, planetoid_root):
    from qgnas.graph.pipeline import select_gnn

    out = tmp_path / "rep"
    search_gnn("cora", "random", 2, 3, out, data_root=planetoid_root, repeats=2, **TINY)
    meta = json.loads((out / "random_seed3.meta.json").read_text())
    assert meta["config"]["repeats"] == 2
    # the search trained with seeds 3 and 4, so selection's fresh seeds are 5 and 6
    report = select_gnn(out, top=1, seeds=2, data_root=planetoid_root, progress=False)
    rows = [json.loads(line) for line in (out / "selection.jsonl").read_text().splitlines()]
    assert sorted(r["seed"] for r in rows) == [5, 6] and "seeds 5..6" in report["selected_by"]


def test_select_across_several_searches_pools_each_top_and_takes_seeds_after_all(
    tmp_path, planetoid_root, capsys
):
    from qgnas.cli import main
    from qgnas.graph.pipeline import select_gnn

    # two independent searches of one dataset and protocol; the second trained two seeds (3 and 4)
    a, b = tmp_path / "a", tmp_path / "b"
    search_gnn("cora", "random", 3, 0, a, data_root=planetoid_root, choices={"heads": (1, 2)}, **TINY)
    search_gnn(
        "cora", "random", 3, 3, b, data_root=planetoid_root, repeats=2, choices={"heads": (1, 2)}, **TINY
    )
    tops = [
        sorted(read_log(d / log), key=lambda r: (-r.result.objective, r.index))[:2]
        for d, log in ((a, "random_seed0.jsonl"), (b, "random_seed3.jsonl"))
    ]
    with pytest.raises(ValueError, match="needs an output directory"):
        select_gnn([a, b], top=2, seeds=2, data_root=planetoid_root, progress=False)
    out = tmp_path / "pooled"
    report = select_gnn([a, b], top=2, seeds=2, data_root=planetoid_root, progress=False, out=out)
    # the top 2 of each search, each architecture once
    keys = list(dict.fromkeys(r.key for top in tops for r in top))
    assert sorted(c["key"] for c in report["candidates"]) == sorted(keys)
    # fresh seeds come after every search's own: search b used 3 and 4, so 5 and 6 (not a's 1 and 2)
    rows = [json.loads(line) for line in (out / "selection.jsonl").read_text().splitlines()]
    assert sorted({r["seed"] for r in rows}) == [5, 6] and len(rows) == 2 * len(keys)
    assert [s["seed"] for s in report["searches"]] == [0, 3]
    assert report["evaluations"] == 6 and "of each of 2 searches" in report["selected_by"]
    best = max(report["candidates"], key=lambda c: c["valid_mean"])
    assert report["key"] == best["key"] and json.loads((out / "selected.json").read_text()) == report
    # nothing is written to the searches' own directories; the pooled file trains like any other
    assert not (a / "selected.json").exists() and not (b / "selection.jsonl").exists()
    assert train_gnn(out / "selected.json", seeds=1, data_root=planetoid_root)["epochs"] == 2
    # the CLI takes several directories and resumes (no training left to do)
    argv = ["select", "gnn", str(a), str(b), "--out", str(out), "--top", "2", "--seeds", "2"]
    assert main([*argv, "--data-root", str(planetoid_root)]) == 0
    assert len((out / "selection.jsonl").read_text().splitlines()) == 2 * len(keys)
    assert "of each of 2 searches" in capsys.readouterr().out
    # searches of different datasets or protocols are not pooled: the error names each one's value
    c = tmp_path / "c"
    search_gnn("citeseer", "random", 1, 0, c, data_root=planetoid_root, **TINY)
    with pytest.raises(ValueError, match=r"share their dataset; found .*a: cora, .*c: citeseer"):
        select_gnn([a, c], top=1, seeds=1, data_root=planetoid_root, progress=False, out=out)
    d = tmp_path / "d"
    search_gnn("cora", "random", 1, 0, d, data_root=planetoid_root, progress=False, epochs=3, patience=None)
    with pytest.raises(ValueError, match="share their protocol"):
        select_gnn([a, d], top=1, seeds=1, data_root=planetoid_root, progress=False, out=out)
    assert main(["select", "gnn", str(a), str(b)]) == 2


REFERENCES = sorted((Path(__file__).parents[2] / "experiments" / "configs" / "gnn").glob("*.json"))


def test_reference_architectures_ship_and_gat_matches_pyg(tmp_path, planetoid_root):
    from torch_geometric.nn import GATConv

    from qgnas.graph.model import build_model, count_parameters
    from qgnas.graph.pipeline import load_arch_file

    assert {p.stem for p in REFERENCES} >= {"gat_8x8", "graphnas_cora", "graphnas_citeseer"}
    for path in REFERENCES:
        arch, meta = load_arch_file(path)
        assert meta["source"] and AutoGNNSpace(len(arch.layers)).validate(arch) == arch
    # GAT's Cora model counts 92,373 weights; PyG's own GATConv pair is the independent count
    gat, _ = load_arch_file(REFERENCES[[p.stem for p in REFERENCES].index("gat_8x8")])
    pyg = [GATConv(1433, 8, heads=8), GATConv(64, 7, heads=1)]
    assert count_parameters(build_model(gat, 1433, 7)) == sum(p.numel() for m in pyg for p in m.parameters())
    # a reference file has no dataset: train asks for one, then runs
    with pytest.raises(ValueError, match="records no dataset"):
        train_gnn(REFERENCES[0], seeds=1, data_root=planetoid_root, epochs=2)
    report = train_gnn(REFERENCES[0], "cora", seeds=1, data_root=planetoid_root, epochs=2)
    assert 0 < report["test_mean"] <= 100


def test_a_search_protocol_carries_through_select_tune_and_train(tmp_path, planetoid_root):
    from qgnas.graph.datasets import load_planetoid
    from qgnas.graph.pipeline import select_gnn, tune_gnn
    from qgnas.graph.trainer import train_node_classifier

    out = tmp_path / "gat-protocol"
    protocol = {"epochs": 3, "patience": None, "selection": "gat", "value_dropout": 0.6}
    best = search_gnn("cora", "random", 2, 0, out, data_root=planetoid_root, progress=False, **protocol)
    assert best["protocol"] == protocol
    assert {
        k: json.loads((out / "random_seed0.meta.json").read_text())["config"][k] for k in protocol
    } == protocol
    # every training of the search used it: the logged score is what the trainer gives with it
    record = read_log(out / "random_seed0.jsonl")[0]
    data = load_planetoid("cora", planetoid_root)
    arch = AutoGNNSpace().from_json(record.arch)
    again = train_node_classifier(arch, data, seed=0, **protocol)
    assert record.result.objective == 100.0 * again.val_acc
    plain = train_node_classifier(arch, data, seed=0, epochs=3, patience=None)  # deterministic on CPU
    assert (plain.val_acc, plain.val_loss) != (again.val_acc, again.val_loss)
    assert select_gnn(out, top=1, seeds=1, data_root=planetoid_root, progress=False)["protocol"] == protocol
    assert tune_gnn(out, trials=1, seeds=1, data_root=planetoid_root, progress=False)["protocol"] == protocol
    for name in ("best.json", "selected.json", "tuned.json"):
        report = train_gnn(out / name, seeds=1, data_root=planetoid_root)  # the file's protocol
        assert (report["epochs"], report["selection"], report["value_dropout"]) == (3, "gat", 0.6)
    told = train_gnn(out / "best.json", seeds=1, data_root=planetoid_root, epochs=2, selection="selected")
    assert (told["epochs"], told["selection"], told["value_dropout"]) == (2, "selected", 0.6)


def test_a_second_cli_search_into_the_same_directory_asks_for_resume(tmp_path, planetoid_root, capsys):
    from qgnas.cli import main

    options = f"--searcher graphnas --budget 1 --epochs 2 --heads 1 --hidden 4 --out {tmp_path}"
    cli = ["search", "gnn", *options.split(), "--data-root", str(planetoid_root)]
    assert main(cli) == 0
    capsys.readouterr()
    assert main(cli) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds this search (graphnas_seed0.jsonl); add --resume" in err[0]
    assert main([*cli, "--budget", "2", "--resume"]) == 0
    assert len(read_log(tmp_path / "graphnas_seed0.jsonl")) == 2


@pytest.fixture(scope="module")
def tiny_autognn_encoder(tmp_path_factory):
    """An encoder of the small space the latent-searcher tests search (a few seconds of training)."""
    from qgnas.encoders import train_encoder

    out = tmp_path_factory.mktemp("encoder")
    train_encoder(
        AutoGNNSpace(2, {"heads": (1, 2), "hidden": (4, 8)}),
        samples=100,
        epochs=1,
        prior_samples=50,
        out=out,
        progress=False,
    )
    return out


def test_latent_searchers_search_gnn_with_an_encoder_of_the_space_and_resume(
    tmp_path, planetoid_root, tiny_autognn_encoder
):
    import shutil

    small = dict(TINY, data_root=planetoid_root, choices={"heads": (1, 2), "hidden": (4, 8)})
    with pytest.raises(ValueError, match="a latent searcher needs a trained encoder"):
        search_gnn("cora", "gae-bo", 2, 0, tmp_path / "none", **small)
    with pytest.raises(ValueError, match="was trained on space"):  # the published space is another one
        search_gnn(
            "cora",
            "gae-rl",
            2,
            0,
            tmp_path / "other",
            **dict(small, choices=None),
            encoder=tiny_autognn_encoder,
        )
    with pytest.raises(ValueError, match="encoder applies to the latent searchers"):
        search_gnn("cora", "autognn", 2, 0, tmp_path / "auto", **small, encoder=tiny_autognn_encoder)
    assert not list(tmp_path.glob("*/*.jsonl"))  # refused before any log
    # gae-bo with two workers (the fair protocol's setting); a copy of the run cut after its first batch
    # (as a kill leaves it) resumes to the same log
    kw = dict(small, encoder=tiny_autognn_encoder, workers=2)
    whole = search_gnn("cora", "gae-bo", 4, 1, tmp_path / "whole", **kw)
    shutil.copytree(tmp_path / "whole", tmp_path / "bo")
    cut = tmp_path / "bo" / "gae-bo_seed1.jsonl"
    cut.write_text("".join(cut.read_text().splitlines(keepends=True)[:2]))
    best = search_gnn("cora", "gae-bo", 4, 1, tmp_path / "bo", resume=True, **kw)
    log = read_log(cut)
    assert [r.key for r in log] == [r.key for r in read_log(tmp_path / "whole" / "gae-bo_seed1.jsonl")]
    assert best["key"] == whole["key"] and best["evaluations"] == 4 and len({r.key for r in log}) == 4
    meta = json.loads((tmp_path / "bo" / "gae-bo_seed1.meta.json").read_text())
    assert meta["config"]["encoder"] == str(Path(tiny_autognn_encoder).resolve())
    rl = search_gnn("cora", "gae-rl", 2, 1, tmp_path / "rl", **dict(small, encoder=tiny_autognn_encoder))
    assert rl["searcher"] == "gae-rl" and rl["evaluations"] == 2


def test_cli_search_gnn_takes_gae_bo_with_an_encoder_or_the_one_in_out(
    tmp_path, planetoid_root, tiny_autognn_encoder, capsys
):
    import shutil

    from qgnas.cli import main

    def search(options: str, out: str) -> int:
        # options given later win (argparse keeps the last): --heads 1,2,4 below restricts differently
        small = f"--budget 2 --epochs 2 --heads 1,2 --hidden 4,8 --data-root {planetoid_root}"
        return main(["search", "gnn", *small.split(), *options.split(), "--out", str(tmp_path / out)])

    encoder = f"--encoder {tiny_autognn_encoder}"
    assert search(f"--searcher gae-bo {encoder}", "a") == 0
    assert json.loads(capsys.readouterr().out)["searcher"] == "gae-bo"
    # without --encoder: the encoder in OUT/encoder (trained there by an earlier run) is used
    shutil.copytree(tiny_autognn_encoder, tmp_path / "b" / "encoder")
    assert search("--searcher gae-bo", "b") == 0
    assert "using the encoder trained earlier in" in capsys.readouterr().err
    assert len(read_log(tmp_path / "b" / "gae-bo_seed0.jsonl")) == 2
    # an encoder of another restriction, or one given to a searcher that uses none: one-line errors
    assert search(f"--searcher gae-bo {encoder} --heads 1,2,4", "c") == 2
    assert "was trained on space" in capsys.readouterr().err
    assert search(f"--searcher random {encoder}", "d") == 2
    assert "--encoder is only used by the latent searchers" in capsys.readouterr().err
