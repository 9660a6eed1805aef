"""`python -m hub` runs the command line."""

from hub.cli import main

main()
