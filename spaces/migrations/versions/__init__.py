"""One module per schema revision, oldest first (0001 is release 0.1's schema)."""
