"""Every environment id that qgnas registers, checked the way Gymnasium checks its own registry:
both env checkers, a seeded rollout that repeats exactly, and a pickled copy that behaves the same.

A new id must add its fast test arguments to FAST below, or the first test fails and says so."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import qgnas  # noqa: F401 - registers the environments

FAST = {
    "qgnas/QuantumArchSearch-v0": {
        "molecule": "H2",
        "qubits": 2,
        "max_gates": 6,
        "optimizer_options": {"maxiter": 20},
    },
    "qgnas/GNNArchSearch-v0": {"space": "nas-bench-graph", "dataset": "cora"},
    "qgnas/PredatorPrey-v0": {"grid_size": 5, "n_agents": 3, "vision": 1},
    "qgnas/PredatorCapturePrey-v0": {"grid_size": 5, "n_agents": 3, "n_capture": 1},
}
IDS = sorted(env_id for env_id in gym.registry if env_id.startswith("qgnas/"))


def test_every_registered_id_has_fast_arguments():
    assert IDS, "importing qgnas registered no environment"
    assert set(IDS) == set(FAST), f"registered {IDS}; FAST covers {sorted(FAST)}"


def rollout(env: gym.Env, seed: int, steps: int = 6) -> list[np.ndarray]:
    """Observations and rewards of a rollout whose actions are drawn from the legal ones with a fixed rng."""
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    trace = [np.asarray(obs, dtype=float).ravel()]
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(draw_action(env, rng))
        trace += [np.asarray(obs, dtype=float).ravel(), np.array([reward], dtype=float)]
        if terminated or truncated:
            obs, _ = env.reset()
            trace.append(np.asarray(obs, dtype=float).ravel())
    return trace


def draw_action(env: gym.Env, rng: np.random.Generator):
    """A legal action: from the mask for Discrete spaces, one choice per entry for MultiDiscrete."""
    if isinstance(env.action_space, gym.spaces.MultiDiscrete):
        return rng.integers(env.action_space.nvec)
    masks = getattr(env.unwrapped, "action_masks", None)
    legal = np.flatnonzero(masks()) if masks is not None else np.arange(env.action_space.n)
    return int(rng.choice(legal))


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_checker(env_id):
    env = gym.make(env_id, **FAST[env_id])
    check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", IDS)
def test_stable_baselines3_checker(env_id):
    sb3 = pytest.importorskip("stable_baselines3.common.env_checker")
    sb3.check_env(gym.make(env_id, **FAST[env_id]).unwrapped, warn=True)


@pytest.mark.parametrize("env_id", IDS)
def test_seeded_rollouts_repeat(env_id):
    first = rollout(gym.make(env_id, **FAST[env_id]), seed=3)
    second = rollout(gym.make(env_id, **FAST[env_id]), seed=3)
    assert same(first, second)


@pytest.mark.parametrize("env_id", IDS)
def test_pickled_copy_behaves_the_same(env_id):
    env = gym.make(env_id, **FAST[env_id])
    env.reset(seed=5)
    copy = pickle.loads(pickle.dumps(env))
    assert same(rollout(env, seed=5), rollout(copy, seed=5))
