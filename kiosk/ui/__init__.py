"""The Kivy side of the kiosk. Every module here imports Kivy inside its
functions only, so importing them (as the package audit does) opens nothing."""
