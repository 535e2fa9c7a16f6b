"""`kcli connectors`: the Connect REST client, contexts, option resolution, wait/apply logic and formatters.

The command-line layer (cli/connectors.py, cli/connectors_contexts.py) only parses flags and calls the
run functions in `actions`.
"""
