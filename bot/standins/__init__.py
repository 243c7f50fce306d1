"""Local stand-ins for the Discord and Slack APIs, served on 127.0.0.1.

The real discord.py and slack-bolt run unmodified against them in tests, demos and load
tests. Each stand-in records every request it receives, so tests can wait for and assert
on the calls the bot made. They are test support, shipped with the project so anyone can
run them (``steward standin discord``, ``steward standin slack``).
"""
