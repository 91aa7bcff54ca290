"""The taxonomy: the loaded release, label search, skill pages, reading job text.

Rooms: see ARCHITECTURE.md.
"""
