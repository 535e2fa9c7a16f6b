"""Topic management behind `kcli topics`: parsing, admin operations and output formatting."""
