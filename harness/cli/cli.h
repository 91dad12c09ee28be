/* Subcommands of the ike-conform binary. Each returns the exit status:
 * 0 success, 1 a failed check, 2 usage or input error, 3 environment. */
#ifndef IKEC_CLI_CLI_H
#define IKEC_CLI_CLI_H

struct cli_command {
	const char *name;
	const char *help;
	int (*run)(int argc, char **argv);
};

#define IKEC_VERSION "0.1.0"

/* rm -rf dir by fork and exec: safe in a signal handler (nftw is not). */
void cli_rm_rf(const char *dir);

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
