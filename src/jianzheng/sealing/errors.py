"""The one error the sealing code raises: what is wrong with an envelope, key or share, in Chinese and English."""

from __future__ import annotations


class SealingError(ValueError):
    """An envelope, key, share or released key is refused; ``field`` names where."""

    def __init__(self, zh: str, en: str, field: str = "envelope") -> None:
        self.zh = zh
        self.en = en
        self.field = field
        super().__init__(f"{zh} / {en}")
