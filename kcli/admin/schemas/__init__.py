"""Message definitions kafka-python 3.0.12 lacks, in its schema format (loaded by kcli.admin.messages)."""
