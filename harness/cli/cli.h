/* Subcommands of the ike-conform binary. Each returns the exit status:
 * 0 success, 1 a failed check, 2 usage or input error, 3 environment. */
#ifndef IKEC_CLI_CLI_H
#define IKEC_CLI_CLI_H

#include <stddef.h>
#include <stdio.h>

struct cli_command {
	const char *name;
	const char *help;
	int (*run)(int argc, char **argv);
};

#define IKEC_VERSION "0.1.0"

/* rm -rf dir by fork and exec: safe in a signal handler (nftw is not). */
void cli_rm_rf(const char *dir);

/* A command of the form `NAME -o OUT REPORT...` (merge, report). */
struct cli_reports_cmd {
	const char *name;
	void (*usage)(FILE *f);
	const char *none, *need_out;  /* the errors without reports, without -o */
};
/* Its arguments into *out and in[0..*n); -1 to go on, else the exit status
 * (usage and errors said). */
int cli_reports_args(int argc, char **argv, const struct cli_reports_cmd *cmd, const char **out,
		     const char **in, size_t max, size_t *n);

int cli_check_captures(int argc, char **argv);
int cli_cleanup(int argc, char **argv);
int cli_decode(int argc, char **argv);
int cli_merge(int argc, char **argv);
int cli_peer(int argc, char **argv);
int cli_probe(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_sa_state(int argc, char **argv);
int cli_smoke(int argc, char **argv);
int cli_version(int argc, char **argv);

/* cli/report.c, for the runner's JUnit: what a case asks as case.*
 * properties (tags, expectation, RFC clause, matrix values), and the
 * run's environment (versions) as a suite's properties. */
struct junit_case;
struct junit_suite;
struct suite_case;
void cli_report_case_info(struct junit_case *jc, const struct suite_case *c);
void cli_report_environment(struct junit_suite *s);

#endif
