"""`kcli dev`: a real single-node Apache Kafka (KRaft) broker on loopback, from Apache's own jars.

The jars come from $KAFKA_HOME/libs when set, else from the pinned lock list (kafka-<version>.lock),
downloaded once from Maven Central, verified by SHA-256 and cached under the user's cache dir.
"""

KAFKA_VERSION = "4.3.1"  # the Apache Kafka release kcli mirrors; kafka-<version>.lock pins its jars
