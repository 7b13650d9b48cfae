"""`python -m hatchway` is the `hatchway` command."""

from hatchway.cli import main

main()
