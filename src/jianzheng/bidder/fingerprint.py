"""What a bid-compiling tool records about where a bid was made (机器码) and what its documents say.

As Chinese bid-compilation tools do, the tool records digests (SM3) of the network card's
MAC address, the host name, the CPU model and the disk serial where readable, and a
machine code over all of them; plus the documents' own metadata (author, creator
application) read from PDF and Office files. Only digests leave the machine: supervision
compares them across bidders (Regs 40 item 1) without learning the raw values.
"""

from __future__ import annotations

import io
import platform
import re
import socket
import uuid
import zipfile
from pathlib import Path

from jianzheng.sealing.codec import sm3

TOOL = "jianzheng-bidder/1"


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _disk_serial() -> str:
    for device in sorted(Path("/sys/block").glob("*")) if Path("/sys/block").exists() else []:
        for name in ("device/serial", "device/wwid"):
            value = _read(str(device / name))
            if value:
                return value
    return _read("/etc/machine-id")


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_fingerprint() -> dict[str, str]:
    """Digests of this machine's identifiers, and a machine code over them."""
    raw = {"mac": f"{uuid.getnode():012x}", "host": socket.gethostname(), "cpu": _cpu_model(),
           "disk": _disk_serial()}
    digests = {"mac": sm3(raw["mac"].encode()), "cpu_id": sm3(raw["cpu"].encode()),
               "disk_serial": sm3(raw["disk"].encode()) if raw["disk"] else ""}
    code = sm3("|".join([raw["mac"], raw["host"], raw["cpu"], raw["disk"]]).encode())
    return {"machine_code": code[:32], **{k: v for k, v in digests.items() if v}, "tool": TOOL}


_PDF_FIELD = re.compile(rb"/(Author|Creator|Producer)\s*\((.*?)\)", re.S)


def document_metadata(name: str, data: bytes) -> dict[str, str]:
    """Author and creator application that a PDF or Office document records about itself."""
    found: dict[str, str] = {}
    if data.startswith(b"%PDF"):
        for key, value in _PDF_FIELD.findall(data[:200_000]):
            found.setdefault(key.decode().lower(), value.decode("latin-1", "replace").strip())
    elif data.startswith(b"PK") and name.lower().endswith((".docx", ".xlsx", ".pptx")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                core = archive.read("docProps/core.xml").decode("utf-8", "replace") \
                    if "docProps/core.xml" in archive.namelist() else ""
                app = archive.read("docProps/app.xml").decode("utf-8", "replace") \
                    if "docProps/app.xml" in archive.namelist() else ""
        except zipfile.BadZipFile:
            return found
        for key, pattern, text in (("author", r"<dc:creator>(.*?)</dc:creator>", core),
                                   ("creator", r"<Application>(.*?)</Application>", app)):
            match = re.search(pattern, text, re.S)
            if match:
                found[key] = match.group(1).strip()
    return {k: v for k, v in found.items() if v}
