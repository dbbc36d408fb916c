"""The county's web console: the pages county staff use on a phone or a PC
(docs/console.md). Mounted under ``/console/`` on the county's own
application (:mod:`county.asgi`); one module per role's pages, collected
by :mod:`county.console.registry`."""
