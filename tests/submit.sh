#!/usr/bin/env bash
# ptstat submit against real servers: InfluxDB 1.x and the Prometheus
# Pushgateway, started here on loopback. Every mean read back from them is
# ptstat compare's; a set sent twice is counted once; with InfluxDB stopped
# the items wait in the spool and --flush sends them once it is back, the
# count exact. KernelCI's KCIDB service cannot run offline (it needs
# containers and PostgreSQL), and a real server rarely times out or answers
# 400 on cue: for those, tests/http-standin.py, a local HTTP server that
# records each request and answers as told. With it: a submitter killed
# with SIGKILL mid-flush leaves whole items that a later flush sends; a
# timeout queues the item and the next flush sends the same document; a 400
# moves the item into rejected/ for good; the KCIDB bearer token goes in the
# header and nowhere else. Then bad input (exit 2, nothing queued), dir:,
# and runners/compare.sh --submit on existing sets.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed: it finds free ports and runs the HTTP stand-in"
command -v curl >/dev/null 2>&1 || skip "curl is not installed (Debian package curl): it reads the servers back"
command -v influxd >/dev/null 2>&1 ||
	skip "influxd is not installed (Debian package influxdb; runners/test.sh installs it)"
command -v prometheus-pushgateway >/dev/null 2>&1 ||
	skip "prometheus-pushgateway is not installed (Debian package prometheus-pushgateway; runners/test.sh installs it)"

# Loopback only, no proxy in between; no token, spool or XDG directory from
# the caller's environment.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY \
	PTBENCH_TOKEN PTBENCH_TOKEN_FILE PTBENCH_SPOOL
export HOME=$T/home XDG_STATE_HOME=$T/state
mkdir -p "$HOME"
STANDIN=$top_srcdir/tests/http-standin.py

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_http URL CODE PID WHAT: until URL answers CODE (30 s at most), while PID lives.
wait_http() {
	local i code
	for ((i = 0; i < 300; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null) || true
		[ "$code" != "$2" ] || return 0
		kill -0 "$3" 2>/dev/null || fail "$4 died while starting: $(tail -5 "$T/$4.log")"
		sleep 0.1
	done
	fail "$4 did not answer $2 at $1 within 30 s: $(tail -5 "$T/$4.log")"
}

stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

INFLUX_PID=
PG_PID=
SD_PID=
stop_servers() {
	stop_pid "$INFLUX_PID"
	stop_pid "$PG_PID"
	stop_pid "$SD_PID"
}
pt_at_exit stop_servers

# ---- the servers -------------------------------------------------------------------

IPORT=$(free_port)
RPORT=$(free_port)
GPORT=$(free_port)
mkdir -p "$T/influx"
cat >"$T/influx/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$RPORT"
[meta]
  dir = "$T/influx/meta"
[data]
  dir = "$T/influx/data"
  wal-dir = "$T/influx/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$IPORT"
  log-enabled = false
[continuous_queries]
  enabled = false
EOF
IURL=http://127.0.0.1:$IPORT
start_influx() {
	influxd -config "$T/influx/influxdb.conf" >>"$T/influxd.log" 2>&1 &
	INFLUX_PID=$!
	wait_http "$IURL/ping" 204 "$INFLUX_PID" influxd
}
start_influx
curl -sf -XPOST "$IURL/query" --data-urlencode 'q=CREATE DATABASE ptb' >/dev/null ||
	fail "CREATE DATABASE ptb failed"
prometheus-pushgateway --web.listen-address="127.0.0.1:$GPORT" --persistence.file="$T/pg" \
	>"$T/pushgateway.log" 2>&1 &
PG_PID=$!
GURL=http://127.0.0.1:$GPORT
wait_http "$GURL/-/ready" 200 "$PG_PID" pushgateway
TO_INFLUX=influx://127.0.0.1:$IPORT/ptb
TO_PG=pushgateway://127.0.0.1:$GPORT/ptbench
pass "influxd ($(influxd version 2>/dev/null | head -1)) and the Pushgateway listen on loopback"

SD=$T/standin
mkdir -p "$SD"
python3 "$STANDIN" "$SD" >"$T/standin.log" 2>&1 &
SD_PID=$!
for ((i = 0; i < 100; i++)); do
	[ ! -s "$SD/port" ] || break
	kill -0 "$SD_PID" 2>/dev/null || fail "the HTTP stand-in died: $(cat "$T/standin.log")"
	sleep 0.1
done
[ -s "$SD/port" ] || fail "the HTTP stand-in did not start"
SDPORT=$(cat "$SD/port")
# standin STATUS DELAY [REPLY]: how it answers from now on.
standin() {
	printf '%s\n' "$1" >"$SD/status"
	printf '%s\n' "$2" >"$SD/delay"
	printf '%s' "${3:-}" >"$SD/reply"
}
nrequests() {
	if [ -f "$SD/requests.jsonl" ]; then wc -l <"$SD/requests.jsonl"; else echo 0; fi
}

# ---- three small sets from real runs -------------------------------------------------

expect_exit 0 "$PTBENCH" sysinfo --no-probe
cp "$T/out" "$T/system.json"
for set in base new later; do
	mkdir -p "$T/$set"
	expect_exit 0 "$PTBENCH" run mmap-churn --iterations 300 --reps 3 -q \
		--label mmap-churn -o "$T/$set/mmap-churn.json"
	expect_exit 0 "$PTBENCH" run pt-teardown --tables 16 --iterations 200 --reps 3 -q \
		--label pt-teardown-16 -o "$T/$set/pt-teardown-16.json"
	cp "$T/system.json" "$T/$set/system.json"
done
pass "three sets made with ptbench run (mmap-churn, pt-teardown; 3 reps each)"

# ptstat's own figures: set, entry, metric, unit, mean.
expect_exit 0 "$PTSTAT" compare "$T/base" "$T/new" "$T/later" --format json
cp "$T/out" "$T/compare3.json"
"$JQ" -r '.entries[] | .label as $e | .metrics[] | .name as $m | .unit as $u |
	.per_set[] | select(.mean != null) | [.set, $e, $m, $u, .mean] | @tsv' "$T/out" >"$T/means.tsv"
npoints() { awk -F'\t' -v s="$1" '$1 == s' "$T/means.tsv" | wc -l; }
N_BASE=$(npoints base)
N_NEW=$(npoints new)
N_LATER=$(npoints later)
if [ "$N_BASE" -le 5 ] || [ "$N_NEW" -ne "$N_BASE" ] || [ "$N_LATER" -ne "$N_BASE" ]; then
	fail "unexpected metric counts: base $N_BASE, new $N_NEW, later $N_LATER"
fi

# same_values EXPECTED OBSERVED DESC: the two TSV files (keys..., value) hold
# the same keys, each once, and values equal to a relative 1e-9.
same_values() {
	python3 - "$1" "$2" >"$T/cmp.out" 2>&1 <<'EOF' || fail "$3: $(head -12 "$T/cmp.out")"
import sys

def load(path):
    d, dup = {}, []
    with open(path) as f:
        for line in f:
            *key, value = line.rstrip("\n").split("\t")
            if tuple(key) in d:
                dup.append(key)
            d[tuple(key)] = float(value)
    return d, dup

exp, _ = load(sys.argv[1])
obs, dup = load(sys.argv[2])
bad = ["observed twice: %s" % "/".join(k) for k in dup]
for k in sorted(set(exp) | set(obs)):
    if k not in obs:
        bad.append("missing: %s (want %.17g)" % ("/".join(k), exp[k]))
    elif k not in exp:
        bad.append("not expected: %s = %.17g" % ("/".join(k), obs[k]))
    elif abs(exp[k] - obs[k]) > 1e-9 * max(abs(exp[k]), abs(obs[k])):
        bad.append("%s: %.17g, want %.17g" % ("/".join(k), obs[k], exp[k]))
if not exp:
    bad.append("nothing expected")
print("\n".join(bad) if bad else "%d values equal" % len(exp))
sys.exit(1 if bad else 0)
EOF
}

# expected_means SET...: set, entry, metric, mean of those sets.
expected_means() {
	local s
	for s in "$@"; do
		awk -F'\t' -v s="$s" 'BEGIN { OFS = "\t" } $1 == s { print $1, $2, $3, $5 }' "$T/means.tsv"
	done
}

influx_query() {
	curl -sfG "$IURL/query" --data-urlencode db=ptb --data-urlencode "q=$1" >"$T/q.json" ||
		fail "InfluxDB query failed: $1"
}
influx_count() {
	influx_query 'SELECT count("mean") FROM ptbench'
	"$JQ" -r '.results[0].series[0].values[0][1] // 0' "$T/q.json"
}
# The means InfluxDB holds for the sets given, as set, entry, metric, mean.
influx_means() {
	local where
	where=$(printf "\"set\" = '%s' OR " "$@")
	influx_query "SELECT \"set\", \"entry\", \"metric\", \"mean\" FROM ptbench WHERE ${where% OR }"
	"$JQ" -r '.results[0].series[0] | .columns as $c | .values[] |
		[$c, .] | transpose | map({(.[0]): .[1]}) | add |
		[.set, .entry, .metric, .mean] | @tsv' "$T/q.json"
}
# The means the Pushgateway holds (stat="mean" of job ptbench), in the
# metric's own unit again (the export scales ns to seconds, KiB to bytes).
pushgateway_means() {
	curl -sf "$GURL/metrics" >"$T/metrics.txt" || fail "GET /metrics failed"
	python3 - "$T/metrics.txt" "$T/means.tsv" <<'EOF'
import re
import sys

scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "KiB": 1024.0, "MiB": 1048576.0}
units = {}
with open(sys.argv[2]) as f:
    for line in f:
        s, e, m, u, _ = line.rstrip("\n").split("\t")
        units[(e, m)] = u
sample = re.compile(r'^(ptbench_[a-zA-Z0-9_]+)\{(.*)\} (\S+)$')
label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
with open(sys.argv[1]) as f:
    for line in f:
        mo = sample.match(line.rstrip("\n"))
        if not mo:
            continue
        labels = dict(label.findall(mo.group(2)))
        if labels.get("job") != "ptbench" or labels.get("stat") != "mean":
            continue
        e, m = labels["entry"], labels["metric"]
        value = float(mo.group(3)) / scale.get(units.get((e, m), ""), 1.0)
        print("%s\t%s\t%s\t%.17g" % (labels["set"], e, m, value))
EOF
}

SP=$T/spool
no_items() {
	[ -z "$(find "$1" -maxdepth 1 -name '*.json' 2>/dev/null)" ] ||
		fail "$2: the spool $1 holds items: $(ls -a "$1")"
}
nitems() { find "$1" -maxdepth 1 -name '*.json' | wc -l; }

# ---- InfluxDB and the Pushgateway: one set, a comparison ----------------------------

expect_exit 0 "$PTSTAT" submit --spool "$SP" --to "$TO_INFLUX" \
	--to "$TO_PG" "$T/base"
no_items "$SP" "everything sent"
grep -q "$TO_INFLUX: sent influx \[\"base\"\] (HTTP 204)" "$T/err" ||
	fail "no word of the InfluxDB write: $(cat "$T/err")"
[ "$(influx_count)" -eq "$N_BASE" ] || fail "InfluxDB holds $(influx_count) points, want $N_BASE"
expected_means base >"$T/exp"
influx_means base >"$T/obs"
same_values "$T/exp" "$T/obs" "InfluxDB's means of set base"
pass "one set into InfluxDB: $N_BASE points, $(cat "$T/cmp.out") to ptstat compare's"
pushgateway_means >"$T/obs"
same_values "$T/exp" "$T/obs" "the Pushgateway's means of set base"
pass "one set into the Pushgateway: $(cat "$T/cmp.out")"

expect_exit 0 "$PTSTAT" submit --spool "$SP" --to "$TO_INFLUX" \
	--to "$TO_PG" "$T/base" "$T/new"
no_items "$SP" "the comparison sent"
WANT=$((N_BASE + N_NEW))
[ "$(influx_count)" -eq "$WANT" ] || fail "InfluxDB holds $(influx_count) points, want $WANT"
expected_means base new >"$T/exp"
influx_means base new >"$T/obs"
same_values "$T/exp" "$T/obs" "InfluxDB's means of the comparison"
pass "a comparison into InfluxDB: $WANT points (base's overwritten, not doubled), $(cat "$T/cmp.out")"
pushgateway_means >"$T/obs"
same_values "$T/exp" "$T/obs" "the Pushgateway's means of the comparison"
pass "a comparison into the Pushgateway, a group per set: $(cat "$T/cmp.out")"

# The verdicts and changes against the baseline are ptstat compare's.
expect_exit 0 "$PTSTAT" compare "$T/base" "$T/new" --format json
"$JQ" -r '.entries[] | .label as $e | .metrics[] | .name as $m | .comparisons[] |
	select(.change_pct != null) | [$e, $m, .change_pct] | @tsv' "$T/out" >"$T/exp"
# compare's verdict texts as the export's words.
"$JQ" -r 'def word: if . == "no significant change" then "same"
	elif . == "info: not judged" then "info" elif . == "n=1: no verdict" then "n1"
	elif startswith("missing in") then "missing" elif startswith("unit or direction") then "mismatch"
	else . end;
	.entries[] | .label as $e | .metrics[] | .name as $m | .comparisons[] |
	[$e, $m, (.verdict | word)] | @tsv' "$T/out" | sort >"$T/exp-verdicts"
influx_query "SELECT \"entry\", \"metric\", \"change_pct\", \"verdict\" FROM ptbench
	WHERE \"set\" = 'new'"
"$JQ" -r '.results[0].series[0].values[] | select(.[3] != null) | [.[1], .[2], .[3]] | @tsv' \
	"$T/q.json" >"$T/obs"
same_values "$T/exp" "$T/obs" "InfluxDB's change_pct of set new"
"$JQ" -r '.results[0].series[0].values[] | [.[1], .[2], .[4]] | @tsv' "$T/q.json" | sort >"$T/obs"
cmp -s "$T/exp-verdicts" "$T/obs" ||
	fail "InfluxDB's verdicts differ from ptstat compare's: $(diff "$T/exp-verdicts" "$T/obs" | head -5)"
pass "set new's change_pct ($(cat "$T/cmp.out")) and verdicts in InfluxDB are ptstat compare's"

# The same set again: the same points, overwritten; the same groups, replaced.
grep -c 'stat="mean"' "$T/metrics.txt" >"$T/pg-before"
expect_exit 0 "$PTSTAT" submit --spool "$SP" --to "$TO_INFLUX" \
	--to "$TO_PG" "$T/base"
[ "$(influx_count)" -eq "$WANT" ] || fail "base sent twice: InfluxDB holds $(influx_count) points, want $WANT"
pushgateway_means >/dev/null
[ "$(grep -c 'stat="mean"' "$T/metrics.txt")" -eq "$(cat "$T/pg-before")" ] ||
	fail "base sent twice: the Pushgateway's series went from $(cat "$T/pg-before") to $(grep -c 'stat="mean"' "$T/metrics.txt")"
pass "the same set sent twice: still $WANT points in InfluxDB, the same Pushgateway series"

# --samples: a point per repetition, whose mean InfluxDB computes to ptstat's.
expect_exit 0 "$PTSTAT" submit --spool "$SP" --samples --to "$TO_INFLUX" "$T/base"
influx_query 'SELECT count("value") FROM ptbench_sample'
got=$("$JQ" -r '.results[0].series[0].values[0][1]' "$T/q.json")
want=$("$JQ" '[.entries[].metrics[].per_set[] | select(.set == "base") | .n] | add' \
	"$T/compare3.json")
[ "$got" -eq "$want" ] || fail "--samples: InfluxDB holds $got samples of base, want $want"
[ "$(influx_count)" -eq "$WANT" ] || fail "--samples: the ptbench points went from $WANT to $(influx_count)"
influx_query 'SELECT mean("value") FROM ptbench_sample WHERE "set" = '\''base'\''
	GROUP BY "entry", "metric"'
"$JQ" -r '.results[0].series[] | ["base", .tags.entry, .tags.metric, .values[0][1]] | @tsv' \
	"$T/q.json" >"$T/obs"
expected_means base >"$T/exp"
same_values "$T/exp" "$T/obs" "InfluxDB's mean of base's samples"
pass "--samples: $want sample points; InfluxDB's mean of them per metric is ptstat's ($(cat "$T/cmp.out"))"

# ---- InfluxDB down: queued; back: flushed ---------------------------------------------

stop_pid "$INFLUX_PID"
INFLUX_PID=
expect_exit 1 "$PTSTAT" submit --spool "$SP" --timeout 5 --to "$TO_INFLUX" "$T/later"
grep -q "queued 1 item in $SP (server down?" "$T/err" || fail "no word of the queued item: $(cat "$T/err")"
grep -q "they are sent by the next submit or by ptstat submit --flush" "$T/err" ||
	fail "no word of how the queued item is sent: $(cat "$T/err")"
[ "$(nitems "$SP")" -eq 1 ] || fail "want 1 item in the spool, found: $(ls "$SP")"
ITEM=$(find "$SP" -maxdepth 1 -name '*.json')
jq_true "$ITEM" '.schema == "ptbench-spool/1" and .method == "POST" and
	(.url | endswith("/write?db=ptb&precision=ns")) and .sets == ["later"] and
	.attempts == 1 and (.last_error | type) == "string" and (.body | startswith("ptbench,set=later,"))' \
	"the queued item"
cp "$T/err" "$T/queued.err"
# Queued twice, it is one item (its name holds a hash of method, URL and body).
expect_exit 1 "$PTSTAT" submit --spool "$SP" --timeout 5 --to "$TO_INFLUX" "$T/later"
grep -q "already queued as $ITEM" "$T/err" || fail "the same submission again: $(cat "$T/err")"
[ "$(nitems "$SP")" -eq 1 ] || fail "the same submission queued twice made $(nitems "$SP") items"
jq_true "$ITEM" '.attempts == 2' "the item after a second failed attempt"
pass "InfluxDB stopped: exit 1, 'queued 1 item in SPOOL', one item however often it is submitted"

start_influx
expect_exit 0 "$PTSTAT" submit --flush --spool "$SP"
no_items "$SP" "--flush"
WANT=$((N_BASE + N_NEW + N_LATER))
[ "$(influx_count)" -eq "$WANT" ] || fail "after --flush InfluxDB holds $(influx_count) points, want $WANT"
expected_means later >"$T/exp"
influx_means later >"$T/obs"
same_values "$T/exp" "$T/obs" "InfluxDB's means of set later, flushed"
# A second flush finds nothing, and sending it again changes nothing.
expect_exit 0 "$PTSTAT" submit --flush --spool "$SP"
grep -q "nothing to send in $SP" "$T/err" || fail "an empty flush: $(cat "$T/err")"
expect_exit 0 "$PTSTAT" submit --spool "$SP" --to "$TO_INFLUX" "$T/later"
[ "$(influx_count)" -eq "$WANT" ] || fail "later resent: $(influx_count) points, want $WANT"
pass "InfluxDB restarted on its data: --flush exit 0, the spool empty, exactly $WANT points"

# ---- the stand-in: killed mid-flush, a timeout, a 400 ---------------------------------

# valid_spool DIR DESC: every file is .lock, rejected/, a whole item, or a
# temporary file of a killed writer (hidden: never read as an item; the
# next flush removes it).
valid_spool() {
	local f
	for f in "$1"/* "$1"/.[!.]*; do
		[ -e "$f" ] || continue
		case ${f##*/} in
		.lock | rejected | .*.json.??????) ;;
		*.json)
			"$JQ" -e '.schema == "ptbench-spool/1" and (.body | length) > 0 and
				(.attempts | type) == "number"' "$f" >/dev/null 2>&1 ||
				fail "$2: $f is not a whole item: $(head -c 300 "$f")"
			;;
		*) fail "$2: a stray file in the spool: $f" ;;
		esac
	done
}

SP2=$T/spool2
SDURL=influx://127.0.0.1:$SDPORT/x
standin 204 30
"$PTSTAT" submit --spool "$SP2" --timeout 60 --to "$SDURL" "$T/base" "$T/new" \
	>"$T/killed.out" 2>&1 &
pid=$!
for ((i = 0; i < 100; i++)); do
	[ "$(nrequests)" -lt 1 ] || break
	sleep 0.1
done
[ "$(nrequests)" -eq 1 ] || fail "the submitter never reached the stand-in: $(cat "$T/killed.out")"
kill -KILL "$pid"
rc=0
wait "$pid" 2>/dev/null || rc=$?
[ "$rc" -eq 137 ] || fail "the submitter was not killed by SIGKILL (exit $rc)"
[ "$(nitems "$SP2")" -eq 2 ] || fail "after SIGKILL, want the 2 items pending, found: $(ls -a "$SP2")"
valid_spool "$SP2" "killed mid-flush"
# Killed writers' temporary files, never taken for items: a drainer's
# rewrite of an item (beside it) is removed at once; a new item's (no item
# beside it) once it is old, else it may be a submitter at work.
first=$(find "$SP2" -maxdepth 1 -name '*.json' | sort | head -1)
first=${first##*/}
printf '{"schema": "ptbench-spool/1", "bo' >"$SP2/.$first.AbCdEf"
printf '{"sch' >"$SP2/.20200101T000000.000000000Z-0000000000000000.json.GhIjKl"
touch -d '2 hours ago' "$SP2/.20200101T000000.000000000Z-0000000000000000.json.GhIjKl"
printf '{"sch' >"$SP2/.20990101T000000.000000000Z-0000000000000000.json.XyZ123"
standin 204 0
expect_exit 0 "$PTSTAT" submit --flush --spool "$SP2"
no_items "$SP2" "the flush after SIGKILL"
[ ! -e "$SP2/.$first.AbCdEf" ] || fail "a killed rewrite's temporary file was left in the spool"
[ ! -e "$SP2/.20200101T000000.000000000Z-0000000000000000.json.GhIjKl" ] ||
	fail "a stale temporary file was left in the spool"
[ -e "$SP2/.20990101T000000.000000000Z-0000000000000000.json.XyZ123" ] ||
	fail "a fresh temporary file (a submitter at work) was removed"
rm -f "$SP2/.20990101T000000.000000000Z-0000000000000000.json.XyZ123"
rm -f "$SP2/.fresh.json.XyZ123"
[ "$(nrequests)" -eq 3 ] || fail "want 3 requests (1 killed, 2 flushed), the stand-in has $(nrequests)"
pass "SIGKILL mid-flush: both items pending and whole; the next flush sends them and removes dead writers' temporary files"

# Killed at random moments while the items are rewritten (503: attempts+1).
standin 503 0 'overloaded'
expect_exit 1 "$PTSTAT" submit --spool "$SP2" --to "$SDURL" \
	--to "pushgateway://127.0.0.1:$SDPORT/j" "$T/base" "$T/new" "$T/later"
for delay in 0.001 0.003 0.005 0.008 0.01 0.015 0.02 0.03; do
	"$PTSTAT" submit --flush --spool "$SP2" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	valid_spool "$SP2" "killed after $delay s"
	[ "$(nitems "$SP2")" -eq 6 ] || fail "killed after $delay s: $(nitems "$SP2") items, want 6"
done
ntmp=$(find "$SP2" -maxdepth 1 -name '.*.json.??????' | wc -l)
standin 204 0
expect_exit 0 "$PTSTAT" submit --flush --spool "$SP2"
no_items "$SP2" "the flush after the kills"
[ -z "$(find "$SP2" -maxdepth 1 -name '.*' ! -name .lock)" ] ||
	fail "the flush after the kills left temporary files: $(ls -a "$SP2")"
pass "SIGKILL at 8 moments of a flush that rewrites items: always 6 whole items ($ntmp killed rewrite left), then all sent, nothing left"

# A timeout: the stand-in records the request but answers too late.
standin 204 3
before=$(nrequests)
expect_exit 1 "$PTSTAT" submit --spool "$SP2" --timeout 1 --to "$SDURL" "$T/base"
grep -q "timeout after 1 s" "$T/err" || fail "no word of the timeout: $(cat "$T/err")"
grep -q "queued 1 item in $SP2" "$T/err" || fail "the timed-out item is not said to be queued: $(cat "$T/err")"
jq_true "$(find "$SP2" -maxdepth 1 -name '*.json')" '(.last_error | startswith("timeout")) and .attempts == 1' \
	"the timed-out item"
standin 204 0
expect_exit 0 "$PTSTAT" submit --flush --spool "$SP2"
no_items "$SP2" "the flush after the timeout"
[ "$(nrequests)" -eq $((before + 2)) ] || fail "want the request twice, the stand-in has $(($(nrequests) - before))"
tail -n 2 "$SD/requests.jsonl" | "$JQ" -s -e '.[0].body == .[1].body and .[0].path == .[1].path' >/dev/null ||
	fail "the request sent again after the timeout is not the same"
pass "a timeout: queued, the next flush sends the same request again (harmless to InfluxDB: see the set sent twice)"

# Two submitters: the second waits for the first's drain (and says so),
# then finds the item sent; it is sent once.
standin 204 2
before=$(nrequests)
"$PTSTAT" submit --spool "$SP2" --to "$SDURL" "$T/later" >"$T/first.out" 2>&1 &
pid=$!
for ((i = 0; i < 100; i++)); do
	[ "$(nrequests)" -le "$before" ] || break
	sleep 0.1
done
expect_exit 0 "$PTSTAT" submit --flush --spool "$SP2"
grep -q "another ptstat submit is sending the items of $SP2: waiting for it to finish" "$T/err" ||
	fail "the second submitter did not say it waits: $(cat "$T/err")"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "the first submitter: exit $rc: $(cat "$T/first.out")"
[ "$(nrequests)" -eq $((before + 1)) ] || fail "two submitters sent the item $(($(nrequests) - before)) times"
no_items "$SP2" "two submitters"
pass "two submitters: the second waits for the lock, says so, and the item is sent once"

# A 400 is final: the item goes into rejected/ with the message, not sent again.
standin 400 0 '{"error":"unable to parse '\''ptbench,set=base'\'': missing fields"}'
before=$(nrequests)
expect_exit 3 "$PTSTAT" submit --spool "$SP2" --to "$SDURL" "$T/base"
grep -qF "ptstat submit: $SDURL: HTTP 400: {\"error\":\"unable to parse 'ptbench,set=base': missing fields\"}" "$T/err" ||
	fail "the server's message is not printed: $(cat "$T/err")"
grep -q "1 item was rejected: in $SP2/rejected" "$T/err" || fail "no word of rejected/: $(cat "$T/err")"
no_items "$SP2" "a rejected item"
[ "$(nitems "$SP2/rejected")" -eq 1 ] || fail "want 1 item in rejected/: $(ls -a "$SP2/rejected")"
jq_true "$(find "$SP2/rejected" -name '*.json')" '.rejected.status == 400 and
	(.rejected.message | contains("missing fields")) and (.last_error | startswith("HTTP 400"))' \
	"the rejected item"
standin 204 0
expect_exit 0 "$PTSTAT" submit --flush --spool "$SP2"
[ "$(nrequests)" -eq $((before + 1)) ] || fail "the rejected item was sent again"
[ "$(nitems "$SP2/rejected")" -eq 1 ] || fail "the rejected item left rejected/"
pass "HTTP 400: exit 3, the message printed and kept in rejected/, not sent again"

# ---- KCIDB (stand-in): the token in the header, nowhere else ---------------------------

TOKEN=ptb-secret-$RANDOM$RANDOM$RANDOM
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"
SP3=$T/spool3
KURL=kcidb+http://127.0.0.1:$SDPORT/submit
expect_exit 0 "$PTSTAT" export --format kcidb --origin ptb_test "$T/base" "$T/new"
cp "$T/out" "$T/kcidb.json"
expect_exit 0 "$PTSTAT" submit --spool "$SP3" --token-file "$T/token" --origin ptb_test \
	--to "$KURL" "$T/base" "$T/new"
cat "$T/out" "$T/err" >"$T/said"
tail -n 1 "$SD/requests.jsonl" >"$T/req.json"
"$JQ" -e --arg t "Bearer $TOKEN" '.method == "POST" and .path == "/submit" and
	.headers.Authorization == $t and .headers["Content-Type"] == "application/json"' \
	"$T/req.json" >/dev/null || fail "the KCIDB request: $("$JQ" -c 'del(.body)' "$T/req.json")"
"$JQ" -j .body "$T/req.json" >"$T/body.json"
cmp -s "$T/body.json" "$T/kcidb.json" || fail "the KCIDB body is not ptstat export --format kcidb's"
jq_true "$T/body.json" '.version == {major: 5, minor: 3} and (.tests | length) > 0' "the KCIDB body"
# With the stand-in answering 503 the item waits in the spool, without the token.
standin 503 0 'try later'
expect_exit 1 "$PTSTAT" submit --spool "$SP3" --token-file "$T/token" --origin ptb_test \
	--to "$KURL" "$T/base" "$T/new"
cat "$T/out" "$T/err" >>"$T/said"
jq_true "$(find "$SP3" -maxdepth 1 -name '*.json')" '.auth == "bearer" and .sets == ["base", "new"]' \
	"the queued KCIDB item"
# Without a token the flush keeps it; with PTBENCH_TOKEN it sends it.
standin 200 0
expect_exit 1 "$PTSTAT" submit --flush --spool "$SP3"
grep -q "needs the token" "$T/err" || fail "a flush without the token: $(cat "$T/err")"
[ "$(nitems "$SP3")" -eq 1 ] || fail "a flush without the token did not keep the item"
expect_exit 0 env PTBENCH_TOKEN="$TOKEN" "$PTSTAT" submit --flush --spool "$SP3"
cat "$T/out" "$T/err" >>"$T/said"
no_items "$SP3" "the KCIDB flush with PTBENCH_TOKEN"
tail -n 1 "$SD/requests.jsonl" | "$JQ" -e --arg t "Bearer $TOKEN" '.headers.Authorization == $t' \
	>/dev/null || fail "the flushed KCIDB request lacks the token"
! grep -rqF "$TOKEN" "$SP3" "$T/said" || fail "the token is in the spool or in ptstat's output"
! grep -rqF "$TOKEN" "$SP" "$SP2" || fail "the token is in a spool"
pass "KCIDB to a stand-in: Authorization: Bearer from the file; body = ptstat export's; the token not in the spool nor in any output"
# An InfluxDB token goes as "Token".
expect_exit 0 env PTBENCH_TOKEN_FILE="$T/token" "$PTSTAT" submit --spool "$SP3" --to "$SDURL" \
	"$T/base"
tail -n 1 "$SD/requests.jsonl" | "$JQ" -e --arg t "Token $TOKEN" '.headers.Authorization == $t' \
	>/dev/null || fail "the InfluxDB token is not sent as 'Token'"
pass "an InfluxDB target sends the token (PTBENCH_TOKEN_FILE) as 'Authorization: Token'"

# ---- bad input: exit 2, nothing queued ---------------------------------------------------

SP4=$T/spool4
mkdir -p "$T/broken"
cp "$T/base"/*.json "$T/broken/"
printf '{"schema": "ptbench/1", "bench": ' >"$T/broken/truncated.json"
bad_input() {
	local want=$1
	shift
	expect_exit 2 "$PTSTAT" submit --spool "$SP4" "$@"
	grep -q -- "$want" "$T/err" || fail "$*: the message lacks '$want': $(cat "$T/err")"
	no_items "$SP4" "$*"
	[ "$(wc -l <"$T/err")" -le 3 ] || fail "$*: a long message: $(cat "$T/err")"
}
bad_input "unknown target" --to "ftp://127.0.0.1/x" "$T/base"
bad_input "want 1 to 65535" --to "influx://127.0.0.1:99999/ptb" "$T/base"
bad_input "want influx://HOST" --to "influx://127.0.0.1:$IPORT" "$T/base"
bad_input "no user or password" --to "influx://u:p@127.0.0.1:$IPORT/ptb" "$T/base"
bad_input "needs a token" --to "$KURL" "$T/base"
bad_input "token file" --token-file "$T/no-such-token" --to "$KURL" "$T/base"
bad_input "no-such-set" --to "$TO_INFLUX" "$T/no-such-set"
bad_input "problem" --to "$TO_INFLUX" "$T/base" "$T/broken"
bad_input "unknown option" --to "$TO_INFLUX" --bogus "$T/base"
bad_input "--origin" --origin Bad-Origin --to "$KURL" --token-file "$T/token" "$T/base"
bad_input "--timeout" --timeout 0 --to "$TO_INFLUX" "$T/base"
bad_input "without a set" --to "$TO_INFLUX"
bad_input "no target" "$T/base"
bad_input "--correction" --correction none --to "$TO_INFLUX" "$T/base"
[ "$(influx_count)" -eq "$WANT" ] || fail "bad input reached InfluxDB"
pass "bad input (scheme, port, path, credentials, token, sets, options): exit 2, one message, nothing queued"

# The default spool is per user, under XDG_STATE_HOME.
standin 503 0
expect_exit 1 "$PTSTAT" submit --to "$SDURL" "$T/base"
[ "$(nitems "$XDG_STATE_HOME/ptbench/spool")" -eq 1 ] ||
	fail "the default spool is not \$XDG_STATE_HOME/ptbench/spool: $(cat "$T/err")"
[ "$(stat -c %a "$XDG_STATE_HOME/ptbench/spool")" = 700 ] || fail "the spool is not mode 700"
standin 204 0
expect_exit 0 env PTBENCH_SPOOL="$XDG_STATE_HOME/ptbench/spool" "$PTSTAT" submit --flush
no_items "$XDG_STATE_HOME/ptbench/spool" "PTBENCH_SPOOL"
pass "the default spool is \$XDG_STATE_HOME/ptbench/spool (mode 700); PTBENCH_SPOOL names it too"

# An item that is not one (hand-edited: no format, or not JSON) is set
# aside into rejected/ with a word, never sent, never a crash; a whole item
# beside it is sent.
SP5=$T/spool5
standin 503 0
expect_exit 1 "$PTSTAT" submit --spool "$SP5" --to "$SDURL" "$T/base"
item=$(find "$SP5" -maxdepth 1 -name '*.json' | head -1)
[ -n "$item" ] || fail "no item queued in $SP5"
"$JQ" 'del(.format)' "$item" >"$SP5/00000000T000000.000000000Z-0000000000000001.json"
printf '{"schema": "ptbench-spool/1", "method":' >"$SP5/00000000T000000.000000000Z-0000000000000002.json"
standin 204 0
before=$(nrequests)
expect_exit 3 "$PTSTAT" submit --flush --spool "$SP5"
grep -q "is not a spool item (format is not a string)" "$T/err" ||
	fail "an item without its format: $(cat "$T/err")"
[ "$(nrequests)" -eq $((before + 1)) ] || fail "not exactly the whole item was sent: $(cat "$T/err")"
[ "$(find "$SP5/rejected" -name '*.json' | wc -l)" -eq 2 ] ||
	fail "the two broken items are not in rejected/: $(ls -R "$SP5")"
no_items "$SP5" "a flush with broken items"
pass "hand-broken spool items (no format, truncated JSON): set aside into rejected/ with the reason, exit 3; the whole item sent"

# ---- dir: every format's file ---------------------------------------------------------------

expect_exit 0 "$PTSTAT" submit --spool "$SP4" --to "dir:$T/upload/ci" "$T/base" "$T/new"
no_items "$SP4" "dir:"
for pair in influx:influx.lp openmetrics:metrics.prom kcidb:kcidb.json bmf:bmf.json \
	github-bigger:github-bigger-is-better.json github-smaller:github-smaller-is-better.json; do
	expect_exit 0 "$PTSTAT" export --format "${pair%%:*}" "$T/base" "$T/new"
	cmp -s "$T/out" "$T/upload/ci/${pair#*:}" ||
		fail "dir: ${pair#*:} is not ptstat export --format ${pair%%:*}'s"
done
[ -z "$(find "$T/upload/ci" -name '.*')" ] || fail "dir: left temporary files: $(ls -a "$T/upload/ci")"
pass "dir:PATH: the six files, each ptstat export's document"

# ---- runners/compare.sh --submit, on the sets above ------------------------------------------

COMPARE=$top_srcdir/runners/compare.sh
export PTSTAT PTBENCH_SPOOL=$T/spool5
rc=0
"$COMPARE" "$T/base" "$T/new" --out "$T/report" --submit "$TO_INFLUX" \
	--submit "dir:$T/upload/cmp" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 0 ] || fail "compare.sh --submit: exit $rc: $(tail -5 "$T/err")"
[ -s "$T/report/index.html" ] || fail "compare.sh --submit: no report"
cmp -s "$T/upload/cmp/influx.lp" "$T/upload/ci/influx.lp" || fail "compare.sh --submit dir: differs from ptstat submit's"
[ "$(influx_count)" -eq "$WANT" ] || fail "compare.sh --submit: InfluxDB holds $(influx_count) points, want $WANT"
no_items "$T/spool5" "compare.sh --submit"
standin 400 0 'no such database'
rc=0
"$COMPARE" "$T/base" "$T/new" --out "$T/report2" --submit "$SDURL" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 5 ] || fail "compare.sh --submit to a server that answers 400: exit $rc, want 5: $(tail -5 "$T/err")"
grep -q "HTTP 400: no such database" "$T/err" || fail "compare.sh --submit: the server's message is lost: $(cat "$T/err")"
grep -q "not everything reached the dashboards" "$T/err" || fail "compare.sh: no word of the failed submit"
[ -s "$T/report2/index.html" ] || fail "compare.sh --submit: the report is gone after a failed submit"
expect_exit 2 "$COMPARE" "$T/base" "$T/new" --out "$T/report3" --submit "ftp://x"
[ ! -e "$T/report3" ] || fail "compare.sh --submit ftp://x wrote a report"
pass "compare.sh --submit: the sets reach InfluxDB and dir:; a 400 is exit 5 with the report kept; a bad URL exit 2 before anything"
