"""Tests of the RL agents on a small masked chain world whose optimal policy is known."""

from __future__ import annotations

import io

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces

from qgnas.agents import DQNConfig, MaskedDQNAgent, RandomMaskedAgent, crlqas_gamma, get_action_mask


class MaskedChainEnv(gym.Env):
    """Walk from cell 0 to cell ``length - 1``; which moves are legal depends on the cell.

    Actions: 0 left, 1 right (+1), 2 jump (+2, legal only on even cells), 3 stay, 4 teleport to the
    goal (never legal: the env raises if it is taken, so any masking slip fails loudly). Reward -1 per
    step and +10 on reaching the goal (terminated); ``max_steps`` truncates. Left is illegal at cell 0.
    With ``length = 8`` the optimum is jump, jump, jump, right: 4 steps, return -1 -1 -1 +10 = 7.
    Observation: one-hot cell plus the fraction of the step budget used.
    """

    metadata: dict = {"render_modes": []}
    OPTIMAL_RETURN = 7.0

    def __init__(self, length: int = 8, max_steps: int = 12, mask_in_info: bool = True):
        self.length, self.max_steps, self.mask_in_info = length, max_steps, mask_in_info
        self.action_space = spaces.Discrete(5)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(length + 1,), dtype=np.float32)
        self.pos, self.t = 0, 0

    def action_masks(self) -> np.ndarray:
        mask = np.array([self.pos > 0, True, self.pos % 2 == 0, True, False], dtype=np.int8)
        return mask

    def _obs(self) -> np.ndarray:
        x = np.zeros(self.length + 1, dtype=np.float32)
        x[self.pos] = 1.0
        x[-1] = self.t / self.max_steps
        return x

    def _info(self) -> dict:
        return {"action_mask": self.action_masks()} if self.mask_in_info else {}

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.pos, self.t = 0, 0
        return self._obs(), self._info()

    def step(self, action: int):
        if not self.action_masks()[int(action)]:
            raise RuntimeError(f"illegal action {action} at cell {self.pos}")
        self.pos = int(np.clip(self.pos + {0: -1, 1: 1, 2: 2, 3: 0}[int(action)], 0, self.length - 1))
        self.t += 1
        terminated = self.pos == self.length - 1
        truncated = not terminated and self.t >= self.max_steps
        reward = 10.0 if terminated else -1.0
        return self._obs(), reward, terminated, truncated, self._info()


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny networks on a shared, loaded CPU run >10x faster on one thread than with spinning workers."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def small_config(**overrides) -> DQNConfig:
    """A network and schedule small enough to learn the chain in a second or two."""
    values = dict(
        hidden_sizes=(64, 64),
        learning_rate=1e-3,
        batch_size=32,
        buffer_size=2000,
        target_sync_every=50,
        epsilon_decay=0.99,
        epsilon_min=0.05,
        gamma=0.9,
        learning_starts=64,
        test_every=10,
    )
    values.update(overrides)
    return DQNConfig(**values)


def params_equal(a: MaskedDQNAgent, b: MaskedDQNAgent) -> bool:
    pa, pb = a.q_net.state_dict(), b.q_net.state_dict()
    return all(torch.equal(pa[k], pb[k]) for k in pa)


def strip(history: list[dict]) -> list[tuple]:
    """The deterministic part of the stats (wall time and info objects left out)."""
    return [
        (
            h["episode"],
            h["return"],
            h["length"],
            h["env_steps"],
            h["updates"],
            h["epsilon"],
            h["loss"],
            None if h["test"] is None else h["test"]["return"],
        )
        for h in history
    ]


# ----------------------------------------------------------------------------- config and gamma
def test_crlqas_gamma_values():
    assert crlqas_gamma(40) == 0.88
    assert crlqas_gamma(70) == 0.93
    assert crlqas_gamma(250) == 0.98
    with pytest.raises(ValueError, match="max_gates"):
        crlqas_gamma(0)


def test_config_defaults_are_crlqas():
    cfg = DQNConfig()
    assert cfg.hidden_sizes == (1000,) * 5
    assert (cfg.batch_size, cfg.buffer_size, cfg.target_sync_every) == (1000, 20_000, 500)
    assert (cfg.epsilon_start, cfg.epsilon_decay, cfg.epsilon_min) == (1.0, 0.99995, 0.05)
    assert cfg.gamma == crlqas_gamma(40) and cfg.n_step == 1 and cfg.test_every == 100
    assert cfg.lr == 1e-4 and DQNConfig(n_step=5).lr == 3e-4
    big = DQNConfig.crlqas(max_gates=250, n_qubits=8, n_step=6)
    assert big.gamma == 0.98 and big.hidden_sizes == (5000,) * 5 and big.lr == 3e-4
    assert DQNConfig.crlqas(70, n_qubits=6).hidden_sizes == (2000,) * 5
    with pytest.raises(ValueError, match="batch_size"):
        DQNConfig(batch_size=0)
    with pytest.raises(ValueError, match="exceed buffer_size"):
        DQNConfig(batch_size=100, buffer_size=10)


def test_network_shape_and_no_global_rng_use():
    state = torch.random.get_rng_state()
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking the legacy global RNG is untouched
    agent = MaskedDQNAgent(9, 5, small_config(hidden_sizes=(8, 8, 8, 8, 8)), seed=1)
    agent.act(np.zeros(9), np.ones(5))
    assert torch.equal(state, torch.random.get_rng_state())
    assert np.array_equal(np_state, np.random.get_state()[1])  # noqa: NPY002
    linears = [m for m in agent.q_net if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 6 and isinstance(agent.q_net[1], torch.nn.LeakyReLU)


# --------------------------------------------------------------------------------------- masking
def test_masking_greedy_and_random_never_pick_illegal():
    rng = np.random.default_rng(0)
    n_actions, obs_dim = 12, 6
    agent = MaskedDQNAgent(obs_dim, n_actions, small_config(epsilon_start=0.5), seed=3)
    random_agent = RandomMaskedAgent(n_actions, seed=3)
    seen_random = set()
    for _ in range(400):
        obs = rng.normal(size=obs_dim)
        mask = rng.random(n_actions) < 0.3
        mask[rng.integers(n_actions)] = True
        for greedy in (True, False):
            assert mask[agent.act(obs, mask.astype(np.int8), greedy=greedy)]
        a = random_agent.act(obs, mask)
        assert mask[a]
        seen_random.add(a)
    assert seen_random == set(range(n_actions))  # uniform over legal actions reaches every action
    # Greedy with one legal action whose Q is the smallest still picks it.
    obs = rng.normal(size=obs_dim)
    worst = int(np.argmin(agent.q_values(obs)))
    only = np.zeros(n_actions, dtype=bool)
    only[worst] = True
    assert agent.act(obs, only, greedy=True) == worst
    with pytest.raises(ValueError, match="no legal action"):
        agent.act(obs, np.zeros(n_actions))
    with pytest.raises(ValueError, match="n_actions=12"):
        agent.act(obs, np.ones(3))


def test_random_exploration_is_uniform_over_legal():
    agent = MaskedDQNAgent(3, 6, small_config(), seed=0)  # epsilon = 1: every action is random
    mask = np.array([1, 0, 1, 0, 0, 1], dtype=np.int8)
    counts = np.bincount([agent.act(np.zeros(3), mask) for _ in range(3000)], minlength=6)
    assert counts[[1, 3, 4]].sum() == 0
    assert np.all(np.abs(counts[[0, 2, 5]] / 3000 - 1 / 3) < 0.04)


def test_double_dqn_target_ignores_illegal_next_actions():
    """The next-state argmax must skip illegal actions, even when their Q-value is the largest."""
    cfg = small_config(hidden_sizes=(4,), batch_size=1, learning_starts=1, buffer_size=4, learning_rate=1e-9)
    agent = MaskedDQNAgent(2, 3, cfg, seed=0)
    with torch.no_grad():  # Q(s) = bias: action 0 is best but will be illegal in s'
        for net in (agent.q_net, agent.target_net):
            net[0].weight.zero_()
            net[2].weight.zero_()
            net[2].bias.copy_(torch.tensor([100.0, 2.0, -5.0]))
    s = np.zeros(2)
    agent.observe(s, 1, 1.0, s, False, False, np.array([0, 1, 1]))
    loss = agent.update()
    # target = 1 + 0.9 * Q(s', 1) = 1 + 1.8 = 2.8; Q(s, 1) = 2: |diff| 0.8 < 1, smooth L1 = 0.5 * 0.8^2
    assert loss == pytest.approx(0.5 * 0.8**2, rel=1e-5)


# ---------------------------------------------------------------------------------- n-step returns
def buffer_rows(agent: MaskedDQNAgent) -> list[tuple]:
    b = agent.buffer
    return [
        (
            int(b.obs[i, 0]),
            int(b.actions[i]),
            float(b.rewards[i]),
            int(b.next_obs[i, 0]),
            float(b.discounts[i]),
            tuple(b.next_masks[i].astype(int)),
        )
        for i in range(len(b))
    ]


def feed_episode(agent: MaskedDQNAgent, rewards, *, terminated: bool, truncated: bool, start: int = 0):
    """Feed states start, start+1, ... (state id in obs[0]); the last step ends as told."""
    n = len(rewards)
    for t, r in enumerate(rewards):
        last = t == n - 1
        mask = np.array([1, 0]) if last else np.array([1, 1])
        agent.observe(
            np.array([start + t]),
            t % 2,
            r,
            np.array([start + t + 1]),
            terminated and last,
            truncated and last,
            mask,
        )


def test_n_step_returns_terminated_flushes_with_shorter_returns():
    agent = MaskedDQNAgent(1, 2, small_config(gamma=0.5, n_step=3), seed=0)
    feed_episode(agent, [1.0, 2.0, 3.0, 4.0], terminated=True, truncated=False)
    assert buffer_rows(agent) == [
        (0, 0, 1 + 0.5 * 2 + 0.25 * 3, 3, 0.125, (1, 1)),  # full 3-step return, bootstraps from s3
        (1, 1, 2 + 0.5 * 3 + 0.25 * 4, 4, 0.0, (1, 0)),  # ends in the terminal state: no bootstrap
        (2, 0, 3 + 0.5 * 4, 4, 0.0, (1, 0)),  # flushed at episode end with a 2-step return
        (3, 1, 4.0, 4, 0.0, (1, 0)),  # and a 1-step return
    ]
    assert not agent._pending


def test_n_step_returns_truncation_still_bootstraps():
    agent = MaskedDQNAgent(1, 2, small_config(gamma=0.5, n_step=3), seed=0)
    feed_episode(agent, [1.0, 2.0, 3.0, 4.0], terminated=False, truncated=True)
    assert [(r[0], r[2], r[3], r[4]) for r in buffer_rows(agent)] == [
        (0, 2.75, 3, 0.125),
        (1, 4.5, 4, 0.125),  # truncation is not termination: gamma^k stays
        (2, 5.0, 4, 0.25),
        (3, 4.0, 4, 0.5),
    ]
    # A short episode (shorter than n) followed by another: nothing leaks across the boundary.
    agent2 = MaskedDQNAgent(1, 2, small_config(gamma=0.5, n_step=3), seed=0)
    feed_episode(agent2, [1.0, 1.0], terminated=True, truncated=False)
    feed_episode(agent2, [2.0], terminated=False, truncated=True, start=10)
    assert [(r[0], r[2], r[3], r[4]) for r in buffer_rows(agent2)] == [
        (0, 1.5, 2, 0.0),
        (1, 1.0, 2, 0.0),
        (10, 2.0, 11, 0.5),
    ]


def test_one_step_is_plain_transition():
    agent = MaskedDQNAgent(1, 2, small_config(gamma=0.5), seed=0)
    feed_episode(agent, [1.0, 2.0, 3.0], terminated=False, truncated=True)
    assert [(r[0], r[2], r[3], r[4]) for r in buffer_rows(agent)] == [
        (0, 1.0, 1, 0.5),
        (1, 2.0, 2, 0.5),
        (2, 3.0, 3, 0.5),
    ]


# ------------------------------------------------------------------------------------- learning
@pytest.mark.parametrize("n_step", [1, 3])
def test_dqn_learns_masked_chain(n_step):
    env = gym.wrappers.TimeLimit(MaskedChainEnv(max_steps=50), max_episode_steps=12)  # cut by the wrapper
    agent = MaskedDQNAgent(9, 5, small_config(n_step=n_step), seed=0)
    history = agent.train(env, episodes=50, seed=0)
    tests = [h["test"]["return"] for h in history if h["test"] is not None]
    assert len(tests) == 5
    assert tests[-1] == MaskedChainEnv.OPTIMAL_RETURN, tests
    assert agent.evaluate(env)["return"] == MaskedChainEnv.OPTIMAL_RETURN
    assert agent.epsilon < 0.2 and agent.updates > 0


def test_random_agent_runs_episodes_and_resumes():
    env = MaskedChainEnv()
    agent = RandomMaskedAgent(5, seed=4)
    obs, info = env.reset(seed=0)
    for _ in range(30):
        obs, _, term, trunc, info = env.step(agent.act(obs, info["action_mask"]))
        if term or trunc:
            obs, info = env.reset()
    state = agent.state_dict()
    clone = RandomMaskedAgent(5, seed=99)
    clone.load_state_dict(state)
    mask = np.ones(5)
    assert [agent.act(None, mask) for _ in range(20)] == [clone.act(None, mask) for _ in range(20)]


# --------------------------------------------------------------------------- determinism, resume
def test_seeded_runs_are_identical_bit_for_bit():
    runs = []
    for _ in range(2):
        agent = MaskedDQNAgent(9, 5, small_config(n_step=2), seed=7)
        runs.append((agent, strip(agent.train(MaskedChainEnv(), episodes=25, seed=0))))
    assert runs[0][1] == runs[1][1]
    assert params_equal(runs[0][0], runs[1][0])
    other = MaskedDQNAgent(9, 5, small_config(n_step=2), seed=8)
    assert not params_equal(runs[0][0], other)


def test_checkpoint_round_trip_between_episodes():
    cfg = small_config(n_step=3, test_every=5)
    full = MaskedDQNAgent(9, 5, cfg, seed=11)
    expected = strip(full.train(MaskedChainEnv(), episodes=30))

    saved: dict = {}

    def save_at_15(stats: dict) -> bool:
        if stats["episode"] == 15:
            buf = io.BytesIO()
            torch.save(first.state_dict(), buf)
            saved["bytes"] = buf.getvalue()
            return True
        return False

    first = MaskedDQNAgent(9, 5, cfg, seed=11)
    part1 = strip(first.train(MaskedChainEnv(), episodes=30, callback=save_at_15))
    resumed = MaskedDQNAgent(9, 5, cfg, seed=12345)  # the checkpoint's RNG state replaces this seed's
    resumed.load_state_dict(torch.load(io.BytesIO(saved["bytes"]), weights_only=True))
    part2 = strip(resumed.train(MaskedChainEnv(), episodes=15))
    assert part1 + part2 == expected
    assert params_equal(full, resumed) and full.epsilon == resumed.epsilon


def run_steps(agent: MaskedDQNAgent, env: MaskedChainEnv, steps: int, state: dict) -> list:
    """A hand-written loop (what an experiment script might do); ``state`` carries obs across calls."""
    out = []
    for _ in range(steps):
        if state.get("obs") is None:
            state["obs"], info = env.reset()
            state["mask"] = info["action_mask"]
        a = agent.act(state["obs"], state["mask"])
        obs, r, term, trunc, info = env.step(a)
        agent.observe(state["obs"], a, r, obs, term, trunc, info["action_mask"])
        out.append((a, agent.update()))
        state["obs"], state["mask"] = (None, None) if term or trunc else (obs, info["action_mask"])
    return out


def test_checkpoint_round_trip_mid_episode_with_pending_n_step():
    cfg = small_config(n_step=4)
    env_a, state_a = MaskedChainEnv(), {}
    full = MaskedDQNAgent(9, 5, cfg, seed=5)
    expected = run_steps(full, env_a, 300, state_a)

    env_b, state_b = MaskedChainEnv(), {}
    first = MaskedDQNAgent(9, 5, cfg, seed=5)
    part1 = run_steps(first, env_b, 150, state_b)
    assert first._pending  # the save happens with an unfinished n-step window
    buf = io.BytesIO()
    torch.save(first.state_dict(), buf)
    buf.seek(0)
    resumed = MaskedDQNAgent(9, 5, cfg, seed=0)
    resumed.load_state_dict(torch.load(buf, weights_only=True))
    part2 = run_steps(resumed, env_b, 150, state_b)  # the env continues, as a pickled env would
    assert part1 + part2 == expected
    assert params_equal(full, resumed)
    assert full.rng.bit_generator.state == resumed.rng.bit_generator.state


def test_load_refuses_a_different_config():
    agent = MaskedDQNAgent(9, 5, small_config(), seed=0)
    other = MaskedDQNAgent(9, 5, small_config(gamma=0.5), seed=0)
    with pytest.raises(ValueError, match="gamma"):
        other.load_state_dict(agent.state_dict())
    with pytest.raises(ValueError, match="obs_dim"):
        MaskedDQNAgent(4, 5, small_config(), seed=0).load_state_dict(agent.state_dict())


# ------------------------------------------------------------------------- gymnasium integration
def test_mask_lookup_from_info_or_env_method():
    env_info = gym.wrappers.TimeLimit(MaskedChainEnv(mask_in_info=True), 12)
    env_method = gym.wrappers.TimeLimit(MaskedChainEnv(mask_in_info=False), 12)
    _, info = env_info.reset()
    assert get_action_mask(env_info, info, 5).tolist() == [False, True, True, True, False]
    _, info = env_method.reset()
    assert info == {}
    assert get_action_mask(env_method, info, 5).tolist() == [False, True, True, True, False]
    assert get_action_mask(object(), {}, 3).tolist() == [True, True, True]


@pytest.mark.parametrize("mask_in_info", [True, False])
def test_train_with_wrapped_gymnasium_env(mask_in_info):
    """Through gymnasium wrappers, masks from info (or action_masks()) keep the agent legal."""
    env = gym.wrappers.RecordEpisodeStatistics(
        gym.wrappers.TimeLimit(MaskedChainEnv(mask_in_info=mask_in_info), max_episode_steps=12)
    )
    agent = MaskedDQNAgent(9, 5, small_config(learning_starts=32), seed=2)
    seen = []
    history = agent.train(env, episodes=12, test_every=4, callback=seen.append)
    assert len(history) == 12 and seen == history  # every episode reported once, illegal never taken
    assert [h["episode"] for h in history] == list(range(1, 13))
    assert all((h["test"] is not None) == (h["episode"] % 4 == 0) for h in history)
    assert history[-1]["env_steps"] == sum(h["length"] for h in history)
    assert "episode" in history[-1]["info"]  # RecordEpisodeStatistics' info passed through
