// SPDX-License-Identifier: GPL-2.0
/*
 * bench/main.c for the fuzz targets and their regression drivers, which
 * have a main() of their own: its main() renamed, the rest as it is.
 */
#define main ptbench_main
int ptbench_main(int argc, char **argv);
#include "../bench/main.c"
