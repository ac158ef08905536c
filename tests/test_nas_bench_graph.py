"""NAS-Bench-Graph space and tabular evaluator against the benchmark package's own data and hashing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qgnas.core import InvalidArchitecture
from qgnas.graph.nas_bench_graph import (
    DATASETS,
    OPS,
    PROTEINS_OPS,
    NASBenchGraphEvaluator,
    NASBenchGraphSpace,
    NBGArch,
    load_table,
)

WIRINGS = list(itertools.product(*[range(i + 1) for i in range(4)]))


def test_canonical_key_is_the_package_hash_for_every_raw_architecture():
    from nas_bench_graph import Arch

    space = NASBenchGraphSpace()
    table = load_table("cora")
    keys = set()
    for links in WIRINGS:
        for ops in itertools.product(OPS, repeat=4):
            if all(o == "skip" for o in ops):
                continue
            arch = NBGArch(links, ops)
            key = space.key(arch)
            assert key == str(Arch(list(links), list(ops)).valid_hash())
            keys.add(int(key))
    assert len(keys) == 26206 == space.size()
    assert keys == set(table)  # every raw architecture hits the table, and the table has nothing else


def test_canonical_representative_has_the_same_key_and_is_a_fixed_point():
    space, rng = NASBenchGraphSpace(), np.random.default_rng(0)
    for _ in range(300):
        arch = space.sample(rng)
        canon = space.canonical(arch)
        assert space.key(canon) == space.key(arch)
        assert space.canonical(canon) == canon


def test_proteins_space_uses_its_op_list_and_hits_its_table():
    space = NASBenchGraphSpace.for_dataset("proteins")
    assert space.ops == PROTEINS_OPS
    table = load_table("proteins")
    keys = {int(space.key(a)) for a in space.enumerate()}
    assert keys == set(table) and space.size() == 2021
    with pytest.raises(InvalidArchitecture, match="unknown op 'gat'"):
        space.validate(NBGArch((0, 0, 0, 0), ("gat", "gcn", "gcn", "gcn")))


def test_all_skip_is_invalid_with_a_clear_error():
    space = NASBenchGraphSpace()
    with pytest.raises(InvalidArchitecture, match="all-skip cell"):
        space.validate(NBGArch((0, 1, 2, 3), ("skip",) * 4))
    with pytest.raises(InvalidArchitecture, match="all-skip"):
        space.decode([0, 0, 0, 8, 8, 8, 8])
    ev = NASBenchGraphEvaluator("cora")
    result = ev(NBGArch((0, 0, 0, 0), ("skip",) * 4))
    assert not result.ok and "all-skip" in result.message


@pytest.mark.parametrize(
    "arch, match",
    [
        (NBGArch((0, 2, 0, 0), ("gcn",) * 4), r"links\[1\] = 2"),
        (NBGArch((0, 0, 0), ("gcn",) * 4), "4 links and 4 ops"),
        (NBGArch((0, 0, 0, 0), ("gcn", "gcn", "gcn", "transformer")), "unknown op 'transformer'"),
        ({"links": [0, 0, 0, 0]}, "expected an NBGArch"),
    ],
)
def test_malformed_architectures_are_rejected(arch, match):
    with pytest.raises(InvalidArchitecture, match=match):
        NASBenchGraphSpace().validate(arch)


def test_decision_json_and_graph_round_trips():
    space, rng = NASBenchGraphSpace(), np.random.default_rng(1)
    for _ in range(200):
        arch = space.sample(rng)
        assert space.decode(space.encode(arch)) == arch
        assert space.from_json(space.to_json(arch)) == arch
        g = space.to_graph(arch)
        assert space.from_graph(g) == arch
        # a DAG in topological order, with the output fed only by leaves
        assert not np.tril(g.adjacency).any()
        leaves = [i for i in range(1, 5) if not g.adjacency[i, 1:5].any()]
        assert list(np.flatnonzero(g.adjacency[:, 5])) == leaves


def test_mutation_is_one_valid_edit_with_a_new_key():
    space, rng = NASBenchGraphSpace(), np.random.default_rng(2)
    for _ in range(200):
        arch = space.sample(rng)
        child = space.mutate(arch, rng)
        diff = sum(a != b for a, b in zip(space.encode(arch), space.encode(child), strict=True))
        assert diff == 1 and space.key(child) != space.key(arch)
    nbrs = space.neighbours(NBGArch((0, 1, 2, 3), ("gcn",) * 4))
    assert 0 < len(nbrs) <= 3 + 1 + 2 + 4 * 8


def test_evaluator_reports_percent_and_never_uses_test_as_objective():
    ev = NASBenchGraphEvaluator("citeseer")
    arch = NBGArch((0, 1, 2, 3), ("gcn", "gcn", "gat", "sage"))
    entry = load_table("citeseer")[int(ev.space.key(arch))]
    r = ev(arch)
    assert r.ok and r.objective == pytest.approx(100 * entry["valid_perf"])
    assert r.metrics["test"] == pytest.approx(100 * entry["perf"])
    assert r.metrics["params_m"] == pytest.approx(entry["para"])


@pytest.mark.parametrize(
    "dataset, published",
    [
        ("cora", 82.63),
        ("citeseer", 71.03),
        ("pubmed", 75.60),
        ("cs", 90.59),
        ("physics", 91.35),
        ("photo", 92.08),
        ("computers", 82.03),
        ("arxiv", 71.95),
        ("proteins", 76.11),
    ],
)
def test_oracle_matches_the_published_best_by_validation(dataset, published):
    assert dataset in DATASETS
    assert NASBenchGraphEvaluator(dataset).oracle()["test_of_best_valid"] == pytest.approx(
        published, abs=0.006
    )


def test_unknown_dataset():
    with pytest.raises(
        ValueError, match="unknown NAS-Bench-Graph dataset 'imagenet'; allowed: cora, citeseer"
    ):
        NASBenchGraphEvaluator("imagenet")
