"""The certificate as one self-contained HTML page (Jinja2, autoescaped, no external assets).

The page works offline and prints well: styles are inline, no script, no font or image is
fetched. It is rendered from :class:`~jianzheng.adapters.certificate_render.view.CertificateView`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from jianzheng.adapters.certificate_render.view import CertificateView

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(view: CertificateView) -> str:
    """The readable certificate as an HTML document (UTF-8 text)."""
    return _environment().get_template("certificate.html").render(v=view)
