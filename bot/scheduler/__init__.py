"""Persistent job scheduling (APScheduler 3 with its job store in the shared database)."""
