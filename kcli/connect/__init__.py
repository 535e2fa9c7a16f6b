"""The embedded Kafka Connect worker: SDK (api), runtime, herders, stores, REST."""
