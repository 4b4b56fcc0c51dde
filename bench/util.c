// SPDX-License-Identifier: GPL-2.0
/* Small services for benchmarks: /proc readers and address-space layout. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "internal.h"

ssize_t pt_slurp(const char *path, char **buf, size_t *cap)
{
	size_t len = 0, ncap;
	ssize_t r;
	char *n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (*cap - len < 2) {
			ncap = *cap ? 2 * *cap : 16384;
			n = realloc(*buf, ncap);
			if (!n) {
				err = -ENOMEM;
				break;
			}
			*buf = n;
			*cap = ncap;
		}
		r = read(fd, *buf + len, *cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = -errno;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (err)
		return err;
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

/* Value in kB of a "Key:   123 kB" line of a /proc file, -1 if absent. */
static long proc_kb(const char *path, const char *key)
{
	char buf[4096];
	size_t klen = strlen(key);
	ssize_t n;
	int fd;
	char *p;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return strtol(p + klen + 1, NULL, 10);
	}
	return -1;
}

long pt_vmpte_kb(void)
{
	return proc_kb("/proc/self/status", "VmPTE");
}

uint64_t pt_mem_available(void)
{
	long kb = proc_kb("/proc/meminfo", "MemAvailable");

	return kb < 0 ? 0 : (uint64_t)kb * 1024;
}

void *pt_reserve_slots(size_t slots, void **base, size_t *len)
{
	/* One guard slot each side, plus one for alignment. */
	size_t size = (slots + 3) * PT_PMD_SIZE;
	uintptr_t start;
	void *p;

	p = mmap(NULL, size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)p + PT_PMD_SIZE - 1) & ~(PT_PMD_SIZE - 1);
	*base = p;
	*len = size;
	return (void *)(start + PT_PMD_SIZE);
}

/*
 * MAP_FIXED replaces the caller's own placeholder in one step: the range is
 * never free for another thread's mmap.  A MAP_FIXED mmap that fails may
 * have removed what was there, so after a failure the caller no longer
 * knows the range is its own.
 */
void pt_release_slots(void *base, size_t len, char *start, size_t span, bool held)
{
	char *end = start + span;

	if (held) {
		munmap(base, len);
		return;
	}
	munmap(base, (size_t)(start - (char *)base));
	munmap(end, (size_t)((char *)base + len - end));
}

int pt_slots_map(void *start, size_t len)
{
	void *p = mmap(start, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	return madvise(start, len, MADV_NOHUGEPAGE);
}

/*
 * MAP_FIXED_NOREPLACE: over a hole only.  EEXIST means another mapping
 * took (part of) the hole since it opened; the caller must then leave the
 * whole range alone, since it cannot tell which part is whose.
 */
int pt_slots_hold(void *start, size_t len)
{
	void *p = mmap(start, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
		       -1, 0);

	if (p == start)
		return 0;
	if (p != MAP_FAILED) {
		/* A kernel before 4.17 ignores MAP_FIXED_NOREPLACE. */
		munmap(p, len);
		errno = EEXIST;
	}
	return -1;
}

void *pt_shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void pt_shared_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

bool pt_under_tcg(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;
	char sig[13];

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return false;		/* no hypervisor */
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	return !strcmp(sig, "TCGTCGTCGTCG");
#else
	return false;
#endif
}
