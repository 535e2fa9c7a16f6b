"""The `dev` profile `kcli dev up` leaves behind, where kcli has profiles (kcli.profiles)."""

from __future__ import annotations

import importlib
import importlib.util

from kcli.errors import KcliError

PROFILE = "dev"


def save_dev_profile(bootstrap: str, connect_url: str | None) -> str | None:
    """Save the profile `dev` pointing at the dev broker (and worker); its name, or None when kcli has no profiles
    (then `kcli dev env` gives the export lines instead). A profile that cannot be written is a notice, not an
    error: the broker runs either way."""
    if importlib.util.find_spec("kcli.profiles") is None:
        return None
    save = getattr(importlib.import_module("kcli.profiles"), "save_profile", None)
    if not callable(save):
        return None
    try:
        save(PROFILE, bootstrap=bootstrap, connect_url=connect_url)
    except KcliError as exc:
        from kcli.output import echo

        echo(f"kcli dev: the '{PROFILE}' profile was not written: {exc.message}", err=True)
        return None
    return PROFILE
