"""Candidate search by verified skills (``/v1/candidates/search``).

Rooms: see ARCHITECTURE.md.
"""
