// SPDX-License-Identifier: GPL-2.0
/* The fuzz targets' shared part: see fuzz.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

char *fz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

static char dir[64];
static char *made[8];		/* the base names fz_file() wrote */

static void remove_dir(void)
{
	char path[128];

	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]) && made[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, made[i]);
		unlink(path);
		free(made[i]);
	}
	rmdir(dir);
}

const char *fz_dir(void)
{
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/ptbench-fuzz.XXXXXX",
			 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			fprintf(stderr, "fuzz: mkdtemp %s: %s\n", dir, strerror(errno));
			exit(1);
		}
		atexit(remove_dir);
	}
	return dir;
}

const char *fz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[128];
	size_t done = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fz_dir(), name);
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		if (made[i] && !strcmp(made[i], name))
			break;
		if (!made[i]) {
			made[i] = strdup(name);
			break;
		}
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	while (fd >= 0 && done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (fd < 0 || done < size || close(fd)) {
		fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return path;
}

void fz_quiet_stdout(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	fflush(stdout);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		fprintf(stderr, "fuzz: /dev/null: %s\n", strerror(errno));
		exit(1);
	}
	close(fd);
}
