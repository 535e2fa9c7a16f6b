"""Named profiles in ~/.config/kcli/config.yaml: bootstrap servers, client properties, Connect URL(s) and auth.

Precedence everywhere: flags > environment (KCLI_*) > the active profile > defaults. The active profile is
--profile NAME > KCLI_PROFILE > the file's `current`. Other commands write a profile with save_profile:

    from kcli.profiles import save_profile
    save_profile("dev", bootstrap="localhost:9092", connect_url="http://localhost:8083", make_current=True)
"""

from kcli.profiles.api import (
    delete_profile,
    exists,
    get_profile,
    names,
    replace_connect,
    save_profile,
    use_profile,
)
from kcli.profiles.model import CONNECT_FIELDS, PROFILE_KEYS, Profile, check_name
from kcli.profiles.resolve import PROFILE_ENV, PROFILE_META, active, active_name, client_layer, connect_settings
from kcli.profiles.store import Document, config_dir, config_file, legacy_contexts_file, load

__all__ = [
    "CONNECT_FIELDS",
    "PROFILE_ENV",
    "PROFILE_KEYS",
    "PROFILE_META",
    "Document",
    "Profile",
    "active",
    "active_name",
    "check_name",
    "client_layer",
    "config_dir",
    "config_file",
    "connect_settings",
    "delete_profile",
    "exists",
    "get_profile",
    "legacy_contexts_file",
    "load",
    "names",
    "replace_connect",
    "save_profile",
    "use_profile",
]
