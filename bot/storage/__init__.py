"""Storage: what each table holds about a user, the code that carries out each effect, and the
loading of conversation states (migrated forward, or kept aside when they cannot be read)."""
