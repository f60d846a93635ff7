"""Prints how long two kernels of a profile (tessera-run --profile-json) ran
at once: the nodes whose names end in the two suffixes given.

  node_overlap.py PROFILE.json SUFFIX_A SUFFIX_B
"""
import json
import sys


def window(nodes, suffix):
    found = [n for n in nodes if n["name"].endswith(suffix)]
    if not found:
        sys.exit("no node ends in '%s'" % suffix)
    return (min(n["first_cycle"] for n in found),
            max(n["last_cycle"] for n in found))


profile = json.load(open(sys.argv[1]))
a = window(profile["nodes"], sys.argv[2])
b = window(profile["nodes"], sys.argv[3])
both = min(a[1], b[1]) - max(a[0], b[0])
print("%s and %s at once: %d of %d and %d cycles" %
      (sys.argv[2], sys.argv[3], max(both, 0), a[1] - a[0], b[1] - b[0]))
