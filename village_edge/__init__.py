"""The composition root of the suite: configuration and the ``village-edge``
command. Only this package reads configuration files and the environment."""

__version__ = "0.1.0"
