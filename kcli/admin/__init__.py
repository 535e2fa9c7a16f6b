"""What every admin-client feature shares (topics, cluster, groups): the session with Kafka's error lines,
the --timeout parser, and dynamic configs as kafka-configs.sh describes and alters them."""
