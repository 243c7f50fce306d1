"""The platform-neutral core: refs, events, actions, the bus, cogs and the protocols.

Nothing in this package imports anything else of Steward's, nor any platform SDK.
"""
