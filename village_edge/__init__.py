"""The ``village-edge`` command: the composition root of the suite. Every
subcommand lives here, apart from the library it drives; only this package
(with :mod:`device.runtime`) reads configuration files and the environment."""

__version__ = "0.1.0"
