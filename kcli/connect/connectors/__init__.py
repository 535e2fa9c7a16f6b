"""Connectors built into kcli (Apache's connect-file: FileStreamSource / FileStreamSink)."""
