"""Writing to an SD card so that a power cut loses nothing that was promised:

- :mod:`durable.atomic`: replace a file whole (temporary file, fsync, rename,
  fsync the directory);
- :mod:`durable.records`: frame records with a length and a CRC-32 so that a
  reader tells whole records from torn writes and flipped bits.

A leaf: it imports nothing of the project.
"""
