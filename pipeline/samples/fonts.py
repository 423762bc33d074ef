"""Find CJK fonts installed on the machine (Debian's fonts-noto-cjk, fonts-wqy-zenhei,
fonts-arphic-*), by searching rather than by hard-coded paths."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from PIL import ImageFont

# Preference order: file-name fragments of fonts known to cover GB 2312 and more.
_SANS = ("NotoSansCJK", "NotoSansSC", "wqy-zenhei", "wqy-microhei", "DroidSansFallback")
_SERIF = ("NotoSerifCJK", "NotoSerifSC", "uming", "ukai", "wqy-zenhei")
_KAI = ("ukai", "gkai", "NotoSerifCJK", "uming")
_SEARCH_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))

INSTALL_HINT = (
    "no CJK font found: install one, e.g. `apt-get install fonts-noto-cjk fonts-wqy-zenhei "
    "fonts-arphic-uming fonts-arphic-ukai`"
)


@functools.cache
def _all_font_files() -> tuple[str, ...]:
    files: list[str] = []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=20
        ).stdout
        files = [line.split(":")[0].strip() for line in out.splitlines() if line.strip()]
    except (OSError, subprocess.SubprocessError):
        pass
    for d in _SEARCH_DIRS:
        p = Path(d)
        if p.is_dir():
            files += [str(f) for f in p.rglob("*") if f.suffix.lower() in (".ttc", ".ttf", ".otf")]
    return tuple(sorted(set(files)))


def _find(prefs: tuple[str, ...]) -> str:
    files = _all_font_files()
    for frag in prefs:
        hits = [f for f in files if frag.lower() in Path(f).name.lower()]
        # Regular weight first where a family ships several.
        hits.sort(key=lambda f: ("Regular" not in f and "zenhei" not in f, len(f)))
        if hits:
            return hits[0]
    raise RuntimeError(INSTALL_HINT)


def font_path(style: str = "sans") -> str:
    """Path of an installed CJK font of the style: sans, serif or kai."""
    prefs = {"sans": _SANS, "serif": _SERIF, "kai": _KAI}[style]
    return _find(prefs)


def truetype_font_path() -> str:
    """A CJK font with TrueType outlines (reportlab cannot embed CFF/OTF fonts)."""
    return _find(("wqy-zenhei", "uming", "ukai"))


@functools.cache
def font(size: int, style: str = "sans") -> ImageFont.FreeTypeFont:
    """A Pillow font of that size; cached because loading a .ttc costs ~50 ms."""
    return ImageFont.truetype(font_path(style), size)
