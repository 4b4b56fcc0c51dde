// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a ptbench/1 result and checking the fields results/README.md
 * promises, for the tools that rewrite results (ptstat merge).  The
 * messages name the field: "metrics.ns_per_op.samples: has 3 values, but
 * params.reps is 5".
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "result.h"

static int bad(char *err, size_t len, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(char *err, size_t len, const char *field, const char *fmt, ...)
{
	int n = snprintf(err, len, "%s: ", field);
	va_list ap;

	if (n < 0 || (size_t)n >= len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *pt_json_kind(const json_t *v)
{
	if (!v)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		break;
	}
	return "null";
}

/* obj.key must be of type want; "is a string, want an object". */
static int need(const json_t *obj, const char *key, json_type want, const char *field,
		char *err, size_t len)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string", [JSON_INTEGER] = "a whole number",
		[JSON_REAL] = "a number", [JSON_TRUE] = "a boolean",
	};
	json_t *v = json_object_get(obj, key);

	if (v && (json_typeof(v) == want || (want == JSON_REAL && json_is_number(v)) ||
		  (want == JSON_TRUE && json_is_boolean(v))))
		return 0;
	if (!v)
		return bad(err, len, field, "missing");
	return bad(err, len, field, "is %s, want %s", pt_json_kind(v), names[want]);
}

static int check_strings(const json_t *arr, const char *field, char *err, size_t len)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (!json_is_string(v))
			return bad(err, len, field, "item %zu is %s, want a string", i, pt_json_kind(v));
	return 0;
}

static int check_samples(const json_t *s, const char *field, size_t reps, bool nulls,
			 char *err, size_t len)
{
	size_t i;
	json_t *v;

	if (!json_is_array(s))
		return bad(err, len, field, s ? "is %s, want an array" : "missing", pt_json_kind(s));
	if (json_array_size(s) != reps)
		return bad(err, len, field, "has %zu values, but params.reps is %zu",
			   json_array_size(s), reps);
	json_array_foreach(s, i, v)
		if (!json_is_number(v) && !(nulls && json_is_null(v)))
			return bad(err, len, field, "item %zu is %s, want a number", i, pt_json_kind(v));
	return 0;
}

static int check_metric(const char *name, const json_t *m, size_t reps, char *err, size_t len)
{
	const char *better;
	char field[300];

	snprintf(field, sizeof(field), "metrics.%s", name);
	if (!json_is_object(m))
		return bad(err, len, field, "is %s, want an object", pt_json_kind(m));
	snprintf(field, sizeof(field), "metrics.%s.unit", name);
	if (need(m, "unit", JSON_STRING, field, err, len))
		return -1;
	snprintf(field, sizeof(field), "metrics.%s.better", name);
	if (need(m, "better", JSON_STRING, field, err, len))
		return -1;
	better = json_string_value(json_object_get(m, "better"));
	if (strcmp(better, "higher") && strcmp(better, "lower") && strcmp(better, "info"))
		return bad(err, len, field, "is '%s', want higher, lower or info", better);
	snprintf(field, sizeof(field), "metrics.%s.samples", name);
	return check_samples(json_object_get(m, "samples"), field, reps, true, err, len);
}

static int check_counter(const char *name, const json_t *c, size_t reps, char *err, size_t len)
{
	char field[300];

	snprintf(field, sizeof(field), "counters.%s", name);
	if (!json_is_object(c))
		return bad(err, len, field, "is %s, want an object", pt_json_kind(c));
	snprintf(field, sizeof(field), "counters.%s.supported", name);
	if (need(c, "supported", JSON_TRUE, field, err, len))
		return -1;
	if (json_is_false(json_object_get(c, "supported"))) {
		snprintf(field, sizeof(field), "counters.%s.reason", name);
		return need(c, "reason", JSON_STRING, field, err, len);
	}
	snprintf(field, sizeof(field), "counters.%s.samples", name);
	return check_samples(json_object_get(c, "samples"), field, reps, false, err, len);
}

static int check_checks(const json_t *checks, char *err, size_t len)
{
	char field[64];
	size_t i;
	json_t *c;

	json_array_foreach(checks, i, c) {
		snprintf(field, sizeof(field), "checks[%zu]", i);
		if (!json_is_object(c))
			return bad(err, len, field, "is %s, want an object", pt_json_kind(c));
		snprintf(field, sizeof(field), "checks[%zu].name", i);
		if (need(c, "name", JSON_STRING, field, err, len))
			return -1;
		snprintf(field, sizeof(field), "checks[%zu].ok", i);
		if (need(c, "ok", JSON_TRUE, field, err, len))
			return -1;
		snprintf(field, sizeof(field), "checks[%zu].detail", i);
		if (need(c, "detail", JSON_STRING, field, err, len))
			return -1;
	}
	return 0;
}

/* schema, bench, label, command, params.reps, started, placement, kernel */
static int check_header(const json_t *doc, size_t *reps, char *err, size_t len)
{
	const char *schema;
	json_t *r;
	double d;

	if (need(doc, "schema", JSON_STRING, "schema", err, len))
		return -1;
	schema = json_string_value(json_object_get(doc, "schema"));
	if (strcmp(schema, PT_SCHEMA_RESULT))
		return bad(err, len, "schema", "is '%s', want '%s'", schema, PT_SCHEMA_RESULT);
	if (need(doc, "bench", JSON_STRING, "bench", err, len) ||
	    need(doc, "label", JSON_STRING, "label", err, len) ||
	    need(doc, "command", JSON_ARRAY, "command", err, len) ||
	    check_strings(json_object_get(doc, "command"), "command", err, len) ||
	    need(doc, "params", JSON_OBJECT, "params", err, len) ||
	    need(doc, "started", JSON_STRING, "started", err, len) ||
	    need(doc, "placement", JSON_OBJECT, "placement", err, len) ||
	    need(doc, "kernel", JSON_OBJECT, "kernel", err, len))
		return -1;
	if (!*json_string_value(json_object_get(doc, "label")))
		return bad(err, len, "label", "is empty");
	r = json_object_get(json_object_get(doc, "params"), "reps");
	d = json_number_value(r);
	if (!json_is_number(r) || !(d >= 1 && d <= 1e9 && d == floor(d)))
		return bad(err, len, "params.reps", "is %s, want a whole number of at least 1",
			   r && json_is_number(r) ? "out of range" : pt_json_kind(r));
	*reps = (size_t)d;
	return 0;
}

int pt_result_check(const json_t *doc, char *err, size_t len)
{
	const char *name;
	size_t reps = 0;	/* set by check_header when it succeeds */
	json_t *v, *o;

	if (!json_is_object(doc))
		return bad(err, len, "the document", "is %s, want an object", pt_json_kind(doc));
	if (check_header(doc, &reps, err, len) ||
	    need(doc, "metrics", JSON_OBJECT, "metrics", err, len) ||
	    need(doc, "counters", JSON_OBJECT, "counters", err, len) ||
	    need(doc, "checks", JSON_ARRAY, "checks", err, len) ||
	    need(doc, "warnings", JSON_ARRAY, "warnings", err, len) ||
	    check_strings(json_object_get(doc, "warnings"), "warnings", err, len) ||
	    check_checks(json_object_get(doc, "checks"), err, len))
		return -1;
	o = json_object_get(doc, "metrics");
	if (!json_object_size(o))
		return bad(err, len, "metrics", "is empty");
	json_object_foreach(o, name, v)
		if (check_metric(name, v, reps, err, len))
			return -1;
	json_object_foreach(json_object_get(doc, "counters"), name, v)
		if (check_counter(name, v, reps, err, len))
			return -1;
	/* Optional: older results and kernbench's have none. */
	v = json_object_get(doc, "findings");
	if (v && !json_is_null(v) && !json_is_object(v))
		return bad(err, len, "findings", "is %s, want an object", pt_json_kind(v));
	v = json_object_get(doc, "paths");
	if (v && !json_is_null(v) && !json_is_object(v))
		return bad(err, len, "paths", "is %s, want an object or null", pt_json_kind(v));
	return 0;
}

const char *pt_free_path_of(double rcu, double direct, double sync)
{
	if (rcu == 0 && direct == 0)
		return "none";
	if (sync > 0 && direct == 0 && 2 * sync >= rcu)
		return "sync-ipi";	/* no batch page: one IPI per table */
	if (rcu > 0 && direct > 0)
		return "mixed";
	return rcu > 0 ? "rcu" : "direct";
}

const char *pt_flush_path_of(double pv, double native)
{
	if (pv > 0)
		return "pv";
	return native > 0 ? "ipi" : "none";
}

/* doc, or NULL with why it is not a JSON object in err (doc released). */
static json_t *json_object_or_why(json_t *doc, const json_error_t *jerr, char *err, size_t len)
{
	if (!doc) {
		if (jerr->line > 0)
			snprintf(err, len, "not valid JSON (line %d, column %d): %s",
				 jerr->line, jerr->column, jerr->text);
		else
			snprintf(err, len, "%s", jerr->text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		bad(err, len, "the document", "is %s, want an object", pt_json_kind(doc));
		json_decref(doc);
		return NULL;
	}
	return doc;
}

json_t *pt_json_read(const char *path, char *err, size_t len)
{
	json_error_t jerr;

	return json_object_or_why(json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), &jerr,
				  err, len);
}

json_t *pt_json_parse(const char *text, size_t n, char *err, size_t len)
{
	json_error_t jerr;

	return json_object_or_why(json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr), &jerr,
				  err, len);
}

/* doc when it is a valid result, else NULL (doc released). */
static json_t *result_or_why(json_t *doc, char *err, size_t len)
{
	if (doc && pt_result_check(doc, err, len)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

json_t *pt_result_read(const char *path, char *err, size_t len)
{
	return result_or_why(pt_json_read(path, err, len), err, len);
}

json_t *pt_result_parse(const char *text, size_t n, char *err, size_t len)
{
	return result_or_why(pt_json_parse(text, n, err, len), err, len);
}
