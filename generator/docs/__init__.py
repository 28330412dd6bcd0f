"""From the gateways' documentation to the spec: read Apifox markdown exports (parse), infer
schemas (infer), write draft family files (draft) and report drift between the documentation
snapshots in spec/sources and the spec (drift). Not used by `python -m generator`."""
