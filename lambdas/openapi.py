"""``python -m lambdas.openapi``: write the OpenAPI document the resolver generates to ``lambdas/openapi.json``.

The committed file is the contract other parts read without running the API: the infrastructure's routes
(``lambdas.contract``) and the UI's generated types. A test fails when it differs from what the code generates.
"""

from __future__ import annotations

import json
import sys

from inference_engine.settings import RuntimeSettings, StagePolicy
from lambdas.app import create_app, openapi_document
from lambdas.contract import OPENAPI_FILE
from lambdas.services import Stores, build_services
from lambdas.settings import EnvSettings


class _Unused:
    """Stores for an app that is only asked for its document: no route runs."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the OpenAPI export called a store ({name})")


def generate() -> str:
    """The document, formatted as committed (sorted keys, two-space indent, a final newline)."""
    env = EnvSettings.model_validate(
        {
            "RUNTIME_SETTINGS_FILE": "unused.json",
            "MODELS_TABLE_NAME": "unused",
            "MODEL_VERSIONS_TABLE_NAME": "unused",
            "AUDIT_TABLE_NAME": "unused",
        }
    )
    unused = _Unused()
    services = build_services(
        env,
        stores=Stores(models=unused, audit=unused),  # type: ignore[arg-type]
        runtime=RuntimeSettings(policy=StagePolicy(stage="openapi")),
    )
    document = json.loads(openapi_document(create_app(services)))
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    OPENAPI_FILE.write_text(generate(), encoding="utf-8")
    print(f"wrote {OPENAPI_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
