/* The worker pool (run/run.h).
 *
 *   parent ──index──> worker 1 (namespaces <prefix>w1-*, its charon, its self peer)
 *          <─verdict─
 *          ──index──> worker 2 ...
 *
 * A worker is a forked process that keeps its topology and peers from case
 * to case (building them is the slow part); the parent hands it one case
 * at a time and keeps the clock. A worker that dies or overstays is killed
 * with everything in its namespaces, the case is an error, and the next
 * case starts a fresh worker. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "core/clock.h"
#include "core/log.h"
#include "crypto/rand.h"
#include "esp/xfrm.h"
#include "netns/netns.h"
#include "peers/remote/remote.h"
#include "wire/msg.h"
#include "peers/self/self.h"
#include "peers/strongswan/strongswan.h"
#include "case/env.h"
#include "run/run.h"

#define RUN_MAX_JOBS 64
#define RUN_QUIT UINT32_MAX

struct run_slot {
	pid_t pid;                /* 0: not running */
	int to, from;             /* pipes to and from the worker */
	size_t item;              /* the case it runs */
	bool busy;
	uint64_t started;         /* when it was handed the case */
	struct run_verdict v;     /* being read */
	size_t got;
};

/* For run_pool_abort (a signal handler): plain arrays, no allocation. */
static volatile pid_t run_pids[RUN_MAX_JOBS];

void run_pool_abort(void)
{
	for (size_t i = 0; i < RUN_MAX_JOBS; i++)
		if (run_pids[i] > 0)
			kill(run_pids[i], SIGTERM);
	for (size_t i = 0; i < RUN_MAX_JOBS; i++)
		if (run_pids[i] > 0) {
			waitpid(run_pids[i], NULL, 0);
			run_pids[i] = 0;
		}
}

void run_case_dir(const struct run_opts *o, const struct run_item *it, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", o->out, it->group, it->c->name);
}

static bool run_mkdirs(const char *path)
{
	char tmp[1200];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *q = tmp + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return false;
		*q = '/';
	}
	return mkdir(tmp, 0755) == 0 || errno == EEXIST;
}

static bool run_write_all(int fd, const void *p, size_t n)
{
	const char *q = p;
	while (n) {
		ssize_t k = write(fd, q, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		q += k;
		n -= (size_t)k;
	}
	return true;
}

static bool run_read_all(int fd, void *p, size_t n)
{
	char *q = p;
	while (n) {
		ssize_t k = read(fd, q, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		q += k;
		n -= (size_t)k;
	}
	return true;
}

/* ---- inside a worker ---- */

struct run_worker {
	const struct run_plan *plan;
	const struct run_opts *o;
	struct case_env env;
	bool env_ok;              /* env.topo is built, of kind topo */
	enum netns_topology topo;
	unsigned slot;
	struct peer *peers[3];    /* by enum suite_peer, made on first use */
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
	for (size_t i = 0; i < 3; i++)
		if (w->peers[i]) {
			w->peers[i]->ops->stop(w->peers[i]);
			w->peers[i] = NULL;
		}
}

/* The suite's topology, built on first use and rebuilt (peers and all)
 * when a case needs another kind. */
static bool run_topology(struct run_worker *w, enum netns_topology kind, char *err, size_t len)
{
	if (w->env_ok && w->topo == kind && !w->remote)
		return true;
	run_stop_peers(w);
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

/* What the mutated datagrams of a case are named after in the seeds: its
 * catalog entry, the first one its script names, "fuzz" for a variant,
 * else "mutated". */
static const char *run_seeds_label(const struct suite_case *c)
{
	if (c->malformed)
		return c->malformed->name;
	for (size_t i = 0; i < c->nsteps; i++) {
		if (c->steps[i].catalog)
			return c->steps[i].catalog->name;
		for (size_t k = 0; k < c->steps[i].nmutations; k++)
			if (c->steps[i].mutations[k].catalog)
				return c->steps[i].mutations[k].catalog->name;
	}
	return c->expect.survives ? "fuzz" : "mutated";
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
	if (w->env_ok) {
		run_stop_peers(w);
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
	char dir[1200];
	snprintf(dir, sizeof(dir), "%s/w%u-%s", w->o->work, w->slot, suite_peer_name(kind));
	const char *ns = netns_topo_ns(w->env.topo, NETNS_ROLE_PEER);
	if (kind == SUITE_PEER_STRONGSWAN)
		w->peers[kind] = strongswan_new(ns, dir, err, len);
	else if (kind == SUITE_PEER_SELF)
		w->peers[kind] = self_peer_new(w->o->bin, ns, dir, err, len);
	else if (w->o->profile) {
		/* ${harness}: the address the device knows the harness by */
		char ip[64];
		inet_ntop(w->o->profile->local.family, w->o->profile->local.ip, ip, sizeof(ip));
		w->peers[kind] = remote_peer_new(w->o->profile, ip, dir, err, len);
	}
	return w->peers[kind];
}

void run_conn_name(const char *in, char *out, size_t len)
{
	size_t i = 0;
	for (; in[i] && i + 1 < len; i++) {
		char ch = in[i];
		out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a')
			 : ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) ? ch : '-';
	}
	out[i] = '\0';
}

/* The peer must still answer: a clean Main Mode + Quick Mode right after. */
static void run_peer_alive(struct run_worker *w, struct peer *peer, bool force_encap,
			   const char *dir, struct run_verdict *v)
{
	char art[1300], err[600];
	snprintf(art, sizeof(art), "%s/peer-alive", dir);
	run_mkdirs(art);
	struct case_spec sp = {
		.name = "peer-alive", .harness_initiates = true, .exchange = WIRE_X_MAIN,
		.auth = IKE_AUTH_PSK, .p1 = "aes128-sha256-modp2048", .p2 = "aes128-sha256",
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

static enum case_tri run_tri(uint8_t suite_tri)
{
	return suite_tri == SUITE_YES ? CASE_TRI_ON : suite_tri == SUITE_NO ? CASE_TRI_OFF
								: CASE_TRI_DEFAULT;
}

static void run_one(struct run_worker *w, size_t idx, struct run_verdict *v)
{
	const struct run_item *it = &w->plan->items[idx];
	const struct suite_case *c = it->c;
	struct suite_case neg[1];
	char dir[1200], err[600], name[128];
	uint64_t t0 = clock_ms();
	memset(v, 0, sizeof(*v));
	run_case_dir(w->o, it, dir, sizeof(dir));
	if (!run_mkdirs(dir)) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "cannot make %s: %s", dir, strerror(errno));
		return;
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
	if (c->peer == SUITE_PEER_REMOTE) {
		/* a case the device cannot take is skipped, saying why */
		if (!w->o->profile) {
			v->status = RUN_SKIP;
			snprintf(v->why, sizeof(v->why), "peer 'remote' needs a device profile "
				 "(--profile FILE, docs/vendors.md)");
			return;
		}
		if (!profile_case_fits(w->o->profile, c, v->why, sizeof(v->why))) {
			if (!run_remote_negative(w->o->profile, c, neg)) {
				v->status = RUN_SKIP;
				return;
			}
			/* a proposal the device does not take: it must refuse it */
			c = neg;
			v->why[0] = '\0';
			run_verdict_prop(v, "negative", "a proposal outside the device's profile");
		}
		if (c->topology == NETNS_TOPO_NAT_PEER || c->topology == NETNS_TOPO_NAT_BOTH) {
			v->status = RUN_SKIP;
			snprintf(v->why, sizeof(v->why), "topology %s: the NAT in front of the device "
				 "is not the run's to build (a device behind a NAT runs the other "
				 "cases as it is)", netns_topology_name(c->topology));
			return;
		}
		bool nat = c->topology == NETNS_TOPO_NAT_HARNESS;
		if (nat && w->o->profile->address.family != AF_INET) {
			v->status = RUN_SKIP;
			snprintf(v->why, sizeof(v->why), "topology nat-harness: the run's NAT box is "
				 "IPv4 only and the device's address is IPv6");
			return;
		}
		if (!run_remote_env(w, nat, err, sizeof(err))) {
			v->status = RUN_ERROR;
			snprintf(v->why, sizeof(v->why), "toward the device: %s", err);
			return;
		}
	} else if (!run_topology(w, c->topology, err, sizeof(err))) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "the %s topology: %s",
			 netns_topology_name(c->topology), err);
		return;
	}
	struct peer *peer = run_peer(w, c->peer, err, sizeof(err));
	if (!peer) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "%s peer: %s", suite_peer_name(c->peer), err);
		return;
	}
	/* peer_config keys the drivers do not take from a case yet: an error,
	   never a case that silently runs with the peer's defaults */
	const struct yaml_node *pc = c->peer_config.node;
	for (size_t i = 0; pc && pc->type == YAML_MAP && i < pc->n; i++) {
		const char *k = pc->keys[i]->str;
		static const char *const applied[] = { "proposals", "ike_lifetime", "phase2",
						       "lifetime_policy", "natt", "natt_force" };
		bool ok = false;
		for (size_t j = 0; j < sizeof(applied) / sizeof(applied[0]); j++)
			ok = ok || strcmp(k, applied[j]) == 0;
		if (!ok) {
			v->status = RUN_ERROR;
			snprintf(v->why, sizeof(v->why), "%s:%u:%u: peer_config key '%s' is not applied "
				 "to the peer by this version (only proposals, ike_lifetime, phase2 "
				 "lifetime, lifetime_policy, natt and natt_force are)",
				 it->suite->file, pc->keys[i]->line, pc->keys[i]->col, k);
			return;
		}
	}
	struct ike_step steps[RUN_MAX_SCRIPT];
	struct ike_mutation *mut = xcalloc(RUN_MAX_MUT, sizeof(*mut));
	size_t nsteps = 0;
	if (c->steps && !run_script(c, steps, RUN_MAX_SCRIPT, &nsteps, mut, RUN_MAX_MUT, err,
				    sizeof(err))) {
		free(mut);
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "%s: %s", it->suite->file, err);
		return;
	}
	/* the peer's side: its own proposals and lifetime when peer_config says so */
	struct ike_p1_xform p1 = c->p1, peer_p1[IKE_MAX_PROPOSALS];
	size_t npeer = 0;
	p1.auth = c->auth;
	if (c->peer_config.np1 || c->peer_config.has_ike_lifetime) {
		npeer = c->peer_config.np1 ? c->peer_config.np1 : 1;
		for (size_t i = 0; i < npeer; i++) {
			peer_p1[i] = c->peer_config.np1 ? c->peer_config.p1[i] : p1;
			peer_p1[i].auth = c->auth;
			if (c->peer_config.has_ike_lifetime) {
				peer_p1[i].life_sec = c->peer_config.ike_life_sec;
				peer_p1[i].life_kb = c->peer_config.ike_life_kb;
			} else if (c->peer_config.np1) {
				peer_p1[i].life_sec = p1.life_sec;
				peer_p1[i].life_kb = p1.life_kb;
			}
		}
	}
	run_conn_name(c->name, name, sizeof(name));
	bool ss = c->peer == SUITE_PEER_STRONGSWAN;
	struct case_spec sp = {
		.name = name, .harness_initiates = c->role == IKE_INITIATOR,
		.exchange = c->exchange, .auth = c->auth,
		.p1x = &p1, .p2x = c->has_p2 ? &c->p2 : NULL,
		.peer_p1x = npeer ? peer_p1 : NULL, .npeer_p1x = npeer,
		.psk = c->psk,
		/* strongSwan's kernel-libipsec knows only ESP in UDP */
		.force_encap = (ss && !strongswan_kernel_esp()) ||
			       (c->has_p2 && ike_encap_is_udp(c->p2.encap)),
		.pki = w->env.pki, .ca_file = w->env.ca,
		/* a refusal needs no retransmissions to show; a malformed case
		   runs its exchange up to the mutated message first */
		.limit_ms = c->expect.established || c->malformed || c->expect.survives ? 10000
											: 4000,
		.traffic = c->expect.traffic,
		.script = c->steps ? steps : NULL, .nsteps = nsteps,
		.artifacts = dir, .seeds = w->o->seeds, .seeds_label = run_seeds_label(c),
		.natt = c->natt, .no_natt = c->no_natt, .life_policy = c->life_policy,
		.peer_fakes_nat = (ss && !strongswan_kernel_esp()) ||
				  (w->remote && w->o->profile->natt_forced),
		.hold_ms = c->hold_ms, .rekey = c->rekey, .rekey_margin_ms = c->rekey_margin_ms,
		.keepalive_ms = c->keepalive_ms,
		.remap_box = c->nat_remap == SUITE_NAT_HARNESS ? NETNS_ROLE_NAT_HARNESS
			     : c->nat_remap == SUITE_NAT_PEER ? NETNS_ROLE_NAT_PEER : 0,
		.harness_force = run_tri(c->natt_force),
		.peer_natt = c->peer_config.has_natt ? c->peer_config.natt : 0,
		.peer_no_natt = c->peer_config.has_natt && !c->peer_config.natt,
		.peer_force = c->peer_config.has_natt_force
			? (c->peer_config.natt_force ? CASE_TRI_ON : CASE_TRI_OFF) : CASE_TRI_DEFAULT,
		.peer_child_life_set = c->peer_config.has_child_lifetime,
		.peer_child_life_sec = c->peer_config.child_life_sec,
		.peer_child_life_kb = c->peer_config.child_life_kb,
		.peer_life_policy_set = c->peer_config.has_life_policy,
		.peer_life_policy = c->peer_config.life_policy,
		.no_life_check = c->expect.has_lifetime || c->expect.has_child_lifetime ||
				 c->expect.has_peer_lifetime || c->expect.has_peer_child_lifetime,
	};
	long off = run_file_size(peer->log);
	struct case_result *r = xcalloc(1, sizeof(*r));
	/* the harness's random values from the case's seed (the same bytes
	   wherever the file is), else from the run's and the case id */
	if ((c->has_seed && !crypto_rand_seed_for(c->seed, "")) ||
	    (!c->has_seed && w->o->seeded && !crypto_rand_seed_for(w->o->seed, it->id)))
		log_warn("%s: OpenSSL refused the seeded generator: random values are not reproducible",
			 it->id);
	if (!case_run(peer, &w->env.net, &sp, r, err, sizeof(err))) {
		v->status = RUN_ERROR;
		snprintf(v->why, sizeof(v->why), "could not run: %s", err);
	} else {
		run_judge(c, sp.harness_initiates, r, v);
	}
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
		run_peer_alive(w, peer, sp.force_encap, dir, v);
	}
	char plog[1300];
	snprintf(plog, sizeof(plog), "%s/peer.log", dir);
	run_copy_tail(peer->log, off, plog);
	crypto_rand_unseed();
	free(r);
	free(mut);
	v->ms = clock_ms() - t0;
}

static void run_worker_main(const struct run_plan *p, const struct run_opts *o,
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

/* ---- the parent ---- */

static bool run_slot_start(struct run_slot *s, unsigned k, const struct run_plan *p,
			   const struct run_opts *o, const struct case_env *env)
{
	int a[2], b[2];
	if (pipe2(a, O_CLOEXEC) != 0)
		return false;
	if (pipe2(b, O_CLOEXEC) != 0) {
		close(a[0]);
		close(a[1]);
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(a[0]), close(a[1]), close(b[0]), close(b[1]);
		return false;
	}
	if (pid == 0) {
		close(a[1]);
		close(b[0]);
		run_worker_main(p, o, env, k + 1, a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	s->pid = pid;
	run_pids[k] = pid;
	s->to = a[1];
	s->from = b[0];
	s->busy = false;
	s->got = 0;
	return true;
}

/* A worker that died or overstayed: gone, with its namespaces. */
static void run_slot_reap(struct run_slot *s, unsigned k, const struct run_opts *o, bool kill_it,
			  int *status)
{
	if (kill_it)
		kill(s->pid, SIGKILL);
	*status = 0;
	while (waitpid(s->pid, status, 0) < 0 && errno == EINTR)
		;
	close(s->to);
	close(s->from);
	char prefix[40], err[300];
	snprintf(prefix, sizeof(prefix), "%sw%u", o->prefix, k + 1);
	unsigned n = 0;
	if (!netns_cleanup_prefix(prefix, NULL, NULL, &n, err, sizeof(err)))
		log_warn("worker %u: cleanup: %s", k + 1, err);
	s->pid = 0;
	run_pids[k] = 0;
	s->busy = false;
}

static void run_slot_lost(struct run_slot *s, unsigned k, const struct run_opts *o,
			  bool timeout, struct run_verdict *out, run_done_fn done, void *ctx)
{
	size_t item = s->item;
	bool busy = s->busy;
	uint64_t started = s->started;
	int st;
	run_slot_reap(s, k, o, true, &st);
	if (!busy)
		return;
	struct run_verdict *v = &out[item];
	memset(v, 0, sizeof(*v));
	v->status = RUN_ERROR;
	v->ms = clock_ms() - started;
	if (timeout)
		snprintf(v->why, sizeof(v->why), "timed out after %u s: the worker was killed with "
			 "everything in its namespaces", o->timeout_s);
	else if (WIFSIGNALED(st))
		snprintf(v->why, sizeof(v->why), "the worker crashed (signal %d, %s) during the case",
			 WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(v->why, sizeof(v->why), "the worker exited (status %d) during the case",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	done(ctx, item, v);
}

bool run_pool(const struct run_plan *p, const struct run_opts *o, struct run_verdict *out,
	      run_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct case_env env;
	memset(&env, 0, sizeof(env));
	char pki[1200];
	snprintf(pki, sizeof(pki), "%s/pki", o->work);
	if (!run_mkdirs(pki)) {
		snprintf(err, errlen, "cannot make %s: %s", pki, strerror(errno));
		return false;
	}
	/* one test PKI for every worker: key generation is slow */
	struct pki_err pe;
	if (!(env.pki = pki_testpki_create(pki, NULL, &pe))) {
		snprintf(err, errlen, "test PKI: %s", pe.msg);
		return false;
	}
	snprintf(env.dir, sizeof(env.dir), "%s", o->work);
	snprintf(env.ca, sizeof(env.ca), "%s/pki/ca-bundle.pem", o->work);
	FILE *f = fopen(env.ca, "w");
	bool wrote = f && PEM_write_X509(f, env.pki->root.cert) &&
		     PEM_write_X509(f, env.pki->inter.cert);
	if ((f && fclose(f) != 0) || !wrote) {
		snprintf(err, errlen, "cannot write %s", env.ca);
		pki_testpki_free(env.pki);
		return false;
	}
	unsigned jobs = o->jobs < 1 ? 1 : o->jobs > RUN_MAX_JOBS ? RUN_MAX_JOBS : o->jobs;
	if (jobs > p->nitems)
		jobs = p->nitems ? (unsigned)p->nitems : 1;
	struct run_slot slots[RUN_MAX_JOBS];
	memset(slots, 0, sizeof(slots));
	size_t next = 0, finished = 0;
	uint64_t timeout_ms = (uint64_t)o->timeout_s * 1000;
	bool ok = true;
	while (finished < p->nitems) {
		uint64_t now = clock_ms();
		for (unsigned k = 0; k < jobs && next < p->nitems; k++) {
			struct run_slot *s = &slots[k];
			if (s->busy)
				continue;
			if (!s->pid && !run_slot_start(s, k, p, o, &env)) {
				snprintf(err, errlen, "cannot start a worker: %s", strerror(errno));
				ok = false;
				goto out;
			}
			uint32_t idx = (uint32_t)next;
			if (!run_write_all(s->to, &idx, sizeof(idx))) {
				s->busy = false;  /* died before it took the case */
				int st;
				run_slot_reap(s, k, o, true, &st);
				continue;
			}
			s->item = next++;
			s->busy = true;
			s->got = 0;
			s->started = now;
		}
		struct pollfd pf[RUN_MAX_JOBS];
		int wait = 1000;
		for (unsigned k = 0; k < jobs; k++) {
			pf[k].fd = slots[k].busy ? slots[k].from : -1;
			pf[k].events = POLLIN;
			pf[k].revents = 0;
			if (slots[k].busy) {
				uint64_t end = slots[k].started + timeout_ms;
				int left = end > now ? (int)(end - now) : 0;
				wait = left < wait ? left : wait;
			}
		}
		if (poll(pf, jobs, wait) < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			ok = false;
			goto out;
		}
		now = clock_ms();
		for (unsigned k = 0; k < jobs; k++) {
			struct run_slot *s = &slots[k];
			if (!s->busy)
				continue;
			if (pf[k].revents) {
				ssize_t n = read(s->from, (char *)&s->v + s->got, sizeof(s->v) - s->got);
				if (n > 0) {
					s->got += (size_t)n;
					if (s->got == sizeof(s->v)) {
						out[s->item] = s->v;
						s->busy = false;
						finished++;
						done(ctx, s->item, &out[s->item]);
					}
					continue;
				}
				if (n < 0 && errno == EINTR)
					continue;
				run_slot_lost(s, k, o, false, out, done, ctx);
				finished++;
			} else if (now >= s->started + timeout_ms) {
				run_slot_lost(s, k, o, true, out, done, ctx);
				finished++;
			}
		}
	}
out:
	for (unsigned k = 0; k < jobs; k++) {
		struct run_slot *s = &slots[k];
		if (!s->pid)
			continue;
		uint32_t quit = RUN_QUIT;
		run_write_all(s->to, &quit, sizeof(quit));
		/* a worker tears down in well under this; then it is made to */
		uint64_t limit = clock_ms() + 30000;
		int st;
		while (waitpid(s->pid, &st, WNOHANG) == 0 && clock_ms() < limit)
			usleep(10000);
		run_slot_reap(s, k, o, true, &st);
	}
	pki_testpki_free(env.pki);
	return ok;
}
