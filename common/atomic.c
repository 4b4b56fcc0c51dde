// SPDX-License-Identifier: GPL-2.0
/*
 * The one way a file of this project is written: into a temporary file
 * beside it, synced, then renamed over it.  A reader sees the old file or
 * the new one, never a part; a failure, or a signal where the program lets
 * this file handle them, leaves no temporary file behind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "result.h"

/* Temporary files now open, for the signal handler (async-signal-safe). */
#define PT_ATOMIC_SLOTS 16
static char *volatile live[PT_ATOMIC_SLOTS];

static int take_slot(char *tmp)
{
	for (int i = 0; i < PT_ATOMIC_SLOTS; i++)
		if (!live[i]) {
			live[i] = tmp;
			return i;
		}
	return -1;	/* only the signal clean-up is lost */
}

static void on_signal(int sig)
{
	for (int i = 0; i < PT_ATOMIC_SLOTS; i++)
		if (live[i])
			unlink(live[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void pt_atomic_cleanup_on_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal }, old;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
}

/* "dir/.name.XXXXXX" for "dir/name" */
static char *tmp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *tmp;
	int rc;

	if (slash)
		rc = asprintf(&tmp, "%.*s.%s.XXXXXX", (int)(slash - path + 1), path, slash + 1);
	else
		rc = asprintf(&tmp, ".%s.XXXXXX", path);
	return rc < 0 ? NULL : tmp;
}

int pt_atomic_open(struct pt_atomic *a, const char *path)
{
	struct stat st;
	int fd, err;

	memset(a, 0, sizeof(*a));
	a->slot = -1;
	if (!*path || path[strlen(path) - 1] == '/' ||
	    (!stat(path, &st) && S_ISDIR(st.st_mode))) {
		errno = EISDIR;
		return -1;
	}
	a->path = strdup(path);
	a->tmp = tmp_name(path);
	if (!a->path || !a->tmp)
		goto fail_nomem;
	fd = mkostemp(a->tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	a->slot = take_slot(a->tmp);
	a->f = fdopen(fd, "w");
	if (a->f)
		return 0;
	err = errno;
	close(fd);
	unlink(a->tmp);
	errno = err;
	goto fail;
fail_nomem:
	errno = ENOMEM;
fail:
	err = errno;
	pt_atomic_abort(a);
	errno = err;
	return -1;
}

void pt_atomic_abort(struct pt_atomic *a)
{
	int err = errno;

	if (a->f)
		fclose(a->f);
	if (a->slot >= 0)
		live[a->slot] = NULL;
	if (a->f && a->tmp)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	memset(a, 0, sizeof(*a));
	a->slot = -1;
	errno = err;
}

/* The rename itself made durable; a failure here loses nothing written. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path + 1)) : strdup(".");
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int pt_atomic_commit(struct pt_atomic *a)
{
	FILE *f = a->f;
	int err;

	if (!f) {
		errno = EBADF;
		return -1;
	}
	if (fflush(f) || ferror(f) || fchmod(fileno(f), 0644) || fsync(fileno(f)))
		goto fail;
	a->f = NULL;
	if (fclose(f)) {
		unlink(a->tmp);
		goto fail;
	}
	if (rename(a->tmp, a->path)) {
		err = errno;
		unlink(a->tmp);
		errno = err;
		goto fail;
	}
	sync_dir(a->path);
	pt_atomic_abort(a);	/* a->f is NULL: frees, unlinks nothing */
	return 0;
fail:
	if (!errno)
		errno = EIO;
	pt_atomic_abort(a);
	return -1;
}

int pt_write_atomic(const char *path, int (*fill)(FILE *f, void *arg), void *arg)
{
	struct pt_atomic a;

	if (pt_atomic_open(&a, path))
		return -1;
	errno = 0;
	if (fill(a.f, arg)) {
		if (!errno)
			errno = EIO;
		pt_atomic_abort(&a);
		return -1;
	}
	return pt_atomic_commit(&a);
}

struct buf {
	const char *p;
	size_t len;
};

static int fill_buf(FILE *f, void *arg)
{
	const struct buf *b = arg;

	return fwrite(b->p, 1, b->len, f) == b->len ? 0 : -1;
}

int pt_write_buf_atomic(const char *path, const char *buf, size_t len)
{
	struct buf b = { buf, len };

	return pt_write_atomic(path, fill_buf, &b);
}

static int fill_json(FILE *f, void *doc)
{
	if (json_dumpf(doc, f, PT_JSON_FLAGS) || fputc('\n', f) == EOF)
		return -1;
	return 0;
}

int pt_json_write_atomic(const char *path, json_t *doc)
{
	return pt_write_atomic(path, fill_json, doc);
}

void pt_now_iso(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
