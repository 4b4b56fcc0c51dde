// SPDX-License-Identifier: GPL-2.0
/*
 * A spool item read back by `ptstat submit' (analysis/submit.c): the file
 * parsed as drain_one() parses it (pt_json_parse() is pt_json_read() on
 * text), checked by item_problem(), and for a valid item what the drain
 * reads before it sends: the server its URL blocks, the duplicate check
 * of a new item (same_item()), the message kept from a reply
 * (one_line()).  Those are static there: this file is submit.c with a
 * fuzz entry point added, nothing of it copied.
 */
#include "../analysis/submit.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct item it = { .method = "POST", .url = (char *)"http://127.0.0.1:8086/write?db=x",
			   .body = (char *)"m v=1", .len = 5 };
	const char *url, *problem;
	char err[512] = "", *server, *msg;
	json_t *doc, *body;

	doc = pt_json_parse((const char *)data, size, err, sizeof(err));
	if (!doc) {
		if (!err[0])
			abort();
		return 0;
	}
	problem = item_problem(doc);
	same_item(doc, &it);
	if (!problem) {
		url = json_string_value(json_object_get(doc, "url"));
		body = json_object_get(doc, "body");
		server = server_of(url);
		if (strncmp(server, url, strlen(server)))
			abort();
		msg = one_line(json_string_value(body), MESSAGE_MAX, "secret");
		if (strlen(msg) > MESSAGE_MAX + 3 || strstr(msg, "secret"))
			abort();
		free(msg);
		free(server);
	}
	json_decref(doc);
	return 0;
}
