"""qgnas: quantum circuit and graph neural network architecture search on one shared search core."""

__version__ = "0.1.0"
