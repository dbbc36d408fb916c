"""What only the tests and the benchmark use to run the real kiosk: the test
driver (``python -m kiosk.testing.driver SCRIPT REPORT``), the script steps
only tests use, and a synthetic catalog of any size. Production code never
imports this package.
"""
