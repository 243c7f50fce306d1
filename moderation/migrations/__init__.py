"""SQL migrations of the moderation tables, applied at start in version order."""
