/* Device profiles (docs/vendors.md): YAML into struct profile, and whether
 * a suite's case fits the device. */
#include "suite/profile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "suite/peercfg.h"
#include "wire/msg.h"

/* What the walk collects before the checks that need several keys. */
struct profile_ctx {
	struct profile *p;
	const struct yaml_node *accepts, *initiator_at; /* where errors point */
	const struct yaml_node *psk, *psk_env, *ping, *reach_addr, *gateway;
};

static const char *const profile_roles[] = { "initiator", "responder", NULL };
static const char *const profile_exchanges[] = { "main", "aggressive", NULL };
static const char *const profile_modes[] = { "tunnel", "transport", NULL };
static const char *const profile_reaches[] = { "macvlan", "veth", NULL };

#define PROFILE_NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

/* ---- readers ---- */

static char *profile_dup(const struct yaml_node *v, const char *key, struct yaml_error *err)
{
	const char *s;
	return yaml_str(v, key, &s, err) ? xstrdup(s) : NULL;
}

static bool profile_addr(const struct yaml_node *v, const char *key, struct netaddr *out,
			 struct yaml_error *err)
{
	const char *s;
	char e[200];
	if (!yaml_str(v, key, &s, err))
		return false;
	/* a port would be ignored silently: the device listens on 500 */
	if (!netaddr_parse(s, 500, out, e, sizeof(e)) || out->port != 500)
		return yaml_fail_expect(err, v, key, "an IPv4 or IPv6 address");
	return true;
}

/* A list of scalars (a lone scalar counts as a list of one). *vp is the
 * caller's node pointer: a lone scalar's list of one is vp itself, so it
 * lives as long as the caller's variable. */
static bool profile_list(const struct yaml_node *const *vp, const char *key, bool may_be_empty,
			 const struct yaml_node *const **items, size_t *n, struct yaml_error *err)
{
	const struct yaml_node *v = *vp;
	if (v->type == YAML_SEQ || (yaml_is_scalar(v) && !yaml_is_null(v))) {
		*items = yaml_items(vp, n);
	} else if (may_be_empty && yaml_is_null(v)) {
		*n = 0;
		return true;
	} else {
		return yaml_fail_expect(err, v, key, "a list");
	}
	if (!*n && !may_be_empty)
		return yaml_fail(err, v, "'%s' must list at least one", key);
	return true;
}

/* letters, digits, - _ . (it names report files) */
static bool profile_name_ok(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static bool profile_ts(const struct yaml_node *v, const char *key, struct ike_ts *ts,
		       char **text, struct yaml_error *err)
{
	const char *s;
	char e[200];
	if (!yaml_str(v, key, &s, err))
		return false;
	if (!ike_ts_parse(s, ts, e, sizeof(e)))
		return yaml_fail(err, v, "'%s': %s", key, e);
	*text = xstrdup(s);
	return true;
}

/* Whether an address lies inside a selector (address, subnet or range). */
static bool profile_ts_has(const struct ike_ts *ts, const struct netaddr *a)
{
	size_t l = netaddr_iplen(a);
	if (l != ((ts->type == 1 || ts->type == 4 || ts->type == 7) ? 4u : 16u))
		return false;
	if (ts->type == 1 || ts->type == 5)
		return memcmp(ts->data, a->ip, l) == 0;
	if (ts->type == 4 || ts->type == 6) {
		for (size_t i = 0; i < l; i++)
			if ((a->ip[i] & ts->data[l + i]) != ts->data[i])
				return false;
		return true;
	}
	return memcmp(a->ip, ts->data, l) >= 0 && memcmp(a->ip, ts->data + l, l) <= 0;
}

/* A file the harness reads at run time: relative to the profile's folder,
 * checked now so a typo does not wait for the first signature case. */
static bool profile_path(const struct yaml_node *v, const char *key, char **out,
			 struct yaml_error *err)
{
	const char *s;
	if (!yaml_str(v, key, &s, err))
		return false;
	const char *slash = strrchr(v->file, '/');
	char *path;
	if (s[0] == '/' || !slash) {
		path = xstrdup(s);
	} else {
		size_t dl = (size_t)(slash - v->file);
		path = xmalloc(dl + 1 + strlen(s) + 1);
		memcpy(path, v->file, dl);
		path[dl] = '/';
		strcpy(path + dl + 1, s);
	}
	if (access(path, R_OK) != 0) {
		int e = errno;
		yaml_fail(err, v, "'%s': cannot read %s: %s", key, path, strerror(e));
		free(path);
		return false;
	}
	free(*out);
	*out = path;
	return true;
}

static bool profile_id(const struct yaml_node *v, const char *key, struct ike_id *id,
		       struct yaml_error *err)
{
	const char *s;
	char e[200];
	if (!yaml_str(v, key, &s, err))
		return false;
	if (!peercfg_id_read(s, id, e, sizeof(e)))
		return yaml_fail(err, v, "'%s': %s", key, e);
	if (!id->type)
		return yaml_fail(err, v, "'%s' names one ID, not %%any (leave it out for the IKE "
				 "address)", key);
	return true;
}

static bool profile_seconds(const struct yaml_node *v, const char *key, uint32_t *out,
			    struct yaml_error *err)
{
	uint64_t ms;
	if (!yaml_duration_ms(v, key, 1000, 4294967295000ull, &ms, err))
		return false;
	if (ms % 1000)
		return yaml_fail_expect(err, v, key, "whole seconds");
	*out = (uint32_t)(ms / 1000);
	return true;
}

/* ---- reach ---- */

static bool profile_reach_key(const struct yaml_node *v, const char *key, void *vctx,
			      struct yaml_error *err)
{
	struct profile_ctx *x = vctx;
	struct profile *p = x->p;
	unsigned i;
	if (strcmp(key, "interface") == 0) {
		if (!(p->interface = profile_dup(v, key, err)))
			return false;
		/* what the kernel takes as a link name */
		if (strlen(p->interface) >= IFNAMSIZ || strpbrk(p->interface, "/: \t"))
			return yaml_fail_expect(err, v, key, "an interface name (at most 15 characters)");
		return true;
	}
	if (strcmp(key, "address") == 0) {
		const char *s;
		if (!yaml_str(v, key, &s, err))
			return false;
		char buf[80], e[200], *end = NULL;
		snprintf(buf, sizeof(buf), "%s", s);
		char *slash = strchr(buf, '/');
		if (slash)
			*slash++ = '\0';
		long bits = slash && *slash ? strtol(slash, &end, 10) : -1;
		if (!slash || !*slash || *end || bits < 0 ||
		    !netaddr_parse(buf, 500, &p->local, e, sizeof(e)) || p->local.port != 500 ||
		    (size_t)bits > netaddr_iplen(&p->local) * 8)
			return yaml_fail_expect(err, v, key,
						"an address with its prefix length (198.51.100.1/24)");
		p->prefix_len = (unsigned)bits;
		x->reach_addr = v;
		return true;
	}
	if (strcmp(key, "mode") == 0) {
		if (!yaml_enum(v, key, profile_reaches, &i, err))
			return false;
		p->reach = i ? PROFILE_REACH_VETH : PROFILE_REACH_MACVLAN;
		return true;
	}
	x->gateway = v;
	p->has_gateway = true;
	return profile_addr(v, key, &p->gateway, err);
}

/* ---- accepts ---- */

static bool profile_accepts_roles(const struct yaml_node *v, const char *key, void *vctx,
				  struct yaml_error *err)
{
	struct profile_ctx *x = vctx;
	struct profile *p = x->p;
	const struct yaml_node *const *items;
	size_t n;
	unsigned k;
	if (!profile_list(&v, key, false, &items, &n, err))
		return false;
	p->role_initiator = p->role_responder = false;
	for (size_t i = 0; i < n; i++) {
		if (!yaml_enum(items[i], key, profile_roles, &k, err))
			return false;
		if (k) {
			p->role_responder = true;
		} else {
			p->role_initiator = true;
			x->initiator_at = items[i];
		}
	}
	return true;
}

/* exchanges and modes: a list of two names, each setting its own flag */
static bool profile_accepts_pair(const struct yaml_node *v, const char *key, void *vctx,
				 struct yaml_error *err)
{
	struct profile *p = ((struct profile_ctx *)vctx)->p;
	bool modes = strcmp(key, "modes") == 0;
	bool *first = modes ? &p->mode_tunnel : &p->main_mode;
	bool *second = modes ? &p->mode_transport : &p->aggressive;
	const struct yaml_node *const *items;
	size_t n;
	unsigned k;
	if (!profile_list(&v, key, false, &items, &n, err))
		return false;
	*first = *second = false;
	for (size_t i = 0; i < n; i++) {
		if (!yaml_enum(items[i], key, modes ? profile_modes : profile_exchanges, &k, err))
			return false;
		*(k ? second : first) = true;
	}
	return true;
}

static bool profile_accepts_auth(const struct yaml_node *v, const char *key, void *vctx,
				 struct yaml_error *err)
{
	struct profile *p = ((struct profile_ctx *)vctx)->p;
	const struct yaml_node *const *items;
	size_t n;
	if (!profile_list(&v, key, false, &items, &n, err))
		return false;
	p->nauth = 0;
	for (size_t i = 0; i < n; i++) {
		uint16_t a;
		if (!peercfg_auth(items[i], key, &a, err))
			return false;
		bool dup = false;
		for (size_t j = 0; j < p->nauth; j++)
			dup |= p->auth[j] == a;
		if (!dup && p->nauth < sizeof(p->auth) / sizeof(p->auth[0]))
			p->auth[p->nauth++] = a;
	}
	return true;
}

/* psk: the key itself; psk_env: the environment variable that holds it */
static bool profile_accepts_psk(const struct yaml_node *v, const char *key, void *vctx,
				struct yaml_error *err)
{
	struct profile_ctx *x = vctx;
	bool env = strcmp(key, "psk_env") == 0;
	const char *s;
	if (!yaml_str(v, key, &s, err))
		return false;
	if (env ? x->psk : x->psk_env)
		return yaml_fail(err, v, "'psk' and 'psk_env' exclude each other: give one");
	*(env ? &x->psk_env : &x->psk) = v;
	if (!env) {
		x->p->psk = xstrdup(s);
		return true;
	}
	const char *val = getenv(s);
	if (!val || !*val)
		return yaml_fail(err, v, "'psk_env': the environment variable %s is %s", s,
				 val ? "empty" : "not set");
	x->p->psk = xstrdup(val);
	return true;
}

/* cert, key, ca, local_id, remote_id */
static bool profile_accepts_pki(const struct yaml_node *v, const char *key, void *vctx,
				struct yaml_error *err)
{
	struct profile *p = ((struct profile_ctx *)vctx)->p;
	if (strcmp(key, "cert") == 0)
		return profile_path(v, key, &p->cert, err);
	if (strcmp(key, "key") == 0)
		return profile_path(v, key, &p->key, err);
	if (strcmp(key, "ca") == 0)
		return profile_path(v, key, &p->ca, err);
	if (strcmp(key, "local_id") == 0)
		return profile_id(v, key, &p->local_id, err);
	return profile_id(v, key, &p->remote_id, err);
}

/* accepted_ids: a list (or one) of harness IDs, "%any" among them */
static bool profile_accepts_ids(const struct yaml_node *v, const char *key, void *vctx,
				struct yaml_error *err)
{
	struct profile *p = ((struct profile_ctx *)vctx)->p;
	const struct yaml_node *const *items;
	size_t n;
	if (!profile_list(&v, key, false, &items, &n, err))
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *s;
		char e[200];
		if (i == PROFILE_MAX_IDS)
			return yaml_fail(err, items[i], "more than %d accepted IDs", PROFILE_MAX_IDS);
		if (!yaml_str(items[i], key, &s, err))
			return false;
		if (!peercfg_id_read(s, &p->accepted_ids[i], e, sizeof(e)))
			return yaml_fail(err, items[i], "'%s': %s", key, e);
		p->naccepted++;
	}
	return true;
}

static bool profile_accepts_proposals(const struct yaml_node *v, const char *key, void *vctx,
				      struct yaml_error *err)
{
	struct profile *p = ((struct profile_ctx *)vctx)->p;
	const struct yaml_node *const *items;
	size_t n;
	if (!profile_list(&v, key, false, &items, &n, err))
		return false;
	const struct ike_p1_xform def = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (i == PROFILE_MAX_PROPOSALS)
			return yaml_fail(err, items[i], "more than %d proposals",
					 PROFILE_MAX_PROPOSALS);
		if (!peercfg_p1(items[i], &def, &p->p1[i], err))
			return false;
		p->np1++;
	}
	return true;
}

static bool profile_accepts_esp(const struct yaml_node *v, const char *key, void *vctx,
				struct yaml_error *err)
{
	struct profile *p = ((struct profile_ctx *)vctx)->p;
	const struct yaml_node *const *items;
	size_t n;
	if (!profile_list(&v, key, true, &items, &n, err))
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *s;
		char e[200];
		if (i == PROFILE_MAX_PROPOSALS)
			return yaml_fail(err, items[i], "more than %d ESP proposals",
					 PROFILE_MAX_PROPOSALS);
		if (!yaml_str(items[i], key, &s, err))
			return false;
		if (!ike_p2_parse(s, &p->p2[i], e, sizeof(e)))
			return yaml_fail(err, items[i], "'esp': %s", e);
		p->np2++;
	}
	return true;
}

/* lifetime, child_lifetime */
static bool profile_accepts_lifetime(const struct yaml_node *v, const char *key, void *vctx,
				     struct yaml_error *err)
{
	struct profile *p = ((struct profile_ctx *)vctx)->p;
	return profile_seconds(v, key, strcmp(key, "lifetime") == 0 ? &p->ike_life_sec
								    : &p->child_life_sec, err);
}

static bool profile_accepts_natt(const struct yaml_node *v, const char *key, void *vctx,
				 struct yaml_error *err)
{
	struct profile *p = ((struct profile_ctx *)vctx)->p;
	/* forced: it claims a NAT of its own whatever the path (UDP-encapsulates
	   always), which the harness's NAT-D check then sees */
	static const char *const natt[] = { "false", "true", "forced", "no", "yes", "off", "on",
					    NULL };
	unsigned k;
	if (!yaml_enum(v, key, natt, &k, err))
		return false;
	p->natt = k == 1 || k == 2 || k == 4 || k == 6;
	p->natt_forced = k == 2;
	return true;
}

/* ---- traffic, commands ---- */

static bool profile_traffic_key(const struct yaml_node *v, const char *key, void *vctx,
				struct yaml_error *err)
{
	struct profile_ctx *x = vctx;
	struct profile *p = x->p;
	if (strcmp(key, "device_ts") == 0)
		return profile_ts(v, key, &p->ts_device, &p->ts_device_text, err);
	if (strcmp(key, "harness_ts") == 0)
		return profile_ts(v, key, &p->ts_harness, &p->ts_harness_text, err);
	x->ping = v;
	p->has_ping = true;
	return profile_addr(v, key, &p->ping, err);
}

static bool profile_command_key(const struct yaml_node *v, const char *key, void *vctx,
				struct yaml_error *err)
{
	struct profile *p = ((struct profile_ctx *)vctx)->p;
	uint64_t ms;
	if (strcmp(key, "timeout") == 0) {
		if (!yaml_duration_ms(v, key, 100, 3600000, &ms, err))
			return false;
		p->cmd_timeout_ms = (uint32_t)ms;
		return true;
	}
	char **slot = strcmp(key, "initiate") == 0 ? &p->cmd_initiate
		    : strcmp(key, "reset") == 0 ? &p->cmd_reset : &p->cmd_sa_state;
	return (*slot = profile_dup(v, key, err)) != NULL;
}

/* ---- the top level ---- */

static bool profile_top_key(const struct yaml_node *v, const char *key, void *vctx,
			    struct yaml_error *err)
{
	struct profile_ctx *x = vctx;
	struct profile *p = x->p;
	uint64_t n;
	if (strcmp(key, "device") == 0) {
		if (!(p->name = profile_dup(v, key, err)))
			return false;
		if (!profile_name_ok(p->name))
			return yaml_fail_expect(err, v, key,
						"a name of letters, digits, '-', '_' and '.' (at most 64)");
		return true;
	}
	if (strcmp(key, "address") == 0)
		return profile_addr(v, key, &p->address, err);
	if (strcmp(key, "reach") == 0) {
		static const struct yaml_field f[] = {
			{ "interface", true, profile_reach_key }, { "address", true, profile_reach_key },
			{ "mode", false, profile_reach_key }, { "gateway", false, profile_reach_key },
		};
		return yaml_map_walk(v, key, f, PROFILE_NFIELDS(f), x, err);
	}
	if (strcmp(key, "accepts") == 0) {
		static const struct yaml_field f[] = {
			{ "roles", false, profile_accepts_roles },
			{ "exchanges", false, profile_accepts_pair },
			{ "auth", false, profile_accepts_auth }, { "psk", false, profile_accepts_psk },
			{ "psk_env", false, profile_accepts_psk }, { "cert", false, profile_accepts_pki },
			{ "key", false, profile_accepts_pki }, { "ca", false, profile_accepts_pki },
			{ "local_id", false, profile_accepts_pki },
			{ "remote_id", false, profile_accepts_pki },
			{ "accepted_ids", false, profile_accepts_ids },
			{ "proposals", true, profile_accepts_proposals },
			{ "esp", false, profile_accepts_esp }, { "modes", false, profile_accepts_pair },
			{ "lifetime", false, profile_accepts_lifetime },
			{ "child_lifetime", false, profile_accepts_lifetime },
			{ "natt", false, profile_accepts_natt },
		};
		x->accepts = v;
		return yaml_map_walk(v, key, f, PROFILE_NFIELDS(f), x, err);
	}
	if (strcmp(key, "traffic") == 0) {
		static const struct yaml_field f[] = {
			{ "device_ts", true, profile_traffic_key },
			{ "harness_ts", true, profile_traffic_key },
			{ "ping", false, profile_traffic_key },
		};
		return yaml_map_walk(v, key, f, PROFILE_NFIELDS(f), x, err);
	}
	if (strcmp(key, "rate") == 0) {
		if (!yaml_uint(v, key, 1, 10000, &n, err))
			return false;
		p->rate_pps = (uint32_t)n;
		return true;
	}
	if (strcmp(key, "settle") == 0) {
		if (!yaml_duration_ms(v, key, 0, 600000, &n, err))
			return false;
		p->settle_ms = (uint32_t)n;
		return true;
	}
	static const struct yaml_field f[] = {
		{ "initiate", false, profile_command_key }, { "reset", false, profile_command_key },
		{ "sa_state", false, profile_command_key }, { "timeout", false, profile_command_key },
	};
	return yaml_map_walk(v, key, f, PROFILE_NFIELDS(f), x, err);
}

static const char *profile_family(const struct netaddr *a)
{
	return a->family == AF_INET6 ? "IPv6" : "IPv4";
}

/* The checks that need several keys. */
static bool profile_finish(struct profile_ctx *x, struct yaml_error *err)
{
	struct profile *p = x->p;
	if (p->local.family != p->address.family)
		return yaml_fail(err, x->reach_addr, "'address' in 'reach' is %s but the device's is %s",
				 profile_family(&p->local), profile_family(&p->address));
	if (p->has_gateway && p->gateway.family != p->address.family)
		return yaml_fail(err, x->gateway, "'gateway' is %s but the device's address is %s",
				 profile_family(&p->gateway), profile_family(&p->address));
	if (p->role_initiator && !p->cmd_initiate)
		return yaml_fail(err, x->initiator_at,
				 "the device as initiator needs 'initiate' in 'commands' "
				 "(the command that makes it start a negotiation)");
	bool psk_auth = false, sig_auth = false;
	for (size_t i = 0; i < p->nauth; i++) {
		psk_auth |= p->auth[i] == IKE_AUTH_PSK;
		sig_auth |= p->auth[i] != IKE_AUTH_PSK;
	}
	const struct yaml_node *a = x->accepts;
	if (psk_auth && !p->psk)
		return yaml_fail(err, a, "missing key 'psk' or 'psk_env' in 'accepts': auth psk "
				 "needs the device's pre-shared key");
	if (!psk_auth && p->psk)
		return yaml_fail(err, x->psk ? x->psk : x->psk_env,
				 "'%s' is only for auth psk", x->psk ? "psk" : "psk_env");
	if (sig_auth && !p->cert)
		return yaml_fail(err, a, "missing key 'cert' in 'accepts': signature auth needs "
				 "the harness's certificate");
	if (sig_auth && !p->key)
		return yaml_fail(err, a, "missing key 'key' in 'accepts': signature auth needs "
				 "the harness's private key");
	if (p->has_ping && !profile_ts_has(&p->ts_device, &p->ping)) {
		char b[INET6_ADDRSTRLEN];
		inet_ntop(p->ping.family, p->ping.ip, b, sizeof(b));
		return yaml_fail(err, x->ping, "'ping': %s is not inside device_ts %s", b,
				 p->ts_device_text);
	}
	return true;
}

static bool profile_from_node(const struct yaml_node *root, struct profile *p,
			      struct yaml_error *err)
{
	static const struct yaml_field f[] = {
		{ "device", true, profile_top_key }, { "address", true, profile_top_key },
		{ "reach", true, profile_top_key }, { "accepts", true, profile_top_key },
		{ "traffic", false, profile_top_key }, { "rate", false, profile_top_key },
		{ "settle", false, profile_top_key }, { "commands", false, profile_top_key },
	};
	p->file = xstrdup(root->file);
	p->reach = PROFILE_REACH_MACVLAN;
	p->role_responder = true;
	p->main_mode = true;
	p->mode_tunnel = true;
	p->auth[0] = IKE_AUTH_PSK;
	p->nauth = 1;
	p->rate_pps = 20;
	p->settle_ms = 2000;
	p->cmd_timeout_ms = 10000;
	struct profile_ctx x = { .p = p };
	if (yaml_map_walk(root, "profile", f, PROFILE_NFIELDS(f), &x, err) &&
	    profile_finish(&x, err))
		return true;
	profile_free(p);
	return false;
}

bool profile_load_string(const char *name, const char *text, struct profile *out,
			 struct yaml_error *err)
{
	struct yaml_doc *doc;
	memset(out, 0, sizeof(*out));
	if (!yaml_load_string(name, text, strlen(text), &doc, err))
		return false;
	bool ok = profile_from_node(yaml_doc_root(doc), out, err);
	yaml_doc_free(doc);
	return ok;
}

bool profile_load_file(const char *path, struct profile *out, struct yaml_error *err)
{
	struct yaml_doc *doc;
	memset(out, 0, sizeof(*out));
	if (!yaml_load_file(path, &doc, err))
		return false;
	bool ok = profile_from_node(yaml_doc_root(doc), out, err);
	yaml_doc_free(doc);
	return ok;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	if (p->psk) {
		OPENSSL_cleanse(p->psk, strlen(p->psk));
		free(p->psk);
	}
	free(p->file);
	free(p->name);
	free(p->interface);
	free(p->cert);
	free(p->key);
	free(p->ca);
	free(p->ts_device_text);
	free(p->ts_harness_text);
	free(p->cmd_initiate);
	free(p->cmd_reset);
	free(p->cmd_sa_state);
	memset(p, 0, sizeof(*p));
}

/* ---- case fit ---- */

static const char *profile_auth_name(uint16_t a)
{
	const char *n = ike_auth_name(a);
	return n ? n : "?";
}

static bool profile_p1_eq(const struct ike_p1_xform *a, const struct ike_p1_xform *b)
{
	return a->encr == b->encr && ike_p1_keybits(a) == ike_p1_keybits(b) &&
	       a->hash == b->hash && a->group == b->group;
}

static bool profile_p2_eq(const struct ike_p2_xform *a, const struct ike_p2_xform *b)
{
	return a->transform == b->transform && ike_p2_keybits(a) == ike_p2_keybits(b) &&
	       a->auth == b->auth && a->group == b->group;
}

/* Appends to why; snprintf cuts a long list at len. */
static void profile_add(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void profile_add(char *why, size_t len, const char *fmt, ...)
{
	if (!len)
		return;
	size_t l = strlen(why);
	if (l + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why + l, len - l, fmt, ap);
	va_end(ap);
}

static bool profile_refuse(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool profile_refuse(char *why, size_t len, const char *fmt, ...)
{
	if (!len)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return false;
}

bool profile_case_fits(const struct profile *p, const struct suite_case *c, char *why,
		       size_t len)
{
	char b[64];
	if (len)
		why[0] = '\0';
	if (c->peer_config.node)
		return profile_refuse(why, len, "the case changes the peer's configuration "
				      "(peer_config) and the device's configuration is fixed");
	bool dev_init = c->role == IKE_RESPONDER;
	if (dev_init ? !p->role_initiator : !p->role_responder)
		return profile_refuse(why, len, "the device does not play %s (the profile accepts %s)",
				      dev_init ? "initiator" : "responder",
				      dev_init ? "responder" : "initiator");
	bool aggr = c->exchange == WIRE_X_AGGR;
	if (aggr ? !p->aggressive : !p->main_mode)
		return profile_refuse(why, len, "the device does not accept %s mode "
				      "(the profile accepts %s)", aggr ? "aggressive" : "main",
				      aggr ? "main" : "aggressive");
	size_t i;
	for (i = 0; i < p->nauth && p->auth[i] != c->auth; i++)
		;
	if (i == p->nauth) {
		profile_refuse(why, len, "the device does not accept auth %s (the profile accepts ",
			       profile_auth_name(c->auth));
		for (i = 0; i < p->nauth; i++)
			profile_add(why, len, "%s%s", i ? ", " : "", profile_auth_name(p->auth[i]));
		profile_add(why, len, ")");
		return false;
	}
	for (i = 0; i < p->np1 && !profile_p1_eq(&p->p1[i], &c->p1); i++)
		;
	if (i == p->np1) {
		profile_refuse(why, len, "the device does not accept %s (the profile accepts ",
			       ike_p1_str(&c->p1, b, sizeof(b)));
		for (i = 0; i < p->np1; i++)
			profile_add(why, len, "%s%s", i ? ", " : "", ike_p1_str(&p->p1[i], b, sizeof(b)));
		profile_add(why, len, ")");
		return false;
	}
	/* a malformed case aimed at phase 1 never reaches Quick Mode */
	bool quick = c->has_p2 && !(c->malformed && !ike_kind_quick(c->malformed_at));
	if (quick) {
		if (!p->np2)
			return profile_refuse(why, len, "the device does no phase 2 "
					      "(the profile lists no esp)");
		for (i = 0; i < p->np2 && !profile_p2_eq(&p->p2[i], &c->p2); i++)
			;
		if (i == p->np2) {
			profile_refuse(why, len, "the device does not accept ESP %s (the profile "
				       "accepts ", ike_p2_str(&c->p2, b, sizeof(b)));
			for (i = 0; i < p->np2; i++)
				profile_add(why, len, "%s%s", i ? ", " : "",
					    ike_p2_str(&p->p2[i], b, sizeof(b)));
			profile_add(why, len, ")");
			return false;
		}
		bool transport = c->p2.encap == IKE_ENCAP_TRANSPORT ||
				 c->p2.encap == IKE_ENCAP_UDP_TRANSPORT ||
				 c->p2.encap == IKE_ENCAP_UDP_TRANSPORT_DRAFT;
		if (transport ? !p->mode_transport : !p->mode_tunnel)
			return profile_refuse(why, len, "the device does not take %s mode (the "
					      "profile accepts %s)", transport ? "transport" : "tunnel",
					      transport ? "tunnel" : "transport");
	}
	if (!p->natt && c->topology != NETNS_TOPO_DIRECT)
		return profile_refuse(why, len, "the case puts a NAT in the path (topology %s) and "
				      "the device does not do NAT-T (the profile says natt: false)",
				      netns_topology_name(c->topology));
	if (!p->natt && c->natt_force == SUITE_YES)
		return profile_refuse(why, len, "the case forces NAT-T and the device does not "
				      "do it (the profile says natt: false)");
	/* an identity case: the harness names itself as the case says */
	struct ike_id hid;
	if (suite_id_of(c->ident.local_id, &hid) && !profile_id_fits(p, &hid, why, len))
		return false;
	return true;
}

/* ---- identities ---- */


/* The harness's own ID by the profile: remote_id, else its IKE address. */
static void profile_harness_id(const struct profile *p, struct ike_id *id)
{
	if (p->remote_id.type) {
		*id = p->remote_id;
		return;
	}
	memset(id, 0, sizeof(*id));
	id->len = netaddr_iplen(&p->local);
	id->type = id->len == 16 ? 5 : 1;
	memcpy(id->data, p->local.ip, id->len);
}

bool profile_id_fits(const struct profile *p, const struct ike_id *harness_id, char *why,
		     size_t len)
{
	struct ike_id own;
	char t[2 * IKE_MAX_ID + 16];
	if (len)
		why[0] = '\0';
	if (!harness_id || !harness_id->type)
		return true;
	profile_harness_id(p, &own);
	if (ike_id_match(&own, harness_id->type, CHUNK_FROM(harness_id->data, harness_id->len), IKE_ID_CHECKS_LENIENT, NULL, 0))
		return true;
	for (size_t i = 0; i < p->naccepted; i++)
		if (ike_id_match(&p->accepted_ids[i], harness_id->type,
				 CHUNK_FROM(harness_id->data, harness_id->len), IKE_ID_CHECKS_LENIENT, NULL, 0))
			return true;
	if (!peercfg_id_text(harness_id, t, sizeof(t)))
		snprintf(t, sizeof(t), "of type %u", harness_id->type);
	profile_refuse(why, len, "the device does not accept the harness ID %s (the profile "
		       "accepts ", t);
	for (size_t i = 0; i <= p->naccepted; i++) {
		const struct ike_id *id = i ? &p->accepted_ids[i - 1] : &own;
		if (!peercfg_id_text(id, t, sizeof(t)))
			snprintf(t, sizeof(t), "an ID of type %u", id->type);
		profile_add(why, len, "%s%s", i ? ", " : "", t);
	}
	profile_add(why, len, ")");
	return false;
}
