"""The renderer's sandbox: WeasyPrint may read regular files inside the project, nothing else.

No network (``http:``, ``https:``, ``ftp:``), no ``file:`` paths outside the allowed folders
(checked after resolving symbolic links), no device files or FIFOs.  ``data:`` URLs are allowed:
they carry their bytes inline.  A refusal stops the render with a message naming the address, so
the build reports ``handouts/x.md: SH301 ...`` instead of printing a PDF with a hole in it.
"""

from __future__ import annotations

import mimetypes
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse


class FetchRefused(FatalURLFetchingError):
    """Raised for any address outside the sandbox; stops the render."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"refused {url}: {reason}")


class SandboxFetcher(URLFetcher):
    def __init__(self, allowed_roots: Sequence[Path], max_bytes: int = 50 * 1024 * 1024) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.allowed_roots = [Path(r).resolve() for r in allowed_roots]
        self.max_bytes = max_bytes
        # Every refusal, also those WeasyPrint catches itself (resources an SVG image refers
        # to): the renderer checks this after each document and fails it.
        self.refused: list[FetchRefused] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            return self._fetch(url, headers)
        except FetchRefused as exc:
            self.refused.append(exc)
            raise

    def _fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise FetchRefused(url, "only files inside the project can be used in print (no network access)")
        path = Path(unquote(parts.path))
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise FetchRefused(url, "file does not exist") from None
        if not any(real.is_relative_to(root) for root in self.allowed_roots):
            raise FetchRefused(url, "file is outside the project's source and build folders")
        info = real.stat()
        if not stat.S_ISREG(info.st_mode):
            raise FetchRefused(url, "not a regular file")
        if info.st_size > self.max_bytes:
            raise FetchRefused(url, f"file is larger than {self.max_bytes // (1024 * 1024)} MB")
        mime, _ = mimetypes.guess_type(real.name)
        return URLFetcherResponse(
            real.as_uri(), real.read_bytes(), {"Content-Type": mime or "application/octet-stream"}
        )
