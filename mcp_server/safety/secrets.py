"""Secrets a tool call carries (a study storage URL with its password) stay off the disk: what
is written shows `***` where the password was, and the real value travels another way (a
background job's runner gets it on its stdin)."""

from __future__ import annotations

from typing import Any


def split_secrets(arguments: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the arguments with every URL password shown as ***, the arguments that held one)."""
    from urllib.parse import urlsplit

    shown, secrets = dict(arguments), {}
    for name, value in arguments.items():
        if not isinstance(value, str) or "@" not in value:
            continue
        try:
            parts = urlsplit(value)
            password = parts.password
        except ValueError:
            continue
        if password:
            netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
            shown[name], secrets[name] = parts._replace(netloc=netloc).geturl(), value
    return shown, secrets
