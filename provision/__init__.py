"""Commissioning a village-hall device: first boot from the file the
technician writes on the SD card's boot partition, and the small helpers the
systemd units run (see docs/provisioning.md)."""
