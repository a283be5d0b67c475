#!/usr/bin/env python3
"""Generates the input of examples/20-bus-flagship.cpp: people.jsonl (200 customers) and
orders.jsonl (1000 orders, three of them malformed on purpose so that the enrich bot's
dead-letter queue has something to show). Deterministic: the same files on every run.

    python3 examples/data/generate_flagship_data.py   # rewrites both files next to this script
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20240601)

FIRST = ["Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger",
         "Radia", "Bjarne", "Hedy", "Donald", "Katherine", "John", "Sophie", "Tim", "Anita", "Guido"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen",
        "Dijkstra", "Perlman", "Stroustrup", "Lamarr", "Knuth", "Johnson", "Backus", "Wilson", "Berners-Lee",
        "Borg", "van Rossum"]
COUNTRIES = ["SE", "NL", "DE", "FR", "GB", "US", "CA", "BR", "JP", "IN", "AU", "ES"]
SKUS = [("KB-101", "keyboard", 49.9), ("MS-220", "mouse", 19.5), ("MN-270", "monitor", 229.0),
        ("HD-512", "headset", 89.0), ("CB-003", "usb-c cable", 9.9), ("DK-900", "dock", 159.0),
        ("LP-014", "laptop stand", 39.0), ("WC-120", "webcam", 74.5)]

people = []
for i in range(1, 201):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    people.append({
        "id": f"p{i:04d}",
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower().replace(' ', '')}{i}@example.com",
        "country": rng.choice(COUNTRIES),
        "segment": rng.choice(["consumer", "consumer", "business"]),
    })

orders = []
for i in range(1, 1001):
    items = []
    for _ in range(rng.randint(1, 4)):
        sku, name, price = rng.choice(SKUS)
        items.append({"sku": sku, "name": name, "qty": rng.randint(1, 3), "price": price})
    day = rng.randint(1, 28)
    orders.append({
        "order_id": f"o{i:05d}",
        "person_id": rng.choice(people)["id"],
        "placed_at": f"2024-{rng.randint(1, 6):02d}-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
        "currency": "EUR",
        "items": items,
    })
# Bad input: a quantity that is not a number, a missing item list, a price as text.
orders[141]["items"][0]["qty"] = "two"
del orders[517]["items"]
orders[803]["items"][0]["price"] = "cheap"

with open(os.path.join(HERE, "people.jsonl"), "w") as f:
    for p in people:
        f.write(json.dumps(p, separators=(",", ":")) + "\n")
with open(os.path.join(HERE, "orders.jsonl"), "w") as f:
    for o in orders:
        f.write(json.dumps(o, separators=(",", ":")) + "\n")
