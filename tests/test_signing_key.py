"""A shared signing key must be long enough to be a secret (issue 23, low 8): a one-character
`MOAI_ML_SIGNING_KEY` signed pickles anyone could forge; it is now refused in one line."""

from __future__ import annotations

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.safety import signing


@pytest.mark.parametrize("key", ["a", "short-but-not-32-characters"])
def test_a_too_short_shared_signing_key_is_refused_naming_the_fix(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("MOAI_ML_SIGNING_KEY", key)
    with pytest.raises(MoaiMlError, match="MOAI_ML_SIGNING_KEY is too short") as caught:
        signing.signing_key()
    assert (len(key) == 1 or key not in str(caught.value)) and "\n" not in str(caught.value)


def test_a_long_shared_signing_key_signs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOAI_ML_SIGNING_KEY", "k" * signing.MIN_SHARED_KEY_CHARS)
    assert len(signing.signing_key()) == 32
