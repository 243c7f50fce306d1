"""Run the ``steward`` command line as ``python -m bot``."""

from bot.cli import main

main()
