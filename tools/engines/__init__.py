"""Image engines: the interface and its implementations."""
