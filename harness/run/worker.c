/* A worker process of the pool (run/internal.h): it keeps its topology
 * and peers from case to case (building them is the slow part) and runs
 * the cases the parent hands it, one at a time, each through case_run.
 *
 *   index --> folder --> place (topology or device) --> peer --> spec
 *         --> case_run --> judge --> the peer alive? --> verdict */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/prof.h"
#include "crypto/rand.h"
#include "netns/netns.h"
#include "peers/peer.h"
#include "run/internal.h"
#include "wire/msg.h"

struct run_worker {
	const struct run_plan *plan;
	const struct run_opts *o;
	struct case_env env;
	bool env_ok;              /* env.topo is built, of kind topo */
	enum netns_topology topo;
	unsigned slot;
	struct peer *peers[SUITE_PEER_COUNT]; /* by enum suite_peer, made on first use */
	bool remote;              /* env is toward the profile's device */
	bool remote_nat;          /* ... from behind a NAT box of the run's */
	struct case_device device;
	char harness_host[64];
};

static long run_file_size(const char *path)
{
	struct stat st;
	return path[0] && stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* What the peer logged during the case, beside its other artifacts. */
static void run_copy_tail(const char *from, long off, const char *to)
{
	FILE *in = from[0] ? fopen(from, "r") : NULL;
	if (!in)
		return;
	FILE *out = fopen(to, "w");
	if (out && fseek(in, off <= run_file_size(from) ? off : 0, SEEK_SET) == 0) {
		char buf[8192];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, n, out) != n)
				break;
	}
	if (out)
		fclose(out);
	fclose(in);
}

static void run_stop_peers(struct run_worker *w)
{
	enum prof_phase back = prof_enter(PROF_PEER_START);
	for (size_t i = 0; i < SUITE_PEER_COUNT; i++)
		if (w->peers[i]) {
			w->peers[i]->ops->stop(w->peers[i]);
			w->peers[i] = NULL;
		}
	prof_enter(back);
}

/* A process's high-water RSS (kB), plus its descendants' (a peer's
 * daemon, its helpers): what the worker costs the machine at most. */
static uint64_t run_tree_hwm_kb(pid_t pid, unsigned depth)
{
	char path[64], line[256];
	uint64_t kb = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtoull(line + 6, NULL, 10);
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = depth < 4 ? fopen(path, "r") : NULL;
	int child;
	while (f && fscanf(f, "%d", &child) == 1)
		kb += run_tree_hwm_kb((pid_t)child, depth + 1);
	if (f)
		fclose(f);
	return kb;
}

/* The suite's topology, built on first use and rebuilt (peers and all)
 * when a case needs another kind. */
static bool run_topology(struct run_worker *w, enum netns_topology kind, char *err, size_t len)
{
	if (w->env_ok && w->topo == kind && !w->remote)
		return true;
	run_stop_peers(w);
	prof_enter(PROF_TOPOLOGY);
	if (w->env_ok) {
		const struct pki_testpki *pki = w->env.pki;
		w->env.pki = NULL;  /* the parent's: not freed here */
		bool down = case_env_down(&w->env, err, len);
		w->env.pki = (struct pki_testpki *)pki;
		w->env_ok = false;
		if (!down)
			return false;
	}
	char prefix[40];
	snprintf(prefix, sizeof(prefix), "%sw%u", w->o->prefix, w->slot);
	w->remote = false;
	if (!case_env_topo_up(&w->env, kind, prefix, err, len))
		return false;
	w->env.net.probe_bin = w->o->bin;
	w->env_ok = true;
	w->topo = kind;
	return true;
}

/* The first host of a subnet ("10.1.0.0/24" -> 10.1.0.1): the harness's
 * own address inside its selector. */
static bool run_first_host(const char *cidr, char *out, size_t len)
{
	char a[64];
	snprintf(a, sizeof(a), "%s", cidr);
	char *slash = strchr(a, '/');
	unsigned bits = slash ? (unsigned)strtoul(slash + 1, NULL, 10) : 32;
	if (slash)
		*slash = '\0';
	struct in_addr in;
	if (inet_pton(AF_INET, a, &in) != 1)
		return false;
	if (bits <= 30)
		in.s_addr = htonl(ntohl(in.s_addr) + 1);
	return inet_ntop(AF_INET, &in, out, (socklen_t)len) != NULL;
}


/* A case whose only misfit is its proposal, as the device's refusal of it:
 * the harness initiates, the standard exchange, NO-PROPOSAL-CHOSEN expected
 * (docs/vendors.md). False when the case cannot be turned so. */
static bool run_remote_negative(const struct profile *p, const struct suite_case *c,
				struct suite_case *neg)
{
	char why[300];
	if (c->role != IKE_INITIATOR || c->steps || c->malformed || !c->expect.established ||
	    !p->np1)
		return false;
	struct suite_case fit = *c;
	fit.p1.encr = p->p1[0].encr;
	fit.p1.keylen = p->p1[0].keylen;
	fit.p1.hash = p->p1[0].hash;
	fit.p1.group = p->p1[0].group;
	/* phase 1 only: a refused Quick Mode leaves the device an ISAKMP SA,
	   which is not the same question */
	if (!profile_case_fits(p, &fit, why, sizeof(why)))
		return false;   /* something else is missing too: a skip */
	*neg = *c;
	memset(&neg->expect, 0, sizeof(neg->expect));
	neg->expect.notify = WIRE_N_NO_PROPOSAL_CHOSEN;
	neg->expect.peer_alive = true;
	return true;
}

/* Toward the profile's device, once per worker and way (the device is
 * always the same; rebuilt after a local topology or to put the harness
 * behind a NAT box or take it away). */
static bool run_remote_env(struct run_worker *w, bool nat, char *err, size_t len)
{
	const struct profile *p = w->o->profile;
	if (w->env_ok && w->remote && w->remote_nat == nat)
		return true;
	prof_enter(PROF_TOPOLOGY);
	if (w->env_ok) {
		run_stop_peers(w);
		prof_enter(PROF_TOPOLOGY);
		const struct pki_testpki *pki = w->env.pki;
		w->env.pki = NULL;
		bool down = case_env_down(&w->env, err, len);
		w->env.pki = (struct pki_testpki *)pki;
		w->env_ok = false;
		if (!down)
			return false;
	}
	if (p->reach != PROFILE_REACH_MACVLAN)
		return snprintf(err, len, "profile %s: reach mode veth is not run by this version "
				"(a crashed run would take the link with its namespace); a macvlan "
				"works on a veth end too", p->file), false;
	/* without selectors in the profile: host to host on the IKE addresses */
	char hts[80], dts[80], lip[64], dip[64];
	inet_ntop(p->local.family, p->local.ip, lip, sizeof(lip));
	inet_ntop(p->address.family, p->address.ip, dip, sizeof(dip));
	snprintf(hts, sizeof(hts), "%s", p->ts_harness_text ? p->ts_harness_text : lip);
	snprintf(dts, sizeof(dts), "%s", p->ts_device_text ? p->ts_device_text : dip);
	if (!p->ts_harness_text)
		snprintf(w->harness_host, sizeof(w->harness_host), "%s", lip);
	else if (!run_first_host(p->ts_harness_text, w->harness_host, sizeof(w->harness_host)))
		return snprintf(err, len, "profile %s: harness_ts %s is not an IPv4 subnet", p->file,
				p->ts_harness_text), false;
	char gw[64] = "", ping[64] = "";
	if (p->has_gateway)
		inet_ntop(p->gateway.family, p->gateway.ip, gw, sizeof(gw));
	if (p->has_ping)
		inet_ntop(p->ping.family, p->ping.ip, ping, sizeof(ping));
	else if (!p->ts_device_text || !run_first_host(p->ts_device_text, ping, sizeof(ping)))
		snprintf(ping, sizeof(ping), "%s", dip);
	static char ping_host[64];  /* per worker process */
	snprintf(ping_host, sizeof(ping_host), "%s", ping);
	w->device = (struct case_device){
		.psk = p->psk, .harness_id = p->remote_id, .device_id = p->local_id,
		.key = p->key, .cert = p->cert, .ca = p->ca, .ping = ping_host,
		.harness_host = w->harness_host, .rate_pps = p->rate_pps,
	};
	if (nat && !w->device.harness_id.type) {
		/* behind the NAT the harness still names itself by the address
		   the device was configured for, the profile's */
		w->device.harness_id.type = 1;  /* ID_IPV4_ADDR */
		w->device.harness_id.len = 4;
		memcpy(w->device.harness_id.data, p->local.ip, 4);
	}
	struct netns_remote rm = {
		.interface = p->interface, .local = p->local, .prefix_len = p->prefix_len,
		.device = p->address, .gateway = p->has_gateway ? gw : NULL,
		.harness_host = p->ts_harness_text ? w->harness_host : NULL, .nat = nat,
	};
	char prefix[40];
	snprintf(prefix, sizeof(prefix), "%sw%u", w->o->prefix, w->slot);
	if (!case_env_remote_up(&w->env, &rm, hts, dts, &w->device,
				   prefix, err, len))
		return false;
	w->env_ok = true;
	w->remote = true;
	w->remote_nat = nat;
	return true;
}

static struct peer *run_peer(struct run_worker *w, enum suite_peer kind, char *err, size_t len)
{
	if (w->peers[kind])
		return w->peers[kind];
	/* one peer at a time: they share the namespace's ports 500 and 4500 */
	run_stop_peers(w);
	prof_enter(PROF_PEER_START);
	char dir[1200];
	snprintf(dir, sizeof(dir), "%s/w%u-%s", w->o->work, w->slot, suite_peer_name(kind));
	const struct peer_driver *d = peer_driver(suite_peer_name(kind));
	struct peer_start st = { .ns = netns_topo_ns(w->env.topo, NETNS_ROLE_PEER), .dir = dir,
				 .bin = w->o->bin, .profile = w->o->profile };
	if (!d) {
		snprintf(err, len, "no driver for peer '%s'", suite_peer_name(kind));
		return NULL;
	}
	return w->peers[kind] = d->start(&st, err, len);
}


/* The peer must still answer: a clean Main Mode + Quick Mode right after. */
static void run_peer_alive(struct run_worker *w, struct peer *peer, const struct suite_case *c,
			   bool force_encap, const char *dir, struct run_verdict *v)
{
	char art[1300], err[600];
	/* a peer that cannot hold a child here (run_scope_of): Phase 1 only,
	   which a p1x without a p2x says */
	static const char p1_text[] = "aes128-sha256-modp2048";
	struct ike_p1_xform p1 = { 0 };
	bool child = run_scope_children(c->peer, err, sizeof(err));
	if (!child) {
		if (!ike_p1_parse(p1_text, &p1, err, sizeof(err)))
			log_warn("peer-alive: %s: %s", p1_text, err);
		p1.life_sec = 3600;
	}
	snprintf(art, sizeof(art), "%s/peer-alive", dir);
	run_mkdirs(art);
	struct case_spec sp = {
		.name = "peer-alive", .harness_initiates = true, .exchange = WIRE_X_MAIN,
		.auth = IKE_AUTH_PSK, .p1 = p1_text, .p2 = "aes128-sha256",
		.p1x = child ? NULL : &p1,
		.ike_life = 3600, .child_life = 1200, .pki = w->env.pki, .ca_file = w->env.ca,
		.force_encap = force_encap,
		.artifacts = art,
	};
	const struct profile *prof = w->remote ? w->o->profile : NULL;
	if (prof) {
		/* what the device takes: its first proposals, its own auth */
		if (!prof->role_responder)
			return;  /* it cannot be asked: nothing to judge by */
		sp.p1x = &prof->p1[0];
		sp.p2x = prof->np2 ? &prof->p2[0] : NULL;
		sp.auth = prof->p1[0].auth ? prof->p1[0].auth : prof->nauth ? prof->auth[0]
									   : IKE_AUTH_PSK;
		sp.ike_life = sp.child_life = 0;
	}
	struct case_result *r = xcalloc(1, sizeof(*r));
	bool ran = case_run(peer, &w->env.net, &sp, r, err, sizeof(err));
	if (!ran || !r->established) {
		v->status = RUN_FAIL;
		snprintf(v->what, sizeof(v->what), "peer-alive");
		snprintf(v->expected, sizeof(v->expected), "a clean handshake after the case");
		snprintf(v->seen, sizeof(v->seen), "%.*s", (int)sizeof(v->seen) - 1,
			 ran ? r->why : err);
	}
	free(r);
}


/* The case's folder, and a fuzz variant's file beside its evidence.
 * False with the verdict set. */
static bool run_case_folder(const struct run_item *it, const char *dir, struct run_verdict *v)
{
	if (!run_mkdirs(dir)) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "cannot make %s: %s", dir, strerror(errno));
		return false;
	}
	if (it->text) {
		/* a fuzz variant: the file it ran from, beside its evidence */
		char path[1300];
		snprintf(path, sizeof(path), "%s/case.yaml", dir);
		FILE *f = fopen(path, "w");
		if (!f || fputs(it->text, f) < 0)
			log_warn("%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
	}
	return true;
}

/* Toward the profile's device: a case it cannot take is skipped, saying
 * why; one whose proposal it does not take becomes its refusal (*c then
 * points to neg). False with the verdict set. */
static bool run_case_remote(struct run_worker *w, const struct suite_case **c,
			    struct suite_case *neg, struct run_verdict *v)
{
	char err[600];
	if (!w->o->profile) {
		v->status = RUN_SKIP;
		snprintf(v->why, sizeof(v->why), "peer 'remote' needs a device profile "
			 "(--profile FILE, docs/vendors.md)");
		return false;
	}
	if (!profile_case_fits(w->o->profile, *c, v->why, sizeof(v->why))) {
		if (!run_remote_negative(w->o->profile, *c, neg)) {
			v->status = RUN_SKIP;
			return false;
		}
		/* a proposal the device does not take: it must refuse it */
		*c = neg;
		v->why[0] = '\0';
		run_verdict_prop(v, "negative", "a proposal outside the device's profile");
	}
	enum netns_topology topo = (*c)->topology;
	if (topo == NETNS_TOPO_NAT_PEER || topo == NETNS_TOPO_NAT_BOTH) {
		v->status = RUN_SKIP;
		snprintf(v->why, sizeof(v->why), "topology %s: the NAT in front of the device "
			 "is not the run's to build (a device behind a NAT runs the other "
			 "cases as it is)", netns_topology_name(topo));
		return false;
	}
	bool nat = topo == NETNS_TOPO_NAT_HARNESS;
	if (nat && w->o->profile->address.family != AF_INET) {
		v->status = RUN_SKIP;
		snprintf(v->why, sizeof(v->why), "topology nat-harness: the run's NAT box is "
			 "IPv4 only and the device's address is IPv6");
		return false;
	}
	if (!run_remote_env(w, nat, err, sizeof(err))) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "toward the device: %s", err);
		return false;
	}
	return true;
}

/* Where the case runs: the device, or the topology it names (kept from
 * the last case when the same). False with the verdict set. */
static bool run_case_place(struct run_worker *w, const struct suite_case **c,
			   struct suite_case *neg, struct run_verdict *v)
{
	char err[600];
	const struct peer_driver *d = peer_driver(suite_peer_name((*c)->peer));
	if (d && d->device)
		return run_case_remote(w, c, neg, v);
	if (!run_topology(w, (*c)->topology, err, sizeof(err))) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "the %s topology: %s",
			 netns_topology_name((*c)->topology), err);
		return false;
	}
	return true;
}

/* peer_config keys the drivers do not take from a case yet: an error,
 * never a case that silently runs with the peer's defaults. */
static bool run_case_applied(const struct run_item *it, const struct suite_case *c,
			     struct run_verdict *v)
{
	static const char *const applied[] = {
		"proposals", "ike_lifetime", "phase2", "lifetime_policy", "natt", "natt_force",
		"local_id", "remote_id", "cert", "send_cert", "send_chain", "send_cr", "trust",
		"crl", "id_checks", "psks",
	};
	const struct yaml_node *pc = c->peer_config.node;
	for (size_t i = 0; pc && pc->type == YAML_MAP && i < pc->n; i++) {
		const char *k = pc->keys[i]->str;
		bool ok = false;
		for (size_t j = 0; j < sizeof(applied) / sizeof(applied[0]); j++)
			ok = ok || strcmp(k, applied[j]) == 0;
		if (!ok) {
			v->status = RUN_ERROR;
			snprintf(v->why, sizeof(v->why), "%s:%u:%u: peer_config key '%s' is not applied "
				 "to the peer by this version (only proposals, ike_lifetime, phase2 "
				 "lifetime, lifetime_policy, natt, natt_force and the identity keys "
				 "local_id, remote_id, cert, send_cert, send_chain, send_cr, trust, "
				 "crl, id_checks and psks are)",
				 it->suite->file, pc->keys[i]->line, pc->keys[i]->col, k);
			return false;
		}
	}
	return true;
}

/* The case itself: the harness's random values from the case's seed (the
 * same bytes wherever the file is), else from the run's and the case id;
 * case_run, then the judge. */
static void run_case_exec(struct run_worker *w, const struct run_item *it,
			  const struct suite_case *c, struct peer *peer,
			  const struct case_spec *sp, struct run_verdict *v)
{
	char err[600];
	struct case_result *r = xcalloc(1, sizeof(*r));
	if ((c->has_seed && !crypto_rand_seed_for(c->seed, "")) ||
	    (!c->has_seed && w->o->seeded && !crypto_rand_seed_for(w->o->seed, it->id)))
		log_warn("%s: OpenSSL refused the seeded generator: random values are not reproducible",
			 it->id);
	if (!case_run(peer, &w->env.net, sp, r, err, sizeof(err))) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "could not run: %s", err);
	} else {
		run_judge(c, sp->harness_initiates, r, v);
	}
	free(r);
}

/* After the case: the peer still running (not restarted meanwhile) and,
 * when the case asks, still answering. */
static void run_case_after(struct run_worker *w, struct peer *peer, const struct suite_case *c,
			   bool force_encap, const char *dir, struct run_verdict *v)
{
	char err[600];
	bool restarted = false;
	if (!peer->ops->alive(peer, &restarted, err, sizeof(err))) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "the peer is gone and could not be restarted: %s",
			 err);
	} else if (restarted) {
		v->status = RUN_FAIL;
		snprintf(v->what, sizeof(v->what), "peer-alive");
		snprintf(v->expected, sizeof(v->expected), "the peer running throughout");
		snprintf(v->seen, sizeof(v->seen), "it died during the case and was restarted");
	} else if (c->expect.peer_alive && v->status == RUN_PASS) {
		enum prof_phase back = prof_freeze(PROF_PEER_ALIVE);
		run_peer_alive(w, peer, c, force_encap, dir, v);
		prof_thaw(back);
	}
}

/* A case cut to Phase 1 says so first in its paragraph. */
static void run_scope_note(struct run_verdict *v, const char *scope)
{
	char rest[sizeof(v->why)];
	memcpy(rest, v->why, sizeof(rest));
	size_t head = strlen(scope) + 2;
	int keep = head < sizeof(v->why) ? (int)(sizeof(v->why) - 1 - head) : 0;
	snprintf(v->why, sizeof(v->why), "%s%s%.*s", scope, rest[0] ? "; " : "", keep, rest);
}

/* The case's time, its phases and the worker's peak memory into v. */
static void run_case_taken(struct run_verdict *v, uint64_t t0)
{
	v->ms = clock_ms() - t0;
	prof_take(v->phase_us);
	v->rss_kb = run_tree_hwm_kb(getpid(), 0);
}

/* One case, start to verdict: its folder, its place, its peer, its spec,
 * the run, the peer after it, the peer's log of it. */
static void run_one_case(struct run_worker *w, size_t idx, struct run_verdict *v)
{
	const struct run_item *it = &w->plan->items[idx];
	const struct suite_case *c = it->c;
	struct suite_case neg[1], reduced[1];
	char dir[1200], err[600], scope[600];
	run_case_dir(w->o, it, dir, sizeof(dir));
	if (!run_case_folder(it, dir, v))
		return;
	enum run_scope sc = run_scope_of(c, reduced, scope, sizeof(scope));
	if (sc == RUN_SCOPE_SKIP) {
		v->status = RUN_SKIP;
		snprintf(v->why, sizeof(v->why), "%s", scope);
		return;
	}
	if (sc == RUN_SCOPE_PHASE1) {
		c = reduced;
		run_verdict_prop(v, "scope", "phase 1 only");
	}
	if (!run_case_place(w, &c, neg, v))
		return;
	struct peer *peer = run_peer(w, c->peer, err, sizeof(err));
	prof_enter(PROF_OTHER);
	if (!peer) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "%s peer: %s", suite_peer_name(c->peer), err);
		return;
	}
	if (!run_case_applied(it, c, v))
		return;
	struct run_spec *rs = xcalloc(1, sizeof(*rs));
	if (!run_spec_of(rs, c, &w->env, w->o, w->remote, dir, err, sizeof(err))) {
		run_spec_free(rs);
		free(rs);
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "%s: %s", it->suite->file, err);
		return;
	}
	long off = run_file_size(peer->log);
	run_case_exec(w, it, c, peer, &rs->sp, v);
	run_case_after(w, peer, c, rs->sp.force_encap, dir, v);
	if (sc == RUN_SCOPE_PHASE1)
		run_scope_note(v, scope);
	char plog[1300];
	prof_enter(PROF_ARTIFACTS);
	snprintf(plog, sizeof(plog), "%s/peer.log", dir);
	run_copy_tail(peer->log, off, plog);
	crypto_rand_unseed();
	run_spec_free(rs);
	free(rs);
}

static void run_one(struct run_worker *w, size_t idx, struct run_verdict *v)
{
	uint64_t t0 = clock_ms();
	memset(v, 0, sizeof(*v));
	run_one_case(w, idx, v);
	run_case_taken(v, t0);
}

void run_worker_main(const struct run_plan *p, const struct run_opts *o,
			    const struct case_env *base, unsigned slot, int in, int out)
{
	char err[200];
	/* an orphaned worker cleans up and goes */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	netns_install_signal_cleanup(err, sizeof(err));
	struct run_worker w = { .plan = p, .o = o, .env = *base, .slot = slot };
	struct run_verdict *v = xcalloc(1, sizeof(*v));
	uint32_t idx;
	while (run_read_all(in, &idx, sizeof(idx)) && idx != RUN_QUIT && idx < p->nitems) {
		run_one(&w, idx, v);
		if (!run_write_all(out, v, sizeof(*v)))
			break;
	}
	free(v);
	run_stop_peers(&w);
	w.env.pki = NULL;  /* the parent's */
	if (w.env_ok && !case_env_down(&w.env, err, sizeof(err)))
		log_warn("worker %u: teardown: %s", slot, err);
	_exit(0);
}

