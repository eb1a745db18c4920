"""`python -m poflow_sheets` runs the poflow command."""

from .cli import main

main()
