"""The ``img2print`` command line: one module per group of subcommands (the farm's beside the others), sharing the
public option helpers of ``shared``."""
