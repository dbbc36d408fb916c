-- The seal requests and the complaints are read by stream, in the order they
-- arrived: an index for it, so a county with millions of events lists them at once.
CREATE INDEX IF NOT EXISTS events_by_arrival ON events (stream, received);
