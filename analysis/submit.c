// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat submit: the exports (export.c) sent to dashboards through a
 * durable spool.  Every submission is first an item file in the spool,
 * written whole or not at all; the spool is then drained in the order the
 * items were made, under a lock.  An item leaves the spool only when the
 * server took it (2xx: unlinked) or refused it for good (4xx: renamed into
 * rejected/ with the server's message); anything else leaves it there for
 * the next submit or ptstat submit --flush.  Each step is one unlink, one
 * rename or one atomic rewrite, so a submitter killed at any point leaves
 * every item either pending or gone, never half-written; and every format
 * is idempotent at its server, so an item sent again after a lost answer
 * is not counted twice.
 *
 * HTTP goes through libcurl, not the curl command: the status code and the
 * server's message come back into this process, the token never appears in
 * a child's argv (where ps and /proc show it), the timeouts are ours, and
 * no body or URL passes through a shell's quoting.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "../common/result.h"
#include "export.h"
#include "report.h"
#include "resultset.h"
#include "write.h"

#define PROG		"ptstat submit"
#define SPOOL_SCHEMA	"ptbench-spool/1"
#define DEFAULT_TIMEOUT	30.0	/* seconds per request */
#define REPLY_MAX	4096	/* bytes of a server's answer kept */
#define MESSAGE_MAX	2000	/* characters of it stored in an item */
#define PRINT_MAX	500	/* characters of it printed */
/* A temporary file older than this is a killed writer's: removed. */
#define STALE_TMP_S	600

static void submit_help(FILE *f)
{
	fputs("Usage: ptstat submit --to URL [--to URL...] [options] SET...\n"
"       ptstat submit --flush [--spool DIR] [--token-file FILE] [--timeout S]\n"
"\n"
"Sends result sets to performance dashboards, in the formats of ptstat\n"
"export. With two sets or more the first is the baseline, as in ptstat\n"
"compare, and the exports carry each set's change and verdict against it.\n"
"\n"
"Targets (--to, repeatable):\n"
"  influx://HOST[:PORT]/DB     InfluxDB 1.x: POST http://HOST:PORT/write?db=DB&\n"
"                              precision=ns, the influx export (line protocol),\n"
"                              one request per set (PORT default 8086)\n"
"  pushgateway://HOST[:PORT]/JOB\n"
"                              Prometheus Pushgateway: PUT http://HOST:PORT/\n"
"                              metrics/job/JOB/set/LABEL, the openmetrics\n"
"                              export of that set alone (PORT default 9091;\n"
"                              JOB of letters, digits, '_', '.', ':', '-'; a\n"
"                              LABEL with other characters goes as\n"
"                              set@base64/BASE64URL)\n"
"  kcidb+https://HOST[:PORT]/PATH\n"
"                              KernelCI KCIDB: POST https://HOST:PORT/PATH, the\n"
"                              kcidb export of all the sets in one request,\n"
"                              with 'Authorization: Bearer TOKEN' (a token is\n"
"                              required); kcidb+http:// for a local stand-in\n"
"  dir:PATH                    every format's file, all the sets, written\n"
"                              atomically into PATH (created if needed) at once,\n"
"                              for a CI job to upload; no spool. The files:\n", f);
	for (int i = 0; i < EX_NFORMATS; i++)
		fprintf(f, "%30s%s (%s)\n", "", ex_file_name((enum ex_format)i),
			ex_format_name((enum ex_format)i));
	fputs("\n"
"Options:\n"
"  --to URL            a target (above)\n"
"  --flush             send what the spool holds; with no SET, that alone\n"
"  --spool DIR         the spool (default: $PTBENCH_SPOOL, else\n"
"                      ${XDG_STATE_HOME:-$HOME/.local/state}/ptbench/spool)\n"
"  --token-file FILE   the token: its first line (default: $PTBENCH_TOKEN,\n"
"                      else the file $PTBENCH_TOKEN_FILE names)\n"
"  --timeout S         seconds a request may take, connection included\n"
"                      (default 30)\n"
"  --origin O          the KCIDB origin, [a-z0-9_], 1 to 64 (default ptbench)\n"
"  --samples           influx: a point per repetition as well\n"
"  --alpha P, --min-change PCT, --correction bh|holm, --allow-mixed\n"
"                      as in ptstat compare: the verdicts the exports carry\n"
"  -h, --help          this help\n"
"\n"
"The token. It is read from a file or the environment, never from the\n"
"command line (where ps shows it), and it is written nowhere: not into the\n"
"spool, nor into a message. A kcidb target without one is refused. An\n"
"influx target sends it as 'Authorization: Token TOKEN' when there is one;\n"
"the Pushgateway gets none. Items that need it wait in the spool until a\n"
"submit or --flush has it again.\n"
"\n"
"The spool. Each request is first written into the spool, atomically, as an\n"
"item: a JSON document (schema ptbench-spool/1: method, url, target,\n"
"content_type, format, sets, created, attempts, last_error, body; never the\n"
"token) named CREATED-HASH.json, HASH from the method, URL and body, so that\n"
"the same submission queued twice is one item. Then the spool is drained,\n"
"oldest item first, under a lock on SPOOL/.lock; a second submitter waits\n"
"for the first to finish (it says so), then drains what is left. Per item:\n"
"  2xx         sent: the item is removed\n"
"  3xx, other 4xx\n"
"              rejected: the item moves into SPOOL/rejected/ with the\n"
"              server's message, which is printed; it is not sent again (move\n"
"              it back into SPOOL to retry it). Redirects are not followed:\n"
"              a token is not sent on to another server\n"
"  5xx, 408, 429, no connection, a timeout\n"
"              kept: its attempts and last_error are updated, and the items\n"
"              behind it for the same server wait too, so that a server\n"
"              gets its items in order; the next submit or --flush sends them\n"
"Each step is one unlink, one rename or one atomic rewrite: a submitter\n"
"killed at any point leaves each item pending, sent or rejected, whole.\n"
"Nothing is lost while a server is down. Nothing is counted twice when an\n"
"item is sent again after a timeout whose request did land: every format is\n"
"idempotent at its server (InfluxDB overwrites a point of the same series\n"
"and timestamp, and a set's timestamp is its start; a Pushgateway PUT\n"
"replaces the group; KCIDB ids are the same for the same set and origin).\n"
"\n"
"Why libcurl and not the curl command: the status code and the server's\n"
"message come back into ptstat, the token is never in a child's argv, the\n"
"timeouts are ptstat's, and no body passes through a shell's quoting.\n"
"\n"
"Everything is checked before anything is written: an unknown option or\n"
"target, a malformed URL, a set that does not load or has files left out, a\n"
"missing token, each exits 2 with nothing queued.\n"
"\n"
"Exit status: 0 everything sent (the spool holds nothing pending); 1 items\n"
"stay queued (a server down, a timeout, a 5xx) or a file could not be\n"
"written; 2 bad usage or input, nothing queued; 3 an item was rejected\n"
"(this wins over 1).\n", f);
}

/* ---- targets ----------------------------------------------------------------- */

enum kind { T_INFLUX, T_PUSHGATEWAY, T_KCIDB, T_DIR };

struct target {
	const char *spec;	/* as given */
	enum kind kind;
	char *base;		/* "http://HOST:PORT" */
	char *name;		/* influx: DB; pushgateway: JOB; kcidb: /PATH; dir: PATH */
};

static bool is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The URL-safe base64 of s (RFC 4648 section 5, padded), as the Pushgateway reads it. */
static char *base64url(const char *s)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(s);
	char *out = rs_xmalloc(4 * (n / 3 + 1) + 1), *p = out;
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)u[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)u[i + 1] << 8;
		if (i + 2 < n)
			v |= u[i + 2];
		*p++ = abc[v >> 18 & 63];
		*p++ = abc[v >> 12 & 63];
		*p++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
		*p++ = i + 2 < n ? abc[v & 63] : '=';
	}
	*p = 0;
	return out;
}

/*
 * "HOST[:PORT]" up to the first '/' of s (or its end) into t->base, with
 * the scheme given; *rest after it.  0, or 2 after a message.
 */
static int parse_authority(struct target *t, const char *s, const char *scheme,
			   unsigned long def_port, const char **rest)
{
	const char *end = strchr(s, '/'), *colon = NULL, *host_end;
	unsigned long port = def_port;
	char portbuf[8];
	size_t hlen;

	if (!end)
		end = s + strlen(s);
	if (memchr(s, '@', (size_t)(end - s)))
		return pw_usage(PROG, "--to '%s': no user or password in the URL (they would "
				"be stored in the spool): give a token with --token-file", t->spec);
	if (*s == '[') {
		host_end = memchr(s, ']', (size_t)(end - s));
		if (!host_end || host_end == s + 1)
			return pw_usage(PROG, "--to '%s': malformed IPv6 address", t->spec);
		for (const char *p = s + 1; p < host_end; p++)
			if (!strchr("0123456789abcdefABCDEF:.", *p))
				return pw_usage(PROG, "--to '%s': malformed IPv6 address", t->spec);
		host_end++;
		if (host_end < end && *host_end != ':')
			return pw_usage(PROG, "--to '%s': malformed host", t->spec);
		if (host_end < end)
			colon = host_end;
	} else {
		colon = memchr(s, ':', (size_t)(end - s));
		host_end = colon ? colon : end;
		if (host_end == s)
			return pw_usage(PROG, "--to '%s': no host", t->spec);
		for (const char *p = s; p < host_end; p++)
			if (!is_alnum((unsigned char)*p) && *p != '-' && *p != '.')
				return pw_usage(PROG, "--to '%s': the host may hold letters, digits, "
						"'-' and '.' (or be [IPv6])", t->spec);
	}
	if (colon) {
		size_t plen = (size_t)(end - colon - 1);

		if (!plen || plen >= sizeof(portbuf))
			return pw_usage(PROG, "--to '%s': malformed port", t->spec);
		memcpy(portbuf, colon + 1, plen);
		portbuf[plen] = 0;
		if (pw_ulong(portbuf, 1, 65535, &port))
			return pw_usage(PROG, "--to '%s': port '%s': want 1 to 65535", t->spec,
					portbuf);
	}
	hlen = (size_t)(host_end - s);
	t->base = rs_xasprintf("%s://%.*s:%lu", scheme, (int)hlen, s, port);
	*rest = end;
	return 0;
}

static int parse_target(struct target *t)
{
	const char *s = t->spec, *rest;
	int rc;

	if (!strncmp(s, "dir:", 4)) {
		t->kind = T_DIR;
		if (!s[4])
			return pw_usage(PROG, "--to dir: needs a directory (dir:PATH)");
		t->name = rs_xstrdup(s + 4);
		return 0;
	}
	if (!strncmp(s, "influx://", 9)) {
		t->kind = T_INFLUX;
		if ((rc = parse_authority(t, s + 9, "http", 8086, &rest)))
			return rc;
		if (*rest != '/' || !rest[1] || strchr(rest + 1, '/'))
			return pw_usage(PROG, "--to '%s': want influx://HOST[:PORT]/DB", s);
		t->name = rs_xstrdup(rest + 1);
		return 0;
	}
	if (!strncmp(s, "pushgateway://", 14)) {
		t->kind = T_PUSHGATEWAY;
		if ((rc = parse_authority(t, s + 14, "http", 9091, &rest)))
			return rc;
		if (*rest != '/' || !rest[1])
			return pw_usage(PROG, "--to '%s': want pushgateway://HOST[:PORT]/JOB", s);
		for (const char *p = rest + 1; *p; p++)
			if (!is_alnum((unsigned char)*p) && !strchr("_.:-", *p))
				return pw_usage(PROG, "--to '%s': the job may hold letters, digits, "
						"'_', '.', ':' and '-'", s);
		t->name = rs_xstrdup(rest + 1);
		return 0;
	}
	if (!strncmp(s, "kcidb+https://", 14) || !strncmp(s, "kcidb+http://", 13)) {
		bool tls = s[10] == 's';

		t->kind = T_KCIDB;
		if ((rc = parse_authority(t, s + (tls ? 14 : 13), tls ? "https" : "http",
					  tls ? 443 : 80, &rest)))
			return rc;
		for (const char *p = rest; *p; p++)
			if (*p <= ' ' || *p >= 127 || strchr("\"<>\\^`{|}#", *p))
				return pw_usage(PROG, "--to '%s': the path holds '%c', which a URL "
						"cannot", s, *p);
		t->name = rs_xstrdup(*rest ? rest : "/");
		return 0;
	}
	return pw_usage(PROG, "--to '%s': unknown target: want influx://HOST[:PORT]/DB, "
			"pushgateway://HOST[:PORT]/JOB, kcidb+https://HOST[:PORT]/PATH or "
			"dir:PATH", s);
}

/* ---- the token ----------------------------------------------------------------- */

/*
 * The token from --token-file, PTBENCH_TOKEN or PTBENCH_TOKEN_FILE, into
 * *tok (NULL when none is given).  0, or 2 after a message that never
 * holds it.
 */
static int read_token(const char *file, char **tok)
{
	const char *env = getenv("PTBENCH_TOKEN");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	*tok = NULL;
	if (!file && env && *env) {
		line = rs_xstrdup(env);
		file = "PTBENCH_TOKEN";
	} else {
		if (!file)
			file = getenv("PTBENCH_TOKEN_FILE");
		if (!file || !*file)
			return 0;
		f = fopen(file, "re");
		if (!f)
			return pw_fail(PROG, "token file %s: %s", file, strerror(errno));
		n = getline(&line, &cap, f);
		fclose(f);
		if (n < 0) {
			free(line);
			return pw_fail(PROG, "token file %s is empty", file);
		}
	}
	line[strcspn(line, "\r\n")] = 0;
	for (const char *p = line; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p == 127) {
			explicit_bzero(line, strlen(line));
			free(line);
			return pw_fail(PROG, "the token in %s holds a blank or a control character",
				       file);
		}
	if (!*line) {
		free(line);
		return pw_fail(PROG, "the token in %s is empty", file);
	}
	*tok = line;
	return 0;
}

static void free_token(char *tok)
{
	if (tok) {
		explicit_bzero(tok, strlen(tok));
		free(tok);
	}
}

/* ---- items ----------------------------------------------------------------------- */

/* A request, before it is an item file of the spool. */
struct item {
	const char *method;
	char *url;
	const char *target;
	const char *auth;	/* the token as "bearer" (KCIDB), "token" (InfluxDB), or NULL */
	enum ex_format format;
	json_t *sets;		/* the set labels */
	char *body;
	size_t len;
};

static uint64_t item_hash(const char *method, const char *url, const char *body, size_t len)
{
	uint64_t h = rs_fnv1a(0, method, strlen(method) + 1);

	h = rs_fnv1a(h, url, strlen(url) + 1);
	return rs_fnv1a(h, body, len);
}

/* An item name: a UTC timestamp to the nanosecond, strictly increasing here. */
static void stamp(char *buf, size_t len)
{
	static struct timespec last;
	struct timespec now;
	struct tm tm;
	char day[32];

	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec < last.tv_sec ||
	    (now.tv_sec == last.tv_sec && now.tv_nsec <= last.tv_nsec)) {
		now = last;
		if (++now.tv_nsec == 1000000000L) {
			now.tv_nsec = 0;
			now.tv_sec++;
		}
	}
	last = now;
	gmtime_r(&now.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y%m%dT%H%M%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", day, now.tv_nsec);
}

/* An item file: "*.json", not hidden (temporary files start with '.'). */
static int is_item_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".json") &&
	       (d->d_type == DT_REG || d->d_type == DT_UNKNOWN);
}

static char *path_join(const char *dir, const char *name)
{
	return rs_xasprintf("%s/%s", dir, name);
}

/* The same method, URL and body as it. */
static bool same_item(const json_t *doc, const struct item *it)
{
	const json_t *body = json_object_get(doc, "body");
	const char *m = json_string_value(json_object_get(doc, "method"));
	const char *u = json_string_value(json_object_get(doc, "url"));

	return m && u && json_is_string(body) && !strcmp(m, it->method) && !strcmp(u, it->url) &&
	       json_string_length(body) == it->len &&
	       !memcmp(json_string_value(body), it->body, it->len);
}

/*
 * Write it into the spool, unless an item with the same method, URL and
 * body is there already.  0, or 1 after a message.
 */
static int enqueue(const char *spool, const struct item *it)
{
	uint64_t h = item_hash(it->method, it->url, it->body, it->len);
	char suffix[32], name[96], created[32], err[256];
	struct dirent **ents = NULL;
	json_t *doc, *body;
	int n, rc = 0;
	char *path;

	snprintf(suffix, sizeof(suffix), "-%016llx.json", (unsigned long long)h);
	n = scandir(spool, &ents, is_item_name, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: cannot read the spool %s: %s\n", PROG, spool, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n && !rc; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > strlen(suffix) &&
		    !strcmp(ents[i]->d_name + len - strlen(suffix), suffix)) {
			path = path_join(spool, ents[i]->d_name);
			doc = pt_json_read(path, err, sizeof(err));
			if (doc && same_item(doc, it)) {
				fprintf(stderr, "%s: %s (%s): already queued as %s\n", PROG,
					it->target, ex_format_name(it->format), path);
				rc = -1;
			}
			json_decref(doc);
			free(path);
		}
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (rc)
		return 0;

	body = json_stringn(it->body, it->len);
	if (!body) {
		fprintf(stderr, "%s: the %s document is not UTF-8 text: not queued\n", PROG,
			ex_format_name(it->format));
		return 1;
	}
	stamp(name, sizeof(name));
	snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s", suffix);
	pt_now_iso(created, sizeof(created));
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:i, s:n, s:n, s:o}",
			"schema", SPOOL_SCHEMA, "method", it->method, "url", it->url,
			"target", it->target, "content_type", ex_content_type(it->format),
			"format", ex_format_name(it->format), "sets", it->sets,
			"created", created, "attempts", 0, "last_attempt", "last_error",
			"body", body);
	if (!doc) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return 1;
	}
	if (it->auth)
		json_object_set_new(doc, "auth", json_string(it->auth));
	path = path_join(spool, name);
	if (pt_json_write_atomic(path, doc)) {
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, path, strerror(errno));
		rc = 1;
	}
	free(path);
	json_decref(doc);
	return rc;
}

/* ---- HTTP ---------------------------------------------------------------------- */

struct reply {
	char buf[REPLY_MAX + 1];
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n, take = REPLY_MAX - r->len;

	if (take > len)
		take = len;
	memcpy(r->buf + r->len, p, take);
	r->len += take;
	r->buf[r->len] = 0;
	return len;	/* the rest is read and dropped */
}

struct send_result {
	CURLcode code;
	long status;		/* HTTP status; 0 without an answer */
	char error[CURL_ERROR_SIZE];
	struct reply reply;
};

static void http_send(const char *method, const char *url, const char *ctype, const char *body,
		      size_t len, const char *auth, const char *token, double timeout,
		      struct send_result *r)
{
	struct curl_slist *hdrs = NULL;
	char *h, *ua;
	CURL *c;

	memset(r, 0, sizeof(*r));
	c = curl_easy_init();
	if (!c) {
		r->code = CURLE_FAILED_INIT;
		snprintf(r->error, sizeof(r->error), "libcurl cannot start");
		return;
	}
	h = rs_xasprintf("Content-Type: %s", ctype);
	hdrs = curl_slist_append(hdrs, h);
	free(h);
	/* No "Expect: 100-continue" wait before a large body. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (auth && token) {
		h = rs_xasprintf("Authorization: %s %s", !strcmp(auth, "bearer") ? "Bearer" :
				 "Token", token);
		hdrs = curl_slist_append(hdrs, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	ua = rs_xasprintf("ptstat/%s", PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (strcmp(method, "POST"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout * 1000));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->reply);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->error);
	r->code = curl_easy_perform(c);
	if (r->code == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else if (!r->error[0])
		snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(r->code));
	curl_easy_cleanup(c);
	/* The header list held the token: wiped before it is freed. */
	for (struct curl_slist *s = hdrs; s; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(hdrs);
	free(ua);
}

/*
 * The server's answer as one line of at most max characters: control
 * characters as blanks, the token (should a server echo it) as "***".
 */
static char *one_line(const char *s, size_t max, const char *token)
{
	char *out = rs_xmalloc(max + 8), *p = out;
	size_t tlen = token ? strlen(token) : 0;

	while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
		s++;
	for (; *s && (size_t)(p - out) < max; s++) {
		if (tlen && !strncmp(s, token, tlen)) {
			memcpy(p, "***", 3);
			p += 3;
			s += tlen - 1;
		} else {
			*p++ = (unsigned char)*s < ' ' || *s == 127 ? ' ' : *s;
		}
	}
	if (*s) {
		memcpy(p, "...", 3);
		p += 3;
	}
	while (p > out && p[-1] == ' ')
		p--;
	*p = 0;
	return out;
}

/* ---- draining -------------------------------------------------------------------- */

struct drain {
	const char *spool;
	char *rejected;		/* SPOOL/rejected */
	const char *token;
	double timeout;
	unsigned sent, kept, rejects, failures;
	char *last_error;	/* of a kept item, for the summary */
	char **blocked;		/* servers ("http://HOST:PORT") that failed in this drain */
	size_t nblocked;
};

/* "http://HOST:PORT" of a URL: what a failure blocks. */
static char *server_of(const char *url)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	n = strcspn(p, "/?");
	return rs_xasprintf("%.*s", (int)(p - url + n), url);
}

static bool is_blocked(const struct drain *d, const char *server)
{
	for (size_t i = 0; i < d->nblocked; i++)
		if (!strcmp(d->blocked[i], server))
			return true;
	return false;
}

static void set_last_error(struct drain *d, const char *target, const char *err)
{
	free(d->last_error);
	d->last_error = rs_xasprintf("%s: %s", target, err);
}

/* Rewrite the item with one more attempt and its error; it stays. */
static void keep(struct drain *d, const char *path, json_t *doc, const char *target,
		 const char *err, bool attempted)
{
	char now[32];

	pt_now_iso(now, sizeof(now));
	if (attempted) {
		json_object_set_new(doc, "attempts", json_integer(json_integer_value(
					json_object_get(doc, "attempts")) + 1));
		json_object_set_new(doc, "last_attempt", json_string(now));
	}
	json_object_set_new(doc, "last_error", json_string(err));
	if (pt_json_write_atomic(path, doc)) {
		fprintf(stderr, "%s: cannot update %s: %s (it stays as it was)\n", PROG, path,
			strerror(errno));
		d->failures++;
	}
	set_last_error(d, target, err);
	d->kept++;
}

/* Move the item into rejected/.  0, or -1 after a message. */
static int move_rejected(struct drain *d, const char *path, const char *name)
{
	char *dst;
	int rc = 0;

	if (mkdir(d->rejected, 0700) && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", PROG, d->rejected, strerror(errno));
		return -1;
	}
	dst = path_join(d->rejected, name);
	if (rename(path, dst)) {
		fprintf(stderr, "%s: cannot move %s into %s: %s\n", PROG, path, d->rejected,
			strerror(errno));
		rc = -1;
	}
	free(dst);
	return rc;
}

/* A valid item: the fields the drain reads, of the right types. */
static const char *item_problem(const json_t *doc)
{
	const char *s = json_string_value(json_object_get(doc, "schema"));
	const char *m = json_string_value(json_object_get(doc, "method"));
	const char *u = json_string_value(json_object_get(doc, "url"));
	const json_t *auth = json_object_get(doc, "auth");

	if (!s || strcmp(s, SPOOL_SCHEMA))
		return "schema is not " SPOOL_SCHEMA;
	if (!m || (strcmp(m, "POST") && strcmp(m, "PUT")))
		return "method is not POST or PUT";
	if (!u || (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)))
		return "url is not an http(s) URL";
	if (!json_is_string(json_object_get(doc, "target")))
		return "target is not a string";
	if (!json_is_string(json_object_get(doc, "content_type")))
		return "content_type is not a string";
	if (!json_is_string(json_object_get(doc, "format")))
		return "format is not a string";
	if (!json_is_string(json_object_get(doc, "body")))
		return "body is not a string";
	if (!json_is_integer(json_object_get(doc, "attempts")))
		return "attempts is not an integer";
	if (auth && (!json_is_string(auth) || (strcmp(json_string_value(auth), "bearer") &&
					       strcmp(json_string_value(auth), "token"))))
		return "auth is not \"bearer\" or \"token\"";
	return NULL;
}

static void drain_one(struct drain *d, const char *name)
{
	char *path = path_join(d->spool, name), *server = NULL, *msg, *err, *what;
	const char *target, *url, *auth, *problem;
	struct send_result *r = NULL;
	char errbuf[512], now[32];
	json_t *doc, *body;

	doc = pt_json_read(path, errbuf, sizeof(errbuf));
	if (!doc) {
		if (access(path, F_OK) && errno == ENOENT)
			goto out;	/* gone meanwhile */
		fprintf(stderr, "%s: %s is not a spool item (%s): moved into %s\n", PROG, path,
			errbuf, d->rejected);
		if (!move_rejected(d, path, name))
			d->rejects++;
		goto out;
	}
	problem = item_problem(doc);
	if (problem) {
		fprintf(stderr, "%s: %s is not a spool item (%s): moved into %s\n", PROG, path,
			problem, d->rejected);
		if (!move_rejected(d, path, name))
			d->rejects++;
		goto out;
	}
	target = json_string_value(json_object_get(doc, "target"));
	url = json_string_value(json_object_get(doc, "url"));
	auth = json_string_value(json_object_get(doc, "auth"));
	body = json_object_get(doc, "body");
	/* Rejected, but the move into rejected/ did not happen: done now. */
	if (json_object_get(doc, "rejected")) {
		if (!move_rejected(d, path, name))
			d->rejects++;
		goto out;
	}
	server = server_of(url);
	if (is_blocked(d, server)) {
		d->kept++;
		goto out;
	}
	if (auth && !d->token) {
		fprintf(stderr, "%s: %s: needs the token (--token-file, PTBENCH_TOKEN or "
			"PTBENCH_TOKEN_FILE): kept in the spool\n", PROG, target);
		keep(d, path, doc, target, "not sent: no token given", false);
		goto out;
	}

	r = rs_xmalloc(sizeof(*r));
	http_send(json_string_value(json_object_get(doc, "method")), url,
		  json_string_value(json_object_get(doc, "content_type")),
		  json_string_value(body), json_string_length(body), auth, d->token, d->timeout, r);
	msg = one_line(r->reply.buf, MESSAGE_MAX, d->token);
	if (r->code == CURLE_OK && r->status >= 200 && r->status < 300) {
		if (unlink(path) && errno != ENOENT) {
			fprintf(stderr, "%s: %s: sent, but cannot remove %s: %s\n", PROG, target,
				path, strerror(errno));
			d->failures++;
		}
		what = json_dumps(json_object_get(doc, "sets"), JSON_COMPACT);
		fprintf(stderr, "%s: %s: sent %s %s (HTTP %ld)\n", PROG, target,
			json_string_value(json_object_get(doc, "format")), what ? what : "", r->status);
		free(what);
		d->sent++;
	} else if (r->code == CURLE_OK && r->status >= 300 && r->status < 500 &&
		   r->status != 408 && r->status != 429) {
		/* Refused for good: the message into the item, then the item aside. */
		pt_now_iso(now, sizeof(now));
		err = rs_xasprintf("HTTP %ld%s%s%s", r->status, msg[0] ? ": " : "", msg,
				   r->status < 400 ? " (redirects are not followed: give the "
				   "final URL)" : "");
		json_object_set_new(doc, "attempts", json_integer(json_integer_value(
					json_object_get(doc, "attempts")) + 1));
		json_object_set_new(doc, "last_attempt", json_string(now));
		json_object_set_new(doc, "last_error", json_string(err));
		json_object_set_new(doc, "rejected", json_pack("{s:I, s:s, s:s}", "status",
					(json_int_t)r->status, "message", msg, "at", now));
		fprintf(stderr, "%s: %s: HTTP %ld: %.*s%s\n", PROG, target, r->status, PRINT_MAX,
			msg[0] ? msg : "(no message)", strlen(msg) > PRINT_MAX ? "..." : "");
		if (pt_json_write_atomic(path, doc)) {
			fprintf(stderr, "%s: cannot update %s: %s\n", PROG, path, strerror(errno));
			d->failures++;
		}
		if (!move_rejected(d, path, name))
			d->rejects++;
		else
			d->failures++;
		free(err);
	} else {
		if (r->code == CURLE_OK)
			err = rs_xasprintf("HTTP %ld%s%.*s", r->status, msg[0] ? ": " : "",
					   PRINT_MAX, msg);
		else if (r->code == CURLE_OPERATION_TIMEDOUT)
			err = rs_xasprintf("timeout after %g s (%s)", d->timeout, r->error);
		else
			err = rs_xasprintf("%s", r->error);
		fprintf(stderr, "%s: %s: %s: kept in the spool\n", PROG, target, err);
		keep(d, path, doc, target, err, true);
		d->blocked = rs_xrealloc(d->blocked, d->nblocked + 1, sizeof(*d->blocked));
		d->blocked[d->nblocked++] = server;
		server = NULL;
		free(err);
	}
	free(msg);
out:
	free(r);
	free(server);
	json_decref(doc);
	free(path);
}

/*
 * Temporary files (".NAME.XXXXXX", pt_write_atomic's) of writers killed
 * before their rename.  Under the drain lock, one beside an existing item
 * NAME is a killed drainer's rewrite: removed at once.  Another may be a
 * submitter's new item being written right now (queueing takes no lock):
 * removed only once it is STALE_TMP_S old.
 */
static void remove_stale(const char *dir)
{
	struct dirent *e;
	struct stat st, ist;
	DIR *dp = opendir(dir);
	time_t now = time(NULL);

	if (!dp)
		return;
	while ((e = readdir(dp))) {
		size_t n = strlen(e->d_name);
		char item[NAME_MAX + 1];
		bool rewrite = false;

		if (e->d_name[0] != '.' || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, ".lock"))
			continue;
		if (fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (n > 8 && e->d_name[n - 7] == '.') {
			snprintf(item, sizeof(item), "%.*s", (int)(n - 8), e->d_name + 1);
			rewrite = !fstatat(dirfd(dp), item, &ist, AT_SYMLINK_NOFOLLOW);
		}
		if (rewrite || now - st.st_mtime > STALE_TMP_S)
			unlinkat(dirfd(dp), e->d_name, 0);
	}
	closedir(dp);
}

/* Send what the spool holds.  0, or 1 when it cannot be read or locked. */
static int drain(struct drain *d)
{
	char *lock = path_join(d->spool, ".lock");
	struct dirent **ents = NULL;
	int fd, n;

	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", PROG, lock, strerror(errno));
		free(lock);
		return 1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "%s: another ptstat submit is sending the items of %s: waiting "
			"for it to finish\n", PROG, d->spool);
		if (flock(fd, LOCK_EX)) {
			fprintf(stderr, "%s: cannot lock %s: %s\n", PROG, lock, strerror(errno));
			close(fd);
			free(lock);
			return 1;
		}
	}
	free(lock);
	remove_stale(d->spool);
	n = scandir(d->spool, &ents, is_item_name, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: cannot read the spool %s: %s\n", PROG, d->spool,
			strerror(errno));
		close(fd);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		drain_one(d, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	close(fd);	/* the lock with it */
	return 0;
}

/* ---- the command ------------------------------------------------------------------- */

/* mkdir -p, the directories made 0700 (the spool is the user's). */
static int make_dirs(const char *path, mode_t mode)
{
	char *p = rs_xstrdup(path);
	struct stat st;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = 0;
			if (mkdir(p, mode) && errno != EEXIST) {
				free(p);
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	if (stat(path, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static char *default_spool(void)
{
	const char *s = getenv("PTBENCH_SPOOL"), *home;

	if (s && *s)
		return rs_xstrdup(s);
	s = getenv("XDG_STATE_HOME");
	if (s && *s == '/')
		return rs_xasprintf("%s/ptbench/spool", s);
	home = getenv("HOME");
	if (home && *home == '/')
		return rs_xasprintf("%s/.local/state/ptbench/spool", home);
	return NULL;
}

/* dir:PATH: every format's file.  0, or 1 after a message. */
static int write_dir(const struct target *t, const struct rp_model *m,
		     const struct ex_options *base)
{
	int rc = 0;

	if (make_dirs(t->name, 0755)) {
		fprintf(stderr, "%s: cannot create %s: %s\n", PROG, t->name, strerror(errno));
		return 1;
	}
	for (int f = 0; f < EX_NFORMATS; f++) {
		struct ex_options o = *base;
		char *doc, *path;
		size_t len;

		o.format = (enum ex_format)f;
		o.only_set = -1;
		doc = ex_render(m, &o, &len);
		if (!doc) {
			rc = 1;
			continue;
		}
		path = path_join(t->name, ex_file_name(o.format));
		if (pt_write_buf_atomic(path, doc, len)) {
			fprintf(stderr, "%s: cannot write %s: %s\n", PROG, path, strerror(errno));
			rc = 1;
		}
		free(path);
		free(doc);
	}
	if (!rc)
		fprintf(stderr, "%s: %s: wrote the %d formats\n", PROG, t->spec, EX_NFORMATS);
	return rc;
}

static struct item *add_item(struct item **items, size_t *n)
{
	*items = rs_xrealloc(*items, *n + 1, sizeof(**items));
	memset(&(*items)[*n], 0, sizeof(**items));
	return &(*items)[(*n)++];
}

/* The requests of every HTTP target.  0, or 2 after a message. */
static int make_items(const struct target *t, size_t nt, const struct rp_model *m,
		      const struct ex_options *base, const char *token, struct item **items,
		      size_t *nitems)
{
	for (size_t i = 0; i < nt; i++) {
		struct ex_options o = *base;
		size_t nreq = t[i].kind == T_KCIDB ? 1 : m->nsets;

		if (t[i].kind == T_DIR)
			continue;
		o.format = t[i].kind == T_INFLUX ? EX_INFLUX : t[i].kind == T_PUSHGATEWAY ?
			   EX_OPENMETRICS : EX_KCIDB;
		for (size_t k = 0; k < nreq; k++) {
			struct item *it = add_item(items, nitems);
			const char *label = m->sets[k]->label;

			it->target = t[i].spec;
			it->format = o.format;
			o.only_set = t[i].kind == T_KCIDB ? -1 : (long)k;
			it->sets = json_array();
			if (t[i].kind == T_KCIDB) {
				for (size_t j = 0; j < m->nsets; j++)
					json_array_append_new(it->sets,
							      json_string(m->sets[j]->label));
			} else {
				json_array_append_new(it->sets, json_string(label));
			}
			if (t[i].kind == T_INFLUX) {
				/* libcurl percent-encodes (a NULL handle: 7.82 on). */
				char *db = curl_easy_escape(NULL, t[i].name, 0);

				if (!db) {
					fprintf(stderr, "%s: out of memory\n", PROG);
					return 2;
				}
				it->method = "POST";
				it->url = rs_xasprintf("%s/write?db=%s&precision=ns", t[i].base, db);
				it->auth = token ? "token" : NULL;
				curl_free(db);
			} else if (t[i].kind == T_PUSHGATEWAY) {
				bool plain = true;

				for (const char *p = label; *p; p++)
					if (!is_alnum((unsigned char)*p) && !strchr("_.-", *p))
						plain = false;
				it->method = "PUT";
				if (plain) {
					it->url = rs_xasprintf("%s/metrics/job/%s/set/%s",
							       t[i].base, t[i].name, label);
				} else {
					char *b = base64url(label);

					it->url = rs_xasprintf("%s/metrics/job/%s/set@base64/%s",
							       t[i].base, t[i].name, b);
					free(b);
				}
			} else {
				it->method = "POST";
				it->url = rs_xasprintf("%s%s", t[i].base, t[i].name);
				it->auth = "bearer";
			}
			it->body = ex_render(m, &o, &it->len);
			if (!it->body)
				return 2;
		}
	}
	return 0;
}

/* --to URL, as many as given, taken out of argv before pw_parse. */
static int take_targets(int argc, char **argv, const char **specs, size_t *nspecs,
			char **rest, int *nrest)
{
	*nspecs = 0;
	*nrest = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				rest[(*nrest)++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], "--to")) {
			if (i + 1 >= argc)
				return pw_usage(PROG, "--to needs a value");
			specs[(*nspecs)++] = argv[++i];
		} else if (!strncmp(argv[i], "--to=", 5)) {
			specs[(*nspecs)++] = argv[i] + 5;
		} else {
			rest[(*nrest)++] = argv[i];
		}
	}
	return 0;
}

struct args {
	const char **specs;
	size_t nspecs;
	const char **sets;
	int nsets;
	const char *spool, *token_file, *timeout_s, *origin;
	const char *alpha, *min_change, *correction;
	bool flush, samples, allow_mixed, help;
	double timeout;
	struct rp_options ro;
};

static int parse_args(struct args *a, int argc, char **argv)
{
	const struct pw_opt opts[] = {
		{ "spool", 0, &a->spool, NULL }, { "token-file", 0, &a->token_file, NULL },
		{ "timeout", 0, &a->timeout_s, NULL }, { "origin", 0, &a->origin, NULL },
		{ "alpha", 0, &a->alpha, NULL }, { "min-change", 0, &a->min_change, NULL },
		{ "correction", 0, &a->correction, NULL }, { "flush", 0, NULL, &a->flush },
		{ "samples", 0, NULL, &a->samples }, { "allow-mixed", 0, NULL, &a->allow_mixed },
		{ "help", 'h', NULL, &a->help }, { NULL, 0, NULL, NULL },
	};
	char **rest = rs_xcalloc((size_t)argc + 1, sizeof(*rest));
	char err[256];
	int nrest, rc;

	a->specs = rs_xcalloc((size_t)argc + 1, sizeof(*a->specs));
	a->sets = rs_xcalloc((size_t)argc + 1, sizeof(*a->sets));
	rc = take_targets(argc, argv, a->specs, &a->nspecs, rest, &nrest);
	if (!rc)
		rc = pw_parse(PROG, opts, nrest, rest, a->sets, &a->nsets, NULL, NULL);
	free(rest);
	if (rc || a->help)
		return rc;
	const char *judge[][2] = {
		{ "alpha", a->alpha }, { "min-change", a->min_change },
		{ "correction", a->correction },
	};
	for (size_t i = 0; i < sizeof(judge) / sizeof(judge[0]); i++)
		if (judge[i][1] && rp_stat_option(&a->ro, judge[i][0], judge[i][1], err,
						  sizeof(err)))
			return pw_usage(PROG, "%s", err);
	a->ro.allow_mixed = a->allow_mixed;
	a->timeout = DEFAULT_TIMEOUT;
	if (a->timeout_s && (pw_double(a->timeout_s, &a->timeout) || a->timeout < 0.001 ||
			     a->timeout > 86400))
		return pw_usage(PROG, "--timeout '%s': want seconds, more than 0 and at most "
				"86400", a->timeout_s);
	if (a->origin && !ex_origin_ok(a->origin))
		return pw_usage(PROG, "--origin '%s': want 1 to 64 of [a-z0-9_]", a->origin);
	if (a->nsets && !a->nspecs)
		return pw_usage(PROG, "no target: give --to URL");
	if (a->nspecs && !a->nsets)
		return pw_usage(PROG, "--to without a set: give the result sets to send");
	if (!a->nsets && !a->flush)
		return pw_usage(PROG, "nothing to do: give --to URL and sets, or --flush");
	return 0;
}

int px_submit(int argc, char **argv)
{
	struct args a = { .ro = RP_OPTIONS_DEFAULT };
	struct target *t = NULL;
	struct item *items = NULL;
	struct rs_set **sets = NULL;
	struct rp_model *m = NULL;
	struct drain d = { 0 };
	struct ex_options eo = { .only_set = -1 };
	size_t nitems = 0;
	unsigned problems = 0;
	char *token = NULL, *spool = NULL;
	bool need_token = false;
	int rc;

	rc = parse_args(&a, argc, argv);
	if (a.help && !rc) {
		submit_help(stdout);
		goto out;
	}
	if (rc)
		goto out;
	rc = 2;
	t = rs_xcalloc(a.nspecs + 1, sizeof(*t));
	for (size_t i = 0; i < a.nspecs; i++) {
		t[i].spec = a.specs[i];
		if (parse_target(&t[i]))
			goto out;
		need_token |= t[i].kind == T_KCIDB;
	}
	if (read_token(a.token_file, &token))
		goto out;
	if (need_token && !token) {
		pw_fail(PROG, "a kcidb target needs a token: give --token-file FILE, or set "
			"PTBENCH_TOKEN or PTBENCH_TOKEN_FILE (nothing queued)");
		goto out;
	}
	spool = a.spool ? rs_xstrdup(a.spool) : default_spool();
	if (!spool || !*spool) {
		pw_usage(PROG, "no spool: HOME is not set; give --spool DIR or set PTBENCH_SPOOL");
		goto out;
	}

	if (a.nsets) {
		sets = rs_load_sets(a.sets, (size_t)a.nsets, &problems);
		if (!sets)
			goto out;
		if (problems) {
			pw_fail(PROG, "%u problem%s in the sets (see above): a set with files left "
				"out is not sent (nothing queued)", problems, problems == 1 ? "" : "s");
			goto out;
		}
		if (rp_check_mixed(sets, (size_t)a.nsets, a.allow_mixed))
			goto out;
		m = rp_build(sets, (size_t)a.nsets, &a.ro);
		eo.origin = a.origin;
		eo.samples = a.samples;
		if (make_items(t, a.nspecs, m, &eo, token, &items, &nitems))
			goto out;
	}
	if (make_dirs(spool, 0700)) {
		pw_fail(PROG, "cannot use the spool %s: %s (nothing queued)", spool,
			strerror(errno));
		goto out;
	}

	/* Everything checked: from here on, files are written. */
	rc = 0;
	for (size_t i = 0; i < a.nspecs; i++)
		if (t[i].kind == T_DIR && write_dir(&t[i], m, &eo))
			rc = 1;
	for (size_t i = 0; i < nitems; i++)
		if (enqueue(spool, &items[i]))
			rc = 1;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fprintf(stderr, "%s: libcurl cannot start: the items stay in %s\n", PROG, spool);
		rc = 1;
		goto out;
	}
	d.spool = spool;
	d.rejected = path_join(spool, "rejected");
	d.token = token;
	d.timeout = a.timeout;
	if (drain(&d))
		rc = 1;
	curl_global_cleanup();
	if (d.failures)
		rc = 1;
	if (d.kept) {
		fprintf(stderr, "%s: queued %u item%s in %s (server down? last error: %s); they "
			"are sent by the next submit or by ptstat submit --flush\n", PROG, d.kept,
			d.kept == 1 ? "" : "s", spool, d.last_error ? d.last_error :
			"not tried after an earlier failure");
		rc = 1;
	}
	if (d.rejects) {
		fprintf(stderr, "%s: %u item%s rejected: in %s with the server's message, not "
			"sent again (move one back into %s to retry it)\n", PROG, d.rejects,
			d.rejects == 1 ? " was" : "s were", d.rejected, spool);
		rc = 3;
	}
	if (!rc && !d.sent && !nitems && a.flush)
		fprintf(stderr, "%s: nothing to send in %s\n", PROG, spool);
out:
	for (size_t i = 0; i < nitems; i++) {
		free(items[i].url);
		free(items[i].body);
		json_decref(items[i].sets);
	}
	free(items);
	for (size_t i = 0; t && i < a.nspecs; i++) {
		free(t[i].base);
		free(t[i].name);
	}
	free(t);
	for (size_t i = 0; i < d.nblocked; i++)
		free(d.blocked[i]);
	free(d.blocked);
	free(d.rejected);
	free(d.last_error);
	if (m)
		rp_free(m);
	for (size_t k = 0; sets && k < (size_t)a.nsets; k++)
		rs_free(sets[k]);
	free(sets);
	free_token(token);
	free(spool);
	free(a.specs);
	free(a.sets);
	return rc;
}
