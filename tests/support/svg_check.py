# Parses an SVG file as XML (exit 1 when it is not well-formed) and prints the text of every
# <text> element, one per line: what a drawing names.
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    print(f"not well-formed: {e}", file=sys.stderr)
    sys.exit(1)
if root.tag != "{http://www.w3.org/2000/svg}svg":
    print(f"root element is {root.tag}, not svg", file=sys.stderr)
    sys.exit(1)
for t in root.iter("{http://www.w3.org/2000/svg}text"):
    print("".join(t.itertext()))
