"""Raw events out: Parquet, NDJSON or CSV files in Hive-style partitions, with a manifest."""
