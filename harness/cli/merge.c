/* ike-conform merge: sharded JUnit reports (--shard K/N runs on several
 * machines) into one, for the CI job that publishes them. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/junit.h"

static void merge_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform merge -o OUT REPORT.xml...\n"
		   "  combine JUnit reports: every suite kept in order, ids renumbered,\n"
		   "  totals recomputed; OUT may be one of the inputs. Nothing is written\n"
		   "  when an input is missing, malformed or not JUnit.\n");
}

int cli_reports_args(int argc, char **argv, const struct cli_reports_cmd *cmd, const char **out,
		     const char **in, size_t max, size_t *n)
{
	*out = NULL;
	*n = 0;
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
			*out = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cmd->usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "ike-conform %s: unknown or incomplete option '%s'\n", cmd->name,
				argv[i]);
			cmd->usage(stderr);
			return 2;
		} else if (*n == max) {
			fprintf(stderr, "ike-conform %s: more than %zu reports\n", cmd->name, max);
			return 2;
		} else {
			in[(*n)++] = argv[i];
		}
	}
	if (!*out || !*n) {
		fprintf(stderr, "ike-conform %s: %s\n", cmd->name, *out ? cmd->none : cmd->need_out);
		cmd->usage(stderr);
		return 2;
	}
	return -1;
}

int cli_merge(int argc, char **argv)
{
	static const struct cli_reports_cmd cmd = { "merge", merge_usage, "no report to merge",
						    "-o OUT is required" };
	const char *out, *in[256];
	size_t n;
	int rc = cli_reports_args(argc, argv, &cmd, &out, in, sizeof(in) / sizeof(in[0]), &n);
	if (rc >= 0)
		return rc;
	char err[600];
	if (!junit_merge(in, n, out, err, sizeof(err))) {
		fprintf(stderr, "ike-conform merge: %s\n", err);
		return 2;
	}
	printf("merged %zu report%s into %s\n", n, n == 1 ? "" : "s", out);
	return 0;
}
