// SPDX-License-Identifier: GPL-2.0
/*
 * index.html of ptstat report.  Top to bottom, in the order a reviewer
 * asks the questions: what was compared and how (header, notes, the sets),
 * what moved (the verdict counts, the significant changes, the forest
 * plot of every judged metric), then each entry's table and plots, and at
 * the end what the statistics mean.  Every text from the sets is escaped;
 * links are relative; the style is inline; no script.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

/* ---- escaping ----------------------------------------------------------- */

/* Text and attribute values alike. */
static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

void ht_esc(FILE *f, const char *s)
{
	esc(f, s);
}

/* A relative link to dir/name, every byte outside [A-Za-z0-9._-] percent-encoded. */
static void href(FILE *f, const char *dir, const char *name)
{
	if (dir) {
		href(f, NULL, dir);
		fputc('/', f);
	}
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-')
			fputc(*c, f);
		else
			fprintf(f, "%%%02X", *c);
	}
}

/* An element with escaped text: <tag class="cls">text</tag>. */
void ht_el(FILE *f, const char *tag, const char *cls, const char *text)
{
	fprintf(f, "<%s", tag);
	if (cls)
		fprintf(f, " class=\"%s\"", cls);
	fputc('>', f);
	esc(f, text);
	fprintf(f, "</%s>", tag);
}

/* The anchor of entry i: "e-" and its label, with only safe characters. */
static char *entry_id(const struct rp_model *m, size_t i)
{
	char *id = rs_xasprintf("e-%s", m->entries[i].label);

	for (char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			*c = '_';
	/* Two labels that differ only in unsafe characters: number the later. */
	for (size_t j = 0; j < i; j++) {
		char *other = rs_xasprintf("e-%s", m->entries[j].label);
		bool same;

		for (char *c = other; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
				*c = '_';
		same = !strcmp(other, id);
		free(other);
		if (same) {
			char *n = rs_xasprintf("%s-%zu", id, i);

			free(id);
			return n;
		}
	}
	return id;
}

/* ---- words and numbers -------------------------------------------------- */

static const char *verdict_class(enum rp_verdict v)
{
	switch (v) {
	case RP_BETTER:
		return "better";
	case RP_WORSE:
		return "worse";
	case RP_SAME:
		return "same";
	case RP_INFO:
		return "info";
	case RP_BASELINE:
		return "baseline";
	case RP_N1:
		return "n1";
	case RP_MISSING:
		return "missing";
	case RP_MISMATCH:
		break;
	}
	return "mismatch";
}

static const char *verdict_words(const struct rp_model *m, const struct rp_test *t,
				 char *buf, size_t len)
{
	switch (t->v) {
	case RP_BETTER:
		return "better";
	case RP_WORSE:
		return "worse";
	case RP_SAME:
		return "no significant change";
	case RP_INFO:
		return "info";
	case RP_BASELINE:
		return "baseline";
	case RP_N1:
		return "n=1: no verdict";
	case RP_MISMATCH:
		return "unit or direction differ";
	case RP_MISSING:
		break;
	}
	snprintf(buf, len, "missing in %s", m->sets[t->missing]->label);
	return buf;
}




/* ---- the page's style ---------------------------------------------------- */

static const char style[] =
"body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif;\n"
"  color: #1d1d1f; margin: 0; background: #fafafa; }\n"
".page { max-width: 1320px; margin: 0 auto; padding: 8px 28px 40px; background: #fff; }\n"
"h1 { font-size: 26px; margin: 18px 0 4px; }\n"
"h2 { font-size: 20px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e4e4e4; }\n"
"h3 { font-size: 17px; margin: 0 0 6px; }\n"
"h3 code { font-size: 13px; font-weight: normal; color: #555; margin-left: 8px; }\n"
"a { color: #0b57b0; text-decoration: none; } a:hover { text-decoration: underline; }\n"
"code { font-family: 'DejaVu Sans Mono', monospace; font-size: 90%; }\n"
".meta { color: #555; margin: 0 0 2px; }\n"
".box { border-radius: 6px; padding: 10px 14px; margin: 12px 0; }\n"
".box p { margin: 4px 0; }\n"
".notes { background: #fff8e1; border: 1px solid #e8c96a; }\n"
".notes.alarm { border: 2px solid #e0782a; }\n"
".failed { background: #fdecec; border: 2px solid #c62828; color: #7a1010; }\n"
".failed h2 { border: 0; margin: 0 0 6px; color: #b71c1c; font-size: 17px; }\n"
"table { border-collapse: collapse; font-variant-numeric: tabular-nums; }\n"
"th, td { padding: 4px 10px; border-bottom: 1px solid #e6e6e6; text-align: left;\n"
"  vertical-align: top; }\n"
"thead th { background: #f3f4f6; border-bottom: 1px solid #cfd3d8; font-weight: 600; }\n"
"td.num { text-align: right; }\n"
".cmp table { width: 100%; table-layout: fixed; }\n"
".cmp td:first-child { overflow-wrap: anywhere; }\n"
".cmp.many table { font-size: 13px; }\n"
"td.chg { white-space: nowrap; }\n"
"th.set { text-align: center; border-left: 2px solid #d0d4da; }\n"
"td.first, th.first { border-left: 2px solid #d0d4da; }\n"
"tr.paths td { background: #f6f8fb; color: #334; font-size: 13px; }\n"
"tr.paths small { color: #667; display: block; }\n"
"td.v { font-weight: 600; }\n"
"td.v small { display: block; font-weight: normal; color: #666; }\n"
".better { color: #11652a; } td.better { background: #e2f4e6; }\n"
".worse { color: #a51c1c; } td.worse { background: #fde2e2; }\n"
".same { color: #666; } td.same { background: #f1f1f1; }\n"
"td.info, td.baseline, td.n1, td.missing, td.mismatch { font-weight: normal; color: #555; }\n"
".summary { display: flex; gap: 10px; flex-wrap: wrap; margin: 6px 0 10px; }\n"
".pill { border-radius: 14px; padding: 3px 12px; font-weight: 600; }\n"
".pill.better { background: #e2f4e6; } .pill.worse { background: #fde2e2; }\n"
".pill.same { background: #f1f1f1; } .pill.info { background: #eef2f8; color: #334; }\n"
"p.short { color: #6a4a00; margin: 4px 0; }\n"
"ul.changes { margin: 4px 0 0; padding-left: 22px; }\n"
"ul.changes li { margin: 2px 0; }\n"
".entries { display: flex; flex-wrap: wrap; gap: 4px 6px; margin: 8px 0 4px; }\n"
".entries a { border: 1px solid #d8dce2; border-radius: 4px; padding: 1px 8px;\n"
"  font-size: 13px; color: #333; background: #fff; }\n"
".entries a.better { border-color: #58a96c; background: #e2f4e6; }\n"
".entries a.worse { border-color: #d66; background: #fde2e2; }\n"
".fig.forest { margin: 8px 0; }\n"
".fig.forest img { max-width: 100%; height: auto; border: 1px solid #e2e2e2; }\n"
".cap { font-size: 13px; color: #555; margin-top: 4px; }\n"
".entry { margin: 18px 0 26px; padding-top: 10px; border-top: 1px solid #eee; }\n"
".presence { color: #a51c1c; font-size: 13px; margin-left: 8px; }\n"
"ul.entry-notes { font-size: 13px; color: #6a4a00; margin: 6px 0; padding-left: 22px; }\n"
"input.toggle { position: absolute; opacity: 0; }\n"
"label.toggle { cursor: pointer; color: #0b57b0; font-size: 14px; display: inline-block;\n"
"  margin-top: 8px; }\n"
"label.toggle:before { content: '\\25b8  '; }\n"
"input.toggle:checked + label:before { content: '\\25be  '; }\n"
"input.toggle + label + .toggled { display: none; }\n"
"input.toggle:checked + label + .toggled { display: block; }\n"
"input.toggle:checked + label + .grid.toggled { display: grid; }\n"
"pre { background: #f6f7f9; border: 1px solid #e2e4e8; padding: 8px 10px; overflow-x: auto;\n"
"  font-size: 12px; line-height: 1.35; }\n"
".grid { display: grid; grid-template-columns: repeat(2, 1fr); gap: 12px 16px;\n"
"  margin-top: 8px; }\n"
".grid .fig { margin: 0; }\n"
".grid img { width: 100%; height: auto; border: 1px solid #e2e2e2; }\n"
".foot { margin-top: 36px; padding-top: 8px; border-top: 2px solid #e4e4e4; color: #333;\n"
"  font-size: 14px; }\n"
".foot dt { font-weight: 600; margin-top: 8px; }\n"
".foot dd { margin: 2px 0 0 18px; }\n";

const char *ht_css(void)
{
	return style;
}

/* ---- header, notes, the sets --------------------------------------------- */

static void page_head(FILE *f, const struct ht_page *p)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
	      "<meta name=\"generator\" content=\"ptstat report (" PACKAGE_NAME " "
	      PACKAGE_VERSION ")\" />\n<title>", f);
	esc(f, p->title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<div class=\"page\">\n<div class=\"head\">\n", style);
	ht_el(f, "h1", NULL, p->title);
	fputs("\n<p class=\"meta\">", f);
	esc(f, p->date);
	fputs(" &#183; ptstat report, " PACKAGE_NAME " " PACKAGE_VERSION
	      " &#183; baseline <strong>", f);
	esc(f, p->m->sets[0]->label);
	fprintf(f, "</strong></p>\n<p class=\"meta\">Verdicts: Welch's t-test, p-values "
		"adjusted with %s over %zu comparison%s, alpha = %g, minimum change "
		"%g%% (<a href=\"#statistics\">what this means</a>)</p>\n</div>\n",
		rp_correction_name(p->m->opt.correction), p->m->ntests,
		p->m->ntests == 1 ? "" : "s", p->m->opt.alpha, p->m->opt.min_change);
}

/*
 * At the top: the entries that failed in the run (a red box: the report
 * lacks them), then the notes on the comparison as a whole (emulated
 * timings, paths that contradict a set's label).
 */
static void notes_box(FILE *f, const struct rp_model *m)
{
	if (m->nfailed) {
		fprintf(f, "<div class=\"box failed\">\n<h2>%zu entr%s failed in the run: "
			"the report lacks %s</h2>\n<ul>\n", m->nfailed,
			m->nfailed == 1 ? "y" : "ies", m->nfailed == 1 ? "it" : "them");
		for (size_t i = 0; i < m->nfailed; i++) {
			fputs("<li>", f);
			esc(f, m->failed[i]);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n</div>\n", f);
	}
	if (!m->nset_notes)
		return;
	/* Sets labelled as different free paths that counted the same one. */
	fprintf(f, "<div class=\"box notes%s\">\n", m->same_path ? " alarm" : "");
	for (size_t i = 0; i < m->nset_notes; i++) {
		fputs("<p class=\"notice\">", f);
		esc(f, m->set_notes[i]);
		fputs("</p>\n", f);
	}
	fputs("</div>\n", f);
}

/* "QEMU tcg, -cpu max, 2 vCPUs" or "native", from the set's system.json. */
static char *machine(const struct rs_set *s)
{
	char *path = rs_xasprintf("%s/system.json", s->dir), *out;
	json_t *doc = json_load_file(path, 0, NULL), *vm;

	free(path);
	vm = doc ? json_object_get(doc, "vm") : NULL;
	if (!json_is_object(vm)) {
		/* No VM said, but sysinfo may have seen TCG's CPUID signature. */
		out = rs_xstrdup(s->tcg ? "tcg (emulated)" : s->accel);
	} else {
		const char *accel = json_string_value(json_object_get(vm, "accel"));
		const char *cpu = json_string_value(json_object_get(vm, "cpu"));
		json_t *vcpus = json_object_get(vm, "vcpus");

		out = rs_xasprintf("QEMU %s%s%s", accel ? accel : "?", cpu ? ", -cpu " : "",
				   cpu ? cpu : "");
		if (json_is_integer(vcpus)) {
			char *o = rs_xasprintf("%s, %lld vCPUs", out,
					       (long long)json_integer_value(vcpus));

			free(out);
			out = o;
		}
	}
	json_decref(doc);
	return out;
}

/* A path as counted in the results, else as system.json says. */
static void path_cell(FILE *f, const char *counted, const char *sysinfo)
{
	fputs("<td>", f);
	if (counted) {
		esc(f, counted);
		fputs(" <small>(counted)</small>", f);
	} else {
		esc(f, sysinfo);
		fputs(" <small>(sysinfo)</small>", f);
	}
	fputs("</td>", f);
}

static void sets_table(FILE *f, const struct rp_model *m)
{
	fputs("<h2>Result sets</h2>\n<table>\n<thead><tr><th>set</th>"
	      "<th>kernel</th><th>TLB flush path</th><th>table free path</th>"
	      "<th>machine</th><th>reps</th><th>entries</th><th>directory</th></tr></thead>\n"
	      "<tbody>\n", f);
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rs_set *s = m->sets[k];
		size_t rmin = SIZE_MAX, rmax = 0;
		char *mach = machine(s);

		for (size_t i = 0; i < s->nentries; i++) {
			rmin = s->entries[i].reps < rmin ? s->entries[i].reps : rmin;
			rmax = s->entries[i].reps > rmax ? s->entries[i].reps : rmax;
		}
		fputs("<tr><td><strong>", f);
		esc(f, s->label);
		fprintf(f, "</strong>%s</td>", k ? "" : " <small>(baseline)</small>");
		ht_el(f, "td", NULL, s->kernel);
		path_cell(f, s->obs_flush, s->tlb_flush);
		path_cell(f, s->obs_free, s->table_free);
		ht_el(f, "td", NULL, mach);
		if (rmin == rmax)
			fprintf(f, "<td class=\"num\">%zu</td>", rmin);
		else
			fprintf(f, "<td class=\"num\">%zu&#8211;%zu</td>", rmin, rmax);
		fprintf(f, "<td class=\"num\">%zu</td>", s->nentries);
		ht_el(f, "td", NULL, s->dir);
		fputs("</tr>\n", f);
		free(mach);
	}
	fputs("</tbody>\n</table>\n", f);
}

/* ---- the overview --------------------------------------------------------- */

struct counts {
	size_t v[RP_MISMATCH + 1];
};

static struct counts count_verdicts(const struct rp_model *m)
{
	struct counts c = { { 0 } };

	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nrows; j++)
			for (size_t k = 1; k < m->nsets; k++)
				c.v[m->entries[i].rows[j].test[k].v]++;
	return c;
}

/* The worst verdict of an entry: worse over better over anything else. */
static enum rp_verdict entry_verdict(const struct rp_model *m, const struct rp_entry *ent)
{
	enum rp_verdict v = RP_SAME;

	for (size_t j = 0; j < ent->nrows; j++)
		for (size_t k = 1; k < m->nsets; k++) {
			if (ent->rows[j].test[k].v == RP_WORSE)
				return RP_WORSE;
			if (ent->rows[j].test[k].v == RP_BETTER)
				v = RP_BETTER;
		}
	return v;
}

static void changes_list(FILE *f, const struct rp_model *m)
{
	bool any = false;
	char b[32];

	for (size_t i = 0; i < m->nentries; i++) {
		const struct rp_entry *ent = &m->entries[i];
		char *id = entry_id(m, i);

		for (size_t j = 0; j < ent->nrows; j++)
			for (size_t k = 1; k < m->nsets; k++) {
				const struct rp_test *t = &ent->rows[j].test[k];

				if (t->v != RP_BETTER && t->v != RP_WORSE)
					continue;
				fputs(any ? "" : "<ul class=\"changes\">\n", f);
				any = true;
				fprintf(f, "<li><span class=\"%s\"><strong>%s</strong> %s</span> ",
					verdict_class(t->v), verdict_class(t->v),
					rp_fmt_pct(b, sizeof(b), t->change_pct));
				fprintf(f, "<a href=\"#%s\">", id);
				esc(f, ent->label);
				fputs("</a> <code>", f);
				esc(f, ent->rows[j].name);
				fputs("</code>", f);
				if (m->nsets > 2) {
					fputs(" in ", f);
					esc(f, m->sets[k]->label);
				}
				fputs("</li>\n", f);
			}
		free(id);
	}
	if (any)
		fputs("</ul>\n", f);
	else
		fputs("<p>No metric is significantly better or worse.</p>\n", f);
}

static json_t *find_plot(json_t *plots, const char *kind)
{
	size_t i;
	json_t *p;

	json_array_foreach(plots, i, p)
		if (json_is_string(json_object_get(p, "kind")) &&
		    !strcmp(json_string_value(json_object_get(p, "kind")), kind))
			return p;
	return NULL;
}

static const char *str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* <a href=SVG><img src=PNG></a>: the picture, and the drawing to zoom into. */
static void image(FILE *f, const struct ht_page *p, json_t *plot, bool lazy)
{
	fputs("<a href=\"", f);
	href(f, p->plots_dir, str_of(plot, "svg"));
	fputs("\"><img src=\"", f);
	href(f, p->plots_dir, str_of(plot, "png"));
	fputs("\" alt=\"", f);
	esc(f, str_of(plot, "title"));
	fprintf(f, "\"%s /></a>", lazy ? " loading=\"lazy\" width=\"960\" height=\"600\"" : "");
}

static void overview(FILE *f, const struct ht_page *p)
{
	const struct rp_model *m = p->m;
	struct counts c = count_verdicts(m);
	json_t *forest = p->plots ? find_plot(p->plots, "forest") : NULL;

	fputs("<h2>Overview</h2>\n<div class=\"summary\">", f);
	fprintf(f, "<span class=\"pill worse\">%zu worse</span>", c.v[RP_WORSE]);
	fprintf(f, "<span class=\"pill better\">%zu better</span>", c.v[RP_BETTER]);
	fprintf(f, "<span class=\"pill same\">%zu no significant change</span>", c.v[RP_SAME]);
	fprintf(f, "<span class=\"pill info\">%zu info, not judged</span>", c.v[RP_INFO]);
	if (c.v[RP_N1] + c.v[RP_MISSING] + c.v[RP_MISMATCH])
		fprintf(f, "<span class=\"pill info\">%zu without a verdict (n=1, missing, "
			"units differ)</span>", c.v[RP_N1] + c.v[RP_MISSING] + c.v[RP_MISMATCH]);
	fputs("</div>\n", f);
	if (m->nshort)
		fprintf(f, "<p class=\"short\">%zu of the %zu \"no significant change\" "
			"verdicts come from runs too short to see a %g%% change: read each "
			"with its \"would detect\" figure.</p>\n", m->nshort, c.v[RP_SAME],
			m->opt.min_change);
	changes_list(f, m);
	if (forest) {
		fputs("<div class=\"fig forest\">", f);
		image(f, p, forest, false);
		fputs("\n<div class=\"cap\">Every judged metric: the change against ", f);
		esc(f, m->sets[0]->label);
		fprintf(f, " in percent of its mean (point) and the 95%% confidence interval of "
			"the difference (bar), green better, red worse, grey no significant "
			"change. Inside the shaded band (&#177;%g%%, --min-change) nothing is "
			"judged. A bar cut at the border ends in an arrow head. Click for the "
			"SVG.</div>\n</div>\n", m->opt.min_change);
	} else {
		fputs("<p>No metric was judged, so there is no overview plot.</p>\n", f);
	}
}

static void entry_index(FILE *f, const struct rp_model *m)
{
	fputs("<div class=\"entries\">", f);
	for (size_t i = 0; i < m->nentries; i++) {
		char *id = entry_id(m, i);
		enum rp_verdict v = entry_verdict(m, &m->entries[i]);

		fprintf(f, "<a href=\"#%s\" class=\"%s\">", id,
			v == RP_SAME ? "plain" : verdict_class(v));
		esc(f, m->entries[i].label);
		fputs("</a>", f);
		free(id);
	}
	fputs("</div>\n", f);
}

/* ---- one entry ------------------------------------------------------------ */

/*
 * Column widths, the same in every entry's table so that they line up:
 * the metric and unit take 31% (23% with three sets or more), the rest
 * goes to the sets, a compared set's four columns in the shares of their
 * usual contents.
 */
static void entry_cols(FILE *f, const struct rp_model *m)
{
	static const double share[] = { 1.0, 0.55, 1.1, 1.15 };	/* mean, change, CI, verdict */
	double name = m->nsets > 2 ? 17 : 24, unit = m->nsets > 2 ? 6 : 7;
	double units = 1.0 + (double)(m->nsets - 1) * 3.8, w = (100 - name - unit) / units;

	fprintf(f, "<colgroup><col style=\"width: %g%%\" /><col style=\"width: %g%%\" />", name,
		unit);
	for (size_t k = 0; k < m->nsets; k++)
		for (size_t c = 0; c < (k ? 4u : 1u); c++)
			fprintf(f, "<col style=\"width: %.2f%%\" />", share[c] * w);
	fputs("</colgroup>\n", f);
}

static void entry_head(FILE *f, const struct rp_model *m)
{
	entry_cols(f, m);
	fputs("<thead><tr><th rowspan=\"2\">metric</th><th rowspan=\"2\">unit</th>", f);
	for (size_t k = 0; k < m->nsets; k++) {
		fprintf(f, "<th class=\"set\" colspan=\"%d\">", k ? 4 : 1);
		esc(f, m->sets[k]->label);
		fputs(k ? "" : " (baseline)", f);
		fputs("</th>", f);
	}
	fputs("</tr>\n<tr>", f);
	for (size_t k = 0; k < m->nsets; k++) {
		fputs("<th class=\"first\">mean (sd)</th>", f);
		if (k)
			fputs("<th>change</th><th>95% CI</th><th>verdict</th>", f);
	}
	fputs("</tr></thead>\n", f);
}

static bool entry_has_paths(const struct rp_model *m, const struct rp_entry *ent)
{
	for (size_t k = 0; k < m->nsets; k++)
		if (ent->in[k] && ent->in[k]->free_path)
			return true;
	return false;
}

/* Which free and flush path each set's result drove, by its counts. */
static void paths_row(FILE *f, const struct rp_model *m, const struct rp_entry *ent)
{
	if (!entry_has_paths(m, ent))
		return;
	fputs("<tr class=\"paths\"><td>path: free / flush</td><td>counted</td>", f);
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rs_entry *e = ent->in[k];

		fprintf(f, "<td class=\"first\"%s>", k ? " colspan=\"4\"" : "");
		if (e && e->free_path) {
			esc(f, e->free_path);
			fputs(" / ", f);
			esc(f, e->flush_path ? e->flush_path : "?");
			if (e->path_counts) {
				fputs("<small>", f);
				esc(f, e->path_counts);
				fputs("</small>", f);
			}
		} else {
			fputs("?", f);
		}
		fputs("</td>", f);
	}
	fputs("</tr>\n", f);
}

static void verdict_cell(FILE *f, const struct rp_model *m, const struct rp_row *r,
			 const struct rp_test *t)
{
	char buf[160];
	double mde = t->mde_pct;

	fprintf(f, "<td class=\"v %s\">", verdict_class(r->better == RS_INFO &&
							t->v == RP_INFO ? RP_INFO : t->v));
	esc(f, verdict_words(m, t, buf, sizeof(buf)));
	if (t->v == RP_SAME && isfinite(mde))
		fprintf(f, mde < 100 ? "<small>would detect &#8805; %.2g%%</small>" :
			"<small>would detect &#8805; %.0f%%</small>", mde);
	if (t->v == RP_SAME && t->mde_short && t->mde_reps)
		fprintf(f, "<small>%zu reps per set to see %g%%</small>", t->mde_reps,
			m->opt.min_change);
	fputs("</td>", f);
}

static void metric_row(FILE *f, const struct rp_model *m, const struct rp_row *r)
{
	char buf[32];

	fputs("<tr><td><code>", f);
	esc(f, r->name);
	fputs("</code></td>", f);
	ht_el(f, "td", NULL, r->unit);
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rp_test *t = &r->test[k];
		char *ms = rp_fmt_mean_sd(&r->cell[k], false), *ci;

		ht_el(f, "td", "num first", ms);
		free(ms);
		if (!k)
			continue;
		ht_el(f, "td", "num chg", rp_fmt_pct(buf, sizeof(buf), t->change_pct));
		ci = rp_fmt_ci_pct(t, r->cell[0].s.mean);
		ht_el(f, "td", "num", ci);
		free(ci);
		verdict_cell(f, m, r, t);
	}
	fputs("</tr>\n", f);
}

/* "only in a", "missing in b, c", or NULL. */
static char *presence(const struct rp_model *m, const struct rp_entry *ent)
{
	size_t have = 0, last = 0;
	char *s = NULL, *n;

	for (size_t k = 0; k < m->nsets; k++)
		if (ent->in[k]) {
			have++;
			last = k;
		}
	if (have == m->nsets)
		return NULL;
	if (have == 1)
		return rs_xasprintf("only in %s", m->sets[last]->label);
	for (size_t k = 0; k < m->nsets; k++)
		if (!ent->in[k]) {
			n = rs_xasprintf("%s%s%s", s ? s : "missing in ", s ? ", " : "",
					 m->sets[k]->label);
			free(s);
			s = n;
		}
	return s;
}

/* Bar and box plots of the entry, metric by metric, as plots.json lists them. */
/* Is the metric better or worse in some set? */
static bool metric_changed(const struct rp_model *m, const struct rp_entry *ent,
			   const char *metric)
{
	for (size_t j = 0; j < ent->nrows; j++) {
		if (strcmp(ent->rows[j].name, metric))
			continue;
		for (size_t k = 1; k < m->nsets; k++)
			if (ent->rows[j].test[k].v == RP_BETTER ||
			    ent->rows[j].test[k].v == RP_WORSE)
				return true;
	}
	return false;
}

static void plot_figure(FILE *f, const struct ht_page *p, json_t *pl)
{
	const char *kind = str_of(pl, "kind");

	fputs("<div class=\"fig\">", f);
	image(f, p, pl, true);
	fputs("<div class=\"cap\"><code>", f);
	esc(f, str_of(pl, "metric"));
	fputs("</code>: ", f);
	esc(f, !strcmp(kind, "bar") ? "the mean of each set, with its 95% confidence interval" :
	       !strcmp(kind, "box") ? "every repetition" : kind);
	fputs("</div></div>\n", f);
}

/*
 * The entry's bar and box plots, as plots.json lists them (a metric's two
 * side by side), each once: those of a metric that changed shown at once,
 * the others behind a check box that shows and hides them (no script).
 */
static void entry_plots(FILE *f, const struct ht_page *p, const struct rp_entry *ent,
			const char *id)
{
	size_t i, n = 0, nchanged = 0;
	json_t *pl;

	json_array_foreach(p->plots, i, pl) {
		if (strcmp(str_of(pl, "entry"), ent->label))
			continue;
		n++;
		nchanged += metric_changed(p->m, ent, str_of(pl, "metric"));
	}
	if (!n)
		return;
	if (nchanged) {
		fputs("<div class=\"grid\">\n", f);
		json_array_foreach(p->plots, i, pl)
			if (!strcmp(str_of(pl, "entry"), ent->label) &&
			    metric_changed(p->m, ent, str_of(pl, "metric")))
				plot_figure(f, p, pl);
		fputs("</div>\n", f);
	}
	if (n == nchanged)
		return;
	n -= nchanged;
	fprintf(f, "<input type=\"checkbox\" class=\"toggle\" id=\"plots-%s\" />"
		"<label class=\"toggle\" for=\"plots-%s\">%s %zu plot%s of this entry: "
		"per metric, the mean of each set and every repetition</label>\n"
		"<div class=\"grid toggled\">\n", id, id, nchanged ? "the other" : n == 1 ? "the" : "all",
		n, n == 1 ? "" : "s");
	json_array_foreach(p->plots, i, pl)
		if (!strcmp(str_of(pl, "entry"), ent->label) &&
		    !metric_changed(p->m, ent, str_of(pl, "metric")))
			plot_figure(f, p, pl);
	fputs("</div>\n", f);
}

static void entry_section(FILE *f, const struct ht_page *p, size_t i)
{
	const struct rp_model *m = p->m;
	const struct rp_entry *ent = &m->entries[i];
	char *id = entry_id(m, i), *pres = presence(m, ent);

	fprintf(f, "<div class=\"entry\" id=\"%s\">\n<h3>", id);
	esc(f, ent->label);
	if (strcmp(ent->label, ent->desc)) {
		fputs("<code>", f);
		esc(f, ent->desc);
		fputs("</code>", f);
	}
	if (pres) {
		fputs("<span class=\"presence\">", f);
		esc(f, pres);
		fputs("</span>", f);
	}
	/* The class on a wrapper: a bare <table> line is easy to find for a script. */
	fprintf(f, "</h3>\n<div class=\"cmp%s\">\n<table>\n", m->nsets > 2 ? " many" : "");
	entry_head(f, m);
	fputs("<tbody>\n", f);
	paths_row(f, m, ent);
	for (size_t j = 0; j < ent->nrows; j++)
		metric_row(f, m, &ent->rows[j]);
	fputs("</tbody>\n</table>\n</div>\n", f);
	if (ent->nnotes) {
		fputs("<ul class=\"entry-notes\">\n", f);
		for (size_t j = 0; j < ent->nnotes; j++) {
			fputs("<li>", f);
			esc(f, ent->notes[j]);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	if (p->plots)
		entry_plots(f, p, ent, id);
	fputs("</div>\n", f);
	free(id);
	free(pres);
}

static void scaling_section(FILE *f, const struct ht_page *p)
{
	size_t i, n = 0;
	json_t *pl;

	json_array_foreach(p->plots, i, pl)
		n += !strcmp(str_of(pl, "kind"), "scaling");
	if (!n)
		return;
	fputs("<h2>Scaling with the task count</h2>\n<div class=\"grid\">\n", f);
	json_array_foreach(p->plots, i, pl) {
		if (strcmp(str_of(pl, "kind"), "scaling"))
			continue;
		fputs("<div class=\"fig\">", f);
		image(f, p, pl, true);
		fputs("<div class=\"cap\">", f);
		esc(f, str_of(pl, "bench"));
		fputs(": <code>", f);
		esc(f, str_of(pl, "metric"));
		fputs("</code> against the task count</div></div>\n", f);
	}
	fputs("</div>\n", f);
}

/* ---- the text tables ---------------------------------------------------------- */

/* The comparison as ptstat compare prints it in fmt, verbatim, behind a check box. */
static void text_block(FILE *f, const struct rp_model *m, enum rp_format fmt,
		       const char *id, const char *what)
{
	struct rp_model c = *m;
	size_t len = 0;
	char *buf = NULL;
	FILE *mf = open_memstream(&buf, &len);
	int rc;

	if (!mf)
		return;
	c.opt.format = fmt;
	rc = rp_compare(mf, &c);
	if (fclose(mf) || rc) {
		free(buf);
		return;
	}
	fprintf(f, "<input type=\"checkbox\" class=\"toggle\" id=\"%s\" />"
		"<label class=\"toggle\" for=\"%s\">", id, id);
	esc(f, what);
	fputs("</label>\n<div class=\"toggled\">\n<pre>\n", f);
	esc(f, buf);
	if (len && buf[len - 1] != '\n')
		fputc('\n', f);
	fputs("</pre>\n</div>\n", f);
	free(buf);
}

static void text_tables(FILE *f, const struct rp_model *m)
{
	fputs("<h2>For a patch mail</h2>\n<p>The comparison as text, to paste under a "
	      "patch's cover letter: the same as <a href=\"table.txt\">table.txt</a> and "
	      "<a href=\"kernbench.txt\">kernbench.txt</a>.</p>\n", f);
	text_block(f, m, RP_TEXT, "text-table", "table.txt: per entry, mean (sd) per set, "
		   "change and verdict");
	fputs("<br />\n", f);
	text_block(f, m, RP_KERNBENCH, "text-kernbench", "kernbench.txt: kernbench's "
		   "layout, \"Average ... Run (std deviation)\"");
}

/* ---- the footer ------------------------------------------------------------ */

static void footer(FILE *f, const struct ht_page *p)
{
	const struct rp_model *m = p->m;
	static const char *const files[][2] = {
		{ "table.txt", "the comparison as text, as ptstat compare prints it" },
		{ "table.md", "the same as Markdown tables" },
		{ "table.csv", "one row per entry, metric and set" },
		{ "verdicts.json", "everything above as JSON (schema ptstat-compare/1)" },
		{ "kernbench.txt", "kernbench's layout: \"Average ... Run (std deviation)\"" },
	};

	fputs("<div class=\"foot\">\n<h2 id=\"statistics\">How to read this report</h2>\n<dl>\n", f);
	fputs("<dt>mean (sd)</dt><dd>The mean over the repetitions and the sample standard "
	      "deviation (divided by n&#160;&#8722;&#160;1).</dd>\n", f);
	fputs("<dt>change, 95% CI</dt><dd>The difference of the means against the "
	      "baseline, and the 95% confidence interval of that difference (Welch's t "
	      "distribution), both in percent of the baseline mean.</dd>\n", f);
	fprintf(f, "<dt>verdict</dt><dd><span class=\"better\">better</span> or "
		"<span class=\"worse\">worse</span> (by the metric's direction: higher or "
		"lower is better) when Welch's t-test p-value, adjusted for the %zu "
		"comparisons of this report, is below alpha = %g <em>and</em> the means differ "
		"by at least %g%%. On a shared machine, runs on different boots differ by a "
		"few percent whatever the kernel, and repetitions within one run cannot show "
		"that, so a smaller difference is not evidence about the kernel. Anything "
		"else is <span class=\"same\">no significant change</span>. <em>info</em> "
		"metrics (counts such as tables freed or flushes per operation) are shown, "
		"never judged.</dd>\n", m->ntests, m->opt.alpha, m->opt.min_change);
	fprintf(f, "<dt>would detect &#8805; X%%</dt><dd>Under \"no significant change\": "
		"the smallest change, in percent of the baseline mean, that Welch's test "
		"would have found with probability %g, given both sets' repetitions and "
		"standard deviations, at the per-test level alpha/m = %g/%zu = %.2g (the "
		"level one changed metric must pass when the others did not change). \"No "
		"significant change\" rules out changes of that size, not smaller ones: "
		"with X above %g%% the runs were too short to see a change that matters "
		"(\"N reps per set to see %g%%\" says how many would do), so they do not "
		"show \"no noticeable impact\".</dd>\n", RP_MDE_POWER, m->opt.alpha,
		m->ntests ? m->ntests : 1, m->mde_alpha, m->opt.min_change,
		m->opt.min_change);
	fprintf(f, "<dt>correction</dt><dd>With many metrics some p-values fall below "
		"alpha by chance. %s adjusts them over every judged comparison of the "
		"report: %s</dd>\n", rp_correction_name(m->opt.correction),
		m->opt.correction == RP_HOLM ?
		"Holm's step-down bounds the chance of any false finding (strict)." :
		"Benjamini-Hochberg bounds the expected share of false findings among the "
		"changes reported (--correction holm is stricter).");
	fputs("</dl>\n<h2>Files</h2>\n<ul>\n", f);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		fputs("<li><a href=\"", f);
		href(f, NULL, files[i][0]);
		fprintf(f, "\">%s</a>: ", files[i][0]);
		esc(f, files[i][1]);
		fputs("</li>\n", f);
	}
	if (p->plots) {
		fputs("<li><a href=\"", f);
		href(f, p->plots_dir, "plots.json");
		fputs("\">plots/plots.json</a>: every plot with its PNG, SVG, gnuplot script "
		      "and data, in plots/</li>\n", f);
	}
	fputs("</ul>\n</div>\n", f);
}

int ht_write(FILE *f, void *page)
{
	const struct ht_page *p = page;
	const struct rp_model *m = p->m;

	page_head(f, p);
	notes_box(f, m);
	sets_table(f, m);
	overview(f, p);
	fputs("<h2>Entries</h2>\n", f);
	entry_index(f, m);
	for (size_t i = 0; i < m->nentries; i++)
		entry_section(f, p, i);
	if (p->plots)
		scaling_section(f, p);
	text_tables(f, m);
	footer(f, p);
	fputs("</div>\n</body>\n</html>\n", f);
	return ferror(f) ? -1 : 0;
}
