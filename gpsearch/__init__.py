"""gpsearch package."""
