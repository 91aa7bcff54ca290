"""API keys: creation, rotation and revocation, authentication, roles, rate limits.

Rooms: see ARCHITECTURE.md.
"""
