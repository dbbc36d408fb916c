"""The device core: its configuration (:mod:`device.config`, checked whole
against :mod:`device.schema`), the layout of its state directory
(:mod:`device.state`), and the composition of its running parts
(:mod:`device.runtime`, :mod:`device.seal_runtime`).

Above the device parts (``sync``, ``seal_controller``, ``kiosk``) and below
``provision`` and the ``village-edge`` command, which are its only users.
"""
