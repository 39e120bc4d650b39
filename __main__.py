"""The Pulumi program (placeholder until the DataProduct component lands)."""
