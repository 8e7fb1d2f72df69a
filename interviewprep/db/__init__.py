"""PostgreSQL, with a health check that spends its round trip only on idle connections."""
