"""Framework-free use cases: run flows inside a transaction, apply their effects, manage invites."""
