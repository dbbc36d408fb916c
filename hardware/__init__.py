"""The physical devices of the seal station and the kiosk.

One class per physical thing, composed into a station, in the style of
gpiozero: :class:`~hardware.lock.SealLock`, the sensors in
:mod:`hardware.sensors`, :class:`~hardware.lamp.StatusLamp`,
:class:`~hardware.buzzer.StatusBuzzer`, the receipt printer in
:mod:`hardware.printer`, and :class:`~hardware.station.Station` which
composes them. Pins come from a pin factory made by :mod:`hardware.pins`;
nothing here reads configuration or the environment.
"""
