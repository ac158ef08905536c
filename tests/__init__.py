"""The project's tests; a package so that pytest names its modules tests.envs..., never a bare `envs`."""
