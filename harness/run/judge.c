/* A case's expectations against what happened, and its script in the
 * engine's terms (run/run.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run.h"
#include "wire/msg.h"
#include "wire/names.h"

const char *run_status_name(enum run_status s)
{
	static const char *const names[] = { "PASS", "FAIL", "ERROR", "SKIP" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void run_verdict_prop(struct run_verdict *v, const char *name, const char *value)
{
	if (v->nprops >= RUN_MAX_PROPS)
		return;
	snprintf(v->props[v->nprops][0], sizeof(v->props[0][0]), "%s", name);
	snprintf(v->props[v->nprops][1], sizeof(v->props[0][1]), "%.*s",
		 (int)sizeof(v->props[0][1]) - 1, value);
	v->nprops++;
}

static void run_mismatch(struct run_verdict *v, const char *what, const char *expected,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void run_mismatch(struct run_verdict *v, const char *what, const char *expected,
			 const char *fmt, ...)
{
	if (v->status == RUN_FAIL)
		return;  /* the first failure is the one to read */
	v->status = RUN_FAIL;
	snprintf(v->what, sizeof(v->what), "%s", what);
	snprintf(v->expected, sizeof(v->expected), "%s", expected);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->seen, sizeof(v->seen), fmt, ap);
	va_end(ap);
}

/* "NO-PROPOSAL-CHOSEN (14) after mm1, INVALID-COOKIE (11)" or "none"; each
 * with the message it answers when at (may be NULL) names one. */
static const char *run_notifies_after(const uint16_t *n, const enum ike_kind *at, size_t count,
				      char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < count && off + 1 < len; i++) {
		char name[48];
		bool after = at && at[i];
		int k = snprintf(buf + off, len - off, "%s%s%s%s", i ? ", " : "",
				 names_fmt(NAMES_NOTIFY, n[i], name, sizeof(name)),
				 after ? " after " : "", after ? ike_kind_name(at[i]) : "");
		if (k < 0)
			break;
		off += (size_t)k;
	}
	return count ? buf : "none";
}

static const char *run_notifies(const uint16_t *n, size_t count, char *buf, size_t len)
{
	return run_notifies_after(n, NULL, count, buf, len);
}

/* Whether type is among n, answering after (IKE_K_NONE: anything). */
static bool run_has_after(const uint16_t *n, const enum ike_kind *at, size_t count,
			  uint16_t type, enum ike_kind after)
{
	for (size_t i = 0; i < count; i++)
		if (n[i] == type && (!after || at[i] == after))
			return true;
	return false;
}

static bool run_has(const uint16_t *n, size_t count, uint16_t type)
{
	return run_has_after(n, NULL, count, type, IKE_K_NONE);
}

static void run_life_str(uint32_t sec, uint32_t kb, char *buf, size_t len)
{
	if (sec && kb)
		snprintf(buf, len, "%" PRIu32 "s/%" PRIu32 "kB", sec, kb);
	else if (kb)
		snprintf(buf, len, "%" PRIu32 "kB", kb);
	else
		snprintf(buf, len, "%" PRIu32 "s", sec);
}

/* The phase-1 IDs each way, as the harness saw them and the peer reports. */
static void run_props_ids(const struct case_result *r, struct run_verdict *v)
{
	char t[300];
	if (r->our_id.type && ike_id_format(&r->our_id, t, sizeof(t)))
		run_verdict_prop(v, "harness_id", t);
	if (r->peer_id.type && ike_id_format(&r->peer_id, t, sizeof(t)))
		run_verdict_prop(v, "peer_id", t);
	if (r->view.present && r->view.ids_known && ike_id_format(&r->view.remote_id, t, sizeof(t)))
		run_verdict_prop(v, "peer_saw_id", t);
}

static void run_props(const struct suite_case *c, bool init, const struct case_result *r,
		      struct run_verdict *v)
{
	char buf[96], n[200];
	run_verdict_prop(v, "peer", suite_peer_name(c->peer));
	run_verdict_prop(v, "role", init ? "initiator" : "responder");
	run_verdict_prop(v, "exchange", c->exchange == WIRE_X_AGGR ? "aggressive" : "main");
	run_verdict_prop(v, "topology", netns_topology_name(c->topology));
	if (r->natt_version) {
		static const char *const vn[] = { "none", "draft-02", "draft-03", "rfc3947" };
		snprintf(n, sizeof(n), "%s; harness sees NAT at %s%s%s; peer sees %s%s%s; IKE %u->%u",
			 vn[r->natt_version & 3], r->nat_local ? "harness " : "",
			 r->nat_peer ? "peer" : "", !r->nat_local && !r->nat_peer ? "none" : "",
			 r->view.nat_local ? "itself " : "", r->view.nat_remote ? "harness" : "",
			 !r->view.nat_local && !r->view.nat_remote ? "none" : "", r->harness_port,
			 r->peer_port);
		run_verdict_prop(v, "nat_t", n);
	}
	if (r->p1.encr) {
		run_verdict_prop(v, "phase1", ike_p1_str(&r->p1, buf, sizeof(buf)));
		run_life_str(r->p1.life_sec, r->p1.life_kb, buf, sizeof(buf));
		run_verdict_prop(v, "ike_lifetime", buf);
	}
	if (r->have_child) {
		run_verdict_prop(v, "esp", ike_p2_str(&r->child.xf, buf, sizeof(buf)));
		run_life_str(r->child.xf.life_sec, r->child.xf.life_kb, buf, sizeof(buf));
		run_verdict_prop(v, "child_lifetime", buf);
	}
	if (r->view.present) {
		snprintf(buf, sizeof(buf), "%" PRIu32 "s", r->view.life_sec);
		run_verdict_prop(v, "peer_ike_lifetime", buf);
		if (r->view.child.present) {
			snprintf(buf, sizeof(buf), "%" PRIu32 "s", r->view.child.life_sec);
			run_verdict_prop(v, "peer_child_lifetime", buf);
		}
	}
	run_props_ids(r, v);
	if (r->nnotify_rx)
		run_verdict_prop(v, "notify_received", run_notifies(r->notify_rx, r->nnotify_rx, n,
								    sizeof(n)));
	if (r->nnotify_tx)
		run_verdict_prop(v, "notify_sent", run_notifies(r->notify_tx, r->nnotify_tx, n,
								sizeof(n)));
	snprintf(buf, sizeof(buf), "%" PRIu64, r->ms);
	run_verdict_prop(v, "handshake_ms", buf);
	if (r->traffic.ran) {
		snprintf(buf, sizeof(buf), "%" PRIu64 "/%" PRIu64 " ESP packets in/out in %" PRIu64
			 " ms", r->traffic.in.packets, r->traffic.out.packets, r->traffic.ms);
		run_verdict_prop(v, "traffic", buf);
	}
	const struct case_hold *h = &r->rekey;
	if (h->ran) {
		snprintf(buf, sizeof(buf), "%" PRIu64 " ms, %u/%u pings lost, %u children, "
			 "keepalives %zu+%zu", h->ms, h->pings_lost, h->pings_sent, h->children,
			 h->ka_from_harness, h->ka_from_peer);
		run_verdict_prop(v, "hold", buf);
		if (h->new_spi_in) {
			snprintf(buf, sizeof(buf), "by the %s %" PRIu64 " ms before expiry, Delete %s",
				 h->rekeyed_by_us ? "harness" : "peer", h->lead_ms,
				 h->delete_sent ? "sent" : h->delete_rx ? "received" : "none");
			run_verdict_prop(v, "rekey", buf);
		}
	}
}

static bool run_p1_matches(const struct ike_p1_xform *want, const struct ike_p1_xform *got)
{
	return (!want->encr || (want->encr == got->encr &&
				ike_p1_keybits(want) == ike_p1_keybits(got))) &&
	       (!want->hash || want->hash == got->hash) &&
	       (!want->group || want->group == got->group);
}

static bool run_p2_matches(const struct ike_p2_xform *want, const struct ike_p2_xform *got)
{
	return (!want->transform || (want->transform == got->transform &&
				     ike_p2_keybits(want) == ike_p2_keybits(got))) &&
	       want->auth == got->auth && (!want->group || want->group == got->group);
}

/* The peer's lifetime is read a second or two after it was installed. */
static bool run_life_near(uint32_t want, uint32_t seen)
{
	return (uint64_t)seen + 2 >= want && seen <= (uint64_t)want + 2;
}

/* A lifetime expectation against both sides' records: the harness's SA
 * exactly, the peer's as it reports it installed (peer_want when the case
 * says the peer differs, else the same as the harness). */
static void run_life(struct run_verdict *v, const char *what, uint32_t want_sec, uint32_t want_kb,
		     uint32_t ours_sec, uint32_t ours_kb, bool peer_has, uint32_t peer_sec,
		     bool has_peer_want, uint32_t peer_want)
{
	char w[48], o[48];
	run_life_str(want_sec, want_kb, w, sizeof(w));
	run_life_str(ours_sec, ours_kb, o, sizeof(o));
	if (want_sec != ours_sec || want_kb != ours_kb) {
		run_mismatch(v, what, w, "%s in the harness's SA", o);
		return;
	}
	uint32_t pw = has_peer_want ? peer_want : want_sec;
	if (pw && peer_has && !run_life_near(pw, peer_sec))
		run_mismatch(v, has_peer_want ? (what[0] == 'l' ? "peer_lifetime" : "peer_child_lifetime")
					      : what,
			     w, "%" PRIu32 "s installed by the peer, %" PRIu32 "s expected there (the "
			     "harness has %s)", peer_sec, pw, o);
}

/* NAT-T: who is behind a NAT as each side detected it, the float, ESP in
 * UDP. A side that claims a NAT (natt_force) makes the other see one. */
static void run_judge_nat(const struct suite_case *c, const struct case_result *r,
			  struct run_verdict *v)
{
	const struct suite_expect *x = &c->expect;
	static const char *const who[] = { "none", "harness", "peer", "both" };
	if (x->nat) {
		unsigned want = x->nat & 3u;
		unsigned ours = (r->nat_local ? 1u : 0u) | (r->nat_peer ? 2u : 0u);
		/* strongSwan with kernel-libipsec fakes a NAT unasked: it says so */
		unsigned ours_want = want | (r->peer_forced || r->view.nat_fake ? 2u : 0u);
		unsigned theirs = (r->view.nat_remote ? 1u : 0u) | (r->view.nat_local ? 2u : 0u);
		unsigned theirs_want = want | (r->harness_forced ? 1u : 0u);
		if (!r->natt_version)
			run_mismatch(v, "nat", who[want], "no NAT-T version agreed");
		else if (ours != ours_want)
			run_mismatch(v, "nat", who[ours_want], "%s behind a NAT by the harness's NAT-D "
				     "check%s", who[ours], r->natd_rx ? "" : " (the peer sent no NAT-D)");
		else if (r->view.nat_known && (theirs & ~(r->view.nat_fake ? 2u : 0u)) !=
			 (theirs_want & ~(r->view.nat_fake ? 2u : 0u)))
			run_mismatch(v, "nat", who[theirs_want], "%s behind a NAT by the peer's view%s",
				     who[theirs], r->view.nat_fake ? " (it fakes a NAT of its own)" : "");
	}
	/* each side's own finding, forced or not */
	if (x->nat_harness_sees) {
		unsigned want = x->nat_harness_sees & 3u;
		unsigned ours = (r->nat_local ? 1u : 0u) | (r->nat_peer ? 2u : 0u);
		if (!r->natt_version || ours != want)
			run_mismatch(v, "nat", who[want], "the harness found %s behind a NAT%s",
				     r->natt_version ? who[ours] : "nobody (no NAT-T agreed)",
				     r->natd_rx ? "" : " (the peer sent no NAT-D)");
	}
	if (x->nat_peer_sees) {
		unsigned want = x->nat_peer_sees & 3u;
		unsigned theirs = (r->view.nat_remote ? 1u : 0u) | (r->view.nat_local ? 2u : 0u);
		if (!r->view.nat_known)
			run_mismatch(v, "nat", who[want], "the peer's driver does not report NAT-T");
		else if (theirs != want)
			run_mismatch(v, "nat", who[want], "the peer found %s behind a NAT", who[theirs]);
	}
	if (x->floated) {
		bool want = x->floated == SUITE_YES;
		/* RFC 3947 4: the initiator moves with its first message after
		   the NAT-D exchange, so 4500 starts with mm5 or am3 */
		enum ike_kind first = c->exchange == WIRE_X_AGGR ? IKE_K_AM3 : IKE_K_MM5;
		if (r->floated != want)
			run_mismatch(v, "floated", want ? "IKE on port 4500" : "IKE stays on port 500",
				     "the harness %s (sends to port %u)",
				     r->floated ? "floated" : "did not float", r->peer_port);
		else if (want && r->float_kind != first)
			run_mismatch(v, "floated", ike_kind_name(first), "the first message on port "
				     "4500 was %s", ike_kind_name(r->float_kind));
		else if (r->view.nat_known && r->view.local_port &&
			 (r->view.local_port == IKE_NATT_PORT) != want)
			run_mismatch(v, "floated", want ? "IKE on port 4500" : "IKE stays on port 500",
				     "the peer's IKE SA is on port %u", r->view.local_port);
	}
	if (x->natoa && r->established && r->have_child) {
		bool want = x->natoa == SUITE_YES;
		bool ours = r->child.natoa_i_set || r->child.natoa_r_set;
		bool theirs = r->view.child.natoa;
		if (ours != want || (r->view.child.natoa_known && theirs != want))
			run_mismatch(v, "natoa", want ? "NAT-OA both ways" : "no NAT-OA",
				     "the harness %s one, the peer %s", ours ? "received" : "did not receive",
				     !r->view.child.natoa_known ? "cannot say"
				     : theirs ? "received one" : "did not");
	}
	if (x->encap && r->established && r->have_child) {
		bool want = x->encap == SUITE_YES;
		bool ours = ike_encap_is_udp(r->child.xf.encap);
		if (ours != want || (r->view.child.present && r->view.child.encap != want))
			run_mismatch(v, "encap", want ? "ESP in UDP" : "plain ESP",
				     "the harness's child %s, the peer's %s",
				     ours ? "in UDP" : "plain",
				     !r->view.child.present ? "absent"
				     : r->view.child.encap ? "in UDP" : "plain");
	}
}

/* Keepalives from one side in the hold: none when it should send none;
 * else at least all but two of hold/interval, each gap within half to
 * one and a half intervals. */
static bool run_ka_ok(bool want, size_t n, uint64_t gmin, uint64_t gmax, uint32_t hold,
		      uint32_t every)
{
	if (!want)
		return n == 0;
	size_t need = every && hold / every > 2 ? hold / every - 2 : 1;
	return n >= need && (n < 2 || (gmin * 2 >= every && gmax * 2 <= 3ull * every));
}

/* What the hold saw: the rekey, the keepalives, the remap, the steady ping. */
static void run_judge_hold(const struct suite_case *c, const struct case_result *r,
			   struct run_verdict *v)
{
	const struct suite_expect *x = &c->expect;
	const struct case_hold *h = &r->rekey;
	if (!c->hold_ms || !r->established)
		return;
	if (!h->ran) {
		run_mismatch(v, "hold", "the SA held after the checks", "no hold ran");
		return;
	}
	if (x->rekey) {
		bool want = x->rekey == SUITE_YES;
		bool rekeyed = h->new_spi_in != 0;
		if (want ? !h->ok : rekeyed)
			run_mismatch(v, "rekey", want ? "the child replaced before expiry, the old one "
				     "deleted, no ping lost" : "no rekey", "%s", h->why);
	}
	if (x->keepalives) {
		static const char *const who[] = { "none", "harness", "peer", "both" };
		unsigned want = x->keepalives & 3u;
		bool ok = h->ka_captured &&
			  run_ka_ok(want & 1u, h->ka_from_harness, h->ka_gap_min[0], h->ka_gap_max[0],
				    c->hold_ms, c->keepalive_ms) &&
			  run_ka_ok(want & 2u, h->ka_from_peer, h->ka_gap_min[1], h->ka_gap_max[1],
				    c->hold_ms, c->keepalive_ms);
		if (!ok)
			run_mismatch(v, "keepalives", who[want], "%s%zu from the harness (gaps %" PRIu64
				     "-%" PRIu64 " ms), %zu from the peer (gaps %" PRIu64 "-%" PRIu64
				     " ms) in %" PRIu32 " ms, every %" PRIu32 " ms configured",
				     h->ka_captured ? "" : "no capture; ", h->ka_from_harness,
				     h->ka_gap_min[0], h->ka_gap_max[0], h->ka_from_peer, h->ka_gap_min[1],
				     h->ka_gap_max[1], c->hold_ms, c->keepalive_ms);
	}
	if (x->remap) {
		bool want = x->remap == SUITE_YES;
		bool ok = h->remapped && h->dpd_acked && h->pings_after_remap && !h->lost_after_remap;
		if (ok != want)
			run_mismatch(v, "remap", want ? "the SA carries on from the new mapping"
					    : "the SA lost after the remap",
				     "%s, DPD %s, %u of %u pings lost from a second after it; the peer "
				     "saw our port %u, then %u", h->remapped ? "remapped" : "not remapped",
				     h->dpd_acked ? "answered" : "unanswered", h->lost_after_remap,
				     h->pings_after_remap, h->peer_port_before, h->peer_port_after);
	} else if (x->traffic && !x->rekey && h->pings_lost) {
		run_mismatch(v, "traffic", "no ping lost while the SA was held", "%s", h->why);
	}
}

/* Whether the case came out as it should: the malformed case's reaction,
 * a fuzz variant's script, established or refused. */
static void run_judge_outcome(const struct suite_case *c, const struct case_result *r,
			      struct run_verdict *v)
{
	const struct suite_expect *x = &c->expect;
	char a[160];
	if (c->malformed) {
		/* the script's last step waited for the reaction; whether
		   phase 1 came up is not this case's question */
		char at[200];
		if (c->reaction)
			names_fmt(NAMES_NOTIFY, c->reaction, a, sizeof(a));
		if (c->reaction_msg)
			snprintf(a, sizeof(a), "%s", c->reaction_msg == IKE_K_DELETE ? "a Delete"
				 : ike_kind_name(c->reaction_msg));
		if (c->reaction_msg && c->reaction_msg != IKE_K_DELETE)
			snprintf(a + strlen(a), sizeof(a) - strlen(a), " (accepted)");
		snprintf(at, sizeof(at), "%s after %s with %s, within %u ms",
			 c->reaction || c->reaction_msg ? a : "silence", ike_kind_name(c->malformed_at),
			 c->malformed->name, c->reaction_ms);
		/* accepted: the peer's next message arriving is the reaction,
		   even when the harness then refuses what it says */
		char refused[40];
		snprintf(refused, sizeof(refused), "%s refused: ",
			 c->reaction_msg ? ike_kind_name(c->reaction_msg) : "");
		bool answered = c->reaction_msg && strstr(r->harness_error, refused);
		if (!r->harness_ok && !answered)
			run_mismatch(v, "reaction", at, "%s", r->harness_error);
	} else if (x->survives) {
		/* a fuzz variant: anything the peer did is fine as long as the
		   exchange up to the mutated message went through and the peer
		   is alive afterwards (judged by the runner) */
		if (!r->harness_ok)
			run_mismatch(v, "script", "the script to its end", "%s", r->harness_error);
	} else if (x->established) {
		if (!r->established)
			run_mismatch(v, "established", "both sides established", "%s", r->why);
		else if (!r->agree)
			run_mismatch(v, "cross-check", "the peer's view equal to the harness's", "%s",
				     r->why);
	} else if (r->established && !x->silence && !x->notify) {
		run_mismatch(v, "established", "not established", "established on both sides");
	}
}

/* The notify the case expects (and not established after it), and the
 * peer's silence. */
static void run_judge_notify(const struct suite_case *c, bool init, const struct case_result *r,
			     struct run_verdict *v)
{
	const struct suite_expect *x = &c->expect;
	char a[160], b[160];
	if (x->notify) {
		/* the refusal of an initiator comes from the peer; as responder
		   the harness refuses, or the peer refuses our answer; `by`
		   says which, `after` what it answered */
		bool rx = x->rejected_by != SUITE_BY_HARNESS;
		bool tx = x->rejected_by == SUITE_BY_HARNESS || (!x->rejected_by && !init);
		bool seen = (rx && run_has_after(r->notify_rx, r->notify_rx_after, r->nnotify_rx,
						 x->notify, x->rejected_after)) ||
			    (tx && run_has_after(r->notify_tx, r->notify_tx_after, r->nnotify_tx,
						 x->notify, x->rejected_after));
		names_fmt(NAMES_NOTIFY, x->notify, b, sizeof(b));
		if (x->rejected_by || x->rejected_after)
			snprintf(b + strlen(b), sizeof(b) - strlen(b), "%s%s%s",
				 x->rejected_by == SUITE_BY_HARNESS ? " from the harness"
				 : x->rejected_by ? " from the peer" : "",
				 x->rejected_after ? " after " : "",
				 x->rejected_after ? ike_kind_name(x->rejected_after) : "");
		char rxs[200], txs[200];
		if (!seen)
			run_mismatch(v, "notify", b, "received %s, sent %s%s",
				     run_notifies_after(r->notify_rx, r->notify_rx_after, r->nnotify_rx,
							rxs, sizeof(rxs)),
				     run_notifies_after(r->notify_tx, r->notify_tx_after, r->nnotify_tx,
							txs, sizeof(txs)),
				     r->established ? "; established" : "");
		else if (r->established && !c->malformed)
			run_mismatch(v, "established", "refused", "%s seen, yet established", b);
	}
	if (x->silence && r->heard)
		run_mismatch(v, "silence", "no answer from the peer", "the peer answered (%s)",
			     r->nnotify_rx ? run_notifies(r->notify_rx, r->nnotify_rx, a, sizeof(a))
					   : "a message");
}

/* The transforms the case expects, as negotiated. */
static void run_judge_transforms(const struct suite_expect *x, const struct case_result *r,
				 struct run_verdict *v)
{
	char a[160], b[160];
	if (x->has_proposal && r->established && !run_p1_matches(&x->proposal, &r->p1))
		run_mismatch(v, "proposal", ike_p1_str(&x->proposal, a, sizeof(a)), "%s",
			     ike_p1_str(&r->p1, b, sizeof(b)));
	if (x->has_esp && r->established && !run_p2_matches(&x->esp, &r->child.xf))
		run_mismatch(v, "esp", ike_p2_str(&x->esp, a, sizeof(a)), "%s",
			     ike_p2_str(&r->child.xf, b, sizeof(b)));
}

/* Lifetimes on each side, and the RESPONDER-LIFETIME notify. */
static void run_judge_lifetimes(const struct suite_expect *x, const struct case_result *r,
				struct run_verdict *v)
{
	char a[160], b[160];
	if (x->has_lifetime && r->established)
		run_life(v, "lifetime", x->life_sec, x->life_kb, r->p1.life_sec, r->p1.life_kb,
			 r->view.present, r->view.life_sec, x->has_peer_lifetime, x->peer_life_sec);
	else if (x->has_peer_lifetime && r->established && r->view.present &&
		 !run_life_near(x->peer_life_sec, r->view.life_sec))
		run_mismatch(v, "peer_lifetime", "as stated", "%" PRIu32 "s installed by the peer, "
			     "%" PRIu32 "s expected", r->view.life_sec, x->peer_life_sec);
	if (x->has_child_lifetime && r->established)
		run_life(v, "child_lifetime", x->child_life_sec, x->child_life_kb,
			 r->child.xf.life_sec, r->child.xf.life_kb, r->view.child.present,
			 r->view.child.life_sec, x->has_peer_child_lifetime, x->peer_child_life_sec);
	else if (x->has_peer_child_lifetime && r->established && r->view.child.present &&
		 !run_life_near(x->peer_child_life_sec, r->view.child.life_sec))
		run_mismatch(v, "peer_child_lifetime", "as stated", "%" PRIu32 "s installed by the "
			     "peer, %" PRIu32 "s expected", r->view.child.life_sec,
			     x->peer_child_life_sec);
	if (x->responder_lifetime) {
		bool want = x->responder_lifetime == SUITE_YES;
		bool seen = run_has(r->notify_rx, r->nnotify_rx, WIRE_N_RESPONDER_LIFETIME) ||
			    run_has(r->notify_tx, r->nnotify_tx, WIRE_N_RESPONDER_LIFETIME);
		if (seen != want)
			run_mismatch(v, "responder_lifetime", want ? "a RESPONDER-LIFETIME notify"
								   : "no RESPONDER-LIFETIME notify",
				     "%s (received %s, sent %s)", seen ? "one" : "none",
				     run_notifies(r->notify_rx, r->nnotify_rx, a, sizeof(a)),
				     run_notifies(r->notify_tx, r->nnotify_tx, b, sizeof(b)));
	}
}

/* One ID expectation against what was seen (known false: not reported). */
static void run_judge_id(struct run_verdict *v, const char *what, const struct ike_id *want,
			 bool known, const struct ike_id *got, const char *unknown)
{
	char a[300], b[300], why[200];
	ike_id_format(want, a, sizeof(a));
	if (!known) {
		run_mismatch(v, what, a, "%s", unknown);
		return;
	}
	if (!ike_id_match(want, got->type, CHUNK_FROM(got->data, got->len), IKE_ID_CHECKS_LENIENT,
			  why, sizeof(why))) {
		if (!ike_id_format(got, b, sizeof(b)))
			snprintf(b, sizeof(b), "type %u, %zu bytes", got->type, got->len);
		run_mismatch(v, what, a, "%s (%s)", b, why);
	}
}

/* The IDs: what the harness received, and the harness's as the peer saw it. */
static void run_judge_ids(const struct suite_expect *x, const struct case_result *r,
			  struct run_verdict *v)
{
	struct ike_id want;
	if (suite_id_of(x->peer_id, &want))
		run_judge_id(v, "peer_id", &want, r->peer_id.type != 0, &r->peer_id,
			     "no ID payload from the peer");
	if (suite_id_of(x->our_id_seen, &want))
		run_judge_id(v, "our_id_seen", &want, r->view.present && r->view.ids_known,
			     &r->view.remote_id, !r->view.present ? "the peer holds no SA to report"
			     : "the peer's driver does not report the IDs it saw");
}

/* What happened, in one paragraph, pass or fail. */
static void run_judge_summary(const struct case_result *r, struct run_verdict *v)
{
	char a[160], b[160];
	if (r->established)
		snprintf(v->why, sizeof(v->why), "established, views %s%s%s", r->agree ? "agree" : "differ",
			 r->traffic.ran ? "; traffic: " : "", r->traffic.ran ? r->traffic.why : "");
	else
		snprintf(v->why, sizeof(v->why), "%s; notifies received %s, sent %s", r->why,
			 run_notifies(r->notify_rx, r->nnotify_rx, a, sizeof(a)),
			 run_notifies(r->notify_tx, r->nnotify_tx, b, sizeof(b)));
}

void run_judge(const struct suite_case *c, bool init, const struct case_result *r,
	       struct run_verdict *v)
{
	const struct suite_expect *x = &c->expect;
	v->status = RUN_PASS;
	run_props(c, init, r, v);
	if (r->loops) {
		run_mismatch(v, "peer loops", "at most 8 IKE/CHILD SA attempts", "%s", r->why);
		snprintf(v->why, sizeof(v->why), "%s", r->why);
		return;
	}
	if (r->mutation_unfit) {
		/* the message the harness built had no place for the mutation
		   (its shape follows the peer's proposal, e.g. a TV lifetime
		   where the suite assumed a TLV): nothing was asked of the peer */
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why),
			 "could not run: the mutation does not fit the message the harness sent (%s); "
			 "no verdict on the peer", r->harness_error);
		return;
	}
	run_judge_outcome(c, r, v);
	run_judge_notify(c, init, r, v);
	run_judge_transforms(x, r, v);
	run_judge_lifetimes(x, r, v);
	run_judge_ids(x, r, v);
	run_judge_nat(c, r, v);
	run_judge_hold(c, r, v);
	if (x->traffic && r->established && !(r->traffic.ran && r->traffic.ok))
		run_mismatch(v, "traffic", "ESP both ways through the child SA", "%s",
			     r->traffic.ran ? r->traffic.why : "no traffic was sent");
	run_judge_summary(r, v);
}

/* ---- scripts ---- */
