/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzz targets' shared part.  Each fuzz/fuzz-NAME.c defines
 * LLVMFuzzerTestOneInput(), which calls one parser of the project on the
 * bytes it is given: linked with libFuzzer (configure --enable-fuzz) it is
 * fuzzed, linked with fuzz/driver.c it runs saved inputs (make check).
 */
#ifndef PT_FUZZ_H
#define PT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a NUL-terminated string (NUL bytes in it end it early). */
char *fz_string(const uint8_t *data, size_t size);

/*
 * A file holding exactly the input, for parsers that take a path: made
 * once in a private directory (name its base name), rewritten each time.
 * Its path; the process exits when it cannot be written.
 */
const char *fz_file(const char *name, const uint8_t *data, size_t size);

/* The private directory of fz_file(). */
const char *fz_dir(void);

/* Standard output into /dev/null: what a parser prints there is not looked at. */
void fz_quiet_stdout(void);

#endif
