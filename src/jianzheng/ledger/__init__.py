"""The witness ledger: canonical encoding, Merkle tree, checkpoints, witnesses, certificates."""
