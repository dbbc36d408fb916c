"""The village-hall kiosk: the power list, its flowcharts, disclosures,
complaints and receipts on a Kivy touchscreen.

:mod:`kiosk.viewmodels` holds everything a screen shows, as plain Python that
tests read without a window; :mod:`kiosk.app` is the Kivy shell that draws
them (one ``.kv`` file per screen under ``kiosk/kv``). Importing this package
does not import Kivy: Kivy reads its configuration and the command line when
imported, so a composition root first calls
:func:`kiosk.kivy_setup.prepare_kivy` and only then imports the modules that
import Kivy (:mod:`kiosk.app`, :mod:`kiosk.ui`, :mod:`kiosk.script_runner`).
:mod:`kiosk.testing` is for tests and the benchmark only.
"""
