"""The kiosk's services that its screens call, free of any UI code.

- :mod:`~kiosk.services.workdays`: the date by which a reply is due.
- :mod:`~kiosk.services.complaints`: what a villager files, sealed into the outbox
  (the envelope and the tracking code are :mod:`protocol`'s).
- :mod:`~kiosk.services.progress`: what the county says about a tracking code.
- :mod:`~kiosk.services.receipts`: the service-guide slip and the complaint receipt.
- :mod:`~kiosk.services.print_queue`: receipts kept and retried while the printer cannot print.
- :mod:`~kiosk.services.speech`: reading text aloud in Mandarin.

Nothing is imported here: each screen imports the module it needs.
"""
