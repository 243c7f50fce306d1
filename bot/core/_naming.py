"""Derive the stable snake_case names that logs, metrics and outputs use."""


def snake_case(name: str) -> str:
    """Turn a CamelCase class name into snake_case (``DeleteMessage`` -> ``delete_message``).

    Args:
        name: A CamelCase identifier.

    Returns:
        The snake_case form.
    """
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
