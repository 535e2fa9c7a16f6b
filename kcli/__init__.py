"""kcli: the Apache Kafka distribution scripts, in one Python command."""

__version__ = "0.1.0"
