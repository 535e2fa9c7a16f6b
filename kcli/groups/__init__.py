"""`kcli groups`: consumer groups as kafka-consumer-groups.sh shows and changes them (no click here)."""
