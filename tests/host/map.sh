#!/usr/bin/env bash
# walkcov map, checked in a real browser: maps of three record files (the
# test module's 2019 double, a clean walk of 1,000 pmds, a retry that raced a
# split) and the unit test's map of gaps, silent, unsure and stopped ranges
# rendered by headless Chromium in one page, and the pixels at the cells of
# the double, the clean ranges, the retry, the gaps and the legend keys
# checked against the colours docs/map.md gives. Also: report --svg, and bad input (one line,
# exit 2). The record files come from tests/host/mkrec.py: no VM needed.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

BASE=0x7f0000000000
for k in double clean retry; do
	python3 tests/host/mkrec.py "$tmp/$k.data" "map-$k"
done

# ---- the command line ----
expect_fail "map: a walk id that does not exist" "^walkcov: .*double.data: no walk 99 in this file" \
	$W map -i "$tmp/double.data" --walk 99 -o "$tmp/x.svg"
expect_fail "map: a file without anomaly (the default is the first anomaly)" \
	"^walkcov: .*clean.data: no anomaly to draw" $W map -i "$tmp/clean.data" -o "$tmp/x.svg"
expect_fail "map: an anomaly the file does not have" "no anomaly 4 \(the report lists 3\)$" \
	$W map -i "$tmp/double.data" --anomaly 4 -o "$tmp/x.svg"
expect_fail "map: an unwritable output (a directory)" "^walkcov: $tmp: is a directory \(give a file name\)$" \
	$W map -i "$tmp/double.data" -o "$tmp"
expect_fail "map: an unwritable output (no such directory)" "No such file or directory$" \
	$W map -i "$tmp/double.data" -o "$tmp/no/such/x.svg"
expect_fail "map: a bad walk id" "invalid walk id 'x'" $W map -i "$tmp/double.data" --walk x
expect_fail "map: --walk and --anomaly" "cannot go together" \
	$W map -i "$tmp/double.data" --walk 7 --anomaly 1
printf 'not a record file\n' >"$tmp/garbage"
expect_fail "map: a garbage file" "not a walkcov file" $W map -i "$tmp/garbage" --walk 1
ln -s "$tmp/target" "$tmp/link.svg"
expect_fail "map: an output that is a symbolic link is not followed" \
	"^walkcov: $tmp/link.svg: is a symbolic link; walkcov does not write through one \(give the target's path\)$" \
	$W map -i "$tmp/double.data" -o "$tmp/link.svg"
if [ -e "$tmp/target" ]; then echo "not ok - the link's target was not written"; else echo "ok - the link's target was not written"; fi
expect_fail "map: a device is no map file" \
	"^walkcov: /dev/full: not a regular file \(a FIFO or device\); walkcov writes only regular files here$" \
	$W map -i "$tmp/double.data" -o /dev/full
$W map -i "$tmp/double.data" -o - >/dev/full 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(cat "$tmp/err")" = "walkcov: writing the output: No space left on device" ]; then
	echo "ok - map -o - > /dev/full: one line, exit 2"
else
	echo "not ok - map -o - > /dev/full: one line, exit 2 (exit $rc)"
fi
if [ -e "$tmp/x.svg" ]; then echo "not ok - failed maps leave no file"; else echo "ok - failed maps leave no file"; fi
: >"$tmp/afile"
expect_fail "report --svg: DIR is a file" "^walkcov: $tmp/afile: not a directory$" \
	$W report -i "$tmp/double.data" --svg "$tmp/afile"

check() {	# check NAME CMD...
	local name="$1"
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fi
}
check "map: the double (default: the first anomaly)" $W map -i "$tmp/double.data" -o "$tmp/double.svg"
check "map: the clean walk by its walk id" $W map -i "$tmp/clean.data" --walk 7 -o "$tmp/clean.svg"
check "map: the retry" $W map -i "$tmp/retry.data" --anomaly 1 -o "$tmp/retry.svg"
check "map: title names the walk, process, ops and verdict" \
	grep -q "walk 7  wc_modtest 100/123  ops ops of wct_double_pmd_entry .*verdict: 3 doubles, split by the walking task, complete" \
	<(tr -d '\n' <"$tmp/double.svg")
check "map: clean verdict" grep -q "verdict: complete: proven" "$tmp/clean.svg"
check "map: retry verdict" grep -q "verdict: 2 retries, raced a split by another task" "$tmp/retry.svg"
check "report --svg DIR: one map per anomaly, DIR created" \
	$W report -i "$tmp/double.data" --svg "$tmp/maps" >/dev/null
n=$(find "$tmp/maps" -name 'anomaly-*.svg' 2>/dev/null | wc -l)
check "report --svg DIR: 3 maps ($n)" [ "$n" -eq 3 ]
check "report --svg: map 2 outlines anomaly 2's pmd" \
	grep -q '#2 double \[0x7f0000200000' "$tmp/maps/anomaly-2.svg"
check "report numbers its anomalies" grep -Eq '^   3  double ' <($W report -i "$tmp/double.data")

# the gap map: synthetic observations (the unit test's), drawn by svgmap.c
check "map: the gap map (tests/unit/test_map.c)" env WC_MAP_GAPS_SVG="$tmp/gaps.svg" build/unit/test_map >/dev/null

# ---- in the browser ----
if ! command -v chromium >/dev/null || ! /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
	echo "not ok - chromium and python3-pil are installed (make deps)"
	exit 1
fi
# one page, the three maps one below the other at known offsets
size=$(/usr/bin/python3 - "$tmp" <<'EOF'
import sys, xml.etree.ElementTree as ET
d, top, imgs = sys.argv[1], 0, []
for k in ("double", "clean", "retry", "gaps"):
    h = int(ET.parse(f"{d}/{k}.svg").getroot().get("height"))
    imgs.append(f'<img style="position:absolute;left:0;top:{top}px" src="{k}.svg">')
    open(f"{d}/{k}.top", "w").write(str(top))
    top += h + 20
open(f"{d}/page.html", "w").write('<html><body style="margin:0;background:#fff">'
                                  + "".join(imgs) + "</body></html>")
print(f"1200,{top}")
EOF
)
# root needs --no-sandbox; a fresh profile keeps the user's own out of it
timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--force-device-scale-factor=1 --user-data-dir="$tmp/profile" --window-size="$size" \
	--screenshot="$tmp/page.png" "file://$tmp/page.html" >"$tmp/chromium.log" 2>&1
check "chromium renders the page" [ -s "$tmp/page.png" ]

/usr/bin/python3 - "$tmp" "$BASE" <<'EOF'
import sys, xml.etree.ElementTree as ET
from PIL import Image
d, base = sys.argv[1], int(sys.argv[2], 16)
PMD = 2 << 20
img = Image.open(f"{d}/page.png").convert("RGB")
COL = {"red": (0xd6, 0x27, 0x28), "green": (0x2c, 0xa0, 0x2c), "blue": (0xae, 0xc7, 0xe8),
       "yellow": (0xf5, 0xd7, 0x6e), "orange": (0xff, 0x7f, 0x0e), "magenta": (0xe3, 0x77, 0xc2),
       "brown": (0x8c, 0x56, 0x4b), "lavender": (0xda, 0xda, 0xeb), "olive": (0xbc, 0xbd, 0x22),
       "grey": (0x7f, 0x7f, 0x7f)}


def cells(k):
    top = int(open(f"{d}/{k}.top").read())
    for r in ET.parse(f"{d}/{k}.svg").getroot().iter("{http://www.w3.org/2000/svg}rect"):
        if r.get("class") == "cell":
            yield (int(r.get("data-start"), 16), int(r.get("data-end"), 16), int(r.get("x")),
                   int(r.get("y")) + top, int(r.get("width")), int(r.get("height")),
                   r.get("data-level"))


def cell_at(k, addr, level):
    """the drawn cell (in the pmd grid, or a pte strip) holding addr"""
    for s, e, x, y, w, h, lv in cells(k):
        if s <= addr < e and lv == level:
            return x, y, w, h
    return None


def near(p, want):
    return all(abs(a - b) <= 12 for a, b in zip(p, COL[want]))


def check(name, k, addr, level, want, dx=None, dy=None):
    c = cell_at(k, addr, level)
    if not c:
        print(f"not ok - {name} (no cell for {addr:#x})")
        return
    x, y, w, h = c
    dx = w + dx if dx is not None and dx < 0 else dx
    p = img.getpixel((x + (w // 2 if dx is None else dx), y + (h // 2 if dy is None else dy)))
    print(f"{'ok' if near(p, want) else 'not ok'} - {name}: {want} at {addr:#x} (pixel {p})")


check("double: the doubled pmd is red", "double", base, "pmd", "red")
check("double: its pages at pte level are red", "double", base + 0x1000, "pte", "red")
check("double: the third doubled pmd is red", "double", base + 2 * PMD + 0x5000, "pmd", "red")
check("double: the clean pmd is green", "double", base + 3 * PMD, "pmd", "green")
check("double: the clean pmd's pages are green", "double", base + 3 * PMD + 0x1000, "pte", "green")
check("clean: huge pmds (a run) are green", "clean", base + 10 * PMD, "pmd", "green", dx=4)
check("clean: the pmd at pte level is green", "clean", base + 300 * PMD, "pmd", "green")
check("clean: its pages are green", "clean", base + 300 * PMD + 0x3000, "pte", "green")
check("clean: the gap is a hole", "clean", base + 650 * PMD, "pmd", "blue", dx=4)
check("clean: the skipped VMA is yellow", "clean", base + 710 * PMD, "pmd", "yellow", dx=4)
check("clean: the last pmds are green", "clean", base + 999 * PMD, "pmd", "green", dx=4)
check("retry: the retried pmd is marked orange", "retry", base + 2 * PMD, "pmd", "orange", dx=2, dy=1)
check("retry: ... handled once (green)", "retry", base + 2 * PMD, "pmd", "green", dx=3, dy=9)
check("retry: ... split by another task (magenta)", "retry", base + 2 * PMD, "pmd", "magenta", dx=-4, dy=4)
check("retry: the pmd before it is green, no retry mark", "retry", base + PMD, "pmd", "green", dx=2, dy=1)

check("gaps: the never-handled pmd is brown", "gaps", base + PMD, "pmd", "brown")
check("gaps: the half-handled pmd is brown", "gaps", base + 5 * PMD, "pmd", "brown")
check("gaps: ... its unhandled pages too", "gaps", base + 5 * PMD + PMD // 2 + 0x1000, "pte", "brown")
check("gaps: ... its handled pages are green", "gaps", base + 5 * PMD + 0x1000, "pte", "green")
check("gaps: the silent pmd is lavender", "gaps", base + 2 * PMD, "pmd", "lavender")
check("gaps: the unsure pmd is olive", "gaps", base + 3 * PMD, "pmd", "olive")
check("gaps: the pmds after the stop are grey", "gaps", base + 7 * PMD, "pmd", "grey")
check("gaps: the handled pmd is green", "gaps", base, "pmd", "green")
# the legend: gap, silent by design, unsure and stopped each in its colour
top = int(open(f"{d}/double.top").read())
keys = {r.get("data-fill"): r for r in ET.parse(f"{d}/double.svg").getroot().iter("{http://www.w3.org/2000/svg}rect")
        if r.get("class") == "key"}
for fill, want in (("gap", "brown"), ("silent", "lavender"), ("unsure", "olive"), ("stopped", "grey"),
                   ("double", "red")):
    r = keys.get(fill)
    if r is None:
        print(f"not ok - legend: a {fill} key")
        continue
    p = img.getpixel((int(r.get("x")) + int(r.get("width")) // 2, top + int(r.get("y")) + int(r.get("height")) // 2))
    print(f"{'ok' if near(p, want) else 'not ok'} - legend: the {fill} key is {want} (pixel {p})")

# 1,000 pmds summarised: a handful of cells, one line
grid = [c for c in cells("clean") if c[6] == "pmd"]
ys = {c[3] for c in grid}
print(f"{'ok' if len(grid) <= 12 and len(ys) == 1 else 'not ok'} - clean: 1,000 pmds in "
      f"{len(grid)} cells on {len(ys)} line(s)")
# and nothing red anywhere in the clean map's cells
top = int(open(f"{d}/clean.top").read())
y0 = min(c[3] for c in grid) - 4
y1 = int(open(f"{d}/retry.top").read()) - 20  # the clean map's cells only
red = sum(1 for x in range(150, 1190) for y in range(y0, y1) if near(img.getpixel((x, y)), "red"))
print(f"{'ok' if red == 0 else 'not ok'} - clean: no red pixel in its cells ({red})")
EOF
