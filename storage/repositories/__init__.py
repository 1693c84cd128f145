"""Repositories: the only code that builds queries; services call these."""
