"""The smart seal station (docs/seal-station.md): the procedure table
(:mod:`seal_controller.procedure`), the controller that runs it on
:mod:`hardware` and :mod:`camera`, the write-ahead hash-chained ledger
(:mod:`seal_controller.ledger`), the trusted clock, the custodian's panel
and the scenario harness (:mod:`seal_controller.harness`)."""
