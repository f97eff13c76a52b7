"""Readable renderings of a witness certificate (电子见证证书): HTML (Jinja2) and PDF (reportlab).

Both are drawn from one view of the bundle (`view.certificate_view`), in Simplified Chinese
with English beside it: the project, every step's time (Asia/Shanghai), actor, role and
IP, the documents' digests, the checkpoint with its signatures and cosigners, and how to
verify. The PDF uses reportlab's built-in CID font STSong-Light, so no font file ships.

Public API::

    certificate_view(cert, report=None, bundle_bytes=None) -> CertificateView
    render_html(view) -> str
    render_pdf(view) -> bytes
"""

from __future__ import annotations

from jianzheng.adapters.certificate_render.html import render_html
from jianzheng.adapters.certificate_render.pdf import render_pdf
from jianzheng.adapters.certificate_render.view import CertificateView, certificate_view

__all__ = ["CertificateView", "certificate_view", "render_html", "render_pdf"]
