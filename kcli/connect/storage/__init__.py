"""Where the Connect runtime keeps offsets, connector configs and statuses.

Each store is an interface with an in-memory (and, for offsets, a file) implementation used by
standalone mode; distributed mode implements the same interfaces on Kafka topics.
"""
