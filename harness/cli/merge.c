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

int cli_merge(int argc, char **argv)
{
	const char *out = NULL;
	const char *in[256];
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			merge_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "ike-conform merge: unknown or incomplete option '%s'\n", argv[i]);
			merge_usage(stderr);
			return 2;
		} else if (n == sizeof(in) / sizeof(in[0])) {
			fprintf(stderr, "ike-conform merge: more than %zu reports\n", n);
			return 2;
		} else {
			in[n++] = argv[i];
		}
	}
	if (!out || !n) {
		fprintf(stderr, "ike-conform merge: %s\n", out ? "no report to merge" : "-o OUT is required");
		merge_usage(stderr);
		return 2;
	}
	char err[600];
	if (!junit_merge(in, n, out, err, sizeof(err))) {
		fprintf(stderr, "ike-conform merge: %s\n", err);
		return 2;
	}
	printf("merged %zu report%s into %s\n", n, n == 1 ? "" : "s", out);
	return 0;
}
