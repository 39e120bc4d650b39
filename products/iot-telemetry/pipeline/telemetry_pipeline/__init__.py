"""IoT telemetry pipeline: device events -> one row per metric, tenant at event time."""
