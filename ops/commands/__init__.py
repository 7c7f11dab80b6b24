"""One module per command; each has `register(commands, common)`, which adds its parser and handler."""

from ops.commands import approve, history, rollback, status, watch

COMMANDS = (status, watch, rollback, approve, history)
