"""Gymnasium environments of qgnas (installed as ``qgnas.envs``)."""
