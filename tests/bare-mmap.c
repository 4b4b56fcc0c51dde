// SPDX-License-Identifier: GPL-2.0
/*
 * The reference loop for tests/overhead.sh: the same system calls as
 * `ptbench run mmap-churn --touch none`, with no harness at all.  Like
 * mmap-churn, it maps into 2 MiB-aligned slots fenced by guards: mmap
 * MAP_FIXED over a PROT_NONE placeholder, munmap, and the placeholder put
 * back with MAP_FIXED_NOREPLACE.
 * Usage: bare-mmap SIZE_BYTES SECONDS; prints operations per second.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The slots, 2 MiB-aligned, a guard slot each side, the placeholder over them. */
static char *reserve(size_t size)
{
	size_t pmd = 2ul << 20, len = size + 3 * pmd;
	char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *slot;

	if (p == MAP_FAILED) {
		perror("mmap reservation");
		return NULL;
	}
	slot = (char *)(((uintptr_t)p + pmd - 1) & ~(pmd - 1)) + pmd;
	/* Without MAP_NORESERVE: a VMA of its own, as mmap-churn's placeholder. */
	if (mmap(slot, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		perror("mmap placeholder");
		return NULL;
	}
	return slot;
}

int main(int argc, char **argv)
{
	char *slot;
	size_t size;
	double secs, start, end;
	unsigned long ops = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: bare-mmap SIZE_BYTES SECONDS\n");
		return 2;
	}
	size = strtoull(argv[1], NULL, 0);
	secs = strtod(argv[2], NULL);
	slot = reserve(size);
	if (!slot)
		return 1;
	start = now();
	end = start + secs;
	do {
		/* Check the clock every 64 operations, cheaper than ptbench's flag. */
		for (int i = 0; i < 64; i++) {
			void *a = mmap(slot, size, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

			if (a == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
			syscall(SYS_munmap, a, size);
			if (mmap(slot, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
				 MAP_FIXED_NOREPLACE, -1, 0) != slot) {
				perror("mmap placeholder");
				return 1;
			}
		}
		ops += 64;
	} while (now() < end);
	printf("%.1f\n", (double)ops / (now() - start));
	return 0;
}
