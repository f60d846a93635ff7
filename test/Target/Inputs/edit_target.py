#!/usr/bin/env python3
"""Copies a target JSON applying dotted-path edits: a.b.0.c=<json value>."""
import json
import sys

doc = json.load(open(sys.argv[1]))
for edit in sys.argv[3:]:
    path, value = edit.split("=", 1)
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    node = doc
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = json.loads(value)
json.dump(doc, open(sys.argv[2], "w"), indent=1)
