// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat report: every file of a report directory from one model, in one
 * process.  The tables are the printers of report.c run once per format,
 * the plots plot.c's, the page html.c's.  The directory is built as a
 * hidden sibling ".NAME.XXXXXX" and exchanged with the old one in one
 * rename, so that NAME is always a whole report: the old one or the new.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"
#include "plot.h"
#include "reportdir.h"
#include "../common/result.h"

/* The signals that end a report early: it then leaves nothing behind. */
static const int rd_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define RD_NSIGNALS (sizeof(rd_signals) / sizeof(rd_signals[0]))

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	if (!caught)
		caught = sig;
	/* gnuplot may take a while: stop it rather than wait for it. */
	pl_stop(sig);
}

struct guard {
	struct sigaction old[RD_NSIGNALS];
};

/* A signal only sets a flag, checked between the steps; ignored ones stay ignored. */
static void guard_on(struct guard *g)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	caught = 0;
	for (size_t i = 0; i < RD_NSIGNALS; i++) {
		sigaction(rd_signals[i], NULL, &g->old[i]);
		if (g->old[i].sa_handler != SIG_IGN)
			sigaction(rd_signals[i], &sa, NULL);
	}
}

static void guard_off(struct guard *g)
{
	for (size_t i = 0; i < RD_NSIGNALS; i++)
		sigaction(rd_signals[i], &g->old[i], NULL);
}

static void block_signals(bool block)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < RD_NSIGNALS; i++)
		sigaddset(&set, rd_signals[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* Die of the signal caught, as if it had not been caught. */
static void die_of_signal(void)
{
	int sig = caught;

	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

/* ---- paths ---------------------------------------------------------------- */

static int rm_failed;

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path)) {
		fprintf(stderr, "ptstat: cannot remove %s: %s\n", path, strerror(errno));
		rm_failed = 1;
	}
	return 0;
}

int rd_rm_tree(const char *path)
{
	rm_failed = 0;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS)) {
		fprintf(stderr, "ptstat: cannot remove %s: %s\n", path, strerror(errno));
		return -1;
	}
	return rm_failed ? -1 : 0;
}


/* dir without trailing slashes, split into its parent and base name. */
struct where {
	char *dir, *parent;
	const char *base;
};

static int where_of(const char *prog, const char *dir, struct where *w)
{
	size_t len = strlen(dir);
	char *slash;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	w->dir = rs_xasprintf("%.*s", (int)len, dir);
	slash = strrchr(w->dir, '/');
	w->base = slash ? slash + 1 : w->dir;
	w->parent = slash ? rs_xasprintf("%.*s", (int)(slash - w->dir), w->dir)
			  : rs_xstrdup(".");
	if (slash == w->dir) {
		free(w->parent);
		w->parent = rs_xstrdup("/");
	}
	if (!*w->base || !strcmp(w->base, ".") || !strcmp(w->base, "..")) {
		fprintf(stderr, "%s: '%s' is not a usable directory name\n", prog, dir);
		return -1;
	}
	return 0;
}

static void where_free(struct where *w)
{
	free(w->dir);
	free(w->parent);
}

/* mkdir -p */
static int make_parents(const char *prog, const char *path)
{
	char *p = rs_xstrdup(path);
	struct stat st;
	int rc = 0;

	for (char *c = p + 1; ; c++) {
		if (*c && *c != '/')
			continue;
		char save = *c;

		*c = 0;
		if (mkdir(p, 0777) && errno != EEXIST) {
			fprintf(stderr, "%s: cannot create %s: %s\n", prog, p,
				strerror(errno));
			rc = -1;
			break;
		}
		*c = save;
		if (!save)
			break;
	}
	if (!rc && (stat(path, &st) || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "%s: %s is not a directory\n", prog, path);
		rc = -1;
	}
	free(p);
	return rc;
}

int rd_check(const char *dir)
{
	return rd_check_dir("ptstat report", dir);
}

int rd_check_dir(const char *prog, const char *dir)
{
	struct where w;
	struct stat st;
	int rc = -1;

	if (where_of(prog, dir, &w))
		goto out;
	if (!lstat(w.dir, &st) && !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s exists and is not a directory\n", prog, w.dir);
		goto out;
	}
	if (make_parents(prog, w.parent))
		goto out;
	if (access(w.parent, W_OK | X_OK)) {
		fprintf(stderr, "%s: cannot write in %s: %s\n", prog, w.parent,
			strerror(errno));
		goto out;
	}
	rc = 0;
out:
	where_free(&w);
	return rc;
}

/* ---- the files ------------------------------------------------------------ */

struct table {
	const struct rp_model *m;
	enum rp_format format;
};

/* The printers take the format from the model: a copy with another one. */
static int fill_table(FILE *f, void *arg)
{
	const struct table *t = arg;
	struct rp_model m = *t->m;

	m.opt.format = t->format;
	return rp_compare(f, &m);
}

static int write_in(const char *dir, const char *name, int (*fill)(FILE *, void *),
		    void *arg)
{
	char *path = rs_xasprintf("%s/%s", dir, name);
	int rc = pt_write_atomic(path, fill, arg);

	if (rc)
		fprintf(stderr, "ptstat report: writing %s failed: %s\n", path,
			strerror(errno));
	free(path);
	return rc;
}

static const struct {
	const char *name;
	enum rp_format format;
} tables[] = {
	{ "table.txt", RP_TEXT },
	{ "table.md", RP_MARKDOWN },
	{ "table.csv", RP_CSV },
	{ "verdicts.json", RP_JSON },
	{ "kernbench.txt", RP_KERNBENCH },
};

static char *default_title(const struct rp_model *m)
{
	char *t = rs_xstrdup("ptbench:"), *n;

	for (size_t k = 0; k < m->nsets; k++) {
		n = rs_xasprintf("%s%s%s", t, k ? " vs " : " ", m->sets[k]->label);
		free(t);
		t = n;
	}
	return t;
}

/* Everything into tmp; 0, or -1 after a message (or when a signal came). */
static int fill_dir(const struct rp_model *m, const struct rd_options *o, const char *tmp)
{
	char *plots_dir = rs_xasprintf("%s/plots", tmp), *title = NULL;
	struct pl_options po = { .dir = plots_dir, .jobs = o->jobs, .quiet = true,
				 .forest = true };
	struct ht_page page = { .m = m, .plots_dir = "plots" };
	char date[32];
	int rc = -1;

	po.plots = &page.plots;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		struct table t = { m, tables[i].format };

		if (caught || write_in(tmp, tables[i].name, fill_table, &t))
			goto out;
	}
	if (caught || pl_make_dir(plots_dir) || pl_plot(m, &po) || caught)
		goto out;
	pt_now_iso(date, sizeof(date));
	title = o->title ? NULL : default_title(m);
	page.title = o->title ? o->title : title;
	page.date = date;
	if (write_in(tmp, "index.html", ht_write, &page))
		goto out;
	rc = 0;
out:
	json_decref(page.plots);
	free(plots_dir);
	free(title);
	return rc;
}

/*
 * tmp becomes dir: one exchange when dir exists, so that dir never lacks a
 * whole report; the old one is then at tmp, and removed.
 */
static int swap_in(const char *prog, const char *tmp, const struct where *w)
{
	char *aside;

	if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, w->dir, RENAME_NOREPLACE))
		return 0;
	if (errno == EEXIST && !renameat2(AT_FDCWD, tmp, AT_FDCWD, w->dir, RENAME_EXCHANGE)) {
		rd_rm_tree(tmp);
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != EEXIST)
		goto fail;
	/* A file system without renameat2's flags: move the old one aside first. */
	if (rename(tmp, w->dir) == 0)
		return 0;
	aside = rs_xasprintf("%s/.%s.old.%ld", w->parent, w->base, (long)getpid());
	if (rename(w->dir, aside)) {
		free(aside);
		goto fail;
	}
	if (rename(tmp, w->dir)) {
		int err = errno;

		rename(aside, w->dir);
		free(aside);
		errno = err;
		goto fail;
	}
	rd_rm_tree(aside);
	free(aside);
	return 0;
fail:
	fprintf(stderr, "%s: cannot rename %s to %s: %s\n", prog, tmp, w->dir,
		strerror(errno));
	return -1;
}

bool rd_stopped(void)
{
	return caught;
}

int rd_build(const struct rd_writer *wr)
{
	struct where w;
	struct guard g;
	char *tmp = NULL;
	mode_t mask;
	int rc = 1;

	if (where_of(wr->prog, wr->dir, &w))
		goto out_free;
	tmp = rs_xasprintf("%s/.%s.XXXXXX", w.parent, w.base);
	guard_on(&g);
	if (!mkdtemp(tmp)) {
		fprintf(stderr, "%s: cannot create a directory in %s: %s\n", wr->prog,
			w.parent, strerror(errno));
		goto out;
	}
	/* mkdtemp makes it 0700; a report is as readable as any directory. */
	mask = umask(0);
	umask(mask);
	chmod(tmp, 0777 & ~mask);
	if (wr->fill(tmp, wr->arg) || caught) {
		rd_rm_tree(tmp);
		goto out;
	}
	block_signals(true);
	if (caught || swap_in(wr->prog, tmp, &w)) {
		rd_rm_tree(tmp);
		block_signals(false);
		goto out;
	}
	block_signals(false);
	rc = 0;
	if (caught)
		goto out;
	if (wr->done)
		rc = wr->done(w.dir, wr->arg);
out:
	guard_off(&g);
	if (caught)
		die_of_signal();
out_free:
	where_free(&w);
	free(tmp);
	return rc;
}

struct report {
	const struct rp_model *m;
	const struct rd_options *o;
};

static int fill_report(const char *tmp, void *arg)
{
	const struct report *r = arg;

	return fill_dir(r->m, r->o, tmp);
}

/* The comparison on standard output, and where the report is. */
static int report_done(const char *dir, void *arg)
{
	const struct report *r = arg;
	struct table out = { r->m, r->o->format };
	int rc = 0;

	if (fill_table(stdout, &out) || fflush(stdout)) {
		fprintf(stderr, "ptstat report: writing the standard output failed: %s\n",
			strerror(errno));
		rc = 1;
	}
	fprintf(stderr, "ptstat report: the report is in %s (open %s/index.html)\n", dir,
		dir);
	return rc;
}

int rd_write(const struct rp_model *m, const struct rd_options *o)
{
	struct report r = { m, o };
	struct rd_writer wr = { .prog = "ptstat report", .dir = o->dir, .fill = fill_report,
				.done = report_done, .arg = &r };

	return rd_build(&wr);
}
