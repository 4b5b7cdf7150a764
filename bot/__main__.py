"""`python -m bot`: the same as the `unanswered` command."""

from .cli import main

main()
