"""PPO with a centralised critic (MAPPO style) for CommFormer on the batched predator-prey envs.

One update = a rollout of ``rollout`` steps over ``envs`` grids (``rollout * envs`` environment steps),
GAE(lambda) on the team reward, then ``epochs`` PPO epochs of clipped policy loss (one ratio per agent,
the team advantage shared), value loss, entropy bonus and, with the gate, its penalty. Before every
rollout the graph's schedule is moved to the real progress ``env_steps / steps``; after the last update
it is set to 1. Epoch ``e`` steps only the optimiser :func:`bilevel_target` names (edges every
``edge_every``-th epoch, the model on the others); a graph that is not learned has no edge optimiser,
so the model is stepped on every epoch instead of idling one epoch in five.

Run directory: ``checkpoint.pt`` (every ``checkpoint_every`` updates and at the end, atomically),
``curves.csv`` (one row per update, rewritten whole from the checkpointed rows at the same moments, so
a kill between the two files cannot leave a row twice),
``summary.json`` and TensorBoard events under ``tb/`` when tensorboard is installed.

**Reproduction and resume.** One root seed is split with ``SeedSequence`` into the torch seed, the
env seed and the random graph's seed. The rollout's and the update's randomness all come from torch's
global generator (actions, Gumbel noise, gate draws, minibatch order), the episodes from the env's
per-grid keys. A checkpoint holds the policy, both optimisers, torch's RNG state, the env's state (the
core's public arrays ``pos, prey, t, key, episode``, which determine every later observation and
episode start) and the per-grid running episode statistics, so ``resume`` continues bit-for-bit. The
rollout uses same-step autoreset, so no state sits between the env's step calls.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qgnas.core.io import atomic_write, atomic_write_json, atomic_write_text

from .bookkeeping import curves_csv, episode_stats, gae, tensorboard_writer, track_episodes
from .graph import GRAPH_MODES, CommGraph, check_sparsity
from .policy import CommFormerConfig, CommFormerPolicy, bilevel_target

ENV_IDS = {"pp": "qgnas/PredatorPrey-v0", "pcp": "qgnas/PredatorCapturePrey-v0"}
#: columns of curves.csv, one row per update
CURVE_FIELDS = tuple(
    "update env_steps progress phase episodes success_rate mean_episode_length mean_return comm_edges "
    "gate_open_fraction policy_loss value_loss entropy gate_penalty".split()
)
ENV_ARRAYS = ("pos", "prey", "t", "key", "episode")
EVAL_STREAM = 0xE7A1  # the evaluation's seed is SeedSequence([seed, EVAL_STREAM]): apart from training's
EVAL_EPISODES = 1000


@dataclass(frozen=True)
class TrainConfig:
    """One CommFormer training run; the fields a checkpoint must agree with, except ``steps``."""

    env: str = "pp"
    """``pp`` (Predator-Prey) or ``pcp`` (Predator-Capture-Prey, one blind capture agent)."""
    grid: int = 5
    """Side of the grid (IC3Net / CommFormer: 5)."""
    agents: int = 3
    """Agents (CommFormer's predator-prey: 3)."""
    vision: int = 1
    """Vision radius (CommFormer: 1); the window 2 vision + 1 must fit the grid."""
    graph: str = "learned"
    """``learned``, ``full``, ``none`` or ``random``."""
    sparsity: float = 0.4
    """S in (0, 1] (PAPERS.md: default 0.4)."""
    gate: bool = False
    """Add the per-agent temporal gate and its penalty."""
    gate_cost: float = 0.01
    """Weight of the gate's penalty on the expected open fraction (the gate module's default)."""
    seed: int = 0
    """Root seed of torch, the envs and the random graph."""
    steps: int = 100_000
    """Environment steps (one grid stepping once is one step); rounded up to whole updates."""
    envs: int = 20
    """Grids stepped together (PAPERS.md: 20 parallel envs in the paper's scripts)."""
    rollout: int = 40
    """Steps per grid per update; chosen: two 5x5 episode limits (20), not given in PAPERS.md."""
    epochs: int = 5
    """PPO epochs per update; chosen so the edges move once per update with edge_every = 5."""
    minibatches: int = 1
    """Minibatches per epoch (MAPPO's default 1: the whole rollout)."""
    edge_every: int = 5
    """Edges stepped on every edge_every-th epoch (PAPERS.md: every 5th PPO epoch)."""
    model_lr: float = 5e-4
    """Adam lr of the model (PAPERS.md)."""
    edge_lr: float = 1e-4
    """Adam lr of the edge logits (PAPERS.md)."""
    gamma: float = 0.99
    """Discount (MAPPO's default; PAPERS.md gives none)."""
    gae_lambda: float = 0.95
    """GAE lambda (MAPPO's default)."""
    clip: float = 0.2
    """PPO clip range (MAPPO's default)."""
    value_coef: float = 1.0
    """Weight of the value loss (MAPPO's default)."""
    entropy_coef: float = 0.01
    """Weight of the entropy bonus (MAPPO's default)."""
    max_grad_norm: float = 10.0
    """Gradient-norm clip (MAPPO's default)."""
    d_model: int = 64
    """Width of the actor (PAPERS.md: 64-d, 1 head, 1 block)."""
    warmup: float = 0.1
    """Fraction of training with continuous edges (the graph module's default)."""
    adjacency: tuple[tuple[int, ...], ...] | None = None
    """A given graph to train with instead of a random draw (``graph="random"`` only): n x n 0/1,
    row = receiver, diagonal 1, k other senders per row. A discrete search's pick is retrained so."""

    def __post_init__(self) -> None:
        if self.env not in ENV_IDS:
            raise ValueError(f"env={self.env!r} is not allowed: one of {sorted(ENV_IDS)}")
        if self.graph not in GRAPH_MODES:
            raise ValueError(f"graph={self.graph!r} is not allowed: one of {GRAPH_MODES}")
        check_sparsity(self.sparsity)
        if (
            isinstance(self.gate_cost, bool)
            or not isinstance(self.gate_cost, int | float)
            or not self.gate_cost >= 0
        ):
            raise ValueError(f"gate_cost={self.gate_cost!r} is not allowed: expected a number >= 0")
        for name in ("steps", "envs", "rollout", "epochs", "minibatches", "edge_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} is not allowed: expected an integer >= 1")
        if self.minibatches > self.envs:
            raise ValueError(f"minibatches={self.minibatches} is not allowed: at most envs={self.envs}")
        self.env_kwargs()  # the grid's own checks (vision window, agents that fit), named there
        if self.adjacency is not None:
            if self.graph != "random":
                raise ValueError(f"adjacency is only allowed with graph='random', not graph={self.graph!r}")
            # a tuple of tuples keeps the config hashable and equal to its checkpointed copy
            object.__setattr__(self, "adjacency", tuple(tuple(int(v) for v in row) for row in self.adjacency))
            # the graph's own checks (shape, 0/1, self-loops, k senders per row), raised at configuration
            CommGraph(self.agents, self.sparsity, mode="random").set_fixed(torch.tensor(self.adjacency))

    def env_kwargs(self) -> dict[str, Any]:
        """Arguments of the env; validated by building its rules (a grid smaller than the window fails)."""
        from qgnas.envs.predator_prey import GridConfig

        kwargs = {"grid_size": self.grid, "n_agents": self.agents, "vision": self.vision}
        GridConfig(**kwargs, n_capture=1 if self.env == "pcp" else 0)
        return kwargs

    @property
    def updates(self) -> int:
        return math.ceil(self.steps / (self.rollout * self.envs))


def make_env(config: TrainConfig):
    import gymnasium as gym
    from gymnasium.vector import AutoresetMode

    import qgnas.envs  # noqa: F401  (registers the ids)

    return gym.make_vec(
        ENV_IDS[config.env],
        num_envs=config.envs,
        autoreset_mode=AutoresetMode.SAME_STEP,
        **config.env_kwargs(),
    )


def make_policy(config: TrainConfig, obs_dim: int, n_actions: int, graph_seed: int) -> CommFormerPolicy:
    return CommFormerPolicy(
        CommFormerConfig(
            n_agents=config.agents,
            obs_dim=obs_dim,
            n_actions=n_actions,
            d_model=config.d_model,
            graph=config.graph,
            sparsity=config.sparsity,
            warmup=config.warmup,
            gate=config.gate,
            gate_cost=config.gate_cost,
            graph_seed=graph_seed,
        )
    )


class Trainer:
    """Owns the env, the policy, the optimisers and the run directory; :meth:`run` trains to the end."""

    def __init__(
        self, config: TrainConfig, out: str | Path, resume: bool = False, checkpoint_every: int = 10
    ) -> None:
        if (
            isinstance(checkpoint_every, bool)
            or not isinstance(checkpoint_every, int)
            or checkpoint_every < 1
        ):
            raise ValueError(
                f"checkpoint_every={checkpoint_every!r} is not allowed: expected an integer >= 1"
            )
        # not part of the config: how often the state is saved changes no result, only what a kill loses
        self.config, self.out, self.checkpoint_every = config, Path(out), checkpoint_every
        torch_seed, env_seed, graph_seed = np.random.SeedSequence(config.seed).generate_state(3)
        torch.manual_seed(int(torch_seed))
        self.env = make_env(config)
        self.core = self.env.unwrapped.core
        obs, _ = self.env.reset(seed=int(env_seed))
        self.obs = torch.from_numpy(obs)
        n_actions = int(self.env.single_action_space.nvec[0])
        self.policy = make_policy(config, obs.shape[-1], n_actions, int(graph_seed))
        if config.adjacency is not None:  # checked against the graph's size and budget there
            self.policy.actor.graph.set_fixed(torch.tensor(config.adjacency, dtype=torch.float32))
        self.opt = self.policy.optimizers(edge_lr=config.edge_lr, model_lr=config.model_lr)
        self.ep_return = np.zeros(config.envs)
        self.ep_length = np.zeros(config.envs, dtype=np.int64)
        self.update, self.env_steps, self.rows, self.wall = 0, 0, [], 0.0
        if resume and (self.out / "checkpoint.pt").exists():
            self.load(self.out / "checkpoint.pt")
        self.writer = tensorboard_writer(self.out / "tb", self.env_steps)

    # --- checkpoints -------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        opt = {name: o.state_dict() for name, o in self.opt.items() if o is not None}
        env = {name: getattr(self.core, name).copy() for name in ENV_ARRAYS}
        return {
            "config": asdict(self.config),
            "policy": self.policy.state_dict(),
            "optimizers": opt,
            "torch_rng": torch.get_rng_state(),
            "env": env,
            "ep_return": self.ep_return.copy(),
            "ep_length": self.ep_length.copy(),
            "update": self.update,
            "env_steps": self.env_steps,
            "rows": list(self.rows),
            "wall_seconds": self.wall,
        }

    def save(self) -> None:
        state = self.state()
        atomic_write(self.out / "checkpoint.pt", lambda fh: torch.save(state, fh))

    def load(self, path: Path) -> None:
        state = torch.load(path, weights_only=False)
        mine, theirs = asdict(self.config), state["config"]
        defaults = {f.name: f.default for f in fields(TrainConfig)}
        for key in mine:
            # a field added after the checkpoint was written held its default then
            theirs_value = theirs.get(key, defaults[key])
            if key != "steps" and mine[key] != theirs_value:
                raise ValueError(
                    f"cannot resume {path}: {key}={mine[key]!r} here but {theirs_value!r} in the "
                    "checkpoint (only --steps may change on resume)"
                )
        self.policy.load_state_dict(state["policy"])
        for name, opt_state in state["optimizers"].items():
            self.opt[name].load_state_dict(opt_state)
        torch.set_rng_state(state["torch_rng"])
        for name in ENV_ARRAYS:
            getattr(self.core, name)[...] = state["env"][name]
        self.obs = torch.from_numpy(self.core.observe())
        self.ep_return, self.ep_length = state["ep_return"], state["ep_length"]
        self.update, self.env_steps = state["update"], state["env_steps"]
        self.rows, self.wall = state["rows"], state["wall_seconds"]

    # --- one update --------------------------------------------------------------------------------

    def collect(self) -> tuple[dict[str, torch.Tensor], dict[str, float]]:
        """A rollout of ``rollout`` steps; returns the batch and the finished episodes' statistics."""
        c, policy = self.config, self.policy
        keys = ("obs", "actions", "logp", "values", "rewards", "dones")
        buf: dict[str, list[torch.Tensor]] = {k: [] for k in keys}
        episodes: list[tuple[float, int, bool]] = []
        gate_open = []
        for _ in range(c.rollout):
            with torch.no_grad():
                out, value = policy(self.obs)
                dist = torch.distributions.Categorical(logits=out.logits)
                actions = dist.sample()
            # without a gate every agent receives at every step: the open fraction is 1
            gate_open.append(out.gate.open_fraction if out.gate is not None else 1.0)
            obs, reward, terminated, truncated, infos = self.env.step(actions.numpy())
            reward = torch.as_tensor(reward, dtype=torch.float32)
            if truncated.any():
                # a time limit is not a terminal state: bootstrap it with the value of the last obs
                with torch.no_grad():
                    last = policy.critic(torch.from_numpy(infos["final_obs"]))
                reward = reward + c.gamma * last * torch.from_numpy(truncated)
            done = terminated | truncated
            episodes += self._track(infos["rewards"], terminated, done)
            step = (self.obs, actions, dist.log_prob(actions), value, reward, torch.from_numpy(done).float())
            for key, v in zip(keys, step, strict=True):
                buf[key].append(v)
            self.obs = torch.from_numpy(obs)
        with torch.no_grad():
            last_value = policy.critic(self.obs)
        batch = {k: torch.stack(v) for k, v in buf.items()}
        batch["advantages"], batch["returns"] = gae(batch, last_value, c.gamma, c.gae_lambda)
        return batch, episode_stats(episodes, float(np.mean(gate_open)))

    def _track(self, rewards: np.ndarray, terminated: np.ndarray, done: np.ndarray) -> list[tuple]:
        """``(return, length, success)`` of the training episodes that ended (team return before
        bootstrapping)."""
        ended = track_episodes(self.ep_return, self.ep_length, rewards, terminated, done)
        return [episode[1:] for episode in ended]

    @torch.no_grad()
    def evaluate(self, episodes: int) -> dict[str, float]:
        """The deployed policy on fresh episodes: the graph's deterministic top-k and a deterministic
        gate (eval mode), actions sampled from the policy; ``episodes / envs`` whole episodes per grid,
        so short episodes are not favoured. Its own env and generator, seeded from the run's seed, so
        training's random state is untouched and the evaluation of a checkpoint reproduces."""
        c = self.config
        per_grid = math.ceil(episodes / c.envs)
        seed = int(np.random.SeedSequence([c.seed, EVAL_STREAM]).generate_state(1)[0])
        env, generator = make_env(c), torch.Generator().manual_seed(seed)
        obs = torch.from_numpy(env.reset(seed=seed)[0])
        ep_return, ep_length = np.zeros(c.envs), np.zeros(c.envs, dtype=np.int64)
        finished, counts, gate_open = [], np.zeros(c.envs, dtype=np.int64), []
        self.policy.eval()
        try:
            while counts.min() < per_grid:
                out = self.policy.actor(obs)
                probs = torch.softmax(out.logits, -1)
                actions = torch.multinomial(probs.flatten(0, 1), 1, generator=generator).view(probs.shape[:2])
                gate_open.append(out.gate.open_fraction if out.gate is not None else 1.0)
                obs, _, terminated, truncated, infos = env.step(actions.numpy())
                obs = torch.from_numpy(obs)
                for grid, *episode in track_episodes(
                    ep_return, ep_length, infos["rewards"], terminated, terminated | truncated
                ):
                    if counts[grid] < per_grid:
                        finished.append(tuple(episode))
                    counts[grid] += 1
        finally:
            self.policy.train()
            env.close()
        return episode_stats(finished, float(np.mean(gate_open)))

    def learn(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        """PPO epochs over the rollout; epoch ``e`` steps the optimiser :func:`bilevel_target` names."""
        c, policy = self.config, self.policy
        flat = {k: v.flatten(0, 1) for k, v in batch.items() if k not in ("rewards", "dones")}
        adv = flat["advantages"]
        flat["advantages"] = (adv - adv.mean()) / (adv.std() + 1e-8)
        size = flat["obs"].shape[0]
        sums: dict[str, float] = {}
        for epoch in range(c.epochs):
            target = bilevel_target(epoch, c.edge_every) if self.opt["edges"] is not None else "model"
            for idx in torch.randperm(size).chunk(c.minibatches):
                losses = self._loss({k: v[idx] for k, v in flat.items()})
                for opt in self.opt.values():
                    if opt is not None:
                        opt.zero_grad(set_to_none=True)  # the idle group's gradients are dropped
                losses["total"].backward()
                torch.nn.utils.clip_grad_norm_(policy.parameters(), c.max_grad_norm)
                self.opt[target].step()
                for name, value in losses.items():
                    sums[name] = sums.get(name, 0.0) + float(value.detach())
        return {name: value / (c.epochs * c.minibatches) for name, value in sums.items()}

    def _loss(self, mb: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        c = self.config
        out, value = self.policy(mb["obs"])
        dist = torch.distributions.Categorical(logits=out.logits)
        # one ratio per agent with the shared team advantage (MAPPO); the graph and the gate are
        # sampled afresh here, so the ratio also carries their noise, as the straight-through
        # estimator needs a live sample to send gradients to the edge logits
        ratio = torch.exp(dist.log_prob(mb["actions"]) - mb["logp"])
        adv = mb["advantages"].unsqueeze(-1)
        clipped = torch.clamp(ratio, 1 - c.clip, 1 + c.clip)
        policy_loss = -torch.min(ratio * adv, clipped * adv).mean()
        value_loss = 0.5 * (mb["returns"] - value).pow(2).mean()
        entropy = dist.entropy().mean()
        penalty = out.penalty
        total = policy_loss + c.value_coef * value_loss - c.entropy_coef * entropy + penalty
        return {
            "total": total,
            "policy_loss": policy_loss,
            "value_loss": value_loss,
            "entropy": entropy,
            "gate_penalty": penalty,
        }

    # --- the loop ----------------------------------------------------------------------------------

    def run(self, progress_bar: bool | None = None, eval_episodes: int = EVAL_EPISODES) -> dict[str, Any]:
        """Train to ``config.steps``, then evaluate the deployed policy on ``eval_episodes`` episodes
        (0: none); returns the summary (also written to ``summary.json``). A finished run started again
        with ``resume`` only evaluates."""
        from tqdm.auto import tqdm

        c, total = self.config, self.config.updates * self.config.rollout * self.config.envs
        show = sys.stderr.isatty() if progress_bar is None else progress_bar
        bar = tqdm(total=total, initial=self.env_steps, unit="step", disable=not show, desc="commformer")
        while self.update < c.updates:
            start = time.perf_counter()
            self.policy.set_progress(step=self.env_steps, total=total)
            row = {
                "progress": float(self.policy.actor.graph.progress),
                "phase": self.policy.actor.graph.phase,
            }
            batch, stats = self.collect()
            losses = self.learn(batch)
            self.update += 1
            self.env_steps += c.rollout * c.envs
            row = {"update": self.update, "env_steps": self.env_steps, **row, **stats}
            row.update(comm_edges=self.policy.comm_edges(), **losses)
            self.rows.append({k: row[k] for k in CURVE_FIELDS})
            self.wall += time.perf_counter() - start
            self._log(self.rows[-1], persist=self.update % self.checkpoint_every == 0)
            bar.update(c.rollout * c.envs)
            bar.set_postfix(success=f"{stats['success_rate']:.2f}", phase=row["phase"])
        bar.close()
        self.policy.set_progress(step=self.env_steps, total=total)  # the run ends at progress 1
        atomic_write_text(self.out / "curves.csv", curves_csv(self.rows, CURVE_FIELDS))
        self.save()
        summary = self.summary()
        if eval_episodes:
            # training's own episodes sample the graph with Gumbel noise while the graph is learned;
            # the deployed graph is the deterministic top-k, which is what every graph is scored with
            summary["evaluation"] = self.evaluate(eval_episodes)
        atomic_write_json(self.out / "summary.json", summary)
        if self.writer is not None:
            self.writer.close()
        return summary

    def _log(self, row: dict[str, Any], persist: bool) -> None:
        # every `checkpoint_every` updates (each rewrite costs time in proportion to the rows): curves
        # first, checkpoint second: a kill in between leaves curve rows the checkpoint lacks, and resume
        # rewrites the curves from the checkpoint's rows
        if persist:
            atomic_write_text(self.out / "curves.csv", curves_csv(self.rows, CURVE_FIELDS))
            self.save()
        if self.writer is not None:
            for key, value in row.items():
                if isinstance(value, int | float) and key not in ("update", "env_steps"):
                    self.writer.add_scalar(f"commformer/{key}", value, row["env_steps"])

    def summary(self) -> dict[str, Any]:
        """Training's metrics over the last tenth of the updates (at least one), plus the deployed graph."""
        c = self.config
        tail = self.rows[-max(1, math.ceil(len(self.rows) / 10)) :]
        episodes = sum(r["episodes"] for r in tail)

        def mean(key: str) -> float:
            done = [(r[key], r["episodes"]) for r in tail if r["episodes"]]
            return sum(v * n for v, n in done) / episodes if episodes else float("nan")

        graph = self.policy.actor.graph
        return {
            "success_rate": mean("success_rate"),
            "mean_episode_length": mean("mean_episode_length"),
            "mean_return": mean("mean_return"),
            "episodes": episodes,
            "comm_edges": self.policy.comm_edges(),
            "gate_open_fraction": float(np.mean([r["gate_open_fraction"] for r in tail])) if tail else 1.0,
            "steps": self.env_steps,
            "updates": self.update,
            "wall_seconds": self.wall,
            "progress": float(graph.progress),
            "adjacency": graph.hard_adjacency().int().tolist(),
            # how far training moved the logits from their zero start, against Gumbel noise of scale 1
            "edge_logits": None if graph.edge_logits is None else graph.edge_logits.detach().tolist(),
            "config": asdict(c),
        }


def train(
    config: TrainConfig,
    out: str | Path,
    resume: bool = False,
    progress_bar: bool | None = None,
    checkpoint_every: int = 10,
    eval_episodes: int = EVAL_EPISODES,
):
    """Train CommFormer with PPO into run directory ``out``; ``resume`` continues from its checkpoint."""
    from qgnas.core.threads import use_default_threads

    use_default_threads()
    return Trainer(config, out, resume, checkpoint_every).run(progress_bar, eval_episodes)


__all__ = ["CURVE_FIELDS", "ENV_IDS", "EVAL_EPISODES", "TrainConfig", "Trainer", "train"]
