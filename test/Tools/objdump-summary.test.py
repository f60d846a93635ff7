# Reads `tessera-objdump --summary` from stdin: each body's kernel rows add
# up to its count, and the bodies to the total.
import re
import sys

total = None
bodies = []
for line in sys.stdin:
    m = re.match(r'(\S+) (\d+): (\d+) instructions', line)
    if m:
        bodies.append([int(m.group(3)), 0])
        continue
    m = re.match(r'\s+(\d+)  ', line)
    if m:
        bodies[-1][1] += int(m.group(1))
        continue
    m = re.match(r'total: (\d+) static', line)
    if m:
        total = int(m.group(1))
assert bodies, 'no bodies'
for count, rows in bodies:
    assert count == rows, (count, rows)
assert total == sum(c for c, _ in bodies), (total, bodies)
print('ok', len(bodies), total)
