"""The village-hall kiosk: the power list, its flowcharts, disclosures,
complaints and receipts on a Kivy touchscreen (built in a later issue)."""
