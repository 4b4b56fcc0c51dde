// SPDX-License-Identifier: GPL-2.0
/*
 * The reference loop for tests/overhead.sh: the same mmap/munmap calls as
 * `ptbench run mmap-churn --touch none`, with no harness at all.
 * Usage: bare-mmap SIZE_BYTES SECONDS; prints operations per second.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t size;
	double secs, start, end;
	unsigned long ops = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: bare-mmap SIZE_BYTES SECONDS\n");
		return 2;
	}
	size = strtoull(argv[1], NULL, 0);
	secs = strtod(argv[2], NULL);
	start = now();
	end = start + secs;
	do {
		/* Check the clock every 64 operations, cheaper than ptbench's flag. */
		for (int i = 0; i < 64; i++) {
			void *a = mmap(NULL, size, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (a == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
			munmap(a, size);
		}
		ops += 64;
	} while (now() < end);
	printf("%.1f\n", (double)ops / (now() - start));
	return 0;
}
