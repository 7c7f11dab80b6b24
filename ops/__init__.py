"""Operator CLI for the stack's ECS blue/green rollouts: `python -m ops --help`."""
