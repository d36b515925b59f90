"""Home, language choice and the health check."""
