"""Auto-GNN's reinforced conservative controller (RCNAS; Zhou et al., "Auto-GNN", 2019).

Three parts, all on the generic decision view, so the controller runs on any ``SearchSpace``:

* **Action classes.** Decisions are grouped by what they choose (for the Auto-GNN space: attention,
  aggregation, activation, heads, hidden, skip; the space says so through ``decision_classes()``, else
  the class is the decision name without digits, e.g. ``op1``..``op4`` -> ``op``). Each class has its
  own LSTM controller (``controller.Controller`` with a learned start input) that emits that
  class's decisions in order (one per layer).
* **Conservative explorer.** The controller keeps the best architecture found so far and only ever
  proposes *small modifications* of it: the decisions of one class are resampled, all others are
  copied from the best. (The first ``n_init`` proposals are sampled from scratch by all controllers.)
* **Guided architecture modifier.** Which class to modify is chosen from the controllers' *decision
  entropies* on the best architecture (normalised by their maximum ``log n``, see
  ``class_entropies``): a class whose controller is still uncertain is where exploring is most
  informative. The class is drawn with probability ``softmax(entropy / entropy_temperature)``
  (a small temperature approaches Auto-GNN's "largest entropy"; drawing rather than taking the argmax
  keeps the search from stalling on a class whose modifications have all been tried).
* **REINFORCE with a baseline tied to the best reward.** When a child's result arrives, the controller
  of the modified class is updated with advantage ``(reward - best reward so far) / scale``: only an
  improvement over the best is reinforced; the rest lowers the probability of what was tried. Rewards
  are the evaluator's objective, ``scale`` their running standard deviation (so any objective scale
  works), failures count as the worst reward seen.

Controller hyperparameters default to GraphNAS's (LSTM 100 units, softmax temperature 5, tanh constant
2.5, Adam 3.5e-4, entropy weight 1e-4).

Parameter sharing: ``lineage(child, parent)`` is called for every proposal with the best architecture it
was derived from; wire it to ``GNNTrainingEvaluator.hint_parent`` so the child inherits its parent's
weights (constrained sharing lives in the evaluator: the searcher only says who the parent is).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from qgnas.core import InvalidArchitecture, Result, Searcher, SearchExhausted, SearchSpace
from qgnas.core.seeding import torch_seed

from .controller import Controller, one_thread

Arch = Any


def action_classes(space: SearchSpace) -> list[str]:
    """Each decision's action class: the space's ``decision_classes()`` or the name without digits."""
    if hasattr(space, "decision_classes"):
        classes = list(space.decision_classes())
        if len(classes) != len(space.decisions()):
            raise ValueError(f"{space.name}: decision_classes() and decisions() differ in length")
        return classes
    return [re.sub(r"\d+", "", d.name.rsplit(".", 1)[-1]).strip("._-") or d.name for d in space.decisions()]


@dataclass
class _Proposal:
    classes: tuple[str, ...]  # the classes whose decisions were sampled
    indices: tuple[int, ...]  # the full decision vector proposed


class AutoGNNSearcher(Searcher):
    """Auto-GNN's RCNAS controller (see the module docstring).

    Args:
        hidden: LSTM units per class controller.
        temperature: softmax temperature of the controller logits.
        tanh_c: tanh constant bounding the logits.
        lr: Adam learning rate of the controllers.
        entropy_weight: weight of the entropy bonus in the policy loss.
        n_init: proposals sampled from scratch before the conservative exploration starts.
        classes_per_step: how many action classes one modification resamples (Auto-GNN: 1).
        entropy_temperature: temperature of the class choice from the decision entropies.
        max_tries: attempts to find a modification not proposed before, before falling back to a
            random one-decision mutation of the best.
        lineage: called as ``lineage(child, parent)`` for every modification (parent = the best), e.g.
            ``GNNTrainingEvaluator.hint_parent`` for parameter sharing.
    """

    name = "autognn"

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        hidden: int = 100,
        temperature: float = 5.0,
        tanh_c: float = 2.5,
        lr: float = 3.5e-4,
        entropy_weight: float = 1e-4,
        n_init: int = 1,
        classes_per_step: int = 1,
        entropy_temperature: float = 0.1,
        max_tries: int = 100,
        lineage: Callable[[Arch, Arch], None] | None = None,
    ):
        super().__init__(space, rng)
        if n_init < 1 or classes_per_step < 1:
            raise ValueError(f"n_init and classes_per_step must be >= 1, got {n_init}, {classes_per_step}")
        self.decisions = space.decisions()
        self.classes = action_classes(space)
        self.class_names: list[str] = list(dict.fromkeys(self.classes))  # first-appearance order
        self.members = {c: [i for i, k in enumerate(self.classes) if k == c] for c in self.class_names}
        self.n_init, self.max_tries = int(n_init), int(max_tries)
        self.classes_per_step = min(int(classes_per_step), len(self.class_names))
        self.entropy_weight, self.entropy_temperature = float(entropy_weight), float(entropy_temperature)
        self.lineage = lineage
        self.generator = torch.Generator().manual_seed(torch_seed(rng))
        init = torch.Generator().manual_seed(torch_seed(rng))
        self.controllers = nn.ModuleDict()
        for c in self.class_names:
            sizes = [len(self.decisions[i]) for i in self.members[c]]
            controller = Controller(sizes, hidden, temperature, tanh_c, learned_start=True)
            controller.reset(init, 0.1, scheme="autognn")
            self.controllers[_module_key(c)] = controller
        self.optimizers = {
            c: torch.optim.Adam(self.controllers[_module_key(c)].parameters(), lr=lr)
            for c in self.class_names
        }
        self.best: Arch | None = None
        self.best_indices: list[int] | None = None
        self.best_reward = -math.inf
        self.rewards: list[float] = []
        self.seen: set[str] = set()
        self.pending: dict[str, _Proposal] = {}
        self.told = 0

    # --- helpers -------------------------------------------------------------------------------------
    def _controller(self, c: str) -> Controller:
        return self.controllers[_module_key(c)]

    def class_entropies(self) -> dict[str, float]:
        """Each class controller's decision entropy on the best architecture's choices, as a fraction of
        the maximum (``log n`` for n choices), averaged over the class's decisions.

        Normalised, because raw entropies rank classes by their number of choices: an untrained
        controller has entropy ``log 8`` on activations but ``log 2`` on skips, and with the entropy
        temperature the skip class would never be modified. Normalised, an untrained controller is
        equally uncertain (1.0) about every class, and a class drops out as its controller becomes sure.
        """
        out = {}
        with torch.no_grad():
            for c in self.class_names:
                controller = self._controller(c)
                forced = torch.tensor([[self.best_indices[i] for i in self.members[c]]])
                entropies = controller(forced)[1][0]
                top = torch.tensor([math.log(n) if n > 1 else 1.0 for n in controller.sizes])
                out[c] = float((entropies / top).mean())
        return out

    def _choose_classes(self, entropies: dict[str, float]) -> list[str]:
        h = np.array([entropies[c] for c in self.class_names])
        logits = (h - h.max()) / max(self.entropy_temperature, 1e-8)
        p = np.exp(logits) / np.exp(logits).sum()
        picked = self.rng.choice(len(self.class_names), size=self.classes_per_step, replace=False, p=p)
        return [self.class_names[int(i)] for i in sorted(picked)]

    def _sample(self, classes: Sequence[str], base: Sequence[int]) -> list[int]:
        indices = list(base)
        for c in classes:
            (choices,) = self._controller(c).sample(self.generator)
            for i, choice in zip(self.members[c], choices, strict=True):
                indices[i] = choice
        return indices

    def _propose(self, indices: list[int], classes: Sequence[str]) -> Arch | None:
        try:
            arch = self.space.decode(indices)
        except InvalidArchitecture:
            return None
        key = self.space.key(arch)
        if key in self.seen:
            return None
        self.seen.add(key)
        self.pending[key] = _Proposal(tuple(classes), tuple(self.space.encode(arch)))
        return arch

    # --- ask/tell ------------------------------------------------------------------------------------
    def ask(self) -> Arch:
        with one_thread():
            return self._ask()

    def _ask(self) -> Arch:
        size = self.space.size()
        if size is not None and len(self.seen) >= size:
            raise SearchExhausted(f"all {size} architectures of {self.space.name} proposed")
        if self.best is None or self.told < self.n_init:
            for _ in range(self.max_tries):
                arch = self._propose(
                    self._sample(self.class_names, [0] * len(self.decisions)), self.class_names
                )
                if arch is not None:
                    return arch
            return self._fallback(self.space.sample(self.rng))
        entropies = self.class_entropies()  # the controllers do not change within one ask
        for _ in range(self.max_tries):
            classes = self._choose_classes(entropies)
            arch = self._propose(self._sample(classes, self.best_indices), classes)
            if arch is not None:
                if self.lineage is not None:
                    self.lineage(arch, self.best)
                return arch
        return self._fallback(self.space.mutate(self.best, self.rng))

    def _fallback(self, arch: Arch) -> Arch:
        """A proposal no controller made (every sampled one had been seen): random, not reinforced.

        Tried in widening circles around the best: ``arch`` itself, then random architectures 1, 2, ...
        decisions away from the best (``max_tries`` draws at each distance), then any unseen one. Once a
        long search has tried the whole one-decision neighbourhood of an incumbent it cannot beat, the
        conservative explorer steps further out rather than stopping.
        """
        if self._unseen(arch):
            return self._fallback_accept(arch)
        if self.best is not None:
            for distance in range(1, len(self.decisions) + 1):
                for _ in range(self.max_tries):
                    candidate = self.best
                    for _ in range(distance):
                        candidate = self.space.mutate(candidate, self.rng)
                    if self._unseen(candidate):
                        return self._fallback_accept(candidate)
        try:
            return self._fallback_accept(self.space.sample_unseen(self.rng, self.seen))
        except SearchExhausted:
            raise SearchExhausted(
                f"{self.space.name}: no unseen architecture found ({len(self.seen)} proposed)"
            ) from None

    def _unseen(self, arch: Arch) -> bool:
        return self.space.key(arch) not in self.seen

    def _fallback_accept(self, arch: Arch) -> Arch:
        self.seen.add(self.space.key(arch))
        if self.best is not None and self.lineage is not None:
            self.lineage(arch, self.best)
        return arch

    def tell(self, arch: Arch, result: Result) -> None:
        with one_thread():
            self._tell(arch, result)

    def _tell(self, arch: Arch, result: Result) -> None:
        key = self.space.key(arch)
        self.seen.add(key)
        self.told += 1
        finite = [r for r in self.rewards if math.isfinite(r)]
        reward = (
            result.objective if result.ok and math.isfinite(result.objective) else min(finite, default=0.0)
        )
        proposal = self.pending.pop(key, None)
        if proposal is not None and math.isfinite(self.best_reward):
            scale = float(np.std(finite)) if len(finite) >= 2 else 1.0
            advantage = (reward - self.best_reward) / max(scale, 1e-8)
            self._reinforce(proposal, advantage)
        self.rewards.append(reward)
        if reward > self.best_reward:
            self.best, self.best_reward = self.space.validate(arch), reward
            self.best_indices = self.space.encode(arch)

    def _reinforce(self, proposal: _Proposal, advantage: float) -> None:
        for c in proposal.classes:
            forced = torch.tensor([[proposal.indices[i] for i in self.members[c]]])
            log_probs, entropies = self._controller(c)(forced)
            loss = -advantage * log_probs.sum() - self.entropy_weight * entropies.mean()
            self.optimizers[c].zero_grad()
            loss.backward()
            self.optimizers[c].step()


def _module_key(name: str) -> str:
    """``nn.ModuleDict`` keys may not contain dots."""
    return name.replace(".", "_")


__all__ = ["AutoGNNSearcher", "action_classes"]
