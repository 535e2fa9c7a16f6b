"""`kcli connectors`: commands, contexts and formatters around the Connect REST client."""
