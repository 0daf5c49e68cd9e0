"""Storage: the MongoDB connection, Beanie documents, indexes and TTLs."""
