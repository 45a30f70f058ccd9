"""Platform adapters: one module per OS behind one facade (psutil-style).

``get_adapter()`` picks the adapter for this OS explicitly; ``adapter_for(platform)``
gives any adapter (for offline re-parsing of a capture made elsewhere).
"""
from __future__ import annotations

import sys

from agent.model import Platform
from platforms.base import Adapter


class UnsupportedPlatform(RuntimeError):
    pass


def current_platform() -> Platform:
    if sys.platform.startswith("linux"):
        return Platform.LINUX
    if sys.platform == "darwin":
        return Platform.MACOS
    if sys.platform in ("win32", "cygwin"):
        return Platform.WINDOWS
    raise UnsupportedPlatform(f"platform {sys.platform!r} is not supported (Linux, macOS and Windows are)")


def adapter_for(platform: Platform) -> Adapter:
    # Explicit imports (no importlib by name) so PyInstaller sees every module.
    if platform is Platform.LINUX:
        from platforms import linux
        return linux.LinuxAdapter()
    if platform is Platform.MACOS:
        from platforms import macos
        return macos.MacosAdapter()
    if platform is Platform.WINDOWS:
        from platforms import windows
        return windows.WindowsAdapter()
    raise UnsupportedPlatform(f"no adapter for {platform!r}")  # pragma: no cover


def get_adapter() -> Adapter:
    return adapter_for(current_platform())
