"""The kiosk's services that its screens call, free of any UI code.

- :mod:`~kiosk.services.tracking`: tracking codes with a check digit.
- :mod:`~kiosk.services.workdays`: the date by which a reply is due.
- :mod:`~kiosk.services.sealing`: reports encrypted to the county's key.
- :mod:`~kiosk.services.complaints`: what a villager files, sealed into the outbox.
- :mod:`~kiosk.services.progress`: what the county says about a tracking code.
- :mod:`~kiosk.services.receipts`: the service-guide slip and the complaint receipt.
- :mod:`~kiosk.services.print_queue`: receipts kept and retried while the printer cannot print.
- :mod:`~kiosk.services.speech`: reading text aloud in Mandarin.

Nothing is imported here: each screen imports the module it needs, and the
county imports :mod:`~kiosk.services.sealing` without pulling in the rest.
"""
