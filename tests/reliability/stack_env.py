"""What the reliability suite's stack is started with (environment passed to ``python -m local``)."""

from __future__ import annotations

READ_TIMEOUT_S = 2  # ENGINE_READ_TIMEOUT_S: a slow model times out in seconds, not a minute
CANARY_ENV = "MODEL_STUDIO_RELIABILITY_CANARY"  # only the API process has it; its value must never come back
CANARY = "canary-5f0c2a7e-do-not-leak"

STACK_ENVIRONMENT = {"ENGINE_READ_TIMEOUT_S": str(READ_TIMEOUT_S), CANARY_ENV: CANARY}
