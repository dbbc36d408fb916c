#!/bin/sh
# Returns once the county accepts connections on loopback (at most 2 min).
set -eu
tries=0
until /opt/village-edge/current/bin/python -c 'import socket; socket.create_connection(("127.0.0.1", 8470), 1).close()' 2>/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 600 ] || exit 1
  sleep 0.2
done
