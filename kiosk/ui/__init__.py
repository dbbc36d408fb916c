"""The Kivy side of the kiosk: the flowchart widget and the functions that
fill each screen. Every module here imports Kivy at its top, so only
:mod:`kiosk.app` imports them, after Kivy is prepared."""
