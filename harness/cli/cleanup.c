/* ike-conform cleanup: remove the namespaces that crashed runs left behind;
 * and cli_rm_rf, the folder removal the other commands share. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "netns/netns.h"

static void cli_cleanup_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform cleanup [--prefix P]\n"
		   "  remove every network namespace /run/netns/P-* and the processes in it\n"
		   "  (P defaults to '%s')\n", NETNS_PREFIX_DEFAULT);
}

static void cli_cleanup_one(const char *name, void *ctx)
{
	(void)ctx;
	printf("removed %s\n", name);
}

int cli_cleanup(int argc, char **argv)
{
	const char *prefix = NETNS_PREFIX_DEFAULT;
	char err[256];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--prefix") && i + 1 < argc) {
			prefix = argv[++i];
		} else if (!strncmp(argv[i], "--prefix=", 9)) {
			prefix = argv[i] + 9;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cli_cleanup_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ike-conform cleanup: unexpected argument '%s'\n", argv[i]);
			cli_cleanup_usage(stderr);
			return 2;
		}
	}
	if (!netns_prefix_valid(prefix, err, sizeof(err))) {
		fprintf(stderr, "ike-conform cleanup: %s\n", err);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ike-conform cleanup: removing namespaces needs root\n");
		return 3;
	}
	unsigned count = 0;
	bool ok = netns_cleanup_prefix(prefix, cli_cleanup_one, NULL, &count, err, sizeof(err));
	printf("cleanup: %u namespace%s removed\n", count, count == 1 ? "" : "s");
	fflush(stdout);
	if (!ok) {
		fprintf(stderr, "ike-conform cleanup: %s\n", err);
		return 3;
	}
	return 0;
}

void cli_rm_rf(const char *dir)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *const argv[] = { "/bin/rm", "-rf", (char *)dir, NULL };
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}
