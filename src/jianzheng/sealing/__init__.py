"""Sealed bids (Order 20 Art. 25–31): the envelope format, sealing and opening, and key escrow.

This package is the cryptography both sides share: the bidder tool seals and opens with
it on the bidder's machine, and the platform checks envelopes and, at the opening,
decrypts with a released content key. It holds no state and never touches storage.
"""
