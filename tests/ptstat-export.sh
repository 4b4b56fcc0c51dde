#!/usr/bin/env bash
# ptstat export: every format of real result sets and of a comparison.
# KCIDB validates against ../shared/schemas/kcidb-v5.3.json (the real v5.3
# schema, as kcidb-io exports it) and BMF against the schema Bencher's docs
# publish (tests/schemas/bencher-bmf.json, from https://bencher.dev/bmf.json),
# both with Debian's python3-jsonschema; every value is checked against
# ptstat compare's; the same set gives the same document (ids, timestamps);
# bad input is refused with exit 2 and an old output left as it was.
# (The real InfluxDB and Pushgateway read the line protocol and the
# OpenMetrics text in tests/submit.sh.)
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq

PY=/usr/bin/python3
SHARED=$top_srcdir/../shared
KCIDB_SCHEMA=$SHARED/schemas/kcidb-v5.3.json
BMF_SCHEMA=$top_srcdir/tests/schemas/bencher-bmf.json
"$PY" -c 'import jsonschema' 2>/dev/null ||
	skip "python3-jsonschema is not installed (Debian package python3-jsonschema): cannot validate"
[ -f "$KCIDB_SCHEMA" ] ||
	skip "the KCIDB schema $KCIDB_SCHEMA is not there (../shared beside the tree): cannot validate KCIDB"

# validate DOC SCHEMA DESC: fail unless DOC is valid against SCHEMA.
validate() {
	"$PY" - "$1" "$2" >"$T/v" 2>&1 <<'EOF' || fail "$3 is not valid: $(head -c 1500 "$T/v")"
import json, sys, jsonschema
doc = json.load(open(sys.argv[1]))
schema = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:5]:
    print("/".join(map(str, e.path)), e.message[:300])
sys.exit(1 if errors else 0)
EOF
}

# ---- two small sets from real runs, with their meta.json and system.json ----------

expect_exit 0 "$PTBENCH" sysinfo --no-probe
cp "$T/out" "$T/system.json"
expect_exit 0 "$PTBENCH" plan --reps 3 -- "$top_srcdir/workloads/smoke.suite"
cp "$T/out" "$T/plan.json"
for set in base new; do
	mkdir -p "$T/$set"
	cp "$T/system.json" "$T/$set/system.json"
	expect_exit 0 "$PTSTAT" set start "$T/$set" --label "$set" --plan "$T/plan.json"
	expect_exit 0 "$PTBENCH" run mmap-churn --iterations 300 --reps 3 -q \
		--label mmap-churn -o "$T/$set/mmap-churn.json"
	expect_exit 0 "$PTBENCH" run pt-teardown --tables 16 --iterations 200 --reps 3 -q \
		--label pt-teardown-16 -o "$T/$set/pt-teardown-16.json"
	expect_exit 0 "$PTSTAT" set finish "$T/$set"
done
pass "two sets made with ptbench run (mmap-churn, pt-teardown; 3 reps each) and ptstat set"

# What ptstat compare says, the reference for every value below.
expect_exit 0 "$PTSTAT" compare --format json "$T/base" "$T/new"
cp "$T/out" "$T/ref.json"
nmetrics=$("$JQ" '[.entries[].metrics[]] | length' "$T/ref.json")
njudged=$("$JQ" '[.entries[].metrics[] | select(.better != "info")] | length' "$T/ref.json")
[ "$nmetrics" -gt 10 ] || fail "only $nmetrics metrics in the reference"

# ---- influx -------------------------------------------------------------------------

expect_exit 0 "$PTSTAT" export --format influx "$T/base" "$T/new"
cp "$T/out" "$T/a.lp"
[ "$(wc -l <"$T/a.lp")" -eq $((2 * nmetrics)) ] ||
	fail "influx: $(wc -l <"$T/a.lp") lines for 2 sets of $nmetrics metrics"
for set in base new; do
	ns=$(date -u -d "$("$JQ" -r .started "$T/$set/meta.json")" +%s)000000000
	grep "^ptbench,set=$set," "$T/a.lp" | grep -vq " $ns\$" &&
		fail "influx: a point of $set not at its start $ns: $(grep "^ptbench,set=$set," "$T/a.lp" | grep -v " $ns\$" | head -1)"
done
# Every mean, sd and n equals compare's (to the 15 digits compare prints).
"$PY" - "$T/a.lp" "$T/ref.json" >"$T/v" 2>&1 <<'EOF' || fail "influx values: $(head -c 1500 "$T/v")"
import json, re, sys
ref = json.load(open(sys.argv[2]))
want = {}
for e in ref["entries"]:
    for m in e["metrics"]:
        for ps in m["per_set"]:
            want[(ps["set"], e["label"], m["name"])] = ps
        for c in m.get("comparisons", []):
            want[(c["set"], e["label"], m["name"])]["cmp"] = c
seen = 0
for line in open(sys.argv[1]):
    head, fields, ts = re.match(r'^(\S+) (\S+) (\d+)$', line.rstrip("\n")).groups()
    tags = dict(kv.split("=", 1) for kv in head.split(",")[1:])
    f = {}
    for kv in re.findall(r'(\w+)=("[^"]*"|[^,]+)', fields):
        f[kv[0]] = kv[1]
    w = want[(tags["set"], tags["entry"], tags["metric"])]
    # compare's JSON prints 15 significant digits, the export 17.
    assert abs(float(f["mean"]) - w["mean"]) <= 1e-13 * abs(w["mean"]), (line, w)
    assert f["n"] == "%di" % w["n"], (line, w)
    if w["sd"] is not None:
        assert abs(float(f["sd"]) - w["sd"]) <= 1e-9 * abs(w["sd"]), (line, w)
    assert float(f["ci_lo"]) <= w["mean"] <= float(f["ci_hi"]), line
    if "cmp" in w:
        assert f["baseline"] == '"base"', line
        assert f["verdict"].strip('"') in ("better", "worse", "same", "info", "n1"), line
        if w["cmp"]["change_pct"] is not None:
            assert abs(float(f["change_pct"]) - w["cmp"]["change_pct"]) < 1e-6, line
    else:
        assert "verdict" not in f, line
    for k in ("bench", "unit", "direction", "kernel", "host", "suite", "accel"):
        assert k in tags, (k, line)
    assert tags["suite"] == "smoke", line
    seen += 1
assert seen == 2 * len([1 for k in want if k[0] == "base"]), seen
EOF
pass "influx: one point per set and metric at the set's start, means/sd/n compare's, verdicts on the new set"

expect_exit 0 "$PTSTAT" export --format influx "$T/base" "$T/new"
cmp -s "$T/out" "$T/a.lp" || fail "influx: a second export differs"
expect_exit 0 "$PTSTAT" export --format influx --samples "$T/base"
nsamples=$("$JQ" '[.entries[].metrics[] | .per_set[0].n] | add' "$T/ref.json")
[ "$(grep -c '^ptbench_sample,' "$T/out")" -eq "$nsamples" ] ||
	fail "influx --samples: $(grep -c '^ptbench_sample,' "$T/out") sample points, want $nsamples"
pass "influx: the same document twice; --samples adds one point per repetition ($nsamples)"

# Escaping: a set directory named with a space, a comma and an equals sign.
odd="$T/odd set,x=1"
cp -r "$T/base" "$odd"
expect_exit 0 "$PTSTAT" export --format influx "$odd"
grep -q '^ptbench,set=odd\\ set\\,x\\=1,entry=' "$T/out" ||
	fail "influx: the tag is not escaped: $(head -c 300 "$T/out")"
rm -rf "$odd"
pass "influx: spaces, commas and equals signs in tags are escaped"

# ---- openmetrics ----------------------------------------------------------------------

expect_exit 0 "$PTSTAT" export --format openmetrics "$T/base" "$T/new"
cp "$T/out" "$T/a.prom"
want=$("$JQ" '.entries[] | select(.label == "mmap-churn") | .metrics[] |
	select(.name == "ns_per_op") | .per_set[0].mean * 1e-9' "$T/ref.json")
got=$(sed -n 's/^ptbench_seconds_per_op{set="base",entry="mmap-churn",.*stat="mean"} //p' "$T/a.prom")
[ -n "$got" ] || fail "openmetrics: no ptbench_seconds_per_op mean of base: $(grep seconds_per_op "$T/a.prom" | head -3)"
"$PY" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > 1e-12 * abs(b))" \
	"$got" "$want" || fail "openmetrics: ns_per_op as seconds is $got, want $want"
[ "$(grep -c '^# TYPE' "$T/a.prom")" -eq "$(grep '^# TYPE' "$T/a.prom" | sort -u | wc -l)" ] ||
	fail "openmetrics: a metric family is declared twice"
grep -q '^ptbench_change_ratio{set="new",baseline="base",' "$T/a.prom" ||
	fail "openmetrics: no change ratio of the new set"
pass "openmetrics: ns_per_op is ptbench_seconds_per_op in seconds, one TYPE per family, change ratios"

# ---- kcidb ----------------------------------------------------------------------------

expect_exit 0 "$PTSTAT" export --format kcidb --origin ptbench_ci "$T/base" "$T/new" -o "$T/k.json"
[ ! -s "$T/out" ] || fail "kcidb -o: something on stdout"
validate "$T/k.json" "$KCIDB_SCHEMA" "the KCIDB export"
"$PY" - "$T/k.json" "$T/ref.json" "$nmetrics" >"$T/v" 2>&1 <<'EOF' || fail "kcidb: $(head -c 1500 "$T/v")"
import json, sys
k = json.load(open(sys.argv[1])); ref = json.load(open(sys.argv[2])); n = int(sys.argv[3])
assert k["version"] == {"major": 5, "minor": 3}
assert len(k["checkouts"]) == 1 and len(k["builds"]) == 1, "one kernel: one checkout, one build"
b = k["builds"][0]
assert b["checkout_id"] == k["checkouts"][0]["id"]
t = k["tests"]
assert len(t) == 2 * n, len(t)
assert len({x["id"] for x in t}) == len(t), "ids not unique"
for x in t:
    assert x["origin"] == "ptbench_ci" and x["id"].startswith("ptbench_ci:"), x
    assert x["status"] == "DONE" and x["build_id"] == b["id"], x
want = {}
for e in ref["entries"]:
    for m in e["metrics"]:
        for ps in m["per_set"]:
            want[(ps["set"], e["label"], m["name"])] = (ps, m)
for x in t:
    ps, m = want[(x["misc"]["set"], x["misc"]["entry"], x["misc"]["metric"])]
    assert x["path"] == "ptbench.%s.%s" % (x["misc"]["entry"], x["misc"]["metric"]), x["path"]
    assert abs(x["number"]["value"] - ps["mean"]) <= 1e-13 * abs(ps["mean"]) and x["number"]["unit"] == m["unit"], x
    assert x["misc"]["n"] == ps["n"] and x["misc"]["direction"] == m["better"], x
    if x["misc"]["set"] == "new":
        assert x["misc"]["baseline"] == "base" and "verdict" in x["misc"], x
    else:
        assert "verdict" not in x["misc"], x
EOF
pass "kcidb: valid against the v5.3 schema; one checkout and build; a DONE test per set and metric with compare's mean, n, direction, verdict"

expect_exit 0 "$PTSTAT" export --format kcidb --origin ptbench_ci "$T/base" "$T/new"
cmp -s "$T/out" "$T/k.json" || fail "kcidb: a second export differs (ids must be stable)"
expect_exit 0 "$PTSTAT" export --format kcidb --origin ptbench_ci "$T/new"
"$JQ" -r '.tests[] | select(.misc.set == "new") | .id' "$T/k.json" | sort >"$T/ids1"
"$JQ" -r '.tests[].id' "$T/out" | sort >"$T/ids2"
cmp -s "$T/ids1" "$T/ids2" || fail "kcidb: the new set's test ids change when it is exported alone"
pass "kcidb: the same ids for the same set, alone or in a comparison"

# A failed entry is a test with status ERROR and its messages.
cp -r "$T/new" "$T/failed"
printf 'first line\nSegmentation fault\n' >"$T/log"
expect_exit 0 "$PTSTAT" set fail "$T/failed" --entry gup-fast-walkers --status 139 \
	--src smoke.suite:12 --log "$T/log"
expect_exit 0 "$PTSTAT" export --format kcidb "$T/failed" -o "$T/kf.json"
validate "$T/kf.json" "$KCIDB_SCHEMA" "the KCIDB export of a set with a failed entry"
jq_true "$T/kf.json" '[.tests[] | select(.status == "ERROR")] | length == 1 and
	(.[0] | .path == "ptbench.gup-fast-walkers" and .misc.exit_status == 139 and
	 (.log_excerpt | contains("Segmentation fault")))' "kcidb: the failed entry as an ERROR test"
pass "kcidb: an entry that failed in the run is an ERROR test with its messages"

# ---- bmf ------------------------------------------------------------------------------

expect_exit 0 "$PTSTAT" export --format bmf "$T/base" "$T/new" -o "$T/b.json"
validate "$T/b.json" "$BMF_SCHEMA" "the BMF export"
"$PY" - "$T/b.json" "$T/ref.json" "$nmetrics" >"$T/v" 2>&1 <<'EOF' || fail "bmf: $(head -c 1500 "$T/v")"
import json, sys
b = json.load(open(sys.argv[1])); ref = json.load(open(sys.argv[2])); n = int(sys.argv[3])
got = 0
for e in ref["entries"]:
    name = [k for k in b if k == e["label"] or k.startswith(e["label"] + " (")]
    assert len(name) == 1, (e["label"], list(b))
    for m in e["metrics"]:
        ps = [p for p in m["per_set"] if p["set"] == "new"][0]
        v = b[name[0]][m["name"]]
        assert abs(v["value"] - ps["mean"]) <= 1e-13 * abs(ps["mean"]), (m["name"], v, ps)
        if ps["n"] >= 2 and ps["sd"]:
            assert v["lower_value"] < v["value"] < v["upper_value"], v
        got += 1
assert got == n, got
EOF
pass "bmf: valid against Bencher's schema; the last set's means, the 95% CI around each"

# ---- github-action-benchmark -----------------------------------------------------------

expect_exit 0 "$PTSTAT" export --format github-bigger "$T/base" "$T/new" -o "$T/gb.json"
expect_exit 0 "$PTSTAT" export --format github-smaller "$T/base" "$T/new" -o "$T/gs.json"
for f in gb gs; do
	jq_true "$T/$f.json" 'type == "array" and length > 0 and all(.[];
		(keys == ["extra", "name", "range", "unit", "value"] or keys == ["extra", "name", "unit", "value"]) and
		(.name | type) == "string" and (.unit | type) == "string" and
		(.value | type) == "number" and (.extra | test("^n=[0-9]+ sd=")) and
		(.extra | contains("vs base: ")))' "github $f: an array of {name, unit, value, range, extra}"
done
n_gb=$("$JQ" length "$T/gb.json")
n_gs=$("$JQ" length "$T/gs.json")
[ $((n_gb + n_gs)) -eq "$njudged" ] ||
	fail "github: $n_gb + $n_gs items, want the $njudged judged metrics"
"$PY" - "$T/gb.json" "$T/ref.json" >"$T/v" 2>&1 <<'EOF' || fail "github-bigger: $(head -c 1500 "$T/v")"
import json, sys
got = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
ref = json.load(open(sys.argv[2]))
want = {"%s %s" % (e["label"], m["name"]): m["per_set"][1]["mean"]
        for e in ref["entries"] for m in e["metrics"] if m["better"] == "higher"}
assert sorted(got) == sorted(want), (sorted(got), sorted(want))
for k, v in want.items():
    assert abs(got[k] - v) <= 1e-13 * abs(v), (k, got[k], v)
EOF
pass "github-action-benchmark: $n_gb bigger-is-better and $n_gs smaller-is-better items, the new set's means, verdicts in extra"

# ---- bad input --------------------------------------------------------------------------

echo 'old' >"$T/keep"
expect_exit 2 "$PTSTAT" export --format csv "$T/base" -o "$T/keep"
grep -q "unknown format 'csv'" "$T/err" || fail "unknown format: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" export "$T/base"
grep -q "format is required" "$T/err" || fail "no format: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" export --format influx
expect_exit 2 "$PTSTAT" export --format influx "$T/nothing" -o "$T/keep"
expect_exit 2 "$PTSTAT" export --format kcidb --origin 'Bad-Origin' "$T/base" -o "$T/keep"
grep -q "origin" "$T/err" || fail "bad origin: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" export --format bmf --set nosuch "$T/base" -o "$T/keep"
expect_exit 2 "$PTSTAT" export --format influx --bogus "$T/base"
cp -r "$T/base" "$T/corrupt"
printf '{"schema": "ptbench/1", "bench":' >"$T/corrupt/mmap-churn.json"
expect_exit 2 "$PTSTAT" export --format influx "$T/corrupt" -o "$T/keep"
grep -q "refused" "$T/err" || fail "a set with a corrupt result: $(cat "$T/err")"
[ "$(cat "$T/keep")" = old ] || fail "a refused export changed the output file"
pass "unknown format, no format, no set, a missing set, a bad origin, an unknown --set, an unknown option, a corrupt result: exit 2, the old output kept"
