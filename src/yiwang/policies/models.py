"""Policy tables."""
