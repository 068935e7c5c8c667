"""The ``supplynet`` command line.

Modules: ``registry`` (the subcommand table, ``register``, exit codes), one module per
subcommand (``validate``, ``generate``, ``solve``, ``batch``), and ``main`` (the parser and the
entry point ``supplynet.cli.main:main``).
"""
