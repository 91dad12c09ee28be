/* ike-conform: the command line. A table of subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "peers/self/self.h"

static const struct cli_command cli_commands[] = {
	{ "check-captures", "check-captures [-v] DIR  tshark finds no malformed frame in a run's captures but the mutated ones", cli_check_captures },
	{ "cleanup", "cleanup [--prefix P]  remove namespaces left by crashed runs", cli_cleanup },
	{ "decode", "decode FILE...  print pcap or raw ISAKMP datagrams as a tree", cli_decode },
	{ "merge", "merge -o OUT REPORT.xml...  combine sharded JUnit reports into one", cli_merge },
	{ "peer", "peer --config FILE  run the engine as a responder or initiator (the self peer)", cli_peer },
	{ "probe", "probe udp-echo|udp-send ...  traffic probes at the far end of a tunnel", cli_probe },
	{ "report", "report -o OUT.html RESULTS.xml...  JUnit reports as one self-contained HTML page", cli_report },
	{ "run", "run [OPTIONS] SUITE.yaml...  run suite files (also: ike-conform SUITE.yaml ...)", cli_run },
	{ "sa-state", "sa-state [--name CONN] [--ike-ids] [FILE]  swanctl --list-sas as a device profile's SA-state lines", cli_sa_state },
	{ "smoke", "smoke [--peer strongswan|self|both] [--out DIR] [--prefix P]  interop smoke cases in namespaces", cli_smoke },
	{ "version", "version         print the version", cli_version },
};

static void main_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform [OPTIONS] SUITE.yaml...   (ike-conform run --help)\n"
		   "       ike-conform COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
		fprintf(f, "  %s\n", cli_commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		main_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	/* the self peer's processes run the peer command without an exec */
	self_set_entry(cli_peer);
	if (!strcmp(argv[1], "--version"))
		return cli_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
		if (!strcmp(argv[1], cli_commands[i].name))
			return cli_commands[i].run(argc - 1, argv + 1);
	/* no command: suite files and the runner's options */
	if (argv[1][0] == '-' || strchr(argv[1], '.') || strchr(argv[1], '/'))
		return cli_run(argc, argv);
	fprintf(stderr, "ike-conform: unknown command '%s' (try --help)\n", argv[1]);
	return 2;
}
