"""The Q-network: an MLP from the flat observation to one Q-value per action."""

from __future__ import annotations

import math

import torch
from torch import nn

from .config import DQNConfig

__all__ = ["build_q_network"]


def build_q_network(obs_dim: int, n_actions: int, config: DQNConfig, generator: torch.Generator) -> nn.Module:
    """MLP from the flat observation to one Q-value per action.

    The layers are created on the meta device and initialised with ``generator`` (same scheme as
    PyTorch's default ``nn.Linear`` init), so building a network neither reads nor advances the global
    torch RNG.
    """
    layers: list[nn.Module] = []
    width = obs_dim
    for hidden in config.hidden_sizes:
        layers += [nn.Linear(width, hidden, device="meta"), nn.LeakyReLU(config.negative_slope)]
        width = hidden
    layers.append(nn.Linear(width, n_actions, device="meta"))
    net = nn.Sequential(*layers).to_empty(device="cpu")
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.Linear):
                nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
                bound = 1.0 / math.sqrt(module.in_features)
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)
    return net.to(config.device)
