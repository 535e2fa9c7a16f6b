"""The one config loader: .properties, YAML and JSON files, merge order, config providers."""

from kcli.config.loader import (
    load_config,
    load_connector_file,
    load_file,
    load_files,
    merge,
    parse_assignments,
    read_text,
    render_properties,
)
from kcli.config.providers import resolve_providers
from kcli.config.secrets import is_secret_key, mask_secrets

__all__ = [
    "is_secret_key",
    "load_config",
    "load_connector_file",
    "load_file",
    "load_files",
    "mask_secrets",
    "merge",
    "parse_assignments",
    "read_text",
    "render_properties",
    "resolve_providers",
]
