"""qgnas: quantum circuit and graph neural network architecture search on one shared search core.

Importing qgnas registers its Gymnasium environments (string entry points: nothing heavy is
imported until an environment is made)::

    import gymnasium as gym
    import qgnas  # noqa: F401

    env = gym.make("qgnas/QuantumArchSearch-v0", molecule="H2", qubits=2)
"""

__version__ = "0.1.0"


def _register_envs() -> None:
    from gymnasium.envs.registration import register, registry

    entry_points = {
        "qgnas/QuantumArchSearch-v0": "qgnas.envs.quantum_arch_search:QuantumArchSearchEnv",
        "qgnas/GNNArchSearch-v0": "qgnas.envs.gnn_arch_search:GNNArchSearchEnv",
        "qgnas/PredatorPrey-v0": "qgnas.envs.predator_prey:PredatorPreyEnv",
        "qgnas/PredatorCapturePrey-v0": "qgnas.envs.predator_prey:PredatorCapturePreyEnv",
    }
    # natively batched forms, built by gym.make_vec(env_id, num_envs=B)
    vector_entry_points = {
        "qgnas/PredatorPrey-v0": "qgnas.envs.predator_prey:PredatorPreyVectorEnv",
        "qgnas/PredatorCapturePrey-v0": "qgnas.envs.predator_prey:PredatorCapturePreyVectorEnv",
    }
    for env_id, entry_point in entry_points.items():
        if env_id not in registry:
            register(id=env_id, entry_point=entry_point, vector_entry_point=vector_entry_points.get(env_id))


_register_envs()
