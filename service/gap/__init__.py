"""Gap: one feature of the service."""
