"""The smart seal station's controller: approvals, the lock procedure and the
hash-chained ledger (built in a later issue on :mod:`hardware`)."""
