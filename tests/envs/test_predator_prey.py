"""Predator-Prey and Predator-Capture-Prey: the IC3Net rules on hand-placed grids, vision, episode
ends, the PettingZoo API, the batched vector env against single envs, seeding and bad arguments.
(Both env checkers, seeded rollouts and pickling run in test_registry.py for the registered ids.)"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from pettingzoo.test import parallel_api_test

import qgnas  # noqa: F401 - registers the environments
from qgnas.envs.predator_prey import (
    GridConfig,
    PredatorCapturePreyEnv,
    PredatorPreyEnv,
    PredatorPreyVectorEnv,
    parallel_env,
)

UP, DOWN, LEFT, RIGHT, STAY = range(5)


def placed(env: PredatorPreyEnv, agents: list[tuple[int, int]], prey: tuple[int, int]) -> np.ndarray:
    """Reset ``env`` and put its agents and prey on the given cells; the agents' new observation."""
    env.reset(seed=0)
    env.core.pos[0] = agents
    env.core.prey[0] = prey
    return env.core.observe()[0]


def window(env: PredatorPreyEnv, obs_row: np.ndarray, channel: str) -> np.ndarray:
    """One channel of an agent's vision window, [W, W]."""
    cfg = env.config
    w, channels = 2 * cfg.vision + 1, cfg.channels
    return obs_row[: w * w * len(channels)].reshape(w, w, len(channels))[..., channels.index(channel)]


@pytest.mark.parametrize("n_capture", [0, 1])
def test_pettingzoo_parallel_api(n_capture):
    parallel_api_test(parallel_env(n_agents=3, n_capture=n_capture), num_cycles=60)


def test_reward_on_the_prey_and_frozen_predators():
    env = PredatorPreyEnv(grid_size=5, n_agents=3)
    placed(env, [(2, 2), (0, 0), (4, 4)], prey=(2, 3))
    _, reward, terminated, _, info = env.step([RIGHT, STAY, UP])
    np.testing.assert_allclose(info["rewards"], [0.0, -0.05, -0.05])  # IC3Net's mixed mode
    assert reward == pytest.approx(-0.1) and not terminated
    assert info["on_prey"].tolist() == [True, False, False]
    # a predator that reached the prey stays on it whatever it does; the others still move
    _, _, _, _, info = env.step([LEFT, DOWN, LEFT])
    assert env.core.pos[0].tolist() == [[2, 3], [1, 0], [3, 3]]
    np.testing.assert_allclose(info["rewards"], [0.0, -0.05, -0.05])


def test_border_blocks_moves_and_on_prey_reward_is_an_argument():
    env = PredatorPreyEnv(grid_size=5, n_agents=2, on_prey_reward=0.05)
    placed(env, [(0, 0), (4, 4)], prey=(0, 1))
    _, _, _, _, info = env.step([UP, DOWN])
    assert env.core.pos[0].tolist() == [[0, 0], [4, 4]]
    _, _, _, _, info = env.step([RIGHT, RIGHT])
    np.testing.assert_allclose(info["rewards"], [0.05, -0.05])


@pytest.mark.parametrize(
    ("vision", "prey", "seen"), [(1, (1, 1), True), (1, (2, 2), False), (2, (2, 2), True)]
)
def test_vision_radius(vision, prey, seen):
    env = PredatorPreyEnv(grid_size=5, n_agents=2, vision=vision)
    obs = placed(env, [(0, 0), (4, 0)], prey=prey)
    prey_seen = window(env, obs[0], "prey")
    assert prey_seen.any() == seen
    if seen:
        assert prey_seen[vision + prey[0], vision + prey[1]] == 1


def test_window_outside_channel_self_and_own_cell():
    env = PredatorPreyEnv(grid_size=5, n_agents=2, vision=1)
    obs = placed(env, [(0, 0), (0, 1)], prey=(4, 4))
    np.testing.assert_array_equal(window(env, obs[0], "outside"), [[1, 1, 1], [1, 0, 0], [1, 0, 0]])
    np.testing.assert_array_equal(window(env, obs[0], "predator"), [[0, 0, 0], [0, 1, 1], [0, 0, 0]])
    own = obs[:, -25:]
    assert own[0].argmax() == 0 and own[1].argmax() == 1 and own.sum() == 2
    assert obs.shape == env.observation_space.shape and obs in env.observation_space


def test_capture_agents_see_nothing_but_are_seen():
    env = PredatorCapturePreyEnv(grid_size=5, n_agents=3, n_capture=1, vision=1)
    obs = placed(env, [(2, 2), (4, 4), (2, 3)], prey=(3, 3))
    assert env.config.channels == ("predator", "capture", "prey", "outside")
    w = 9 * 4
    assert not obs[2, :w].any() and obs[2, w:].argmax() == 2 * 5 + 3
    assert window(env, obs[0], "capture")[1, 2] == 1 and window(env, obs[0], "prey")[2, 2] == 1
    assert window(env, obs[1], "outside").sum() == 5


def test_episode_ends_when_all_are_on_the_prey_with_success():
    env = PredatorCapturePreyEnv(grid_size=5, n_agents=3, n_capture=1)
    placed(env, [(2, 1), (2, 3), (1, 2)], prey=(2, 2))
    _, reward, terminated, truncated, info = env.step([RIGHT, LEFT, STAY])
    assert not terminated and not info["success"]
    _, reward, terminated, truncated, info = env.step([STAY, STAY, DOWN])
    assert terminated and not truncated and info["success"]
    assert reward == pytest.approx(0.0)  # everyone on the prey: no step penalty left
    with pytest.raises(RuntimeError, match="reset"):
        env.step([STAY, STAY, STAY])


def test_episode_truncates_at_the_limit_without_success():
    env = PredatorPreyEnv(grid_size=5, n_agents=2, episode_limit=3)
    placed(env, [(0, 0), (4, 4)], prey=(2, 2))
    ends = [env.step([STAY, STAY])[2:4] for _ in range(3)]
    assert ends == [(False, False), (False, False), (False, True)]
    assert PredatorPreyEnv(grid_size=10).config.limit == 40  # IC3Net's 10x10 limit


def singles_trace(seed, b, actions, **kwargs):
    """Rewards, ends and observations of ``b`` single envs seeded ``seed + i``, reset on the step after
    an end (what a next-step autoreset does)."""
    envs = [gym.make("qgnas/PredatorPrey-v0", **kwargs) for _ in range(b)]
    obs = [env.reset(seed=seed + i)[0] for i, env in enumerate(envs)]
    ended, trace = [False] * b, [np.stack(obs)]
    for step_actions in actions:
        rows = []
        for i, env in enumerate(envs):
            if ended[i]:
                rows.append((env.reset()[0], 0.0, False, False))
            else:
                rows.append(env.step(step_actions[i])[:4])
            ended[i] = rows[-1][2] or rows[-1][3]
        trace.append(tuple(np.array(column) for column in zip(*rows, strict=True)))
    return trace


def test_vector_env_equals_single_envs_with_next_step_autoreset():
    kwargs = {"grid_size": 3, "n_agents": 2, "episode_limit": 4}
    b, rng = 5, np.random.default_rng(0)
    actions = rng.integers(0, 5, size=(40, b, 2))
    venv = gym.make_vec(
        "qgnas/PredatorPrey-v0", num_envs=b, vectorization_mode="vector_entry_point", **kwargs
    )
    assert isinstance(venv, PredatorPreyVectorEnv)
    assert venv.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    expected = singles_trace(11, b, actions, **kwargs)
    obs, _ = venv.reset(seed=11)
    np.testing.assert_array_equal(obs, expected[0])
    ends = 0
    for step_actions, (obs_1, rew_1, term_1, trunc_1) in zip(actions, expected[1:], strict=True):
        obs, rew, term, trunc, info = venv.step(step_actions)
        np.testing.assert_array_equal(obs, obs_1)
        np.testing.assert_array_equal(rew, rew_1)
        np.testing.assert_array_equal(term, term_1)
        np.testing.assert_array_equal(trunc, trunc_1)
        np.testing.assert_array_equal(info["success"], term_1)
        ends += int((term | trunc).sum())
    assert ends >= b  # autoreset was exercised


def test_vector_env_same_step_autoreset_reports_final_observation():
    venv = PredatorPreyVectorEnv(3, grid_size=3, n_agents=2, episode_limit=2, autoreset_mode="SameStep")
    obs, _ = venv.reset(seed=2)
    venv.step(np.full((3, 2), STAY))
    before = venv.core.observe()
    obs, _, term, trunc, info = venv.step(np.full((3, 2), STAY))
    assert (term | trunc).all() and info["_final_obs"].all()
    np.testing.assert_array_equal(info["final_obs"], before)
    assert (venv.core.t == 0).all() and obs.shape == (3, 2, 9 * 3 + 9)


def test_seeded_reproduction_across_views():
    a, b = PredatorCapturePreyEnv(), PredatorCapturePreyEnv()
    first = [a.reset(seed=4)[0]] + [a.reset()[0] for _ in range(3)]
    second = [b.reset(seed=4)[0]] + [b.reset()[0] for _ in range(3)]
    assert all(np.array_equal(x, y) for x, y in zip(first, second, strict=True))
    assert not np.array_equal(a.reset(seed=5)[0], first[0])
    pz_obs, _ = parallel_env(n_capture=1).reset(seed=4)
    np.testing.assert_array_equal(np.stack(list(pz_obs.values())), first[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"grid_size": 2, "vision": 1}, "grid_size=2 is smaller than the vision window"),
        ({"n_agents": 0}, "n_agents=0 is not allowed"),
        ({"grid_size": 2, "vision": 0, "n_agents": 4}, "n_agents=4 does not fit"),
        ({"vision": -1}, "vision=-1 is not allowed"),
        ({"vision": 1.5}, "vision=1.5 is not allowed"),
        ({"episode_limit": 0}, "episode_limit=0 is not allowed"),
        ({"n_agents": 3, "n_capture": 3}, "n_capture=3 is not allowed"),
        ({"step_penalty": float("nan")}, "step_penalty=nan is not allowed"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GridConfig(**kwargs)


def test_bad_arguments_of_the_views():
    with pytest.raises(ValueError, match="n_capture=0 is not allowed"):
        PredatorCapturePreyEnv(n_capture=0)
    with pytest.raises(ValueError, match="grid_size=2 is smaller"):
        gym.make("qgnas/PredatorPrey-v0", grid_size=2)
    with pytest.raises(ValueError, match="num_envs=0 is not allowed"):
        PredatorPreyVectorEnv(0)
    with pytest.raises(ValueError, match="autoreset_mode='later' is not allowed"):
        PredatorPreyVectorEnv(2, autoreset_mode="later")
    env = PredatorPreyEnv(n_agents=2)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"actions .* are not allowed: integers in \[0, 5\)"):
        env.step([0, 5])
    with pytest.raises(ValueError, match="actions of shape"):
        env.step([0, 1, 2])
