# Parses a Prometheus text exposition with the official client's parser (python3-prometheus-client)
# and prints one line per sample: "<name> <labels as k=v,... sorted> <value>". Exit 1 when the
# text does not parse.
import sys

from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1], encoding="utf-8").read()
try:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            print(f"{family.type} {s.name} {labels} {s.value:g}")
except Exception as e:  # the parser raises ValueError and others on bad text
    print(f"parse error: {e}", file=sys.stderr)
    sys.exit(1)
