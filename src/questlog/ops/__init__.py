"""Operations: metrics, backpressure, export, replay of quarantined events, data quality."""
