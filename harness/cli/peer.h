/* ike-conform peer: the state its files share. peer.c is the command
 * (options, setup, start), peer_loop.c the loop; below them the
 * initiator, the responder's count, the --state file, the data plane,
 * the NAT-T keepalives and the log lines. Internal to cli/; the shared
 * functions are cli_peer_* (peers/ has peer_* of its own). */
#ifndef IKEC_CLI_PEER_H
#define IKEC_CLI_PEER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/chunk.h"
#include "core/log.h"
#include "esp/keepalive.h"
#include "suite/peercfg.h"

struct esp_user;
struct ike_engine;
struct ike_server;
struct transport;

struct peer_sock {
	struct transport *t;
	struct netaddr ike, natt;
	struct ike_server *srv;       /* responder */
};

/* A NAT-T keepalive timer for one SA (natt_keepalive in the config). */
struct peer_ka {
	size_t sock;                  /* the transport it leaves from */
	unsigned id;                  /* the SA's id in the log */
	struct natt_keepalive k;
};

/* The initiator's current exchange and what has been logged of it. */
struct peer_init {
	struct ike_engine *e;
	unsigned id;
	size_t nev, nnf, nchild;
	bool est_logged;
};

struct peer {
	struct peercfg cfg;
	struct peer_sock sock[PEERCFG_MAX_LISTEN];
	size_t nsock;
	uint64_t t0;
	/* responder: ids of the SAs counted as done for `exchanges` */
	unsigned *counted;
	size_t ncounted, capcounted;
	size_t nrefused;              /* of those, refused (an error notify sent) */
	/* initiator */
	struct peer_init init;
	unsigned ndone, nok;
	char last_error[600];
	/* --state FILE: the SAs as key=value lines, rewritten on change */
	const char *state_path;
	char *state_last;
	struct writer state_done;     /* an initiator's finished exchanges */
	/* --dataplane user: ESP through the children, on a TUN device */
	bool dataplane;
	struct esp_user *dp;
	bool holding;                 /* an initiator keeping its last SA for traffic */
	struct peer_ka *ka;
	size_t nka;
	struct natt_keepalive ka_in;  /* counts the keepalives received */
};

/* ---- log lines (peer_log.c) ---- */

/* One line at lvl, time-stamped from the start. */
void cli_peer_log(const struct peer *p, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The server's lines, time-stamped like ours (ctx: the peer). */
void cli_peer_server_log(void *ctx, const char *line);
/* n bytes as hex in buf (cut to fit). */
const char *cli_peer_hex(const uint8_t *p, size_t n, char *buf, size_t len);
/* An authentication method as the log names it ("psk", "rsa" ...). */
const char *cli_peer_auth_name(uint16_t a);

/* ---- NAT-T keepalives (peer_keepalive.c) ---- */

/* The timer of SA id on transport sock, NULL when it has none. */
struct peer_ka *cli_peer_ka_find(const struct peer *p, size_t sock, unsigned id);
/* Every SA's timer run; the earliest deadline. */
uint64_t cli_peer_ka_run(struct peer *p, uint64_t now);

/* ---- the data plane, --dataplane user (peer_dataplane.c) ---- */

/* Install every new child SA, retire the dead ones. */
void cli_peer_dp_sync(struct peer *p);

/* ---- the state file, --state (peer_state.c) ---- */

/* SA id's "sa ..." line and its "child ..." lines into w. */
void cli_peer_state_sa(struct writer *w, unsigned id, struct ike_engine *e,
		       const struct esp_user *dp, const struct peer_ka *ka);
/* Rewrite the state file when it changed. */
void cli_peer_state_write(struct peer *p);

/* ---- the initiator (peer_initiator.c) ---- */

/* Log what the current exchange did since the last call. */
void cli_peer_init_report(struct peer *p);
/* Start the next exchange, or say how it all ended (-1: keep going). */
int cli_peer_init_step(struct peer *p);

/* ---- the responder (peer_responder.c) ---- */

/* Phase-1 SAs whose exchange is over, and of those the failed ones. */
void cli_peer_resp_count(struct peer *p, size_t *done, size_t *failed);

/* ---- the loop (peer_loop.c) ---- */

/* SIGTERM and SIGINT stop the loop: blocked from now on except inside
 * its wait (waitmask); orig is the mask to restore. */
void cli_peer_loop_signals(sigset_t *orig, sigset_t *waitmask);
/* Until stopped or done: the exit status. */
int cli_peer_loop(struct peer *p, const sigset_t *waitmask);

#endif
