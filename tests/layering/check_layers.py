#!/usr/bin/env python3
"""Fails, naming file and line, on an #include under include/rstreams that points up or
sideways in the layer order written in tools/layers.txt.

usage: check_layers.py [SOURCE_DIR [LAYERS_FILE]]
  SOURCE_DIR defaults to the repository holding this script, LAYERS_FILE to
  SOURCE_DIR/tools/layers.txt.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*<rstreams/([^>]+)>', re.M)
FORWARD_NOTE = 'deprecated path'


def read_layers(path):
    rank, allow = {}, []
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split('#', 1)[0].strip()
        if not line:
            continue
        if line.startswith('allow '):
            m = re.fullmatch(r'allow\s+(\S+)\s*->\s*(\S+)', line)
            if not m:
                sys.exit(f'{path}:{number}: expected `allow FILE -> TARGET`, got: {raw}')
            allow.append((m.group(1), m.group(2)))
            continue
        level = len(set(rank.values()))
        for folder in line.split():
            if folder in rank:
                sys.exit(f'{path}:{number}: {folder} listed twice')
            rank[folder] = level
    return rank, allow


def layer_of(rel, rank):
    """rel: a path under include/rstreams ('ops/detail/x.hpp'); returns its layer or None."""
    parts = [p for p in rel.split('/')[:-1] if p != 'detail']
    if not parts:
        return 'umbrella' if '/' not in rel else None
    for n in range(len(parts), 0, -1):
        folder = '/'.join(parts[:n])
        if folder in rank:
            return folder
    return None


def is_forwarding(text):
    """A forwarding header: `#pragma once`, comments, and exactly one #include."""
    code = [l.strip() for l in text.splitlines()
            if l.strip() and not l.strip().startswith('//') and l.strip() != '#pragma once']
    return FORWARD_NOTE in text and len(code) == 1 and INCLUDE.match(code[0]) is not None


def allowed(rel, target, allow):
    return any(rel == f and (target == t or target.startswith(t.rstrip('/') + '/')) for f, t in allow)


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
    layers = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else root / 'tools' / 'layers.txt'
    rank, allow = read_layers(layers)
    base = root / 'include' / 'rstreams'
    headers = sorted(base.rglob('*.hpp'))
    forwarding = {h.relative_to(base).as_posix() for h in headers if is_forwarding(h.read_text())}
    errors = []
    for h in headers:
        rel = h.relative_to(base).as_posix()
        shown = f'include/rstreams/{rel}'
        text = h.read_text()
        if rel in forwarding:
            target = INCLUDE.search(text).group(1)
            if not (base / target).is_file():
                errors.append(f'{shown}:1: forwards to <rstreams/{target}>, which does not exist')
            continue
        mine = layer_of(rel, rank)
        if mine is None:
            errors.append(f'{shown}:1: its folder is in no layer of tools/layers.txt')
            continue
        for number, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            where = f'{shown}:{number}: <rstreams/{target}>'
            if target in forwarding:
                errors.append(f'{where} is a deprecated forwarding path; include its new path')
                continue
            theirs = layer_of(target, rank)
            if theirs is None:
                errors.append(f'{where} is in no layer of tools/layers.txt')
                continue
            if theirs == mine or rank[theirs] < rank[mine] or allowed(rel, target, allow):
                continue
            arrow = 'up' if rank[theirs] > rank[mine] else 'sideways'
            errors.append(f'{where} points {arrow}: {mine} may not include {theirs} (tools/layers.txt)')
    for e in errors:
        print(e)
    print(f'checked {len(headers)} headers ({len(forwarding)} forwarding), {len(errors)} bad arrows')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
