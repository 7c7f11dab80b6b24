"""The stack's building blocks, one ComponentResource per module."""
