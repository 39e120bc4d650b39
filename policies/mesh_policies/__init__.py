"""Governance rules of the data mesh. Self-contained: this package imports
nothing from the platform; it knows the mesh from resource types, labels,
parents and port component inputs (the conventions in the README)."""
