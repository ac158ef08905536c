"""REINFORCE with an LSTM controller, as in GraphNAS (Gao et al., IJCAI 2020) and ENAS before it.

The policy is the GraphNAS controller (``controller.Controller``) over all the space's decisions, with
a zero start input and head biases initialised to zero (the first policy is close to uniform).

Learning: on each told result, the log-probability of the told architecture's decisions is
recomputed by teacher forcing (``space.encode(arch)``), and the policy takes an Adam step on
``-(reward - baseline) * log p - entropy_weight * entropy``. The baseline is an exponential moving
average of rewards (decay 0.95), updated *before* the advantage is taken, as in ENAS/GraphNAS.

Proposals are new architectures (``unique=True``, default). The runner's budget counts *distinct*
evaluations and serves repeats from its cache; plain REINFORCE keeps proposing what it has learned
to like, and as the policy sharpens nearly every sample is a repeat: on the 6-decision toy space,
150 distinct evaluations took 3,800-10,000 policy samples (and as many gradient steps), and the
count grows much faster than the budget, since after the mode's one-edit neighbours only rarer
samples are new. So ``ask`` draws from the policy until it gets an architecture it has not proposed
or been told before (rejection sampling, i.e. a sample from the policy restricted to unseen
architectures; up to ``max_resamples`` draws, batched), and repeats one only when every draw was
seen. ``unique=False`` is textbook REINFORCE: every sample is proposed, and every cached repeat the
runner tells is a gradient step.

Learning rate: GraphNAS uses Adam 3.5e-4, tuned for thousands of controller steps. With one step
per evaluation that barely moves the policy in 100-500 evaluations. Mean regret over 10 seeds on the
6-decision toy space (validation objective; random search 2.19 at budget 100, 1.73 at 300):
lr 3.5e-4 2.43 / 1.22, lr 3e-3 0.98 / 0.00, lr 1e-2 0.75 / 0.00, lr 3e-2 0.77 / 0.00 (budget
100 / 300; 0.00: the optimum found in every run). The default is ``lr = 1e-2``; pass ``lr=3.5e-4``
for the GraphNAS setting.

Determinism: all randomness (initial weights and sampling) comes from a private ``torch.Generator``
seeded from the searcher's numpy stream, and the controller's ops are deterministic and run on one
thread, so seed + history fix every proposal, which is what resume relies on.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from qgnas.core import InvalidArchitecture, Result, Searcher, SearchSpace, torch_seed
from qgnas.core.space import Arch

from .controller import Controller, one_thread


class ReinforceSearcher(Searcher):
    """GraphNAS-style REINFORCE controller over the space's decisions.

    Args:
        hidden: LSTM hidden size.
        temperature: softmax temperature applied before the tanh squashing (GraphNAS 5.0).
        tanh_constant: bound on the logits (GraphNAS 2.5); None for a plain temperature softmax.
        lr: Adam learning rate; 1e-2 by default, see the module docstring for why not 3.5e-4.
        baseline_decay: EMA decay of the reward baseline (GraphNAS 0.95).
        entropy_weight: weight of the entropy bonus (GraphNAS 1e-4).
        batch_size: told results accumulated per gradient step (1: a step on every tell). Results
            still waiting for their step do not affect ``ask``.
        failure_reward: reward used for a failed evaluation. None (default) skips the update for
            failures: a failure says nothing about how good the decisions are, and a made-up value
            would drag the baseline. A number (e.g. the worst plausible objective) teaches the
            policy to avoid failing regions instead.
        unique: propose only architectures not proposed or told before (see the module
            docstring); False: every policy sample is proposed, repeats included.
        max_resamples: policy draws per ``ask`` (drawn ``sample_batch`` at a time) to find a valid
            and, with ``unique``, unseen architecture. If all are seen, a seen one is repeated; if
            all are invalid, ``InvalidArchitecture`` is raised naming the last rejection: a policy
            that only proposes invalid vectors is a problem to see, not to hide.
        sample_batch: policy draws per batched forward pass in ``ask``.
        init_range: initial weights are U(-init_range, init_range).
    """

    name = "reinforce"

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        hidden: int = 100,
        temperature: float = 5.0,
        tanh_constant: float = 2.5,
        lr: float = 1e-2,
        baseline_decay: float = 0.95,
        entropy_weight: float = 1e-4,
        batch_size: int = 1,
        failure_reward: float | None = None,
        unique: bool = True,
        max_resamples: int = 1000,
        sample_batch: int = 16,
        init_range: float = 0.1,
    ):
        super().__init__(space, rng)
        _check(hidden, "hidden", "a positive integer", isinstance(hidden, int) and hidden > 0)
        _check(batch_size, "batch_size", "a positive integer", isinstance(batch_size, int) and batch_size > 0)
        _check(
            max_resamples,
            "max_resamples",
            "a positive integer",
            isinstance(max_resamples, int) and max_resamples > 0,
        )
        _check(
            sample_batch,
            "sample_batch",
            "a positive integer",
            isinstance(sample_batch, int) and sample_batch > 0,
        )
        for name, value in (("temperature", temperature), ("lr", lr), ("init_range", init_range)):
            _check(value, name, "a positive number", _is_number(value) and value > 0)
        _check(
            tanh_constant,
            "tanh_constant",
            "a positive number or None",
            tanh_constant is None or (_is_number(tanh_constant) and tanh_constant > 0),
        )
        _check(
            baseline_decay,
            "baseline_decay",
            "a number in [0, 1)",
            _is_number(baseline_decay) and 0 <= baseline_decay < 1,
        )
        _check(
            entropy_weight,
            "entropy_weight",
            "a non-negative number",
            _is_number(entropy_weight) and entropy_weight >= 0,
        )
        _check(
            failure_reward,
            "failure_reward",
            "None or a finite number",
            failure_reward is None or (_is_number(failure_reward) and math.isfinite(failure_reward)),
        )
        self.sizes = [len(d) for d in space.decisions()]
        if not self.sizes or min(self.sizes) < 1:
            raise ValueError(
                f"{space.name}: every decision needs at least one choice, got sizes {self.sizes}"
            )
        self.lr = float(lr)
        self.baseline_decay = float(baseline_decay)
        self.entropy_weight = float(entropy_weight)
        self.batch_size = batch_size
        self.failure_reward = failure_reward
        self.max_resamples = max_resamples
        self.unique = bool(unique)
        self.sample_batch = sample_batch

        self.generator = torch.Generator().manual_seed(torch_seed(rng))
        self.policy = Controller(self.sizes, hidden, temperature, tanh_constant)
        self.policy.reset(self.generator, init_range, scheme="graphnas")
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=self.lr)
        self.baseline: float | None = None
        self._batch: list[tuple[list[int], float]] = []
        self.updates = 0
        self.seen: set[str] = set()

    def ask(self) -> Arch:
        with one_thread():
            return self._ask()

    def _ask(self) -> Arch:
        error: InvalidArchitecture | None = None
        repeat: Arch | None = None
        drawn = 0
        while drawn < self.max_resamples:
            n = min(self.sample_batch, self.max_resamples - drawn)
            drawn += n
            for choices in self.policy.sample(self.generator, n):
                try:
                    arch = self.space.decode(choices)
                except InvalidArchitecture as exc:
                    error = exc
                    continue
                key = self.space.key(arch)
                if not self.unique or key not in self.seen:
                    self.seen.add(key)
                    return arch
                if repeat is None:
                    repeat = arch
        if repeat is not None:
            return repeat  # everything drawn was seen: repeat it (the runner serves the cached result)
        raise InvalidArchitecture(
            f"{self.space.name}: the controller proposed {self.max_resamples} invalid decision vectors "
            f"in a row; last: {error}"
        )

    def tell(self, arch: Arch, result: Result) -> None:
        self.seen.add(self.space.key(arch))
        if result.ok and math.isfinite(result.objective):
            reward = float(result.objective)
        elif self.failure_reward is not None:
            reward = float(self.failure_reward)
        else:
            return
        self._batch.append((self.space.encode(arch), reward))
        if len(self._batch) >= self.batch_size:
            with one_thread():
                self._update()

    def _update(self) -> None:
        choices = torch.tensor([c for c, _ in self._batch], dtype=torch.long)
        advantages = []
        for _, reward in self._batch:
            if self.baseline is None:
                self.baseline = reward
            else:
                self.baseline = self.baseline_decay * self.baseline + (1 - self.baseline_decay) * reward
            advantages.append(reward - self.baseline)
        self._batch.clear()
        log_probs, entropies = self.policy(choices)
        log_prob, entropy = log_probs.sum(dim=1), entropies.sum(dim=1)
        adv = torch.tensor(advantages, dtype=torch.float32)
        loss = -(adv * log_prob).mean() - self.entropy_weight * entropy.mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.updates += 1

    def choice_probabilities(self, arch: Arch) -> list[np.ndarray]:
        """The policy's per-decision probabilities along ``arch``'s decisions (teacher forced)."""
        with one_thread():
            return self.policy.probabilities(self.space.encode(arch))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _check(value: Any, name: str, allowed: str, ok: bool) -> None:
    if not ok:
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
