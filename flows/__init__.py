"""Framework-free conversation logic: events in, new state and neutral replies out."""
