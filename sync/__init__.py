"""Store and forward: everything a device records reaches the county exactly
once, and everything the county publishes reaches the device, verified
(docs/sync.md).

- :mod:`sync.outbox` and :mod:`sync.outbox_index`: the power-cut-proof outbox;
- :mod:`sync.streams`: which events may be dropped when the disk is full;
- :mod:`sync.feed_store`: the county's signed documents, last good copy kept,
  and when each was received (:mod:`sync.boot`: this boot's id and clock);
- :mod:`sync.client`: the device's side of the county protocol;
- :mod:`sync.identity` and :mod:`sync.enrollment`: the device's key, and the
  county it enrolled with;
- :mod:`sync.event_ids`: event ids, sortable by creation time;
- :mod:`sync.agent`: the agent that moves both ways."""
