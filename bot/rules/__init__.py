"""Pure domain rules (no I/O): identity numbers, certificate numbers, later eligibility and deadlines."""
