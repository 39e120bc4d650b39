"""Offline planning: run the real Pulumi program in-process under mocks."""
