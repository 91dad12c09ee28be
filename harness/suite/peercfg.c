/* `ike-conform peer --config FILE`: YAML into struct peercfg. */
#include "suite/peercfg.h"
#include "pki/pki.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/hex.h"
#include "crypto/cipher.h"
#include "crypto/dh.h"
#include "crypto/prf.h"
#include "wire/msg.h"

/* What the walk collects before the parts that depend on each other. */
struct peercfg_ctx {
	struct peercfg *c;
	const struct yaml_node *root;
	uint16_t auth;
	uint32_t life_sec, life_kb;        /* ike_lifetime: default of proposals */
	uint16_t port;
	const struct yaml_node *proposals, *phase2, *listen, *remote, *exchanges;
	const struct yaml_node *retransmit;
	/* phase2 */
	uint16_t pfs;
	bool pfs_set;
	uint16_t encap;
	uint32_t p2_sec, p2_kb;
	const struct yaml_node *esp;
};

/* ---- shared readers ---- */

bool peercfg_group(const struct yaml_node *n, const char *what, uint16_t *out,
		   struct yaml_error *err)
{
	const struct dh_group *g = NULL;
	uint64_t v;
	if (yaml_is_scalar(n)) {
		g = dh_group_by_name(n->str);
		if (!g && yaml_uint(n, what, 1, 30, &v, NULL)) {
			g = dh_group_get((uint16_t)v);
			if (!g)
				return yaml_fail(err, n, "'%s': group %u is not implemented", what,
						 (unsigned)v);
		}
	}
	if (!g)
		return yaml_fail_expect(err, n, what, "a number from 1 to 30 or a group name");
	*out = g->id;
	return true;
}

bool peercfg_lifetime(const struct yaml_node *n, const char *what, uint32_t *sec,
		      uint32_t *kb, struct yaml_error *err)
{
	const struct yaml_node *const *items = &n;
	size_t count = 1;
	if (n && n->type == YAML_SEQ) {
		items = (const struct yaml_node *const *)n->items;
		count = n->n;
		if (count < 1 || count > 2)
			return yaml_fail_expect(err, n, what, "a duration, a size, or a list of one of each");
	}
	uint32_t s = 0, k = 0;
	for (size_t i = 0; i < count; i++) {
		const struct yaml_node *it = items[i];
		uint64_t v;
		if (yaml_is_scalar(it) && yaml_parse_duration_ms(it->str, &v)) {
			if (s)
				return yaml_fail(err, it, "'%s' has two durations", what);
			if (v % 1000 || v == 0 || v / 1000 > UINT32_MAX)
				return yaml_fail_expect(err, it, what, "whole seconds from 1s to 4294967295s");
			s = (uint32_t)(v / 1000);
		} else if (yaml_is_scalar(it) && yaml_parse_size_kb(it->str, &v)) {
			if (k)
				return yaml_fail(err, it, "'%s' has two sizes", what);
			if (v == 0 || v > UINT32_MAX)
				return yaml_fail_expect(err, it, what, "a size from 1kb to 4294967295kb");
			k = (uint32_t)v;
		} else {
			return yaml_fail_expect(err, it, what,
						"a duration such as 8h or a size such as 4608000kb");
		}
	}
	*sec = s;
	*kb = k;
	return true;
}

static const char *const peercfg_auth_names[] = {
	"psk", "rsa", "ecdsa", "ecdsa256", "ecdsa384", "ecdsa521", "dss", NULL,
};
static const uint16_t peercfg_auth_ids[] = {
	IKE_AUTH_PSK, IKE_AUTH_RSA, IKE_AUTH_ECDSA_256, IKE_AUTH_ECDSA_256,
	IKE_AUTH_ECDSA_384, IKE_AUTH_ECDSA_521, IKE_AUTH_DSS,
};

bool peercfg_auth(const struct yaml_node *n, const char *what, uint16_t *out,
		  struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(n, what, peercfg_auth_names, &i, err))
		return false;
	*out = peercfg_auth_ids[i];
	return true;
}

/* "aes256", "3des", "cast128", "blowfish448": a cipher and its key bits. */
bool peercfg_encr(const struct yaml_node *n, const char *what, struct ike_p1_xform *x,
		  struct yaml_error *err)
{
	const char *s;
	if (!yaml_str(n, what, &s, err))
		return false;
	char name[32];
	snprintf(name, sizeof(name), "%s", s);
	unsigned bits = 0;
	const struct cipher_info *c = cipher_by_name(name);
	size_t l = strlen(name);
	while (!c && l && name[l - 1] >= '0' && name[l - 1] <= '9')
		l--;
	if (!c && l >= 3 && l < strlen(name) && strlen(name) - l <= 4) {
		bits = (unsigned)atoi(name + l);
		name[l] = '\0';
		c = cipher_by_name(name);
	}
	if (!c) {
		char want[200] = "a cipher (";
		for (size_t i = 0; i < cipher_count(); i++) {
			size_t wl = strlen(want);
			snprintf(want + wl, sizeof(want) - wl, "%s%s", i ? ", " : "", cipher_at(i)->name);
		}
		size_t wl = strlen(want);
		snprintf(want + wl, sizeof(want) - wl, ") with its key bits where it varies (aes256)");
		return yaml_fail_expect(err, n, what, want);
	}
	uint16_t keylen = (uint16_t)(bits ? bits : (c->keylen_required ? 128 : 0));
	size_t bytes;
	struct crypto_err ce;
	if (!cipher_key_bytes(c->id, keylen, &bytes, &ce))
		return yaml_fail(err, n, "'%s': %s", what, ce.msg);
	x->encr = c->id;
	x->keylen = keylen;
	return true;
}

bool peercfg_hash(const struct yaml_node *n, const char *what, uint16_t *out,
		  struct yaml_error *err)
{
	const char *names[16] = { NULL };
	size_t k = prf_count() < 15 ? prf_count() : 15;
	for (size_t i = 0; i < k; i++)
		names[i] = prf_at(i)->name;
	unsigned i;
	if (!yaml_enum(n, what, names, &i, err))
		return false;
	*out = prf_at(i)->id;
	return true;
}

/* One key of a proposal mapping; ctx is the transform. */
static bool peercfg_p1_key(const struct yaml_node *v, const char *key, void *ctx,
			   struct yaml_error *err)
{
	struct ike_p1_xform *x = ctx;
	if (strcmp(key, "encryption") == 0)
		return peercfg_encr(v, key, x, err);
	if (strcmp(key, "hash") == 0)
		return peercfg_hash(v, key, &x->hash, err);
	if (strcmp(key, "group") == 0)
		return peercfg_group(v, key, &x->group, err);
	if (strcmp(key, "auth") == 0)
		return peercfg_auth(v, key, &x->auth, err);
	return peercfg_lifetime(v, key, &x->life_sec, &x->life_kb, err);
}

bool peercfg_p1(const struct yaml_node *n, const struct ike_p1_xform *def,
		struct ike_p1_xform *out, struct yaml_error *err)
{
	struct ike_p1_xform x;
	if (n && n->type == YAML_MAP) {
		static const struct yaml_field fields[] = {
			{ "encryption", true, peercfg_p1_key }, { "hash", true, peercfg_p1_key },
			{ "group", true, peercfg_p1_key }, { "auth", false, peercfg_p1_key },
			{ "lifetime", false, peercfg_p1_key },
		};
		x = (struct ike_p1_xform){ .auth = def->auth, .life_sec = def->life_sec,
					   .life_kb = def->life_kb };
		if (!yaml_map_walk(n, "proposal", fields, sizeof(fields) / sizeof(fields[0]), &x, err))
			return false;
	} else {
		const char *s;
		char e[200];
		if (!yaml_is_scalar(n) || yaml_is_null(n))
			return yaml_fail_expect(err, n, "proposal",
						"a string such as aes128-sha256-modp2048 or a mapping");
		if (!yaml_str(n, "proposal", &s, err))
			return false;
		if (!ike_p1_parse(s, &x, e, sizeof(e)))
			return yaml_fail(err, n, "proposal %s", e);
		x.auth = def->auth ? def->auth : x.auth;
		x.life_sec = def->life_sec;
		x.life_kb = def->life_kb;
	}
	*out = x;
	return true;
}

/* ---- IDs ---- */

/* RFC 2407 4.6.2.1 type numbers and their text prefixes. */
static const struct peercfg_id_kind {
	uint8_t type;
	const char *name;
} peercfg_id_kinds[] = {
	{ 1, "ipv4" }, { 2, "fqdn" }, { 3, "ufqdn" }, { 5, "ipv6" }, { 9, "dn" }, { 11, "keyid" },
};

static const char *peercfg_id_name(uint8_t type)
{
	for (size_t i = 0; i < sizeof(peercfg_id_kinds) / sizeof(peercfg_id_kinds[0]); i++)
		if (peercfg_id_kinds[i].type == type)
			return peercfg_id_kinds[i].name;
	return NULL;
}

/* Whether the bytes can be written as they are: one word, no quoting. */
static bool peercfg_id_plain(const struct ike_id *id)
{
	if (!id->len || id->data[0] == '#')
		return false;
	for (size_t i = 0; i < id->len; i++)
		if (id->data[i] < 0x21 || id->data[i] > 0x7e || id->data[i] == '"' ||
		    id->data[i] == '\\')
			return false;
	return true;
}

bool peercfg_id_text(const struct ike_id *id, char *buf, size_t len)
{
	const char *name = peercfg_id_name(id->type);
	char pfx[16], a[INET6_ADDRSTRLEN];
	int n;
	if (!id->type)
		return (size_t)snprintf(buf, len, "%%any") < len;
	if (id->len > IKE_MAX_ID)
		return false;
	if (name)
		snprintf(pfx, sizeof(pfx), "%s", name);
	else
		snprintf(pfx, sizeof(pfx), "id%u", id->type);
	int fam = id->type == 1 && id->len == 4 ? AF_INET : id->type == 5 && id->len == 16 ? AF_INET6 : 0;
	if (fam && inet_ntop(fam, id->data, a, sizeof(a)))
		n = snprintf(buf, len, "%s:%s", pfx, a);
	else if ((id->type == 2 || id->type == 3 || id->type == 11) && peercfg_id_plain(id))
		n = snprintf(buf, len, "%s:%.*s", pfx, (int)id->len, (const char *)id->data);
	else {
		char hex[2 * IKE_MAX_ID + 1];
		hex_encode(id->data, id->len, hex);
		n = snprintf(buf, len, "%s:#%s", pfx, hex);
	}
	return n >= 0 && (size_t)n < len;
}

/* "<type>:#<hex>" into out; false when s is not of that form (*mine then
 * false too) or, with *mine, when it is wrong. */
static bool peercfg_id_hex(const char *s, struct ike_id *out, bool *mine, char *err,
			   size_t errlen)
{
	const char *colon = strchr(s, ':');
	*mine = colon && colon[1] == '#';
	if (!*mine)
		return false;
	size_t pl = (size_t)(colon - s);
	unsigned type = 0;
	for (size_t i = 0; i < sizeof(peercfg_id_kinds) / sizeof(peercfg_id_kinds[0]); i++)
		if (strlen(peercfg_id_kinds[i].name) == pl && !strncmp(s, peercfg_id_kinds[i].name, pl))
			type = peercfg_id_kinds[i].type;
	char *end = NULL;
	if (!type && pl > 2 && !strncmp(s, "id", 2) && s[2] >= '1' && s[2] <= '9') {
		unsigned long t = strtoul(s + 2, &end, 10);
		type = end == colon && t <= 255 ? (unsigned)t : 0;
	}
	if (!type) {
		snprintf(err, errlen, "'%s': unknown ID type '%.*s'", s, (int)pl, s);
		return false;
	}
	const char *hex = colon + 2;
	chunk_t c = CHUNK_EMPTY;
	size_t hl = strlen(hex);
	if (!hl || hl > 2 * IKE_MAX_ID || !hex_decode(hex, hl, &c)) {
		chunk_free(&c);
		snprintf(err, errlen, "'%s': expected 1 to %d bytes of hex after '#'", s, IKE_MAX_ID);
		return false;
	}
	memset(out, 0, sizeof(*out));
	out->type = (uint8_t)type;
	memcpy(out->data, c.ptr, c.len);
	out->len = c.len;
	chunk_free(&c);
	return true;
}

bool peercfg_id_read(const char *s, struct ike_id *out, char *err, size_t errlen)
{
	bool mine;
	if (strcmp(s, "%any") == 0) {
		memset(out, 0, sizeof(*out));
		return true;
	}
	if (peercfg_id_hex(s, out, &mine, err, errlen))
		return true;
	return !mine && ike_id_parse(s, out, err, errlen);
}

static const char *const peercfg_id_check_names[] = { "strict", "lenient", NULL };

bool peercfg_id_checks(const struct yaml_node *n, const char *what, enum ike_id_checks *out,
		       struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(n, what, peercfg_id_check_names, &i, err))
		return false;
	*out = i == 0 ? IKE_ID_CHECKS_STRICT : IKE_ID_CHECKS_LENIENT;
	return true;
}

/* One key of a psks item; ctx the item's node pointers (id, psk). */
static bool peercfg_psk_key(const struct yaml_node *v, const char *key, void *ctx,
			    struct yaml_error *err)
{
	const struct yaml_node **slots = ctx;
	(void)err;
	slots[key[0] == 'i' ? 0 : 1] = v;
	return true;
}

bool peercfg_psk_item(const struct yaml_node *n, struct ike_id *id, const char **psk,
		      struct yaml_error *err)
{
	static const struct yaml_field fields[] = {
		{ "id", true, peercfg_psk_key }, { "psk", true, peercfg_psk_key },
	};
	const struct yaml_node *slots[2] = { NULL, NULL };
	const char *s;
	char e[200];
	if (!yaml_map_walk(n, "psks", fields, sizeof(fields) / sizeof(fields[0]), slots, err))
		return false;
	if (!yaml_str(slots[0], "id", &s, err))
		return false;
	if (!peercfg_id_read(s, id, e, sizeof(e)))
		return yaml_fail(err, slots[0], "'id': %s", e);
	if (!id->type)
		return yaml_fail(err, slots[0], "'id' must name one peer; the key for any peer "
				 "is 'psk'");
	return yaml_str(slots[1], "psk", psk, err);  /* not empty (yaml_str) */
}

/* ---- phase2 ---- */

static const char *const peercfg_modes[] = {
	"tunnel", "transport", "udp-tunnel", "udp-transport", NULL,
};

bool peercfg_pfs(const struct yaml_node *n, const char *what, uint16_t *out,
		 struct yaml_error *err)
{
	bool b;
	*out = 0;
	if (yaml_is_scalar(n) && (strcmp(n->str, "none") == 0 || (yaml_bool(n, what, &b, NULL) && !b)))
		return true;
	if (peercfg_group(n, what, out, NULL))
		return true;
	return yaml_fail_expect(err, n, what, "none or a group (a number from 1 to 30 or a name)");
}

bool peercfg_mode(const struct yaml_node *n, const char *what, uint16_t *out,
		  struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(n, what, peercfg_modes, &i, err))
		return false;
	*out = (uint16_t)(IKE_ENCAP_TUNNEL + i);
	return true;
}

static bool peercfg_p2_key(const struct yaml_node *v, const char *key, void *vctx,
			   struct yaml_error *err)
{
	struct peercfg_ctx *x = vctx;
	if (strcmp(key, "esp") == 0) {
		x->esp = v;
		return true;
	}
	if (strcmp(key, "pfs") == 0) {
		x->pfs_set = true;
		return peercfg_pfs(v, key, &x->pfs, err);
	}
	if (strcmp(key, "mode") == 0)
		return peercfg_mode(v, key, &x->encap, err);
	return peercfg_lifetime(v, key, &x->p2_sec, &x->p2_kb, err);
}

static bool peercfg_phase2(struct peercfg_ctx *x, struct yaml_error *err)
{
	static const struct yaml_field fields[] = {
		{ "esp", true, peercfg_p2_key }, { "pfs", false, peercfg_p2_key },
		{ "mode", false, peercfg_p2_key }, { "lifetime", false, peercfg_p2_key },
	};
	if (!yaml_map_walk(x->phase2, "phase2", fields, sizeof(fields) / sizeof(fields[0]), x, err))
		return false;
	size_t count;
	const struct yaml_node *const *items = yaml_items(&x->esp, &count);
	if (!count)
		return yaml_fail_expect(err, x->esp, "esp", "an ESP proposal or a list of them");
	for (size_t i = 0; i < count; i++) {
		const char *s;
		char e[200];
		struct ike_p2_xform p;
		if (!yaml_str(items[i], "esp", &s, err))
			return false;
		if (!ike_p2_parse(s, &p, e, sizeof(e)))
			return yaml_fail(err, items[i], "'esp': %s", e);
		if (x->pfs_set && !p.group)
			p.group = x->pfs;
		if (x->encap)
			p.encap = x->encap;
		p.life_sec = x->p2_sec;
		p.life_kb = x->p2_kb;
		if (!ike_config_add_p2(&x->c->ike, p))
			return yaml_fail(err, items[i], "more than %d ESP proposals", IKE_MAX_PROPOSALS);
	}
	return true;
}

/* ---- the top level ---- */

static char *peercfg_dup(const struct yaml_node *v, const char *key, struct yaml_error *err)
{
	const char *s;
	return yaml_str(v, key, &s, err) ? xstrdup(s) : NULL;
}

static bool peercfg_id(const struct yaml_node *v, const char *key, struct ike_id *id,
		       struct yaml_error *err)
{
	const char *s;
	char e[200];
	if (!yaml_str(v, key, &s, err))
		return false;
	if (!peercfg_id_read(s, id, e, sizeof(e)))
		return yaml_fail(err, v, "'%s': %s", key, e);
	return true;
}

static bool peercfg_ts(const struct yaml_node *v, const char *key, struct ike_ts *ts,
		       struct yaml_error *err)
{
	const char *s;
	char e[200];
	if (!yaml_str(v, key, &s, err))
		return false;
	if (!ike_ts_parse(s, ts, e, sizeof(e)))
		return yaml_fail(err, v, "'%s': %s", key, e);
	return true;
}

static bool peercfg_retrans_key(const struct yaml_node *v, const char *key, void *vctx,
				struct yaml_error *err)
{
	struct ike_config *ike = vctx;
	uint64_t n;
	if (strcmp(key, "responder") == 0)
		return yaml_bool(v, key, &ike->retrans_responder, err);
	if (strcmp(key, "tries") == 0) {
		if (!yaml_uint(v, key, 1, 100, &n, err))
			return false;
		ike->retrans_tries = (unsigned)n;
	} else if (strcmp(key, "timeout") == 0) {
		if (!yaml_duration_ms(v, key, 10, 60000, &n, err))
			return false;
		ike->retrans_ms = (uint32_t)n;
	} else {
		if (!yaml_duration_ms(v, key, 10, 600000, &n, err))
			return false;
		ike->retrans_max_ms = (uint32_t)n;
	}
	return true;
}

static const char *const peercfg_roles[] = { "initiator", "responder", NULL };
static const char *const peercfg_exchanges[] = { "main", "aggressive", NULL };
static const char *const peercfg_policies[] = { "accept", "not-longer", "notify", NULL };
static const char *const peercfg_levels[] = { "error", "warn", "info", "debug", NULL };
/* Indexed by enum ike_natt_version. */
static const char *const peercfg_natt_names[] = { "none", "draft-02", "draft-03", "rfc3947",
						   "all", NULL };

bool peercfg_natt(const struct yaml_node *v, const char *key, uint8_t *out,
			 struct yaml_error *err)
{
	unsigned i;
	*out = 0;
	size_t n = yaml_is_scalar(v) ? 1 : v->n;
	if (!yaml_is_scalar(v) && v->type != YAML_SEQ)
		return yaml_fail_expect(err, v, key, "all, none, or a list of NAT-T versions");
	for (size_t k = 0; k < n; k++) {
		const struct yaml_node *item = yaml_is_scalar(v) ? v : v->items[k];
		if (!yaml_enum(item, key, peercfg_natt_names, &i, err))
			return false;
		if (i == 4)
			*out |= IKE_NATT_ALL;
		else if (i)
			*out |= (uint8_t)IKE_NATT_BIT(i);
	}
	return true;
}

bool peercfg_life_policy(const struct yaml_node *v, const char *key, enum ike_life_policy *out,
			 struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(v, key, peercfg_policies, &i, err))
		return false;
	*out = i == 0 ? IKE_LIFE_ACCEPT : i == 1 ? IKE_LIFE_NOT_LONGER : IKE_LIFE_NOTIFY;
	return true;
}

/* The engine's on/off switches by their key. */
static bool *peercfg_flag(struct ike_config *ike, const char *key)
{
	struct { const char *key; bool *flag; } flags[] = {
		{ "initial_contact", &ike->initial_contact }, { "commit", &ike->commit },
		{ "notify_errors", &ike->notify_errors }, { "send_cert", &ike->send_cert },
		{ "send_chain", &ike->send_chain }, { "send_cr", &ike->send_cr },
		{ "natt_force", &ike->natt_force },
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(flags[i].key, key) == 0)
			return flags[i].flag;
	return NULL;
}

static bool peercfg_top_role(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			     struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(v, key, peercfg_roles, &i, err))
		return false;
	x->c->ike.role = i ? IKE_RESPONDER : IKE_INITIATOR;
	return true;
}

static bool peercfg_top_exchange(const struct yaml_node *v, const char *key,
				 struct peercfg_ctx *x, struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(v, key, peercfg_exchanges, &i, err))
		return false;
	x->c->ike.exchange = i ? WIRE_X_AGGR : WIRE_X_MAIN;
	return true;
}

static bool peercfg_top_auth(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			     struct yaml_error *err)
{
	return peercfg_auth(v, key, &x->auth, err);
}

static bool peercfg_top_psk(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			    struct yaml_error *err)
{
	const char *s;
	if (!yaml_str(v, key, &s, err))
		return false;
	x->c->psk = chunk_dup(s, strlen(s));
	return true;
}

/* local_id, remote_id ("%any": accept any, for remote_id only) */
static bool peercfg_top_id(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			   struct yaml_error *err)
{
	struct ike_config *ike = &x->c->ike;
	bool local = key[0] == 'l';
	if (!peercfg_id(v, key, local ? &ike->local_id : &ike->remote_id, err))
		return false;
	if (local && !ike->local_id.type)
		return yaml_fail(err, v, "'local_id' cannot be %%any: it is the ID we send");
	return true;
}

static bool peercfg_top_id_checks(const struct yaml_node *v, const char *key,
				  struct peercfg_ctx *x, struct yaml_error *err)
{
	return peercfg_id_checks(v, key, &x->c->ike.id_checks, err);
}

/* psks: [{ id, psk }...], the keys by the peer's ID, each ID once */
static bool peercfg_top_psks(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			     struct yaml_error *err)
{
	struct peercfg *c = x->c;
	if (v->type != YAML_SEQ || !v->n)
		return yaml_fail_expect(err, v, key, "a list of { id, psk } mappings");
	for (size_t i = 0; i < v->n; i++) {
		struct ike_psk_entry *pe = &c->ike.psks[c->ike.npsks];
		const char *psk;
		if (i == IKE_MAX_PSKS)
			return yaml_fail(err, v->items[i], "more than %d PSKs", IKE_MAX_PSKS);
		if (!peercfg_psk_item(v->items[i], &pe->id, &psk, err))
			return false;
		for (size_t k = 0; k < i; k++)
			if (c->ike.psks[k].id.type == pe->id.type && c->ike.psks[k].id.len == pe->id.len &&
			    !memcmp(c->ike.psks[k].id.data, pe->id.data, pe->id.len))
				return yaml_fail(err, yaml_map_get(v->items[i], "id"),
						 "'id': a second PSK for the same ID (item %zu has it)",
						 k + 1);
		c->psk_keys[i] = chunk_dup(psk, strlen(psk));
		pe->psk = c->psk_keys[i];
		c->ike.npsks++;
	}
	return true;
}

/* send_cert, send_cr: a boolean, or always / never as the suites say */
static bool peercfg_top_send(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			     struct yaml_error *err)
{
	bool *flag = peercfg_flag(&x->c->ike, key);
	if (yaml_is_scalar(v) && (!strcmp(v->str, "always") || !strcmp(v->str, "never"))) {
		*flag = v->str[0] == 'a';
		return true;
	}
	if (yaml_is_scalar(v) && !strcmp(v->str, "ifasked")) {
		if (strcmp(key, "send_cert") != 0)
			return yaml_fail(err, v, "'%s': ifasked is for send_cert only (a CR is "
					 "never asked for)", key);
		x->c->ike.send_cert = x->c->ike.send_cert_ifasked = true;
		return true;
	}
	if (!yaml_bool(v, key, flag, NULL))
		return yaml_fail_expect(err, v, key, "true, false, always or never");
	return true;
}

/* proposals, phase2, listen, remote_address: read in peercfg_finish */
static bool peercfg_top_later(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			      struct yaml_error *err)
{
	(void)err;
	*(strcmp(key, "proposals") == 0 ? &x->proposals
	  : strcmp(key, "phase2") == 0	? &x->phase2
	  : strcmp(key, "listen") == 0	? &x->listen
					: &x->remote) = v;
	return true;
}

static bool peercfg_top_ike_lifetime(const struct yaml_node *v, const char *key,
				     struct peercfg_ctx *x, struct yaml_error *err)
{
	return peercfg_lifetime(v, key, &x->life_sec, &x->life_kb, err);
}

/* local_ts, remote_ts */
static bool peercfg_top_ts(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			   struct yaml_error *err)
{
	struct ike_config *ike = &x->c->ike;
	return peercfg_ts(v, key, key[0] == 'l' ? &ike->ts_local : &ike->ts_remote, err);
}

static bool peercfg_top_life_policy(const struct yaml_node *v, const char *key,
				    struct peercfg_ctx *x, struct yaml_error *err)
{
	return peercfg_life_policy(v, key, &x->c->ike.life_policy, err);
}

static bool peercfg_top_retransmit(const struct yaml_node *v, const char *key,
				   struct peercfg_ctx *x, struct yaml_error *err)
{
	static const struct yaml_field fields[] = {
		{ "timeout", false, peercfg_retrans_key }, { "tries", false, peercfg_retrans_key },
		{ "max", false, peercfg_retrans_key }, { "responder", false, peercfg_retrans_key },
	};
	x->retransmit = v;
	return yaml_map_walk(v, key, fields, sizeof(fields) / sizeof(fields[0]), &x->c->ike, err);
}

static bool peercfg_top_flag(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			     struct yaml_error *err)
{
	bool b;
	if (!yaml_bool(v, key, &b, err))
		return false;
	*peercfg_flag(&x->c->ike, key) = b;
	return true;
}

/* max_sas, nonce_size */
static bool peercfg_top_count(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			      struct yaml_error *err)
{
	uint64_t n;
	if (strcmp(key, "max_sas") == 0) {
		if (!yaml_uint(v, key, 1, 100000, &n, err))
			return false;
		x->c->ike.max_sas = (size_t)n;
		return true;
	}
	/* RFC 2409 5: nonces of 8 to 256 bytes */
	if (!yaml_uint(v, key, 8, 256, &n, err))
		return false;
	x->c->ike.nonce_len = (size_t)n;
	return true;
}

/* rekey_margin, dpd, natt_keepalive */
static bool peercfg_top_timer(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			      struct yaml_error *err)
{
	struct peercfg *c = x->c;
	uint64_t n;
	if (strcmp(key, "rekey_margin") == 0) {
		/* child SAs we initiated are replaced this long before they
		   expire (engine.h); 0s: never */
		if (!yaml_duration_ms(v, key, 0, 86400000, &n, err))
			return false;
		c->ike.rekey_margin_ms = (uint32_t)n;
	} else if (strcmp(key, "dpd") == 0) {
		if (!yaml_duration_ms(v, key, 1000, 86400000, &n, err))
			return false;
		c->ike.dpd_idle_ms = (uint32_t)n;
	} else {
		/* 0 turns it off; a NAT forgets UDP after tens of seconds */
		if (!yaml_duration_ms(v, key, 0, 3600000, &n, err))
			return false;
		c->natt_keepalive_ms = (uint32_t)n;
	}
	return true;
}

/* cert, key, chain, ca, crl, log_file: paths */
static bool peercfg_top_file(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			     struct yaml_error *err)
{
	struct peercfg *c = x->c;
	char **slot = strcmp(key, "cert") == 0	? &c->cert
		    : strcmp(key, "key") == 0	? &c->key
		    : strcmp(key, "chain") == 0 ? &c->chain
		    : strcmp(key, "ca") == 0	? &c->ca
		    : strcmp(key, "crl") == 0	? &c->crl
						: &c->log_file;
	return (*slot = peercfg_dup(v, key, err)) != NULL;
}

/* port, natt_port (0: none), natt_peer_port */
static bool peercfg_top_port(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			     struct yaml_error *err)
{
	bool natt = strcmp(key, "natt_port") == 0;
	uint16_t *slot = natt ? &x->c->natt_port
		       : strcmp(key, "port") == 0 ? &x->port : &x->c->ike.natt_peer_port;
	uint64_t n;
	if (!yaml_uint(v, key, natt ? 0 : 1, 65535, &n, err))
		return false;
	*slot = (uint16_t)n;
	return true;
}

static bool peercfg_top_natt(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
			     struct yaml_error *err)
{
	return peercfg_natt(v, key, &x->c->ike.natt, err);
}

static bool peercfg_top_exchanges(const struct yaml_node *v, const char *key,
				  struct peercfg_ctx *x, struct yaml_error *err)
{
	uint64_t n;
	x->exchanges = v;
	if (yaml_is_scalar(v) && strcmp(v->str, "forever") == 0)
		x->c->exchanges = 0;
	else if (yaml_uint(v, key, 1, 1000000, &n, NULL))
		x->c->exchanges = (unsigned)n;
	else
		return yaml_fail_expect(err, v, key, "a number from 1 to 1000000 or forever");
	return true;
}

static bool peercfg_top_log_level(const struct yaml_node *v, const char *key,
				  struct peercfg_ctx *x, struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(v, key, peercfg_levels, &i, err))
		return false;
	x->c->log_level = (enum log_level)i;
	return true;
}

/* Each top-level key's reader; peercfg_from_node has the keys a file may
 * have, in the order suggestions prefer. */
static const struct peercfg_top_row {
	const char *key;
	bool (*fn)(const struct yaml_node *v, const char *key, struct peercfg_ctx *x,
		   struct yaml_error *err);
} peercfg_top_rows[] = {
	{ "role", peercfg_top_role }, { "exchange", peercfg_top_exchange },
	{ "auth", peercfg_top_auth }, { "psk", peercfg_top_psk },
	{ "local_id", peercfg_top_id }, { "remote_id", peercfg_top_id },
	{ "id_checks", peercfg_top_id_checks }, { "psks", peercfg_top_psks },
	{ "proposals", peercfg_top_later }, { "ike_lifetime", peercfg_top_ike_lifetime },
	{ "phase2", peercfg_top_later }, { "local_ts", peercfg_top_ts },
	{ "remote_ts", peercfg_top_ts }, { "lifetime_policy", peercfg_top_life_policy },
	{ "retransmit", peercfg_top_retransmit }, { "initial_contact", peercfg_top_flag },
	{ "commit", peercfg_top_flag }, { "notify_errors", peercfg_top_flag },
	{ "send_cert", peercfg_top_send }, { "send_chain", peercfg_top_flag },
	{ "send_cr", peercfg_top_send }, { "natt_force", peercfg_top_flag },
	{ "max_sas", peercfg_top_count }, { "nonce_size", peercfg_top_count },
	{ "rekey_margin", peercfg_top_timer }, { "dpd", peercfg_top_timer },
	{ "natt_keepalive", peercfg_top_timer }, { "cert", peercfg_top_file },
	{ "key", peercfg_top_file }, { "chain", peercfg_top_file }, { "ca", peercfg_top_file },
	{ "crl", peercfg_top_file },
	{ "log_file", peercfg_top_file }, { "listen", peercfg_top_later },
	{ "remote_address", peercfg_top_later }, { "port", peercfg_top_port },
	{ "natt_port", peercfg_top_port }, { "natt_peer_port", peercfg_top_port },
	{ "natt", peercfg_top_natt }, { "exchanges", peercfg_top_exchanges },
	{ "log_level", peercfg_top_log_level },
};

static bool peercfg_top(const struct yaml_node *v, const char *key, void *vctx,
			struct yaml_error *err)
{
	for (size_t i = 0; i < sizeof(peercfg_top_rows) / sizeof(peercfg_top_rows[0]); i++)
		if (strcmp(peercfg_top_rows[i].key, key) == 0)
			return peercfg_top_rows[i].fn(v, key, vctx, err);
	return true;
}

static bool peercfg_addr(const struct yaml_node *v, const char *key, uint16_t port,
			 struct netaddr *out, struct yaml_error *err)
{
	const char *s;
	char e[200];
	if (!yaml_str(v, key, &s, err))
		return false;
	if (!netaddr_parse(s, port, out, e, sizeof(e)))
		return yaml_fail(err, v, "'%s': %s", key, e);
	return true;
}

/* The parts that need several keys: sockets, proposals, auth material. */
static bool peercfg_finish(struct peercfg_ctx *x, struct yaml_error *err)
{
	struct peercfg *c = x->c;
	bool initiator = c->ike.role == IKE_INITIATOR;
	if (initiator && !x->remote)
		return yaml_fail(err, x->root, "missing key 'remote_address': an initiator needs "
				 "the address of its peer");
	if (!initiator && x->remote)
		return yaml_fail(err, x->remote, "'remote_address' is only for role initiator");
	if (x->remote && !peercfg_addr(x->remote, "remote_address", 500, &c->remote, err))
		return false;
	c->has_remote = x->remote != NULL;
	if (!x->exchanges)
		c->exchanges = initiator ? 1 : 0;

	if (x->listen) {
		size_t count;
		const struct yaml_node *const *items = yaml_items(&x->listen, &count);
		if (!count)
			return yaml_fail_expect(err, x->listen, "listen", "an address or a list of them");
		for (size_t i = 0; i < count; i++) {
			if (i == PEERCFG_MAX_LISTEN)
				return yaml_fail(err, items[i], "more than %d listen addresses",
						 PEERCFG_MAX_LISTEN);
			if (!peercfg_addr(items[i], "listen", x->port, &c->listen[i], err))
				return false;
			c->nlisten++;
		}
	} else {
		const char *any = c->has_remote && c->remote.family == AF_INET6 ? "::" : "0.0.0.0";
		char e[100];
		netaddr_parse(any, x->port, &c->listen[0], e, sizeof(e));
		c->nlisten = 1;
	}

	if (c->ike.retrans_max_ms < c->ike.retrans_ms)
		return yaml_fail(err, x->retransmit ? x->retransmit : x->root,
				 "retransmit 'max' must not be shorter than 'timeout'");

	const struct yaml_node *p = x->proposals;
	if (p->type != YAML_SEQ || p->n == 0)
		return yaml_fail_expect(err, p, "proposals", "a list of at least one proposal");
	struct ike_p1_xform def = { .auth = x->auth, .life_sec = x->life_sec, .life_kb = x->life_kb };
	bool need_psk = false, need_cert = false;
	for (size_t i = 0; i < p->n; i++) {
		struct ike_p1_xform xf;
		if (!peercfg_p1(p->items[i], &def, &xf, err))
			return false;
		if (!ike_config_add_p1(&c->ike, xf))
			return yaml_fail(err, p->items[i], "more than %d proposals", IKE_MAX_PROPOSALS);
		need_psk |= xf.auth == IKE_AUTH_PSK;
		need_cert |= xf.auth != IKE_AUTH_PSK;
	}
	if (need_psk && !c->psk.len && !c->ike.npsks)
		return yaml_fail(err, x->root, "missing key 'psk': auth psk needs a pre-shared key");
	if (need_cert && !c->cert)
		return yaml_fail(err, x->root, "missing key 'cert': signature auth needs a certificate");
	if (need_cert && !c->key)
		return yaml_fail(err, x->root, "missing key 'key': signature auth needs a private key");
	c->ike.psk = c->psk;

	if (x->phase2 && !peercfg_phase2(x, err))
		return false;
	return true;
}

bool peercfg_from_node(const struct yaml_node *map, const char *what, struct peercfg *out,
		       struct yaml_error *err)
{
	static const char *const keys[] = {
		"role", "exchange", "auth", "psk", "psks", "local_id", "remote_id", "id_checks",
		"proposals",
		"ike_lifetime", "phase2", "local_ts", "remote_ts", "lifetime_policy",
		"retransmit", "initial_contact", "commit", "notify_errors", "nonce_size", "dpd",
		"rekey_margin", "send_cert", "send_chain", "send_cr", "max_sas",
		"cert", "key", "chain", "ca", "crl", "listen", "port", "natt_port", "natt", "natt_force",
		"natt_peer_port", "natt_keepalive", "remote_address",
		"exchanges", "log_file", "log_level",
	};
	struct yaml_field fields[sizeof(keys) / sizeof(keys[0])];
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		fields[i] = (struct yaml_field){ keys[i], strcmp(keys[i], "proposals") == 0,
						 peercfg_top };
	memset(out, 0, sizeof(*out));
	ike_config_init(&out->ike);
	out->ike.role = IKE_RESPONDER; /* a peer process waits unless told */
	out->natt_port = 4500;
	out->ike.natt = IKE_NATT_ALL;
	out->log_level = LOG_INFO;
	struct peercfg_ctx x = { .c = out, .root = map, .auth = IKE_AUTH_PSK, .port = 500 };
	if (yaml_map_walk(map, what, fields, sizeof(fields) / sizeof(fields[0]), &x, err) &&
	    peercfg_finish(&x, err))
		return true;
	peercfg_free(out);
	return false;
}

bool peercfg_load_string(const char *name, const char *text, struct peercfg *out,
			 struct yaml_error *err)
{
	struct yaml_doc *doc;
	memset(out, 0, sizeof(*out));
	if (!yaml_load_string(name, text, strlen(text), &doc, err))
		return false;
	bool ok = peercfg_from_node(yaml_doc_root(doc), "config", out, err);
	yaml_doc_free(doc);
	return ok;
}

bool peercfg_load_file(const char *path, struct peercfg *out, struct yaml_error *err)
{
	struct yaml_doc *doc;
	memset(out, 0, sizeof(*out));
	if (!yaml_load_file(path, &doc, err))
		return false;
	bool ok = peercfg_from_node(yaml_doc_root(doc), "config", out, err);
	yaml_doc_free(doc);
	return ok;
}

void peercfg_free(struct peercfg *c)
{
	if (!c)
		return;
	/* ours whoever owns the other credentials */
	if (c->ike.crls)
		sk_X509_CRL_pop_free(c->ike.crls, X509_CRL_free);
	c->ike.crls = NULL;
	ike_config_clear(&c->ike);
	free(c->log_file);
	free(c->cert);
	free(c->key);
	free(c->chain);
	free(c->ca);
	free(c->crl);
	chunk_clear(&c->psk);
	for (size_t i = 0; i < IKE_MAX_PSKS; i++)
		chunk_clear(&c->psk_keys[i]);
	memset(c, 0, sizeof(*c));
}

bool peercfg_load_crl(struct peercfg *c, char *err, size_t errlen)
{
	if (!c->crl)
		return true;
	struct pki_err pe;
	STACK_OF(X509_CRL) *crls = pki_load_crls(c->crl, &pe);
	if (!crls) {
		snprintf(err, errlen, "crl %s", pe.msg);
		return false;
	}
	if (c->ike.crls)
		sk_X509_CRL_pop_free(c->ike.crls, X509_CRL_free);
	c->ike.crls = crls;
	return true;
}

