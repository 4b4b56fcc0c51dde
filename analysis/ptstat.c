// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat: statistics, tables and plots over ptbench result sets.  This
 * file is the command line and the help; resultset.c reads the sets,
 * report.c compares and prints them, plot.c draws them.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/result.h"
#include "plot.h"
#include "report.h"
#include "reportdir.h"
#include "resultset.h"
#include "write.h"

enum cmd { CMD_SHOW = 1, CMD_COMPARE = 2, CMD_PLOT = 4, CMD_REPORT = 8 };

static const char *const cmd_names[] = {
	[CMD_SHOW] = "show", [CMD_COMPARE] = "compare", [CMD_PLOT] = "plot",
	[CMD_REPORT] = "report",
};

enum opt_id { O_FORMAT, O_ALPHA, O_MIN_CHANGE, O_CORRECTION, O_VERBOSE, O_OUTPUT,
	      O_JOBS, O_ALLOW_MIXED, O_TITLE, O_HELP };

static const struct {
	const char *name;
	char short_name;
	bool takes_value;
	unsigned cmds;		/* the commands that accept it */
} opts[] = {
	[O_FORMAT]	= { "format", 0, true, CMD_SHOW | CMD_COMPARE | CMD_REPORT },
	[O_ALPHA]	= { "alpha", 0, true, CMD_COMPARE | CMD_REPORT },
	[O_MIN_CHANGE]	= { "min-change", 0, true, CMD_COMPARE | CMD_REPORT },
	[O_CORRECTION]	= { "correction", 0, true, CMD_COMPARE | CMD_REPORT },
	[O_VERBOSE]	= { "verbose", 'v', false, CMD_COMPARE },
	[O_OUTPUT]	= { "output", 'o', true, CMD_SHOW | CMD_COMPARE | CMD_PLOT },
	[O_JOBS]	= { "jobs", 'j', true, CMD_PLOT | CMD_REPORT },
	[O_ALLOW_MIXED]	= { "allow-mixed", 0, false, CMD_COMPARE | CMD_PLOT | CMD_REPORT },
	[O_TITLE]	= { "title", 0, true, CMD_REPORT },
	[O_HELP]	= { "help", 'h', false, CMD_SHOW | CMD_COMPARE | CMD_PLOT | CMD_REPORT },
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

struct args {
	enum cmd cmd;
	const char *prog;	/* "ptstat compare", for messages */
	const char **sets;
	size_t nsets;
	struct rp_options ro;
	const char *output;
	const char *outdir;	/* report */
	const char *title;
	long jobs;
	bool allow_mixed;
	bool help;
};

/* ---- help ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fputs("Usage: ptstat show SET [--format FORMAT] [-o FILE]\n"
"       ptstat compare SET_A SET_B [SET_C ...] [options]\n"
"       ptstat report OUTDIR SET_A SET_B [SET_C ...] [options]\n"
"       ptstat plot SET [SET ...] -o DIR [--jobs N]\n", f);
	pw_usage_lines(f);
	fputs("       ptstat COMMAND --help\n"
"       ptstat --version\n"
"\n"
"Statistics over ptbench result sets, for comparing kernels.\n"
"\n"
"A result set is a directory, usually results/LABEL/, holding one ptbench\n"
"result (JSON, schema ptbench/1) per suite entry and, optionally, system.json\n"
"(the output of ptbench sysinfo); other files are ignored. The set is named by\n"
"its directory's basename. Entries are matched across sets by their label,\n"
"metrics by their name.\n"
"\n"
"Commands:\n"
"  show      n, mean, standard deviation, CV, min and max of every metric of\n"
"            one set\n"
"  compare   sets side by side, each against the first (the baseline): change,\n"
"            confidence interval, Welch and Mann-Whitney tests, and a verdict\n"
"            per metric: better, worse or no significant change\n"
"  plot      bar charts with confidence intervals, box plots of the samples and\n"
"            scaling curves, rendered by gnuplot to PNG and SVG\n"
"  report    the whole report directory from one comparison: every table,\n"
"            the plots and index.html\n"
"  merge     the rounds of one entry into one result (runners/run.sh)\n"
"  record    a result of an outside workload (kernbench) from its timings\n"
"  set       a result set's meta.json (start, fail, ok, finish) and the vm\n"
"            object of its system.json\n"
"  check     whether files are valid results (with a given label and\n"
"            repetitions): what the runners ask instead of reading the schema\n"
"  export    sets or a comparison for dashboards: InfluxDB line protocol,\n"
"            OpenMetrics (Pushgateway), KCIDB, Bencher BMF,\n"
"            github-action-benchmark\n"
"  submit    the exports sent to InfluxDB, a Pushgateway, KCIDB or a\n"
"            directory, through a durable spool (nothing lost, nothing twice)\n"
"  history   sets over time: a time series per metric and the change points,\n"
"            each run judged against a window of earlier runs\n"
"\n"
"Formats (show and compare): text (the default), markdown, csv, json and\n"
"kernbench. 'ptstat COMMAND --help' explains each command, its statistics and\n"
"its formats.\n"
"\n"
"Every result file is checked as it is read. A file that is not valid JSON,\n"
"has another schema than ptbench/1, lacks a field or has one of the wrong\n"
"type, holds a sample that is not a finite number, or a metric with more or\n"
"fewer samples than params.reps is reported as\n"
"  ptstat: FILE: FIELD: what is wrong\n"
"and left out; the rest of the set is still used.\n"
"\n"
"Exit status: 0 done; 1 done, but a file was left out (see the messages), or\n"
"the output could not be written or rendered; 2 bad usage or nothing to show\n"
"(an unknown command or option, a missing set, a set without a valid result).\n", f);
}

static void show_help(FILE *f)
{
	fputs("Usage: ptstat show SET [--format FORMAT] [-o FILE]\n"
"\n"
"Summarizes every metric of every entry of the result set SET: the number of\n"
"repetitions n, the mean, the sample standard deviation sd (the sum of squared\n"
"deviations divided by n - 1), the coefficient of variation CV = sd / |mean|\n"
"in percent, the minimum and the maximum.\n"
"\n"
"With one repetition (n=1) there is no standard deviation: the figures are\n"
"shown and a note says \"n=1: no standard deviation\". A metric that is\n"
"higher- or lower-is-better and gave the same value in every repetition gets\n"
"a note \"zero variance\": a timer too coarse for the operation, or a figure\n"
"that is not measured at all, looks like that.\n"
"\n"
"The output starts with the entries that failed in the run (meta.json's\n"
"\"failed\": \"FAILED: LABEL in set SET (exit STATUS, FILE:LINE): message\"), a\n"
"note when the set ran under QEMU TCG, and the set's kernel, paths,\n"
"accelerator and directory (see ptstat compare --help); csv gives the first two\n"
"as lines starting with \"# \" before the header, json as \"failed\" and\n"
"\"notes\".\n"
"\n"
"Options:\n"
"  --format FORMAT   text (default): one block per entry, one line per metric;\n"
"                    markdown: one GitHub table per entry;\n"
"                    csv: one row per entry and metric, with a header row:\n"
"                      set,kernel,tlb_flush,table_free,entry,bench,description,\n"
"                      metric,unit,better,n,mean,sd,cv_pct,min,max\n"
"                    json: {\"schema\": \"ptstat-show/1\",\n"
"                      \"set\": {label, dir, kernel, tlb_flush, table_free,\n"
"                        observed_free, observed_flush, accel, emulated,\n"
"                        tcg_threads}, \"notes\", \"failed\",\n"
"                      \"entries\": [{label, bench, description, notes,\n"
"                        metrics: [{name, unit, better, n, mean, sd, cv_pct,\n"
"                        min, max}]}]}\n"
"                      (sd and cv_pct are null when n=1);\n"
"                    kernbench: kernbench's own block per entry:\n"
"                      Average LABEL Run (std deviation):\n"
"                      NAME MEAN (SD)\n"
"                    (LABEL the entry's; the loads of workloads/kernbench in\n"
"                    kernbench's order), with six significant digits, after\n"
"                    the failed entries and the TCG note; kernbench's metrics\n"
"                    by its names (elapsed_s is \"Elapsed Time\", user_s \"User\n"
"                    Time\", system_s \"System Time\", percent_cpu \"Percent CPU\",\n"
"                    context_switches \"Context Switches\", sleeps \"Sleeps\").\n"
"  -o, --output FILE write to FILE (replaced atomically) instead of standard\n"
"                    output\n"
"  -h, --help        this help\n"
"\n"
"Exit status: 0 done; 1 done, but a file was left out or the output could not\n"
"be written; 2 bad usage or nothing to show.\n", f);
}

static void compare_help(FILE *f)
{
	fputs("Usage: ptstat compare SET_A SET_B [SET_C ...] [options]\n"
"\n"
"Compares result sets, typically one suite run on two kernels. SET_A is the\n"
"baseline; each other set is compared with it, entry by entry (matched by\n"
"label) and metric by metric (matched by name). An entry or a metric that only\n"
"some sets have is listed, marked \"only in a\" or \"missing in b\".\n"
"\n"
"Every format starts with what concerns the sets as a whole:\n"
"  - the entries that failed in the run, from each set's meta.json (\"failed\",\n"
"    written by runners/run.sh), one line each:\n"
"      FAILED: LABEL (round R) in set SET (exit STATUS, FILE:LINE): last message\n"
"  - a note when a set ran under QEMU TCG (below);\n"
"  - a table of the sets: label, kernel release, TLB flush path, page-table\n"
"    free path, accelerator and directory. A path is the one the set's results\n"
"    counted, marked \"(counted)\", where they say; else system.json's (or,\n"
"    without one, the results' record of ptbench sysinfo).\n"
"The tables then head each set's column with its label alone.\n"
"\n"
"Emulated timings: a set ran under TCG when its system.json has vm.accel\n"
"\"tcg\" (runners/vm.sh), or, without a vm object, when ptbench sysinfo found\n"
"QEMU's TCG CPUID signature (tlb_flush.evidence); its accelerator is otherwise\n"
"vm.accel (\"kvm\"), \"native\" without a vm object, or \"unknown\" without\n"
"system.json. TCG emulates every instruction: its timings are not those of\n"
"hardware. Sets run under TCG are compared with sets that were not only with\n"
"--allow-mixed (else exit 2, \"SETS ran under TCG (emulated) and SETS did not\")\n"
"and every format then carries a note (\"NOTE: emulated timings. ...\"; with\n"
"single-threaded TCG, which vm.tcg_threads \"multi\" rules out, a sentence\n"
"on remote-flush latencies; with --allow-mixed, a MIXED sentence).\n"
"\n"
"Options:\n"
"  --format FORMAT     text (default), markdown, csv, json or kernbench (below)\n"
"  --alpha P           significance level of the adjusted p-value (default 0.05)\n"
"  --min-change PCT    the smallest change, in percent of the baseline mean,\n"
"                      that can be judged better or worse (default 2)\n"
"  --correction bh|holm\n"
"                      multiple-comparison correction (default bh)\n"
"  -v, --verbose       text and markdown: add the confidence interval and the\n"
"                      p-values of each comparison\n"
"  --allow-mixed       compare sets run under TCG with sets that were not\n"
"  -o, --output FILE   write to FILE (replaced atomically) instead of standard\n"
"                      output\n"
"  -h, --help          this help\n"
"\n"
"Statistics, per entry, metric and set:\n"
"  mean (sd)   the mean over the repetitions and the sample standard\n"
"              deviation (divided by n - 1).\n"
"  change      (mean - baseline mean) / |baseline mean|, in percent.\n"
"  95% CI      the 95% confidence interval of mean - baseline mean, from\n"
"              Welch's t distribution (in the metric's unit in csv and json,\n"
"              in percent of the baseline mean in text and markdown).\n"
"  Welch p     two-sided p-value of Welch's t-test, which does not assume\n"
"              equal variances (Welch-Satterthwaite degrees of freedom). When\n"
"              both sides have zero variance the test is degenerate: p is 1 if\n"
"              the means are equal, else 0, and a note says so.\n"
"  MWU p       two-sided p-value of the Mann-Whitney U test, a rank test that\n"
"              assumes no distribution: exact for up to 20 repetitions a side\n"
"              without ties, else the normal approximation with tie and\n"
"              continuity corrections. A cross-check; the verdict uses Welch.\n"
"  adj p       the Welch p-value adjusted for the number of comparisons:\n"
"              with many metrics, some p-values fall below alpha by chance.\n"
"              bh (Benjamini-Hochberg) bounds the expected share of false\n"
"              findings among the changes reported; holm (Holm's step-down)\n"
"              bounds the chance of any false finding, and is stricter. The\n"
"              family is every comparison in the report of a metric whose\n"
"              direction is higher or lower (all entries, metrics and sets).\n"
"  detectable  the smallest change the comparison would have found, in\n"
"              percent of |baseline mean| (the minimum detectable effect):\n"
"              (t(1 - a/2, df) + t(0.8, df)) x se, se = sqrt(sd_a^2/n_a +\n"
"              sd_b^2/n_b), df by Welch-Satterthwaite, t(q, df) the q quantile\n"
"              of Student's t: a true change that large is found with\n"
"              probability 0.8 (the power), the sds taken as the true ones.\n"
"              a = alpha/m, m the comparisons in the correction: the level a\n"
"              single changed metric must pass when the others did not change\n"
"              (Holm's first step, Benjamini-Hochberg's smallest). With many\n"
"              real changes bh is laxer, so the figure is then pessimistic;\n"
"              the raw alpha would promise more than the verdict keeps.\n"
"              Computed for every judged metric with n >= 2 on both sides.\n"
"\n"
"Verdict: a metric is better or worse (by its direction: higher or lower is\n"
"better) when its adjusted p-value is below alpha AND its change is at least\n"
"--min-change percent; anything else is \"no significant change\" (\"no change\"\n"
"in the narrow text and kernbench tables). The second condition is practical\n"
"significance: on a shared machine, runs on different boots differ by a few\n"
"percent whatever the kernel, and repetitions within one run cannot show\n"
"that noise, so a smaller difference is not evidence about the kernel. The\n"
"output states the rule, the correction and alpha. \"info\" metrics (counts\n"
"such as tables freed) are shown but not judged and not in the correction.\n"
"A side with one repetition (n=1) has no standard deviation: no test, no\n"
"verdict. An entry that ran with other parameters in another set gets a note\n"
"naming them.\n"
"\n"
"A no significant change says nothing about changes smaller than what the\n"
"runs could detect: text and markdown print it beside the verdict, \"no change\n"
"(would detect ≥ 7.4%)\". When that is more than --min-change, the runs were\n"
"too short to see a change that matters: \"no change (would detect ≥ 12%; too\n"
"few reps to see 2%)\", and the footer lists such comparisons with the\n"
"repetitions per set that would bring them down to --min-change, the standard\n"
"deviations staying as they are (se falls as 1/sqrt(n), df grows).\n"
"\n"
"Formats:\n"
"  text        the failed entries, the notes on the sets and the set table;\n"
"              then per entry a block: a metric per line, mean (sd) per set,\n"
"              then the change and verdict of each set against the baseline;\n"
"              notes; the rule and the detectable-change method at the end.\n"
"  markdown    the same as paragraphs and GitHub tables, one per entry.\n"
"  csv         one row per entry, metric and set, with a header row:\n"
"              set,kernel,tlb_flush,table_free,baseline,entry,bench,\n"
"              description,metric,unit,better,n,mean,sd,cv_pct,min,max,\n"
"              change_pct,ci_lo,ci_hi,welch_p,mwu_p,adj_p,verdict,alpha,\n"
"              min_change_pct,correction,mde_pct,reps_for_min_change\n"
"              (the comparison columns are empty in the baseline's rows;\n"
"              reps_for_min_change only where too few reps). The FAILED lines\n"
"              and the notes on the sets come before the header, each a line\n"
"              starting with \"# \" (pandas: comment='#'); without them the\n"
"              header is the first line.\n"
"  json        {\"schema\": \"ptstat-compare/1\", \"alpha\", \"min_change_pct\",\n"
"              \"correction\": \"bh\"|\"holm\", \"n_tests\" (p-values in the\n"
"              correction), \"mde_alpha\" (alpha / n_tests), \"mde_power\",\n"
"              \"baseline\" (its label), \"notes\": [text] (the notes on the\n"
"              sets), \"failed\": [{set, label, round, status, src, messages,\n"
"              text}] (text: the FAILED line),\n"
"              \"sets\": [{label, dir, kernel, tlb_flush, table_free,\n"
"                observed_free, observed_flush, accel, emulated, tcg_threads}],\n"
"              \"entries\": [{label, bench, description, present_in: [label],\n"
"                missing_in: [label], notes: [text],\n"
"                metrics: [{name, unit, better,\n"
"                  per_set: [{set, n, mean, sd, cv_pct, min, max}],\n"
"                  comparisons: [{set, change_pct, ci_lo, ci_hi, welch_p,\n"
"                    mwu_p, adj_p, verdict, mde_pct,\n"
"                    reps_for_min_change}]}]}]}\n"
"              per_set has one item per set (n 0 and nulls where the metric\n"
"              is missing), comparisons one per non-baseline set; ci_lo and\n"
"              ci_hi bound mean - baseline mean in the metric's unit; a figure\n"
"              that does not exist is null. verdict is \"better\", \"worse\",\n"
"              \"no significant change\", \"info: not judged\", \"n=1: no\n"
"              verdict\", \"unit or direction differ: not compared\" or\n"
"              \"missing in LABEL\".\n"
"  kernbench   the table kernel patches paste: after the set table, per\n"
"              entry kernbench's heading (\"Average Optimal load -j 2 Run (std\n"
"              deviation):\" for a result of workloads/kernbench, from its\n"
"              params.load and params.jobs, in kernbench's order of the loads;\n"
"              \"Average LABEL Run\" for others), a row of the set labels, a\n"
"              row of '=' under each, then per metric each set's \"Elapsed\n"
"              Time 400.498 (0.179679)\" side by side, six significant digits,\n"
"              each set in its own column, columns four spaces apart. No\n"
"              change or verdict columns (they are in the other formats).\n"
"\n"
"Exit status: 0 done; 1 done, but a file was left out or the output could not\n"
"be written; 2 bad usage, nothing to compare, or sets run under TCG with sets\n"
"that were not, without --allow-mixed.\n", f);
}

static void plot_help(FILE *f)
{
	fputs("Usage: ptstat plot SET [SET ...] -o DIR [--jobs N]\n"
"\n"
"Draws the result sets with gnuplot. For each entry and metric (metrics of\n"
"one entry have different units, so each gets its own chart):\n"
"  bar-ENTRY-METRIC   the mean of each set as a bar, with the 95% confidence\n"
"                     interval of the mean (t distribution, n - 1 degrees of\n"
"                     freedom) as an error bar;\n"
"  box-ENTRY-METRIC   a box plot of the samples of each set (quartiles,\n"
"                     median, whiskers to the extremes) with one point per\n"
"                     repetition.\n"
"Where entries run the same benchmark with the same parameters but for\n"
"--tasks (e.g. mmap-churn-1t, -2t, -4t), also:\n"
"  scaling-BENCH-METRIC  the mean and its confidence interval against the\n"
"                     task count, one line per set.\n"
"Each set has one colour in every chart; the legend names it with its kernel\n"
"release, TLB flush mode and table free mode; titles say whether higher or\n"
"lower is better, axes carry the units.\n"
"\n"
"DIR (created if needed) receives NAME.dat (the data), NAME.gp (the gnuplot\n"
"script, which reads NAME.dat from its own directory: 'gnuplot NAME.gp' in\n"
"DIR draws it again), NAME.png (pngcairo, or png where gnuplot lacks cairo)\n"
"and NAME.svg, and plots.json, which lists every plot:\n"
"  {\"schema\": \"ptstat-plots/1\", \"sets\": [{label, title, dir, kernel,\n"
"   tlb_flush, table_free}], \"plots\": [{kind: \"bar\"|\"box\"|\"scaling\",\n"
"   title, shows (what the plot shows), metric, unit, better, png, svg,\n"
"   script, data (file names in DIR), bench, entry (bar and box) or entries\n"
"   and tasks (scaling)}]}\n"
"More than a few scripts are rendered by GNU parallel (parallel --will-cite);\n"
"without it, or with few scripts, gnuplot runs them one after the other.\n"
"\n"
"Options:\n"
"  -o, --output DIR   where the plots go (required)\n"
"  -j, --jobs N       gnuplot processes at once (default: one per CPU)\n"
"  --allow-mixed      draw sets run under TCG with sets that were not\n"
"  -h, --help         this help\n"
"\n"
"Sets run under QEMU TCG are drawn with sets that were not only with\n"
"--allow-mixed, as in ptstat compare (see its --help).\n"
"\n"
"Exit status: 0 done; 1 done, but a file was left out, or gnuplot is missing\n"
"or failed (the data and scripts are written even then); 2 bad usage,\n"
"nothing to plot, or TCG sets with others without --allow-mixed.\n", f);
}

static void report_help(FILE *f)
{
	fputs("Usage: ptstat report OUTDIR SET_A SET_B [SET_C ...] [options]\n"
"\n"
"Compares the sets as ptstat compare does (SET_A is the baseline), once, and\n"
"writes everything a reviewer needs into the directory OUTDIR:\n"
"  table.txt       ptstat compare --format text: per entry, mean (sd) per set,\n"
"                  change and verdict (better, worse, no significant change)\n"
"  table.md        the same as Markdown tables (--format markdown)\n"
"  table.csv       one row per entry, metric and set (--format csv)\n"
"  verdicts.json   the comparison as JSON, schema ptstat-compare/1\n"
"                  (--format json)\n"
"  kernbench.txt   kernbench's layout, \"Average ... Run (std deviation):\"\n"
"                  (--format kernbench)\n"
"  plots/          what ptstat plot draws (bar-*, box-*, scaling-*: PNG, SVG,\n"
"                  the data and the gnuplot script of each) and forest.png,\n"
"                  forest.svg: every judged metric in one picture, the change\n"
"                  against the baseline in percent with its 95% confidence\n"
"                  interval, coloured by verdict, the --min-change band shaded;\n"
"                  plots/plots.json lists them all (kind \"forest\" for it)\n"
"  index.html      all of it on one page: the title, date, version and the\n"
"                  statistics used; the notes on the comparison and, in red,\n"
"                  the result files left out; the sets (kernel, counted TLB\n"
"                  flush and table free paths, machine, repetitions); the\n"
"                  verdict counts, the significant changes and the forest plot;\n"
"                  then per entry its table (mean (sd), change, 95% CI, verdict\n"
"                  in colour, the smallest change the runs could have detected)\n"
"                  with its counted paths, notes and plots (open where a\n"
"                  metric changed); the scaling curves; table.txt and\n"
"                  kernbench.txt verbatim, to paste into a patch mail; what\n"
"                  the statistics mean; links to the other files. HTML (that\n"
"                  XML tools read too) with inline CSS, no script, relative\n"
"                  links: it opens as a file.\n"
"Each file holds exactly what the ptstat command named beside it prints for\n"
"the same sets and options. The comparison is also printed on standard output\n"
"in --format.\n"
"\n"
"OUTDIR is built in a hidden directory beside it (.OUTDIR.XXXXXX) and renamed\n"
"into place once complete: an existing OUTDIR is replaced only by a whole new\n"
"report, in one step, and a failure, SIGINT, SIGTERM or SIGHUP leaves it as\n"
"it was and nothing half-written. Missing parent directories are created.\n"
"\n"
"Options:\n"
"  --format FORMAT     what to print on standard output: text (default),\n"
"                      markdown, csv, json or kernbench\n"
"  --alpha P           significance level (default 0.05), as ptstat compare\n"
"  --min-change PCT    smallest change judged better or worse (default 2)\n"
"  --correction bh|holm\n"
"                      multiple-comparison correction (default bh)\n"
"  --allow-mixed       compare sets run under QEMU TCG (emulated) with sets\n"
"                      that were not; refused otherwise, since emulated\n"
"                      timings are not comparable with real ones\n"
"  --title TEXT        the title of index.html (default \"ptbench: A vs B\")\n"
"  -j, --jobs N        gnuplot processes at once (default: one per CPU)\n"
"  -h, --help          this help\n"
"\n"
"'ptstat compare --help' explains the statistics and the formats, 'ptstat\n"
"plot --help' the plots.\n"
"\n"
"Exit status: 0 the report is written; 1 it is written but a result file was\n"
"left out (see the messages and the red box of index.html), or it could not\n"
"be written or rendered (OUTDIR is then as it was); 2 bad usage or input (an\n"
"unknown option, a missing set, OUTDIR not a directory, TCG sets mixed with\n"
"others without --allow-mixed), nothing written.\n", f);
}

static void cmd_help(enum cmd cmd, FILE *f)
{
	if (cmd == CMD_SHOW)
		show_help(f);
	else if (cmd == CMD_COMPARE)
		compare_help(f);
	else if (cmd == CMD_PLOT)
		plot_help(f);
	else
		report_help(f);
}

/* ---- the command line -------------------------------------------------------- */

static int usage_error(const struct args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(const struct args *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", a->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", a->prog);
	return -1;
}

static int parse_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !*s || *end || errno || !isfinite(*out) ? -1 : 0;
}

static int set_value(struct args *a, enum opt_id id, const char *val)
{
	double d;

	switch (id) {
	case O_FORMAT:
		if (rp_parse_format(val, &a->ro.format))
			return usage_error(a, "--format must be text, markdown, csv, json or "
					   "kernbench, not '%s'", val);
		return 0;
	case O_ALPHA:
	case O_MIN_CHANGE:
	case O_CORRECTION: {
		char err[160];

		if (rp_stat_option(&a->ro, opts[id].name, val, err, sizeof(err)))
			return usage_error(a, "%s", err);
		return 0;
	}
	case O_OUTPUT:
		if (!*val)
			return usage_error(a, "-o needs a file name");
		a->output = val;
		return 0;
	case O_JOBS:
		if (parse_number(val, &d) || d != floor(d) || d < 1 || d > 4096)
			return usage_error(a, "--jobs must be a whole number from 1 to 4096, "
					   "not '%s'", val);
		a->jobs = (long)d;
		return 0;
	case O_VERBOSE:
		a->ro.verbose = true;
		return 0;
	case O_ALLOW_MIXED:
		a->allow_mixed = true;
		return 0;
	case O_TITLE:
		a->title = val;
		return 0;
	case O_HELP:
		a->help = true;
		return 0;
	}
	return 0;
}

/* The option arg names: "--name", "--name=value" or "-x"; -1 if unknown. */
static int find_opt(const char *arg, const char **eq)
{
	*eq = NULL;
	if (arg[1] != '-') {
		for (size_t i = 0; i < N_OPTS; i++)
			if (opts[i].short_name && arg[1] == opts[i].short_name && !arg[2])
				return (int)i;
		return -1;
	}
	*eq = strchr(arg, '=');
	for (size_t i = 0; i < N_OPTS; i++) {
		size_t len = *eq ? (size_t)(*eq - arg - 2) : strlen(arg + 2);

		if (strlen(opts[i].name) == len && !strncmp(arg + 2, opts[i].name, len))
			return (int)i;
	}
	return -1;
}

static int parse_opt(struct args *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *eq, *val = "";
	int id = find_opt(arg, &eq);

	if (id < 0 || !(opts[id].cmds & a->cmd))
		return usage_error(a, "unknown option '%s'", arg);
	if (opts[id].takes_value) {
		if (eq) {
			val = eq + 1;
		} else if (*i + 1 < argc) {
			val = argv[++*i];
		} else {
			return usage_error(a, "option %s needs a value", arg);
		}
	} else if (eq) {
		return usage_error(a, "option --%s takes no value", opts[id].name);
	}
	return set_value(a, (enum opt_id)id, val);
}

static int check_counts(struct args *a)
{
	if (a->cmd == CMD_SHOW && !a->nsets)
		return usage_error(a, "a result set directory is needed");
	if (a->cmd == CMD_SHOW && a->nsets > 1)
		return usage_error(a, "one result set at a time, not %zu (compare compares "
				   "sets)", a->nsets);
	if (a->cmd == CMD_COMPARE && a->nsets < 2)
		return usage_error(a, "at least two result sets are needed, the first "
				   "being the baseline");
	if (a->cmd == CMD_PLOT && !a->nsets)
		return usage_error(a, "at least one result set is needed");
	if (a->cmd == CMD_PLOT && !a->output)
		return usage_error(a, "-o DIR is needed: the directory for the plots");
	if (a->cmd == CMD_REPORT && (!a->outdir || a->nsets < 2))
		return usage_error(a, "the report directory and at least two result sets "
				   "are needed, the first set being the baseline");
	return 0;
}

/* Options go anywhere after the command; "--" ends them. */
static int parse_args(struct args *a, int argc, char **argv)
{
	bool options = true;

	a->sets = rs_xcalloc((size_t)argc, sizeof(*a->sets));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (options && !strcmp(arg, "--")) {
			options = false;
		} else if (options && arg[0] == '-' && arg[1]) {
			if (parse_opt(a, argc, argv, &i))
				return -1;
			if (a->help)
				return 0;
		} else if (a->cmd == CMD_REPORT && !a->outdir) {
			a->outdir = arg;
		} else {
			a->sets[a->nsets++] = arg;
		}
	}
	return check_counts(a);
}

/* ---- output to a file: whole or not at all ------------------------------------- */

struct out {
	FILE *f;
	struct pt_atomic a;
	const char *path;
};

/*
 * The temporary file (common/atomic.c) is created before anything is read:
 * an unwritable -o is bad input, found before the work, and a failed run
 * leaves the old file untouched.
 */
static int out_open(struct out *o, const char *path)
{
	o->path = path;
	o->a.slot = -1;
	if (!path) {
		o->f = stdout;
		return 0;
	}
	if (pt_atomic_open(&o->a, path)) {
		fprintf(stderr, "ptstat: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	o->f = o->a.f;
	return 0;
}

static int out_close(struct out *o, bool ok)
{
	if (!o->path) {
		if (!fflush(stdout) && !ferror(stdout))
			return 0;
		if (ok)
			fprintf(stderr, "ptstat: writing the output failed: %s\n",
				strerror(errno));
		return -1;
	}
	if (!ok) {
		pt_atomic_abort(&o->a);
		return -1;
	}
	if (pt_atomic_commit(&o->a)) {
		fprintf(stderr, "ptstat: cannot write %s: %s\n", o->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the commands ---------------------------------------------------------------- */

static int run(const struct args *a, struct rs_set **sets, struct out *out)
{
	struct rp_model *m = rp_build(sets, a->nsets, &a->ro);
	struct pl_options po = { .dir = a->output, .jobs = a->jobs };
	int rc = 0;

	if (a->cmd == CMD_PLOT) {
		rc = pl_plot(m, &po);
	} else if (a->cmd == CMD_REPORT) {
		struct rd_options ro = { .dir = a->outdir, .title = a->title, .jobs = a->jobs,
					 .format = a->ro.format };

		rc = rd_write(m, &ro);
	} else {
		rc = a->cmd == CMD_SHOW ? rp_show(out->f, m) : rp_compare(out->f, m);
		if (rc)
			fprintf(stderr, "ptstat: writing %s failed\n",
				a->output ? a->output : "the output");
		rc = out_close(out, !rc) || rc ? 1 : 0;
	}
	rp_free(m);
	return rc;
}

/* Every set loaded, so that every problem is reported; NULL if one is missing. */
static int command(enum cmd cmd, int argc, char **argv)
{
	struct args a = {
		.cmd = cmd,
		.ro = RP_OPTIONS_DEFAULT,
	};
	struct rs_set **sets = NULL;
	struct out out = { 0 };
	unsigned problems = 0;
	char prog[32];
	int rc = 2;

	snprintf(prog, sizeof(prog), "ptstat %s", cmd_names[cmd]);
	a.prog = prog;
	if (parse_args(&a, argc, argv))
		goto out;
	if (a.help) {
		cmd_help(cmd, stdout);
		rc = 0;
		goto out;
	}
	/* Where the output goes is checked first: a typo there wastes no work. */
	if ((cmd == CMD_SHOW || cmd == CMD_COMPARE) && out_open(&out, a.output))
		goto out;
	if (cmd == CMD_REPORT && rd_check(a.outdir))
		goto out;
	if (cmd == CMD_PLOT && pl_make_dir(a.output))
		goto out;
	sets = rs_load_sets((const char *const *)a.sets, a.nsets, &problems);
	if (!sets) {
		out_close(&out, false);
		goto out;
	}
	/* Emulated timings against real ones: refused unless --allow-mixed. */
	if (cmd != CMD_SHOW && rp_check_mixed(sets, a.nsets, a.allow_mixed)) {
		out_close(&out, false);
		goto out;
	}
	rc = run(&a, sets, &out);
	if (!rc && problems) {
		fprintf(stderr, "ptstat: %u problem%s found in the input (see above): the "
			"output lacks what was left out\n", problems, problems == 1 ? "" : "s");
		rc = 1;
	}
out:
	for (size_t k = 0; sets && k < a.nsets; k++)
		rs_free(sets[k]);
	free(sets);
	free(a.sets);
	return rc;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	int rc;

	if (!name) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "--version")) {
		printf("ptstat (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	pt_atomic_cleanup_on_signals();
	rc = pw_command(name, argc - 2, argv + 2);
	if (rc >= 0)
		return rc;
	for (size_t c = 1; c < sizeof(cmd_names) / sizeof(cmd_names[0]); c++)
		if (cmd_names[c] && !strcmp(name, cmd_names[c]))
			return command((enum cmd)c, argc - 2, argv + 2);
	fprintf(stderr, "ptstat: unknown command '%s' (see ptstat --help)\n", name);
	return 2;
}
