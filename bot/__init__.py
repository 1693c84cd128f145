"""skillbot application core: settings, app factory, run modes and domain services."""
