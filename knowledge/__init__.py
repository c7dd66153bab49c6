"""The service lists (national, province, city layers), their schema, validation and retrieval."""
