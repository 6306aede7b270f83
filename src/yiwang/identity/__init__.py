"""Unified identity: persons and enterprises, real-name levels, sign-in, machine clients, My Space."""
