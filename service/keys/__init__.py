"""Keys: one feature of the service."""
