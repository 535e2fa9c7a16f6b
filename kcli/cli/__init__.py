"""The command-line layer: one module per mirrored Apache script."""
