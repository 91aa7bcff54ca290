"""Trust: one feature of the service."""
