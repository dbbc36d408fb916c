"""The reference county server (built in a later issue)."""
