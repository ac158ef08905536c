"""Masked double DQN with optional n-step returns, as used by CRLQAS (Patel et al., ICLR 2024).

Modules: :mod:`.config` (the hyperparameters with CRLQAS's defaults, the gamma helper),
:mod:`.network` (the Q-network), :mod:`.replay_buffer` and :mod:`.agent` (acting, n-step bookkeeping,
the double-DQN update, checkpointing and a small training loop).

Masking matters twice. When acting, illegal actions get Q = -inf and random exploration samples only
among legal actions. When bootstrapping, the double-DQN argmax over the *next* state must also skip
illegal actions, otherwise the target is built from a Q-value the policy can never realise; that is why
the replay buffer stores the next state's mask.

All randomness comes from the agent's own ``numpy.random.Generator`` (exploration, minibatches) and
``torch.Generator`` (weight initialisation), both derived from ``seed``: the global RNGs are neither
seeded nor consumed, and the same seed gives the same run bit for bit on CPU.
"""

from __future__ import annotations

from .agent import EpisodeCallback, MaskedDQNAgent, get_action_mask
from .config import DQNConfig, crlqas_gamma
from .network import build_q_network
from .replay_buffer import ReplayBuffer

__all__ = [
    "DQNConfig",
    "EpisodeCallback",
    "MaskedDQNAgent",
    "ReplayBuffer",
    "build_q_network",
    "crlqas_gamma",
    "get_action_mask",
]
