"""The local platform: an in-process community with a virtual clock, for demos and tests."""
