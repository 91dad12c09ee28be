/* ike-conform peer: the engine as a long-lived process (the `self` peer).
 *
 * A responder opens one UDP transport per listen address, each with an
 * ike_server (one engine per phase-1 SA, Main and Aggressive Mode, Quick
 * Modes served after phase 1). An initiator opens one transport and runs
 * `exchanges` default scripts to remote_address, one after the other.
 *
 * The loop is ppoll on the transports' fds with SIGTERM/SIGINT blocked
 * outside it, so a signal ends the wait at once; then everything is closed
 * and freed and the process exits 0.
 *
 * Every event becomes one log line (the server's lines for a responder,
 * the same form for an initiator): datagrams sent and received with their
 * kind, message ID, length and note, notifies, the agreed phase-1
 * transform, each child SA with its SPIs, failures.
 * docs/peer-config.md, "Running the peer". */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "esp/keepalive.h"
#include "esp/user.h"
#include "ike/engine.h"
#include "ike/server.h"
#include "suite/peercfg.h"
#include "transport/transport.h"
#include "wire/msg.h"
#include "wire/names.h"

#define PEER_LINGER_MS 1000       /* after the last of `exchanges`: answer
				     retransmissions a little longer */
#define PEER_MAX_WAIT_MS 1000     /* the loop looks at the clock at least this often */

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

static volatile sig_atomic_t peer_stop;

static void peer_on_signal(int sig)
{
	peer_stop = sig;
}

static void peer_log(const struct peer *p, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void peer_log(const struct peer *p, enum log_level lvl, const char *fmt, ...)
{
	if (lvl > log_get_level())
		return;
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	uint64_t t = clock_ms() - p->t0;
	log_msg(lvl, "[%4" PRIu64 ".%03" PRIu64 "] %s", t / 1000, t % 1000, line);
}

/* The server's lines, time-stamped like ours. */
static void peer_server_log(void *ctx, const char *line)
{
	peer_log(ctx, LOG_INFO, "%s", line);
}

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

/* ---- the initiator's log lines (the server's form) ---- */

static const char *peer_hex(const uint8_t *p, size_t n, char *buf, size_t len)
{
	if (2 * n + 1 > len)
		n = (len - 1) / 2;
	hex_encode(p, n, buf);
	return buf;
}

static const char *peer_auth_name(uint16_t a)
{
	switch (a) {
	case IKE_AUTH_PSK: return "psk";
	case IKE_AUTH_DSS: return "dss";
	case IKE_AUTH_RSA: return "rsa";
	case IKE_AUTH_ECDSA_256: return "ecdsa256";
	case IKE_AUTH_ECDSA_384: return "ecdsa384";
	case IKE_AUTH_ECDSA_521: return "ecdsa521";
	}
	return "?";
}

static void peer_init_report(struct peer *p)
{
	struct peer_init *in = &p->init;
	const struct ike_result *r = ike_engine_result(in->e);
	struct ike_sa *sa = ike_engine_sa(in->e);
	char pb[NETADDR_STRLEN], nb[64], xb[80], b1[40], b2[40];
	netaddr_str(&p->cfg.remote, pb, sizeof(pb));
	for (; in->nev < r->nevent; in->nev++) {
		const struct ike_event *ev = &r->event[in->nev];
		peer_log(p, LOG_INFO, "sa#%u %s %s %s msgid %08" PRIx32 " %zu bytes%s%s%s", in->id, pb,
			 ev->sent ? "->" : "<-", ev->kind ? ike_kind_name(ev->kind) : "?", ev->msgid,
			 ev->length, ev->retransmit ? " (again)" : "", ev->note[0] ? ": " : "", ev->note);
	}
	for (; in->nnf < r->nnotify; in->nnf++) {
		const struct ike_notify_rec *n = &r->notify[in->nnf];
		peer_log(p, LOG_INFO, "sa#%u %s notify %s %s%s", in->id, pb, n->sent ? "sent" : "received",
			 names_fmt(NAMES_NOTIFY, n->type, nb, sizeof(nb)),
			 n->protected_ ? "" : " (unprotected)");
	}
	if (r->established && !in->est_logged && sa) {
		in->est_logged = true;
		peer_log(p, LOG_INFO, "sa#%u %s established %s %s auth %s life %" PRIu32 "s cookies %s/%s",
			 in->id, pb, sa->exchange == WIRE_X_AGGR ? "aggressive" : "main",
			 ike_p1_str(&sa->xf, xb, sizeof(xb)), peer_auth_name(sa->xf.auth), sa->xf.life_sec,
			 peer_hex(sa->icookie, 8, b1, sizeof(b1)), peer_hex(sa->rcookie, 8, b2, sizeof(b2)));
	}
	for (; in->nchild < r->nchild; in->nchild++) {
		const struct ike_child *c = &r->child[in->nchild];
		peer_log(p, LOG_INFO, "sa#%u %s child ESP in %s out %s %s life %" PRIu32 "s", in->id, pb,
			 peer_hex(c->spi_in, 4, b1, sizeof(b1)), peer_hex(c->spi_out, 4, b2, sizeof(b2)),
			 ike_p2_str(&c->xf, xb, sizeof(xb)), c->xf.life_sec);
	}
}

/* ---- the state file (--state): what a driver reads instead of logs ---- */

static struct peer_ka *peer_ka_find(const struct peer *p, size_t sock, unsigned id)
{
	for (size_t i = 0; i < p->nka; i++)
		if (p->ka[i].sock == sock && p->ka[i].id == id)
			return &p->ka[i];
	return NULL;
}

static void peer_state_sa(struct writer *w, unsigned id, struct ike_engine *e,
			  const struct esp_user *dp, const struct peer_ka *ka)
{
	struct ike_sa *sa = ike_engine_sa(e);
	char pb[NETADDR_STRLEN], b1[40], b2[40], line[512];
	if (!sa)
		return;
	snprintf(line, sizeof(line),
		 "sa id=%u state=%s exchange=%s peer=%s icookie=%s rcookie=%s encr=%u keylen=%u "
		 "hash=%u auth=%u group=%u life_sec=%" PRIu32 " life_kb=%" PRIu32
		 " natt=%u nat_local=%d nat_peer=%d floated=%d keepalives_sent=%" PRIu64 "\n",
		 id, ike_sa_state_name(sa->state), sa->exchange == WIRE_X_AGGR ? "aggressive" : "main",
		 netaddr_str(&sa->peer, pb, sizeof(pb)), peer_hex(sa->icookie, 8, b1, sizeof(b1)),
		 peer_hex(sa->rcookie, 8, b2, sizeof(b2)), sa->xf.encr, sa->xf.keylen, sa->xf.hash,
		 sa->xf.auth, sa->xf.group, sa->xf.life_sec, sa->xf.life_kb, sa->natt_version,
		 sa->nat_local, sa->nat_peer, sa->natt_floated, ka ? ka->k.sent : 0);
	writer_bytes(w, line, strlen(line));
	for (size_t i = 0; i < sa->nchild; i++) {
		const struct ike_child *c = &sa->child[i];
		snprintf(line, sizeof(line),
			 "child sa=%u spi_in=%s spi_out=%s transform=%u keylen=%u auth=%u group=%u "
			 "encap=%u life_sec=%" PRIu32 " life_kb=%" PRIu32 " deleted=%d expired=%d\n",
			 id, peer_hex(c->spi_in, 4, b1, sizeof(b1)), peer_hex(c->spi_out, 4, b2, sizeof(b2)),
			 c->xf.transform, c->xf.keylen, c->xf.auth, c->xf.group, c->xf.encap,
			 c->xf.life_sec, c->xf.life_kb, c->deleted, c->expired);
		/* the peer's NAT-OA (RFC 3947 5.2), when it sent any */
		const struct netaddr *oa[2] = { c->natoa_i_set ? &c->natoa_i : NULL,
						c->natoa_r_set ? &c->natoa_r : NULL };
		for (int k = 0; k < 2; k++) {
			size_t l = strlen(line);
			if (!oa[k] || !l || line[l - 1] != '\n')
				continue;
			char ip[INET6_ADDRSTRLEN] = "?";
			inet_ntop(oa[k]->family, oa[k]->ip, ip, sizeof(ip));
			snprintf(line + l - 1, sizeof(line) - (l - 1), " natoa_%c=%s\n", k ? 'r' : 'i', ip);
		}
		struct esp_counters in, out;
		if (dp && esp_user_counters_by_spi(dp, c->spi_in, &in, &out)) {
			/* the data plane's view, on the same line */
			size_t l = strlen(line);
			if (l && line[l - 1] == '\n')
				line[l - 1] = '\0';
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 " packets_in=%" PRIu64 " packets_out=%" PRIu64 " bytes_in=%" PRIu64
				 " bytes_out=%" PRIu64 "\n", in.packets, out.packets, in.bytes, out.bytes);
		}
		writer_bytes(w, line, strlen(line));
	}
}

/* Rewrite the state file when it changed: to a temporary name, then
 * renamed, so a reader never sees half of it. */
static void peer_state_write(struct peer *p)
{
	if (!p->state_path)
		return;
	struct writer w;
	writer_init(&w);
	writer_bytes(&w, p->state_done.p, p->state_done.len);
	if (p->init.e)
		peer_state_sa(&w, p->init.id, p->init.e, p->dp, peer_ka_find(p, 0, p->init.id));
	for (size_t k = 0; k < p->nsock; k++) {
		struct ike_server *srv = p->sock[k].srv;
		for (size_t i = 0; srv && i < ike_server_count(srv); i++) {
			unsigned id = ike_server_sa_id(srv, i);
			peer_state_sa(&w, id, ike_server_engine(srv, i), p->dp, peer_ka_find(p, k, id));
		}
	}
	if (p->ka_in.received) {
		char line[80];
		snprintf(line, sizeof(line), "peer keepalives_received=%" PRIu64 "\n", p->ka_in.received);
		writer_bytes(&w, line, strlen(line));
	}
	writer_u8(&w, 0);
	chunk_t text = writer_take(&w);
	if (p->state_last && strcmp(p->state_last, (char *)text.ptr) == 0) {
		chunk_free(&text);
		return;
	}
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->state_path);
	FILE *f = fopen(tmp, "w");
	if (!f || fputs((char *)text.ptr, f) < 0 || fclose(f) != 0 || rename(tmp, p->state_path) != 0) {
		peer_log(p, LOG_WARN, "cannot write state file %s: %s", p->state_path, strerror(errno));
		chunk_free(&text);
		return;
	}
	free(p->state_last);
	p->state_last = (char *)text.ptr;
}

/* Start the next exchange, or say how it all ended (-1: keep going). */
static int peer_init_step(struct peer *p)
{
	struct peer_init *in = &p->init;
	if (p->holding)
		return -1;
	if (in->e) {
		if (!ike_engine_done(in->e))
			return -1;
		const struct ike_result *r = ike_engine_result(in->e);
		bool ok = r->finished && !r->failed && r->established &&
			  (!p->cfg.ike.np2 || r->nchild > 0);
		p->ndone++;
		if (ok && p->dataplane && p->ndone >= p->cfg.exchanges) {
			/* the SAs stay, serving traffic, until we are stopped */
			p->nok++;
			peer_log(p, LOG_INFO, "sa#%u done: established with %zu child SA%s; kept for "
				 "traffic until stopped", in->id, r->nchild, r->nchild == 1 ? "" : "s");
			printf("established: %u exchange%s\n", p->nok, p->nok == 1 ? "" : "s");
			fflush(stdout);
			ike_engine_set_serve(in->e, true);
			p->holding = true;
			return -1;
		}
		if (ok) {
			p->nok++;
			peer_log(p, LOG_INFO, "sa#%u done: established with %zu child SA%s", in->id,
				 r->nchild, r->nchild == 1 ? "" : "s");
		} else {
			snprintf(p->last_error, sizeof(p->last_error), "%s",
				 r->failed ? r->error : "the exchange ended without an established SA");
			peer_log(p, LOG_WARN, "sa#%u failed: %s", in->id, p->last_error);
		}
		peer_state_sa(&p->state_done, in->id, in->e, p->dp, peer_ka_find(p, 0, in->id));
		ike_engine_free(in->e);
		in->e = NULL;
		if (!ok) {
			printf("failed: %s\n", p->last_error);
			fflush(stdout);
			return 1;
		}
	}
	if (p->ndone >= p->cfg.exchanges) {
		printf("established: %u exchange%s\n", p->nok, p->nok == 1 ? "" : "s");
		fflush(stdout);
		return 0;
	}
	char pb[NETADDR_STRLEN], name[24];
	unsigned id = in->id + 1;
	snprintf(name, sizeof(name), "sa#%u", id);
	memset(in, 0, sizeof(*in));
	in->id = id;
	in->e = ike_engine_new(&p->cfg.ike, p->sock[0].t, &p->cfg.remote, NULL, 0, name);
	peer_log(p, LOG_INFO, "sa#%u %s initiating %s mode (exchange %u of %u)", id,
		 netaddr_str(&p->cfg.remote, pb, sizeof(pb)),
		 p->cfg.ike.exchange == WIRE_X_AGGR ? "aggressive" : "main", id, p->cfg.exchanges);
	return -1;
}

/* ---- the responder's count of finished exchanges ---- */

static bool peer_counted(const struct peer *p, unsigned id)
{
	for (size_t i = 0; i < p->ncounted; i++)
		if (p->counted[i] == id)
			return true;
	return false;
}

/* Phase-1 SAs whose exchange is over: established (with a child SA when
 * phase 2 is configured), refused in Quick Mode, or failed (those the
 * server has already removed; its statistics count them). */
static void peer_resp_count(struct peer *p, size_t *done, size_t *failed)
{
	size_t gone = 0;
	for (size_t k = 0; k < p->nsock; k++) {
		struct ike_server *srv = p->sock[k].srv;
		gone += ike_server_stats(srv)->failed;
		for (size_t i = 0; i < ike_server_count(srv); i++) {
			unsigned id = ike_server_sa_id(srv, i);
			struct ike_engine *e = ike_server_engine(srv, i);
			struct ike_sa *sa = ike_engine_sa(e);
			if (!sa || peer_counted(p, id))
				continue;
			const struct ike_result *r = ike_engine_result(e);
			bool refused = false;
			for (size_t n = 0; n < r->nnotify; n++)
				refused |= r->notify[n].sent && r->notify[n].type < 16384;
			bool complete = sa->state == IKE_SA_ESTABLISHED &&
					(!p->cfg.ike.np2 || sa->nchild > 0);
			if (!complete && !refused)
				continue;
			if (p->ncounted == p->capcounted) {
				p->capcounted = p->capcounted ? 2 * p->capcounted : 16;
				p->counted = xrealloc(p->counted, p->capcounted * sizeof(*p->counted));
			}
			p->counted[p->ncounted++] = id;
			if (!complete)
				p->nrefused++;
		}
	}
	*done = p->ncounted + gone;
	*failed = p->nrefused + gone;
}

/* ---- setup ---- */

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
		s->srv = ike_server_new(&p->cfg.ike, t, peer_server_log, p);
	}
	if (!p->nsock) {
		char ab[NETADDR_STRLEN];
		fprintf(stderr, "ike-conform peer: no listen address of the family of "
			"remote_address %s\n", netaddr_str(&c->remote, ab, sizeof(ab)));
		return 2;
	}
	return 0;
}

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

/* ---- the data plane (--dataplane user) ---- */

/* The data plane follows the engine's children: new ones installed,
 * deleted or expired ones retired (a rekey moves traffic to the new one). */
static void peer_dp_add(struct peer *p, struct ike_engine *e, unsigned id)
{
	struct ike_sa *sa = e ? ike_engine_sa(e) : NULL;
	char err[300];
	if (!sa || !sa->nchild)
		return;
	if (!p->dp && !(p->dp = esp_user_new(NULL, "ikec0", p->sock[0].t, err, sizeof(err)))) {
		peer_log(p, LOG_ERR, "data plane: %s", err);
		p->dataplane = false;  /* said once, not every turn of the loop */
		return;
	}
	int n = esp_user_sync(p->dp, sa->child, sa->nchild, &sa->peer, err, sizeof(err));
	if (n < 0)
		peer_log(p, LOG_ERR, "sa#%u data plane: %s", id, err);
	else if (n > 0)
		peer_log(p, LOG_INFO, "sa#%u %d child SA%s installed in the userspace data plane", id,
			 n, n == 1 ? "" : "s");
}

/* Install every new child SA, retire the dead ones. */
static void peer_dp_sync(struct peer *p)
{
	if (!p->dataplane)
		return;
	if (p->init.e)
		peer_dp_add(p, p->init.e, p->init.id);
	for (size_t k = 0; k < p->nsock; k++) {
		struct ike_server *srv = p->sock[k].srv;
		for (size_t i = 0; srv && i < ike_server_count(srv); i++)
			peer_dp_add(p, ike_server_engine(srv, i), ike_server_sa_id(srv, i));
	}
}

/* ---- NAT-T keepalives (natt_keepalive) ---- */

/* RFC 3948 2.3: the side behind a NAT keeps its mapping alive; natt_force
 * claims a NAT, so it sends them too. They follow the SA's peer address,
 * which moves when the peer's NAT mapping changes. */
static uint64_t peer_ka_one(struct peer *p, size_t sock, unsigned id, struct ike_engine *e,
			    uint64_t now)
{
	struct ike_sa *sa = e ? ike_engine_sa(e) : NULL;
	bool want = sa && sa->state == IKE_SA_ESTABLISHED && sa->natt_floated &&
		    (sa->nat_local || sa->cfg->natt_force);
	struct peer_ka *k = peer_ka_find(p, sock, id);
	char b[NETADDR_STRLEN];
	if (!want) {
		if (k && k->k.interval_ms) {
			k->k.interval_ms = 0;
			peer_log(p, LOG_INFO, "sa#%u keepalives stopped after %" PRIu64, id, k->k.sent);
		}
		return NATT_KEEPALIVE_NEVER;
	}
	if (!k) {
		p->ka = xrealloc(p->ka, (p->nka + 1) * sizeof(*p->ka));
		k = &p->ka[p->nka++];
		k->sock = sock;
		k->id = id;
		natt_keepalive_init(&k->k, p->cfg.natt_keepalive_ms, &sa->peer);
		peer_log(p, LOG_INFO, "sa#%u keepalives to %s every %" PRIu32 "ms", id,
			 netaddr_str(&sa->peer, b, sizeof(b)), p->cfg.natt_keepalive_ms);
	} else if (!netaddr_eq(&k->k.peer, &sa->peer)) {
		natt_keepalive_set_peer(&k->k, &sa->peer);
		peer_log(p, LOG_INFO, "sa#%u keepalives now to %s", id,
			 netaddr_str(&sa->peer, b, sizeof(b)));
	}
	uint64_t sent = k->k.sent;
	uint64_t d = natt_keepalive_run(&k->k, p->sock[sock].t, now);
	if (k->k.sent != sent)
		peer_log(p, LOG_DEBUG, "sa#%u keepalive -> %s", id, netaddr_str(&k->k.peer, b, sizeof(b)));
	return d;
}

/* Every SA's timer; the earliest deadline. */
static uint64_t peer_ka_run(struct peer *p, uint64_t now)
{
	uint64_t next = NATT_KEEPALIVE_NEVER, d;
	if (!p->cfg.natt_keepalive_ms)
		return next;
	if (p->init.e && (d = peer_ka_one(p, 0, p->init.id, p->init.e, now)) < next)
		next = d;
	for (size_t k = 0; k < p->nsock; k++) {
		struct ike_server *srv = p->sock[k].srv;
		for (size_t i = 0; srv && i < ike_server_count(srv); i++) {
			d = peer_ka_one(p, k, ike_server_sa_id(srv, i), ike_server_engine(srv, i), now);
			next = d < next ? d : next;
		}
	}
	return next;
}

/* ---- the loop ---- */

static int peer_loop(struct peer *p, const sigset_t *waitmask)
{
	bool initiator = p->cfg.ike.role == IKE_INITIATOR;
	uint64_t linger_until = 0;
	int rc = -1;
	size_t failed = 0;
	for (;;) {
		if (peer_stop) {
			peer_log(p, LOG_INFO, "%s: stopping", strsignal((int)peer_stop));
			if (initiator && p->init.e)
				printf("failed: stopped by %s before the exchange ended\n",
				       strsignal((int)peer_stop));
			return 0;
		}
		peer_state_write(p);
		uint64_t now = clock_ms();
		uint64_t next = now + PEER_MAX_WAIT_MS;
		if (initiator) {
			if ((rc = peer_init_step(p)) >= 0)
				return rc;
			uint64_t d = ike_engine_tick(p->init.e, now);
			peer_init_report(p);
			next = d < next ? d : next;
			if (!p->holding && ike_engine_done(p->init.e))
				continue;
		} else {
			for (size_t i = 0; i < p->nsock; i++) {
				uint64_t d = ike_server_tick(p->sock[i].srv, now);
				next = d < next ? d : next;
			}
			if (p->cfg.exchanges) {
				size_t done;
				peer_resp_count(p, &done, &failed);
				if (done >= p->cfg.exchanges && !linger_until) {
					linger_until = now + PEER_LINGER_MS;
					peer_log(p, LOG_INFO, "all %u exchanges done (%zu failed)",
						 p->cfg.exchanges, failed);
				}
				if (linger_until && now >= linger_until)
					return failed ? 1 : 0;
				if (linger_until && linger_until < next)
					next = linger_until;
			}
		}
		peer_dp_sync(p);
		now = clock_ms();
		uint64_t kd = peer_ka_run(p, now);
		next = kd < next ? kd : next;
		struct pollfd fds[PEERCFG_MAX_LISTEN + 1];
		for (size_t i = 0; i < p->nsock; i++)
			fds[i] = (struct pollfd){ .fd = transport_fd(p->sock[i].t), .events = POLLIN };
		nfds_t nfds = p->nsock;
		if (p->dp)
			fds[nfds++] = (struct pollfd){ .fd = esp_user_fd(p->dp), .events = POLLIN };
		uint64_t wait = next > now ? next - now : 0;
		struct timespec ts = { (time_t)(wait / 1000), (long)(wait % 1000) * 1000000L };
		int n = ppoll(fds, nfds, &ts, waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			peer_log(p, LOG_ERR, "poll: %s", strerror(errno));
			return 3;
		}
		for (size_t i = 0; n > 0 && i < p->nsock; i++) {
			if (!(fds[i].revents & POLLIN))
				continue;
			struct transport_pkt pkt;
			while (transport_recv(p->sock[i].t, &pkt) == 1) {
				char kb[NETADDR_STRLEN];
				if (natt_keepalive_input(&p->ka_in, &pkt, clock_ms()))
					/* keeps a NAT mapping alive, nothing more */
					peer_log(p, LOG_DEBUG, "keepalive <- %s",
						 netaddr_str(&pkt.src, kb, sizeof(kb)));
				else if (pkt.kind == TRANSPORT_PKT_ESP && p->dp)
					esp_user_input(p->dp, &pkt);
				else if (p->sock[i].srv)
					ike_server_input(p->sock[i].srv, &pkt, clock_ms());
				else
					ike_engine_input(p->init.e, &pkt, clock_ms());
				transport_pkt_free(&pkt);
			}
			if (!p->sock[i].srv)
				peer_init_report(p);
		}
		peer_dp_sync(p);
		if (p->dp && nfds > p->nsock && (fds[p->nsock].revents & POLLIN))
			esp_user_poll(p->dp);
	}
}

/* ---- the command ---- */

int cli_peer(int argc, char **argv)
{
	const char *config = NULL, *logpath = NULL, *statepath = NULL;
	bool verbose = false, dataplane = false;
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc) {
			config = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			config = argv[i] + 9;
		} else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			logpath = argv[++i];
		} else if (!strncmp(argv[i], "--log=", 6)) {
			logpath = argv[i] + 6;
		} else if (!strcmp(argv[i], "--state") && i + 1 < argc) {
			statepath = argv[++i];
		} else if (!strcmp(argv[i], "--dataplane") && i + 1 < argc) {
			if (strcmp(argv[++i], "user") != 0) {
				fprintf(stderr, "ike-conform peer: --dataplane must be 'user', not '%s'\n",
					argv[i]);
				return 2;
			}
			dataplane = true;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			peer_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ike-conform peer: unknown or incomplete option '%s'\n", argv[i]);
			peer_usage(stderr);
			return 2;
		}
	}
	if (!config) {
		fprintf(stderr, "ike-conform peer: --config FILE is required\n");
		peer_usage(stderr);
		return 2;
	}

	struct peer p;
	memset(&p, 0, sizeof(p));
	p.t0 = clock_ms();
	p.state_path = statepath;
	p.dataplane = dataplane;
	writer_init(&p.state_done);
	struct yaml_error yerr = { 0 };
	if (!peercfg_load_file(config, &p.cfg, &yerr)) {
		fprintf(stderr, "%s\n", yerr.text);
		return 2;
	}
	struct peercfg *c = &p.cfg;
	if (c->cert || c->key || c->chain || c->ca) {
		char err[400];
		if (!ike_config_load_creds(&c->ike, c->key, c->cert, c->chain, c->ca, err, sizeof(err))) {
			fprintf(stderr, "%s: credentials: %s\n", config, err);
			peercfg_free(c);
			return 2;
		}
	}
	log_set_level(verbose ? LOG_DEBUG : c->log_level);

	/* the log file is opened before binding so that both problems show on
	   the caller's stderr; it replaces stderr once everything is ready */
	const char *lp = logpath ? logpath : c->log_file;
	int logfd = -1;
	if (lp) {
		logfd = open(lp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (logfd < 0) {
			fprintf(stderr, "ike-conform peer: cannot open log file %s: %s\n", lp,
				strerror(errno));
			peercfg_free(c);
			return 3;
		}
	}
	int rc = peer_open(&p);
	if (rc) {
		if (logfd >= 0)
			close(logfd);
		peer_close(&p);
		return rc;
	}

	/* signals: blocked except inside ppoll, so none is lost between the
	   check of the flag and the wait */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = peer_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t block, orig, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	waitmask = orig;
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	char ab[NETADDR_STRLEN], xb[80];
	for (size_t i = 0; i < p.nsock; i++)
		printf("listening on %s nat-t %u\n", netaddr_str(&p.sock[i].ike, ab, sizeof(ab)),
		       p.sock[i].natt.port);
	fflush(stdout);
	if (logfd >= 0) {
		fflush(stderr);
		dup2(logfd, STDERR_FILENO);
		close(logfd);
	}
	peer_log(&p, LOG_INFO, "ike-conform %s peer: %s, %s mode, %s", IKEC_VERSION,
		 c->ike.role == IKE_INITIATOR ? "initiator" : "responder",
		 c->ike.exchange == WIRE_X_AGGR ? "aggressive" : "main",
		 c->exchanges ? "a fixed number of exchanges" : "until stopped");
	for (size_t i = 0; i < p.nsock; i++)
		peer_log(&p, LOG_INFO, "listening on %s nat-t %u",
			 netaddr_str(&p.sock[i].ike, ab, sizeof(ab)), p.sock[i].natt.port);
	for (size_t i = 0; i < c->ike.np1; i++)
		peer_log(&p, LOG_INFO, "proposal %zu: %s auth %s", i + 1,
			 ike_p1_str(&c->ike.p1[i], xb, sizeof(xb)), peer_auth_name(c->ike.p1[i].auth));
	for (size_t i = 0; i < c->ike.np2; i++)
		peer_log(&p, LOG_INFO, "esp proposal %zu: %s", i + 1,
			 ike_p2_str(&c->ike.p2[i], xb, sizeof(xb)));

	rc = peer_loop(&p, &waitmask);
	peer_state_write(&p);
	fflush(stdout);
	peer_close(&p);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return rc;
}
