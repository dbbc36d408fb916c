"""What both ends of the wire must agree on, byte for byte: a device (kiosk or
seal station) and the county.

- :mod:`protocol.api`: the API's paths, headers, limits and id shapes;
- :mod:`protocol.canonical`: the RFC 8785 canonical JSON that signatures
  cover;
- :mod:`protocol.signing`: keys, signed requests, signed documents;
- :mod:`protocol.answers`: the county's signed answers;
- :mod:`protocol.documents`: the signed feed documents the county publishes;
- :mod:`protocol.events`: the event a device sends;
- :mod:`protocol.wire_json`: the limits of every JSON request body;
- :mod:`protocol.event_blobs`: which photos and documents an event names;
- :mod:`protocol.approval_token`: the ``VE1.`` approval that unlocks a seal;
- :mod:`protocol.seal_refusal`: the county's refusal of a seal request;
- :mod:`protocol.ledger_chain`: the hash chain of a seal station's ledger;
- :mod:`protocol.commands`: what the county tells one device to do, via its feed;
- :mod:`protocol.complaint_envelope`: a report sealed to the county's key;
- :mod:`protocol.tracking`: tracking codes with a check digit;
- :mod:`protocol.complaint_status`: how the county says where a report stands.

A leaf: it imports nothing of the project. A county written by someone else
needs only this package (and ``county/openapi.yaml``) to interoperate.
"""
