"""qgnas/QuantumArchSearch-v0: Gymnasium and SB3 conformance, masks, determinism, info, bad kwargs."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest

import qgnas  # noqa: F401 - registers the environments

ID = "qgnas/QuantumArchSearch-v0"
FAST = {"molecule": "H2", "qubits": 2, "max_gates": 6, "optimizer_options": {"maxiter": 30}}


def make(**kw):
    return gym.make(ID, **{**FAST, **kw})


def test_gymnasium_and_sb3_checkers():
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    check_env(make().unwrapped, skip_render_check=True)
    sb3_check_env(make().unwrapped, warn=True)


def test_spaces_and_encoding_follow_crlqas():
    env = make(max_gates=40)
    assert env.action_space.n == 8  # n(n+2) for 2 qubits
    assert env.observation_space.shape == (40 * 5 * 2 + 1,)
    obs, info = env.reset(seed=0)
    assert obs[:-1].sum() == 0 and obs[-1] == pytest.approx(info["energy"])
    obs, *_ = env.step(0)  # cx 0->1: state[0][target=1][control=0]
    assert obs[:-1].reshape(40, 5, 2)[0, 1, 0] == 1


def test_mask_marks_exactly_the_wasted_gates():
    env = make()
    _, info = env.reset(seed=0)
    assert info["action_mask"].dtype == np.int8 and info["action_mask"].all()
    _, _, _, _, info = env.step(3)  # ry on qubit 0 (actions: cx01, cx10, rx0, ry0, rz0, rx1, ry1, rz1)
    assert info["action_mask"].tolist() == [1, 1, 1, 0, 1, 1, 1, 1]
    assert (env.unwrapped.action_masks() == info["action_mask"]).all()
    _, _, _, _, info = env.step(0)
    assert info["action_mask"].tolist() == [0, 1, 1, 1, 1, 1, 1, 1]
    _, _, _, _, info = env.step(0)  # an illegal action is applied and reported, not an error
    assert info["illegal_action"] and info["gates"] == 3


def test_info_energies_errors_and_circuit():
    env = make()
    env.reset(seed=1)
    for a in (3, 0, 6):
        _, reward, term, trunc, info = env.step(a)
        if term or trunc:
            break
    H = env.unwrapped.hamiltonian
    assert info["error_noiseless"] == pytest.approx(info["energy_noiseless"] - H.ground_energy)
    assert info["error_noiseless"] >= -1e-9  # variational
    c = info["circuit"]
    assert c.n_gates == info["gates"] and c.n_params == len(info["params"])
    assert "OPENQASM 2.0" in c.to_qasm(info["params"])
    assert info["cnots"] + info["rotations"] == info["gates"]


def test_episode_ends_with_penalty_at_the_gate_budget():
    env = make(max_gates=2, curriculum={"xi0": 1e-9})  # success impossible
    env.reset(seed=0)
    _, r1, t1, _, _ = env.step(3)
    _, r2, t2, tr2, _ = env.step(6)
    assert not t1 and t2 and not tr2 and r2 == -5.0


def test_same_seed_same_trajectory_and_pickle():
    def rollout(env):
        obs, _ = env.reset(seed=7)
        out = [obs]
        rng = np.random.default_rng(0)
        for _ in range(4):
            mask = env.unwrapped.action_masks()
            a = int(rng.choice(np.flatnonzero(mask)))
            obs, r, term, trunc, info = env.step(a)
            out += [obs, np.array([r])]
            if term or trunc:
                break
        return np.concatenate(out)

    env = make(optimizer="adam_spsa", optimizer_options={"maxiter": 10})
    a = rollout(env)
    b = rollout(pickle.loads(pickle.dumps(make(optimizer="adam_spsa", optimizer_options={"maxiter": 10}))))
    assert np.array_equal(a, b)


def test_vector_envs():
    for cls in (gym.vector.SyncVectorEnv, gym.vector.AsyncVectorEnv):
        venv = cls([lambda: make() for _ in range(2)])
        obs, info = venv.reset(seed=[0, 1])
        assert obs.shape == (2, 6 * 5 * 2 + 1)
        obs, r, term, trunc, info = venv.step(np.array([2, 5]))
        assert r.shape == (2,)
        venv.close()


def test_maskable_ppo_trains_out_of_the_box():
    from sb3_contrib import MaskablePPO

    model = MaskablePPO("MlpPolicy", make(), n_steps=16, batch_size=8, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=32)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"molecule": "CH4"}, "CH4"),
        ({"max_gates": 0}, "max_gates must be a positive integer, got 0"),
        ({"backend": "cirq"}, "unknown backend 'cirq'; allowed: ptm, aer, pennylane"),
        ({"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'; allowed: cobyla"),
        ({"shots": 0}, "shots must be a positive integer or None, got 0"),
        ({"curriculum": {"tau": 1}}, r"unknown curriculum setting\(s\) \['tau'\]"),
        ({"noise": {"p1": 1.5}}, "1.5"),
        ({"connectivity": [(0, 2)]}, r"\(0, 2\) is not a \(control, target\) pair"),
        ({"optimizer": "adam_spsa_3stage"}, "needs shots"),
    ],
)
def test_bad_kwargs_are_rejected_clearly(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


def test_out_of_range_action():
    env = make()
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action 8 is not an integer in 0..7"):
        env.step(8)
