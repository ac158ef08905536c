"""RL agents used by the experiments: thin, readable, one file each."""

from qgnas.agents.dqn import DQNConfig, MaskedDQNAgent, ReplayBuffer, crlqas_gamma, get_action_mask
from qgnas.agents.random_agent import RandomMaskedAgent

__all__ = [
    "DQNConfig",
    "MaskedDQNAgent",
    "RandomMaskedAgent",
    "ReplayBuffer",
    "crlqas_gamma",
    "get_action_mask",
]
