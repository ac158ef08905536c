"""``qgnas/GNNArchSearch-v0``: design a GNN one decision per step; the reward is its validation accuracy."""

from __future__ import annotations

import os
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from qgnas.core import Evaluator, InvalidArchitecture, Registry, Result, SearchSpace

#: The spaces an episode can design in (names only: the env builds them).
SPACES: Registry[str] = Registry(
    "space",
    {"autognn": "autognn", "nas-bench-graph": "nas-bench-graph"},
    {"graphnas": "autognn", "nbg": "nas-bench-graph"},
)


class GNNArchSearchEnv(gym.Env):
    """Graph neural architecture search as a sequential decision process.

    ## Description

    An episode designs one architecture of a GNN search space, one design decision per step, in the
    space's decision order (for ``space="autognn"``, per layer: attention, aggregation, activation,
    heads, hidden units, skip; the last layer has no hidden decision, its width is the class count).
    When the last decision is made the architecture is evaluated, by real training on a Planetoid
    dataset (``autognn``) or by the NAS-Bench-Graph table (``nas-bench-graph``), and the episode ends.
    This is the GraphNAS/ENAS controller's loop, opened up to any agent.

    ## Action Space

    ``Discrete(max_choices)``, the largest choice count of any decision (8 for ``autognn``, 9 for
    ``nas-bench-graph``), with the legal actions of the current decision in ``info["action_mask"]`` and
    ``env.action_masks()`` (``MaskablePPO`` and masked DQN read those). Action ``i`` picks choice ``i``
    of the current decision. We prefer this to ``MultiDiscrete`` (all decisions at once): one decision
    per step lets the agent condition each choice on the previous ones, as the GraphNAS LSTM does, and
    keeps the episode structure of the published controllers. An action outside the mask (what an
    unmasked agent or ``action_space.sample()`` can send) is *folded* onto a legal one: ``i % n`` for a
    decision with ``n`` choices, then the next legal choice cyclically; ``info["folded"]`` says so. With
    ``invalid_action="raise"`` it is a ValueError instead.

    ## Observation Space

    ``Box(0, 1, (sum of choice counts + number of decisions + 1,), float32)``: the one-hot encoding of
    every decision made so far (zeros for those not yet made), followed by the one-hot of the current
    step (the last slot marks a finished architecture). Fixed size, so any MLP policy works.

    ## Rewards

    0 on every step but the last; on the last, the evaluator's objective times ``reward_scale``
    (default 0.01: the validation accuracy as a fraction in [0, 1]). A failed evaluation (recorded, not
    raised) gives 0. Test accuracy is reported in ``info["test"]``, never rewarded.

    ## Episode End

    Terminates after the last decision (11 steps for the 2-layer ``autognn`` space, 7 for
    ``nas-bench-graph``). Never truncated. Stepping a finished episode without ``reset`` is an error.

    ## Arguments

    - ``space``: ``"autognn"`` (GraphNAS/Auto-GNN macro space) or ``"nas-bench-graph"``; or a
      ``SearchSpace`` instance together with ``evaluator``.
    - ``dataset``: ``cora``, ``citeseer``, ``pubmed`` (``autognn``); any NAS-Bench-Graph dataset for
      ``nas-bench-graph``.
    - ``layers``: layers of the ``autognn`` space (default 2).
    - ``evaluator``: a custom ``qgnas.core.Evaluator`` (replaces the default one for ``space``).
    - ``epochs``, ``patience``, ``train_seed``, ``device``, ``data_root``, ``sharing``: real training
      (``autognn``; see ``qgnas.graph.trainer.GNNTrainingEvaluator``). ``train_seed`` is fixed, so the
      reward is a function of the architecture alone, as a benchmark's must be.
    - ``reward_scale``: multiplies the objective (default 0.01).
    - ``cache``: reuse the result of an architecture already evaluated in this env (default True).
    - ``invalid_action``: ``"fold"`` (default) or ``"raise"``.
    - ``render_mode``: ``None`` or ``"ansi"`` (the architecture so far, as text).

    The environment draws no random numbers itself (the task is deterministic given the architecture);
    ``reset(seed=...)`` seeds ``self.np_random`` for wrappers and subclasses that need randomness.

    ## Version History

    - v0: initial version.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        space: str | SearchSpace = "autognn",
        dataset: str = "cora",
        layers: int = 2,
        evaluator: Evaluator | None = None,
        epochs: int = 300,
        patience: int | None = 100,
        train_seed: int = 0,
        device: str = "cpu",
        data_root: str | os.PathLike | None = None,
        sharing: bool = False,
        reward_scale: float = 0.01,
        cache: bool = True,
        invalid_action: str = "fold",
        render_mode: str | None = None,
    ):
        if invalid_action not in ("fold", "raise"):
            raise ValueError(f"invalid_action must be 'fold' or 'raise', got {invalid_action!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode {render_mode!r} not supported; allowed: None, 'ansi'")
        if isinstance(space, SearchSpace):
            if evaluator is None:
                raise ValueError("a custom SearchSpace needs an evaluator")
            self.space_name, self.search_space = space.name, space
        else:
            self.space_name = SPACES.resolve(space)
            self.search_space = self._make_space(self.space_name, dataset, layers)
        self.dataset = str(dataset).strip().lower()
        self._evaluator = evaluator
        self._evaluator_options = dict(
            epochs=epochs,
            patience=patience,
            seed=train_seed,
            device=device,
            data_root=data_root,
            sharing=sharing,
            layers=layers,
        )
        self.reward_scale, self.cache, self.invalid_action = float(reward_scale), bool(cache), invalid_action
        self.render_mode = render_mode

        self.decisions = self.search_space.decisions()
        self.sizes = np.array([len(d) for d in self.decisions], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        self.n_decisions = len(self.decisions)
        self.action_space = spaces.Discrete(int(self.sizes.max()))
        obs_dim = int(self.sizes.sum()) + self.n_decisions + 1
        self.observation_space = spaces.Box(0.0, 1.0, shape=(obs_dim,), dtype=np.float32)
        self._results: dict[str, Result] = {}
        self._choices: list[int] = []

    @staticmethod
    def _make_space(name: str, dataset: str, layers: int) -> SearchSpace:
        if name == "autognn":
            from qgnas.graph.autognn_space import AutoGNNSpace
            from qgnas.graph.datasets import resolve_dataset

            resolve_dataset(dataset)  # fail at construction on a bad name, not at the end of an episode
            return AutoGNNSpace(layers)
        from qgnas.graph.nas_bench_graph import NASBenchGraphSpace

        return NASBenchGraphSpace.for_dataset(dataset)

    @property
    def evaluator(self) -> Evaluator:
        """Built on first use: making the env stays cheap (no data or table loaded until needed)."""
        if self._evaluator is None:
            if self.space_name == "autognn":
                from qgnas.graph.trainer import GNNTrainingEvaluator

                self._evaluator = GNNTrainingEvaluator(self.dataset, **self._evaluator_options)
            else:
                from qgnas.graph.nas_bench_graph import NASBenchGraphEvaluator

                self._evaluator = NASBenchGraphEvaluator(self.dataset)
        return self._evaluator

    # --- masks and observations ----------------------------------------------------------------------
    def action_masks(self) -> np.ndarray:
        """Legal actions for the current decision (all False once the architecture is complete)."""
        mask = np.zeros(self.action_space.n, dtype=bool)
        step = len(self._choices)
        if step >= self.n_decisions:
            return mask
        mask[: self.sizes[step]] = True
        if step == self.n_decisions - 1:  # the last choice completes the architecture: keep valid ones
            for c in range(self.sizes[step]):
                try:
                    self.search_space.decode([*self._choices, c])
                except InvalidArchitecture:
                    mask[c] = False
        return mask

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.observation_space.shape, dtype=np.float32)
        for i, c in enumerate(self._choices):
            obs[self.offsets[i] + c] = 1.0
        obs[int(self.sizes.sum()) + len(self._choices)] = 1.0
        return obs

    def _info(self) -> dict[str, Any]:
        return {"action_mask": self.action_masks(), "step": len(self._choices)}

    # --- gymnasium API -------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._choices = []
        return self._obs(), self._info()

    def step(self, action: int):
        if len(self._choices) >= self.n_decisions:
            raise RuntimeError("the architecture is complete: call reset() before stepping again")
        mask = self.action_masks()
        action = int(action)
        folded = not (0 <= action < len(mask) and mask[action])
        if folded:
            if self.invalid_action == "raise":
                legal = np.flatnonzero(mask).tolist()
                raise ValueError(
                    f"action {action} is not legal for decision {self.decisions[len(self._choices)].name!r}; "
                    f"legal: {legal}"
                )
            n = int(self.sizes[len(self._choices)])
            action = action % n
            while not mask[action]:
                action = (action + 1) % n
        self._choices.append(action)
        info: dict[str, Any] = {"folded": folded}
        reward, terminated = 0.0, False
        if len(self._choices) == self.n_decisions:
            terminated = True
            arch = self.search_space.decode(self._choices)
            result = self._evaluate(arch)
            reward = self.reward_scale * result.objective if result.ok else 0.0
            info.update(
                arch=self.search_space.to_json(arch),
                key=self.search_space.key(arch),
                objective=result.objective if result.ok else None,
                test=result.metrics.get("test"),
                metrics=dict(result.metrics),
                status=result.status,
                message=result.message,
            )
        info.update(self._info())
        return self._obs(), float(reward), terminated, False, info

    def _evaluate(self, arch: Any) -> Result:
        key = self.search_space.key(arch)
        if self.cache and key in self._results:
            return self._results[key]
        result = self.evaluator(arch)
        if self.cache:
            self._results[key] = result
        return result

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        parts = [f"{d.name}={d.choices[c]}" for d, c in zip(self.decisions, self._choices, strict=False)]
        return f"[{len(self._choices)}/{self.n_decisions}] " + (", ".join(parts) or "(no decision yet)")


__all__ = ["SPACES", "GNNArchSearchEnv"]
