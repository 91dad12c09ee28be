/* ike-conform peer: the engine as a long-lived process (the `self` peer).
 *
 * A responder opens one UDP transport per listen address, each with an
 * ike_server (one engine per phase-1 SA, Main and Aggressive Mode, Quick
 * Modes served after phase 1). An initiator opens one transport and runs
 * `exchanges` default scripts to remote_address, one after the other.
 *
 * This file is the command: options, config, sockets, the start; the
 * loop (peer_loop.c) runs until a signal or the end, then everything is
 * closed and freed. The other peer_*.c do the initiator, the responder's
 * count, the state file, the data plane, keepalives and log lines.
 *
 * Every event becomes one log line (the server's lines for a responder,
 * the same form for an initiator): datagrams sent and received with their
 * kind, message ID, length and note, notifies, the agreed phase-1
 * transform, each child SA with its SPIs, failures.
 * docs/peer-config.md, "Running the peer". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/peer.h"
#include "core/clock.h"
#include "esp/user.h"
#include "ike/engine.h"
#include "ike/server.h"
#include "transport/transport.h"
#include "wire/msg.h"

static void peer_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform peer --config FILE [--log FILE] [--state FILE] [--dataplane user] [-v]\n"
		   "\n"
		   "Runs the IKEv1 engine from a config file (docs/peer-config.md): as a\n"
		   "responder until SIGTERM/SIGINT or for 'exchanges' phase-1 SAs, or as an\n"
		   "initiator to 'remote_address'. When its sockets are bound it prints\n"
		   "\"listening on ADDR:PORT nat-t PORT\" on stdout, one line per listen\n"
		   "address; an initiator ends with \"established: N exchanges\" or\n"
		   "\"failed: REASON\" there. One log line per event goes to stderr, or to\n"
		   "log_file / --log FILE (appended).\n"
		   "\n"
		   "  --config FILE   the peer config (YAML)\n"
		   "  --log FILE      log here instead of log_file or stderr\n"
		   "  --dataplane user  carry ESP through the child SAs (a TUN device, routes\n"
		   "                  for the remote selectors, ESP in UDP); an initiator keeps\n"
		   "                  its last SA until stopped\n"
		   "  --state FILE    keep the SAs there as 'sa ...' and 'child ...' lines of\n"
		   "                  key=value, rewritten (atomically) whenever they change\n"
		   "  -v              debug logging (overrides log_level)\n"
		   "\n"
		   "Exit status: 0 stopped by SIGTERM/SIGINT, or every exchange established;\n"
		   "1 an exchange failed; 2 usage, config or credential error (config errors\n"
		   "as FILE:LINE:COL: message); 3 environment (cannot bind, cannot open the log).\n");
}

/* ---- options ---- */

struct peer_args {
	const char *config, *logpath, *statepath;
	bool verbose, dataplane;
};

/* The options into a: -1 to go on, else the exit status (0 for --help). */
static int peer_parse(struct peer_args *a, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc) {
			a->config = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			a->config = argv[i] + 9;
		} else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			a->logpath = argv[++i];
		} else if (!strncmp(argv[i], "--log=", 6)) {
			a->logpath = argv[i] + 6;
		} else if (!strcmp(argv[i], "--state") && i + 1 < argc) {
			a->statepath = argv[++i];
		} else if (!strcmp(argv[i], "--dataplane") && i + 1 < argc) {
			if (strcmp(argv[++i], "user") != 0) {
				fprintf(stderr, "ike-conform peer: --dataplane must be 'user', not '%s'\n",
					argv[i]);
				return 2;
			}
			a->dataplane = true;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			a->verbose = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			peer_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ike-conform peer: unknown or incomplete option '%s'\n", argv[i]);
			peer_usage(stderr);
			return 2;
		}
	}
	if (!a->config) {
		fprintf(stderr, "ike-conform peer: --config FILE is required\n");
		peer_usage(stderr);
		return 2;
	}
	return -1;
}

/* ---- setup ---- */

/* A transport (and, for a responder, a server) per listen address; an
 * initiator's one of its remote's family. 0 or the exit status. */
static int peer_open(struct peer *p)
{
	const struct peercfg *c = &p->cfg;
	bool initiator = c->ike.role == IKE_INITIATOR;
	for (size_t i = 0; i < c->nlisten; i++) {
		/* an initiator needs one socket, of its remote's family */
		if (initiator && c->listen[i].family != c->remote.family)
			continue;
		struct transport_udp_config uc = { .local = c->listen[i], .natt_port = c->natt_port };
		char err[300], ab[NETADDR_STRLEN];
		struct transport *t = transport_udp_new(&uc, err, sizeof(err));
		if (!t) {
			fprintf(stderr, "ike-conform peer: cannot listen on %s (nat-t port %u): %s\n",
				netaddr_str(&c->listen[i], ab, sizeof(ab)), c->natt_port, err);
			return 3;
		}
		struct peer_sock *s = &p->sock[p->nsock++];
		s->t = t;
		transport_local(t, TRANSPORT_PORT_IKE, &s->ike);
		transport_local(t, TRANSPORT_PORT_NATT, &s->natt);
		if (initiator)
			break;
		s->srv = ike_server_new(&p->cfg.ike, t, cli_peer_server_log, p);
	}
	if (!p->nsock) {
		char ab[NETADDR_STRLEN];
		fprintf(stderr, "ike-conform peer: no listen address of the family of "
			"remote_address %s\n", netaddr_str(&c->remote, ab, sizeof(ab)));
		return 2;
	}
	return 0;
}

/* Everything peer_open and the loop made, and the config. */
static void peer_close(struct peer *p)
{
	esp_user_free(p->dp);
	p->dp = NULL;
	free(p->ka);
	ike_engine_free(p->init.e);
	p->init.e = NULL;
	for (size_t i = 0; i < p->nsock; i++) {
		ike_server_free(p->sock[i].srv);
		transport_free(p->sock[i].t);
	}
	p->nsock = 0;
	free(p->counted);
	p->counted = NULL;
	free(p->state_last);
	p->state_last = NULL;
	chunk_t done = writer_take(&p->state_done);
	chunk_free(&done);
	peercfg_free(&p->cfg);
}

/* The config and its credentials, the log level, the log file and the
 * sockets: 0 with *logfd the log file (or -1), else the exit status. The
 * log file is opened before binding so that both problems show on the
 * caller's stderr; it replaces stderr once everything is ready. */
static int peer_setup(struct peer *p, const struct peer_args *a, int *logfd)
{
	memset(p, 0, sizeof(*p));
	p->t0 = clock_ms();
	p->state_path = a->statepath;
	p->dataplane = a->dataplane;
	writer_init(&p->state_done);
	struct yaml_error yerr = { 0 };
	if (!peercfg_load_file(a->config, &p->cfg, &yerr)) {
		fprintf(stderr, "%s\n", yerr.text);
		return 2;
	}
	struct peercfg *c = &p->cfg;
	if (c->cert || c->key || c->chain || c->ca) {
		char err[400];
		if (!ike_config_load_creds(&c->ike, c->key, c->cert, c->chain, c->ca, err, sizeof(err))) {
			fprintf(stderr, "%s: credentials: %s\n", a->config, err);
			peercfg_free(c);
			return 2;
		}
	}
	char cerr[400];
	if (!peercfg_load_crl(c, cerr, sizeof(cerr))) {
		fprintf(stderr, "%s: credentials: %s\n", a->config, cerr);
		peercfg_free(c);
		return 2;
	}
	log_set_level(a->verbose ? LOG_DEBUG : c->log_level);
	const char *lp = a->logpath ? a->logpath : c->log_file;
	*logfd = -1;
	if (lp) {
		*logfd = open(lp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (*logfd < 0) {
			fprintf(stderr, "ike-conform peer: cannot open log file %s: %s\n", lp,
				strerror(errno));
			peercfg_free(c);
			return 3;
		}
	}
	int rc = peer_open(p);
	if (rc) {
		if (*logfd >= 0)
			close(*logfd);
		peer_close(p);
	}
	return rc;
}

/* "listening on" for the caller (stdout), the log moved to its file,
 * then the start in the log: role, mode, addresses, proposals. */
static void peer_announce(struct peer *p, int logfd)
{
	const struct peercfg *c = &p->cfg;
	char ab[NETADDR_STRLEN], xb[80];
	for (size_t i = 0; i < p->nsock; i++)
		printf("listening on %s nat-t %u\n", netaddr_str(&p->sock[i].ike, ab, sizeof(ab)),
		       p->sock[i].natt.port);
	fflush(stdout);
	if (logfd >= 0) {
		fflush(stderr);
		dup2(logfd, STDERR_FILENO);
		close(logfd);
	}
	cli_peer_log(p, LOG_INFO, "ike-conform %s peer: %s, %s mode, %s", IKEC_VERSION,
		     c->ike.role == IKE_INITIATOR ? "initiator" : "responder",
		     c->ike.exchange == WIRE_X_AGGR ? "aggressive" : "main",
		     c->exchanges ? "a fixed number of exchanges" : "until stopped");
	for (size_t i = 0; i < p->nsock; i++)
		cli_peer_log(p, LOG_INFO, "listening on %s nat-t %u",
			     netaddr_str(&p->sock[i].ike, ab, sizeof(ab)), p->sock[i].natt.port);
	for (size_t i = 0; i < c->ike.np1; i++)
		cli_peer_log(p, LOG_INFO, "proposal %zu: %s auth %s", i + 1,
			     ike_p1_str(&c->ike.p1[i], xb, sizeof(xb)),
			     cli_peer_auth_name(c->ike.p1[i].auth));
	for (size_t i = 0; i < c->ike.np2; i++)
		cli_peer_log(p, LOG_INFO, "esp proposal %zu: %s", i + 1,
			     ike_p2_str(&c->ike.p2[i], xb, sizeof(xb)));
}

/* ---- the command ---- */

int cli_peer(int argc, char **argv)
{
	struct peer_args a = { 0 };
	int rc = peer_parse(&a, argc, argv);
	if (rc >= 0)
		return rc;
	struct peer p;
	int logfd;
	if ((rc = peer_setup(&p, &a, &logfd)) != 0)
		return rc;
	sigset_t orig, waitmask;
	cli_peer_loop_signals(&orig, &waitmask);
	peer_announce(&p, logfd);
	rc = cli_peer_loop(&p, &waitmask);
	cli_peer_state_write(&p);
	fflush(stdout);
	peer_close(&p);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return rc;
}
