"""The LSTM controller of GraphNAS (Gao et al., IJCAI 2020) and ENAS, shared by the policy searchers.

The controller emits one categorical choice per decision, autoregressively: an LSTM cell reads the
embedding of the previous choice (before the first, zeros or a learned start vector), a linear head per
decision turns its hidden state into logits, and the logits are squashed to ``tanh_constant *
tanh(logits / temperature)``. The squashing bounds how sure the policy can get (with the GraphNAS values
5.0 / 2.5 the best choice among n keeps probability below e^5 / (e^5 + n - 1)), so it keeps exploring
without an epsilon.

``ReinforceSearcher`` uses one controller over all the space's decisions; ``AutoGNNSearcher`` one per
action class. Their differences are options: the start input (``learned_start``) and the
initialisation (``Controller.reset``).

Determinism: the modules are built without touching torch's global RNG, all randomness (initial
weights, sampling) comes from generators the caller passes, and the CPU float32 ops used (LSTMCell,
Linear, Embedding, Adam) are deterministic. Run them inside ``one_thread()`` so that the results, hence
the proposals, do not depend on the caller's thread count either.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

import numpy as np
import torch
from torch import nn


class Controller(nn.Module):
    """LSTM policy over a fixed list of categorical decisions.

    Args:
        sizes: number of choices of each decision.
        hidden: LSTM hidden size (GraphNAS: 100); also the embedding size.
        temperature, tanh_constant: logits become ``tanh_constant * tanh(logits / temperature)``
            (just ``logits / temperature`` when tanh_constant is None).
        learned_start: the first step's input is a learned vector (Auto-GNN) rather than zeros
            (GraphNAS).

    The weights are uninitialised until ``reset`` is called.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: int = 100,
        temperature: float = 5.0,
        tanh_constant: float | None = 2.5,
        learned_start: bool = False,
    ):
        super().__init__()
        self.sizes = [int(n) for n in sizes]
        self.hidden = int(hidden)
        self.temperature = float(temperature)
        self.tanh_constant = None if tanh_constant is None else float(tanh_constant)
        # One embedding table for all decisions' choices; decision i's choice c is row offset[i] + c.
        self.offsets = [0, *np.cumsum(self.sizes)[:-1].tolist()]
        kw = {"dtype": torch.float32}
        # skip_init builds the modules without their default initialisation, which would draw from
        # (and so change) torch's global RNG; ``reset`` initialises them from a private generator.
        self.start = nn.Parameter(torch.zeros(1, self.hidden)) if learned_start else None
        self.cell = nn.utils.skip_init(nn.LSTMCell, self.hidden, self.hidden, **kw)
        self.embedding = nn.utils.skip_init(nn.Embedding, sum(self.sizes), self.hidden, **kw)
        self.heads = nn.ModuleList(nn.utils.skip_init(nn.Linear, self.hidden, n, **kw) for n in self.sizes)

    @torch.no_grad()
    def reset(
        self,
        generator: torch.Generator,
        init_range: float = 0.1,
        scheme: Literal["graphnas", "autognn"] = "graphnas",
    ) -> None:
        """Initialise every weight U(-init_range, init_range) from ``generator``.

        ``"graphnas"`` (ENAS/GraphNAS): drawn in the order embedding, LSTM, heads; the head biases are
        then zeroed, so the first policy is close to uniform. ``"autognn"``: drawn in the order start,
        LSTM, embedding, heads, biases included, after the draws of torch's default initialisation of
        the same modules. Those draws are overwritten; they are made so that seeded Auto-GNN searches
        reproduce the runs logged when its controllers were built with torch's default initialisation.
        """
        if scheme == "graphnas":
            order = [self.embedding.weight, *self.cell.parameters(), *self.heads.parameters()]
        elif scheme == "autognn":
            self._default_init_draws(generator)
            order = list(self.parameters())
        else:
            raise ValueError(f"unknown initialisation scheme {scheme!r}; allowed: graphnas, autognn")
        for p in order:
            nn.init.uniform_(p, -init_range, init_range, generator=generator)
        if scheme == "graphnas":
            for head in self.heads:
                head.bias.zero_()

    def _default_init_draws(self, generator: torch.Generator) -> None:
        """The draws ``reset_parameters`` of LSTMCell, Embedding and Linear make, in module order."""
        bound = 1.0 / math.sqrt(self.hidden)
        for p in self.cell.parameters():
            nn.init.uniform_(p, -bound, bound, generator=generator)
        for offset, n in zip(self.offsets, self.sizes, strict=True):
            nn.init.normal_(self.embedding.weight[offset : offset + n], generator=generator)
        for head in self.heads:
            nn.init.kaiming_uniform_(head.weight, a=math.sqrt(5), generator=generator)
            nn.init.uniform_(head.bias, -bound, bound, generator=generator)

    def _logits(self, step: int, h: torch.Tensor) -> torch.Tensor:
        logits = self.heads[step](h) / self.temperature
        if self.tanh_constant is None:
            return logits
        return self.tanh_constant * torch.tanh(logits)

    def _start(self, batch: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        zeros = torch.zeros(batch, self.hidden, dtype=torch.float32)
        x = zeros.clone() if self.start is None else self.start.expand(batch, -1)
        return x, zeros, zeros.clone()  # input, h, c

    def _next_input(self, step: int, choices: torch.Tensor) -> torch.Tensor:
        return self.embedding(choices + self.offsets[step])

    @torch.no_grad()
    def sample(self, generator: torch.Generator, n: int = 1) -> list[list[int]]:
        """``n`` independent decision vectors drawn from the policy (one batched pass)."""
        x, h, c = self._start(n)
        out = torch.empty(n, len(self.sizes), dtype=torch.long)
        for i in range(len(self.sizes)):
            h, c = self.cell(x, (h, c))
            probs = torch.softmax(self._logits(i, h), dim=-1)
            out[:, i] = torch.multinomial(probs, 1, generator=generator).squeeze(1)
            x = self._next_input(i, out[:, i])
        return out.tolist()

    def forward(self, choices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced scores of ``choices`` (batch, len(sizes)): the log-probability of each
        step's choice and the entropy (nats) of each step's distribution, both (batch, len(sizes))."""
        x, h, c = self._start(choices.shape[0])
        log_probs, entropies = [], []
        for i in range(len(self.sizes)):
            h, c = self.cell(x, (h, c))
            log_p = torch.log_softmax(self._logits(i, h), dim=-1)
            log_probs.append(log_p.gather(1, choices[:, i : i + 1]).squeeze(1))
            entropies.append(-(log_p.exp() * log_p).sum(dim=-1))
            x = self._next_input(i, choices[:, i])
        return torch.stack(log_probs, dim=1), torch.stack(entropies, dim=1)

    @torch.no_grad()
    def probabilities(self, choices: Sequence[int]) -> list[np.ndarray]:
        """Per-decision choice probabilities along ``choices`` (teacher forced), for inspection."""
        x, h, c = self._start(1)
        out = []
        for i in range(len(self.sizes)):
            h, c = self.cell(x, (h, c))
            out.append(torch.softmax(self._logits(i, h), dim=-1)[0].numpy().copy())
            x = self._next_input(i, torch.tensor([int(choices[i])]))
        return out


@contextmanager
def one_thread() -> Iterator[None]:
    """Runs torch ops on one thread, restoring the caller's setting afterwards.

    The controllers' tensors are tiny (batch 1-16, hidden 100), where intra-op threads only add
    synchronisation: on a shared 2-core machine a step took 400 ms with two threads and 11-17 ms with
    one. It also keeps the floating-point results, hence the proposals, independent of the caller's
    thread count, which resuming a run on another machine relies on.
    """
    threads = torch.get_num_threads()
    if threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


__all__ = ["Controller", "one_thread"]
