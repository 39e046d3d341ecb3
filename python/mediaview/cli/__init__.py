"""The mediaview command-line tool.

    mediaview info [--json] FILE...
    mediaview convert [options] IN OUT
    mediaview convert [options] IN... -o DIR [--to EXT] [--recursive] [-j N | --scheduler ADDRESS|local:N]

Exit status: 0 all done, 1 some inputs failed, 2 usage error (nothing was
decoded or written), 130 interrupted (Ctrl-C; no partial output is left).

The package: ``parser`` (the subcommands and main), ``info``, ``convert``
(one file, and the command), ``plan`` (jobs, checked before any decoding),
``options`` (each option's value as the library's keywords), ``report``
(running a batch and saying what happened) and ``cluster`` (Dask workers).
"""

from .convert import convert_one
from .parser import build_parser, main

__all__ = ["build_parser", "convert_one", "main"]
