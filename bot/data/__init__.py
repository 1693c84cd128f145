"""Data tables (domain catalogues with citations, demo data)."""
