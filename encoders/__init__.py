"""Graph variational autoencoders for architectures of any space with a graph view (installed as
``qgnas.encoders``).

    from qgnas.encoders import train_encoder, load_encoder
    encoder = train_encoder(space, epochs=16, seed=0, out="runs/encoder")  # checkpoint + metrics.json
    Z = encoder.encode(archs)           # (N, latent) posterior means
    archs = encoder.decode(Z)           # architectures, None where a decoded graph is invalid
    encoder = load_encoder("runs/encoder", space)   # refuses a checkpoint of another space

The latent searchers ``gae-bo`` and ``gae-rl`` (``qgnas.searchers.latent``) search in this space.
"""

from .encoder import Encoder, EncoderMismatch, load_encoder
from .training import architectures, cached_encoder, distinct_architectures, train_encoder

__all__ = [
    "Encoder",
    "EncoderMismatch",
    "architectures",
    "cached_encoder",
    "distinct_architectures",
    "load_encoder",
    "train_encoder",
]
