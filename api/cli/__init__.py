"""The ``sefer`` command line: thin commands over the use cases (``api.services``) and the benchmarks. Errors are
one ``error:`` line and exit code 2 (bad input) or 1 (refused by the state, or a failed solve)."""
