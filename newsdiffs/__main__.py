"""``python -m newsdiffs``: the command line."""

from .cli import main

main()
