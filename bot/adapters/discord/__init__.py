"""Discord through discord.py: events in (``client``, ``translate``), actions out (``gateway``).

This package is the only one that imports discord.py; ``steward run`` loads it lazily,
so a Steward without the ``discord`` extra still runs its other platforms.
"""
