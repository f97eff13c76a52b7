"""Adapters: SQL storage, event store, projections, blob store, brokers and devices."""
