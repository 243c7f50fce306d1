"""SQL migrations of the discussions tables, applied at start in version order."""
