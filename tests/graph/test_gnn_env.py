"""qgnas/GNNArchSearch-v0: both env checkers, masks, folding, determinism, pickling, the real-training variant."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from qgnas.envs.gnn_arch_search import GNNArchSearchEnv

ENV_ID = "qgnas/GNNArchSearch-v0"


@pytest.fixture(scope="module", autouse=True)
def _registered():
    # qgnas/__init__.py registers the id; register it here too until it does (same entry point).
    if ENV_ID not in gym.registry:
        gym.register(id=ENV_ID, entry_point="qgnas.envs.gnn_arch_search:GNNArchSearchEnv")


def _sb3_check(env) -> None:
    sb3 = pytest.importorskip("stable_baselines3.common.env_checker")
    sb3.check_env(env, warn=True)


def _episode(env, actions, seed=0):
    env.reset(seed=seed)
    out = None
    for a in actions:
        out = env.step(a)
    return out


def test_nas_bench_graph_variant_passes_both_checkers():
    env = gym.make(ENV_ID, space="nas-bench-graph", dataset="cora")
    check_env(env.unwrapped)
    _sb3_check(GNNArchSearchEnv(space="nas-bench-graph", dataset="cora"))
    assert env.action_space.n == 9 and env.unwrapped.n_decisions == 7


def test_autognn_variant_passes_both_checkers(planetoid_root):
    kwargs = dict(space="autognn", dataset="cora", epochs=1, data_root=planetoid_root)
    env = gym.make(ENV_ID, **kwargs)
    check_env(env.unwrapped)
    _sb3_check(GNNArchSearchEnv(**kwargs))
    obs, info = env.reset(seed=0)
    assert (
        env.observation_space.contains(obs) and info["action_mask"][:7].all() and not info["action_mask"][7]
    )
    total, terminated = 0.0, False
    while not terminated:
        mask = env.unwrapped.action_masks()
        obs, reward, terminated, truncated, info = env.step(int(np.flatnonzero(mask)[0]))
        total += reward
        assert not truncated
    assert info["status"] == "ok" and 0 < total <= 1 and total == pytest.approx(info["objective"] / 100)
    assert info["metrics"]["epochs"] == 1 and not info["action_mask"].any()


def test_reward_is_zero_until_the_last_decision_and_matches_the_table():
    from qgnas.graph.nas_bench_graph import NASBenchGraphEvaluator

    env = GNNArchSearchEnv(space="nas-bench-graph", dataset="cora")
    env.reset(seed=0)
    actions = [0, 1, 2, 0, 1, 2, 3]  # links (0, 1, 2), ops gat, gcn, gin, cheb
    for a in actions[:-1]:
        assert env.step(a)[1] == 0.0
    obs, reward, terminated, _, info = env.step(actions[-1])
    assert terminated and info["arch"] == {"links": [0, 0, 1, 2], "ops": ["gat", "gcn", "gin", "cheb"]}
    expected = NASBenchGraphEvaluator("cora")(env.search_space.from_json(info["arch"])).objective
    assert reward == pytest.approx(expected / 100) and info["test"] > 0
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)


def test_last_decision_masks_invalid_completions_and_folds_illegal_actions():
    env = GNNArchSearchEnv(space="nas-bench-graph", dataset="cora")
    env.reset()
    for _ in range(3):
        env.step(0)  # links
    skip = env.search_space.ops.index("skip")
    for _ in range(3):
        env.step(skip)  # three skip ops: the fourth may not be skip (the all-skip cell is invalid)
    mask = env.action_masks()
    assert not mask[skip] and mask.sum() == 8
    _, reward, terminated, _, info = env.step(skip)  # folded onto the next legal choice
    assert info["folded"] and terminated and info["arch"]["ops"][-1] == env.search_space.ops[(skip + 1) % 9]
    strict = GNNArchSearchEnv(space="nas-bench-graph", dataset="cora", invalid_action="raise")
    strict.reset()
    with pytest.raises(ValueError, match=r"action 3 is not legal for decision 'link2'; legal: \[0, 1\]"):
        strict.step(3)


def test_episodes_are_deterministic_and_the_env_pickles():
    env = GNNArchSearchEnv(space="nas-bench-graph", dataset="citeseer", render_mode="ansi")
    actions = [1, 2, 3, 4, 5, 6, 7]
    first = _episode(env, actions, seed=0)
    clone = pickle.loads(pickle.dumps(env))
    second = _episode(clone, actions, seed=1)
    assert first[1] == second[1] and np.array_equal(first[0], second[0])
    assert env.render().startswith("[7/7] link2=1")


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="unknown space 'darts'; allowed: autognn, nas-bench-graph"):
        GNNArchSearchEnv(space="darts")
    with pytest.raises(ValueError, match="unknown Planetoid dataset 'reddit'"):
        GNNArchSearchEnv(space="autognn", dataset="reddit")
    with pytest.raises(ValueError, match="unknown NAS-Bench-Graph dataset"):
        GNNArchSearchEnv(space="nas-bench-graph", dataset="reddit")
    with pytest.raises(ValueError, match="invalid_action must be"):
        GNNArchSearchEnv(space="nas-bench-graph", invalid_action="ignore")
