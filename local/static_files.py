"""Everything else: the built UI (``frontend/dist``), as CloudFront serves it, with index.html as the SPA
fallback and long caching for the hashed assets."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from local.http_response import LocalResponse

NOT_BUILT = LocalResponse(503, {"Content-Type": "text/plain"}, b"The UI is not built: run `make frontend-build`.")


def serve(root: Path | None, path: str) -> LocalResponse:
    if root is None or not (root / "index.html").is_file():
        return NOT_BUILT
    candidate = (root / path.lstrip("/")).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        candidate = root / "index.html"  # SPA fallback (and no path traversal)
    content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
    cache = "no-cache" if candidate.name == "index.html" else "public, max-age=31536000, immutable"
    return LocalResponse(200, {"Content-Type": content_type, "Cache-Control": cache}, candidate.read_bytes())
