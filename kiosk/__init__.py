"""The village-hall kiosk: the power list, its flowcharts, disclosures,
complaints and receipts on a Kivy touchscreen.

:mod:`kiosk.viewmodels` holds everything a screen shows, as plain Python that
tests read without a window; :mod:`kiosk.app` is the Kivy shell that draws
them (one ``.kv`` file per screen under ``kiosk/kv``). Importing this package
does not import Kivy: Kivy reads its configuration and the command line when
imported, so only :func:`kiosk.app.build_app` and the screenshot renderer
import it, after the composition root has prepared the environment.
"""
