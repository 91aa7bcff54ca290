"""The tenant's issuer trust policy and the weight it gives each issuer.

Rooms: see ARCHITECTURE.md.
"""
