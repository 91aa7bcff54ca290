"""Search: one feature of the service."""
