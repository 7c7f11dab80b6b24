"""One module per command; each has `register(commands, common)`, which adds its parser and handler."""

from ops.commands import approve, doctor, history, logs, rewire, rollback, status, try_new_revision, watch

COMMANDS = (status, watch, logs, try_new_revision, approve, rollback, doctor, history, rewire)
