"""The audit log: who matched, searched, exported or erased what (``GET /v1/audit``).

Rooms: see ARCHITECTURE.md.
"""
