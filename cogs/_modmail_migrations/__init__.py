"""SQL migrations of the modmail tables, applied at start in version order."""
