/* ike-conform peer: the state file (--state), what a driver reads
 * instead of logs: the SAs as "sa ..." and "child ..." lines of
 * key=value, rewritten whenever they change. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/peer.h"
#include "esp/user.h"
#include "ike/engine.h"
#include "ike/server.h"
#include "wire/msg.h"

/* The phase-1 IDs sent and received (the engine's result), appended to
 * an sa line as " local_id=WORD remote_id=WORD" (peercfg_id_text); nothing
 * while the engine has neither. */
static void cli_peer_state_ids(char *line, size_t len, struct ike_engine *e)
{
	const struct ike_result *r = ike_engine_result(e);
	char a[2 * IKE_MAX_ID + 16], b[2 * IKE_MAX_ID + 16];
	size_t l = strlen(line);
	if ((!r->our_id.type && !r->peer_id.type) || !peercfg_id_text(&r->our_id, a, sizeof(a)) ||
	    !peercfg_id_text(&r->peer_id, b, sizeof(b)))
		return;
	snprintf(line + l, len - l, " local_id=%s remote_id=%s", a, b);
}

/* One SA's lines: the phase-1 SA, then each child with its NAT-OA and
 * the data plane's counters when there are any. */
void cli_peer_state_sa(struct writer *w, unsigned id, struct ike_engine *e,
		       const struct esp_user *dp, const struct peer_ka *ka)
{
	struct ike_sa *sa = ike_engine_sa(e);
	char pb[NETADDR_STRLEN], b1[40], b2[40], line[2048];
	if (!sa)
		return;
	snprintf(line, sizeof(line) - 1,
		 "sa id=%u state=%s exchange=%s peer=%s icookie=%s rcookie=%s encr=%u keylen=%u "
		 "hash=%u auth=%u group=%u life_sec=%" PRIu32 " life_kb=%" PRIu32
		 " natt=%u nat_local=%d nat_peer=%d floated=%d keepalives_sent=%" PRIu64,
		 id, ike_sa_state_name(sa->state), sa->exchange == WIRE_X_AGGR ? "aggressive" : "main",
		 netaddr_str(&sa->peer, pb, sizeof(pb)), cli_peer_hex(sa->icookie, 8, b1, sizeof(b1)),
		 cli_peer_hex(sa->rcookie, 8, b2, sizeof(b2)), sa->xf.encr, sa->xf.keylen, sa->xf.hash,
		 sa->xf.auth, sa->xf.group, sa->xf.life_sec, sa->xf.life_kb, sa->natt_version,
		 sa->nat_local, sa->nat_peer, sa->natt_floated, ka ? ka->k.sent : 0);
	cli_peer_state_ids(line, sizeof(line) - 1, e);
	strcat(line, "\n");  /* the byte kept free above */
	writer_bytes(w, line, strlen(line));
	for (size_t i = 0; i < sa->nchild; i++) {
		const struct ike_child *c = &sa->child[i];
		snprintf(line, sizeof(line),
			 "child sa=%u spi_in=%s spi_out=%s transform=%u keylen=%u auth=%u group=%u "
			 "encap=%u life_sec=%" PRIu32 " life_kb=%" PRIu32 " deleted=%d expired=%d\n",
			 id, cli_peer_hex(c->spi_in, 4, b1, sizeof(b1)),
			 cli_peer_hex(c->spi_out, 4, b2, sizeof(b2)),
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
void cli_peer_state_write(struct peer *p)
{
	if (!p->state_path)
		return;
	struct writer w;
	writer_init(&w);
	writer_bytes(&w, p->state_done.p, p->state_done.len);
	if (p->init.e)
		cli_peer_state_sa(&w, p->init.id, p->init.e, p->dp, cli_peer_ka_find(p, 0, p->init.id));
	for (size_t k = 0; k < p->nsock; k++) {
		struct ike_server *srv = p->sock[k].srv;
		for (size_t i = 0; srv && i < ike_server_count(srv); i++) {
			unsigned id = ike_server_sa_id(srv, i);
			cli_peer_state_sa(&w, id, ike_server_engine(srv, i), p->dp,
					  cli_peer_ka_find(p, k, id));
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
		cli_peer_log(p, LOG_WARN, "cannot write state file %s: %s", p->state_path, strerror(errno));
		chunk_free(&text);
		return;
	}
	free(p->state_last);
	p->state_last = (char *)text.ptr;
}
