"""Where this package lies on disk: the installed `mcp_server/` folder and, in a checkout, its root.

A wheel ships templates, SKILL.md and the run command inside `mcp_server/`; a checkout keeps them
at the repository's root. Code that needs one of those files starts from these two paths.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
CHECKOUT_DIR = PACKAGE_DIR.parent
