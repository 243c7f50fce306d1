"""Steward's runtime: the core, the platform adapters, storage, configuration and the CLI."""
