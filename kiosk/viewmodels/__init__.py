"""What the kiosk's screens show, as plain Python: no Kivy, no window.

Each screen binds to one view-model here; the view-models read the catalog,
the roster and the disclosures through small protocols (:mod:`.feeds`) and
reach the kiosk's services (complaints, printing, read-aloud) only through
the callables they are given (:mod:`.services`).
"""
