"""The store-and-forward sync agent: the outbox and the county protocol
(built in a later issue)."""
