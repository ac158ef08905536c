"""Graph (variational) autoencoders for architectures (installed as ``qgnas.encoders``)."""
