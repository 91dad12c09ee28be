/* The self peer's config text (docs/peer-config.md): a case as the YAML
 * that `ike-conform peer --config` reads. Pure: into the caller's buffer. */
#include <inttypes.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/chunk.h"
#include "pki/pki.h"
#include "peers/self/self.h"
#include "suite/peercfg.h"
#include "wire/msg.h"

static bool self_conf_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool self_conf_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

struct self_buf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void self_put(struct self_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void self_put(struct self_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		b->len = b->cap - 1;
		return;
	}
	b->len += (size_t)n;
}

/* natt: all, none, or the case's versions (the peer config's names) */
static void self_natt(struct self_buf *b, const struct peer_case *c)
{
	static const char *const names[] = { "none", "draft-02", "draft-03", "rfc3947" };
	if (c->no_natt || !c->natt) {
		self_put(b, "natt: %s\n", c->no_natt ? "none" : "all");
		return;
	}
	self_put(b, "natt: [");
	const char *sep = "";
	for (unsigned v = IKE_NATT_DRAFT_02; v <= IKE_NATT_RFC3947; v++)
		if (c->natt & IKE_NATT_BIT(v)) {
			self_put(b, "%s%s", sep, names[v]);
			sep = ", ";
		}
	self_put(b, "]\n");
}

/* A string in YAML double quotes, escaped where YAML needs it. */
static void self_quoted(struct self_buf *b, const char *s)
{
	self_put(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			self_put(b, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			self_put(b, "\\x%02x", ch);
		else
			self_put(b, "%c", ch);
	}
	self_put(b, "\"");
}

/* Whether a PSK goes between double quotes as it is (the config's
 * readers see the same bytes). */
static bool self_psk_ok(const char *psk)
{
	return !strpbrk(psk, "\"\\\n");
}

/* An ID as the peer config spells it: one word that peercfg_id_read
 * takes back to the same bytes (a DN as its DER in hex, so the order and
 * string types of its RDNs stay as the case has them). Every type. */
static bool self_id(const struct ike_id *id, char *out, size_t len)
{
	return id->type && peercfg_id_text(id, out, len);
}

/* key: ID, with the DN's text in a comment above for whoever reads it */
static bool self_conf_id(struct self_buf *b, const char *key, const struct ike_id *id,
			 const char *indent)
{
	char t[600], dn[512];
	if (!self_id(id, t, sizeof(t)))
		return false;
	if (id->type == 9)
		self_put(b, "%s# %s: dn:%s\n", indent, key,
			 pki_dn_str(CHUNK_FROM(id->data, id->len), dn, sizeof(dn)));
	self_put(b, "%s%s: \"%s\"\n", indent, key, t);
	return true;
}

/* A traffic selector (a single subnet or address) as text. */
static bool self_ts(const struct ike_ts *t, char *out, size_t len)
{
	char a[64];
	int fam = t->type == 1 || t->type == 4 ? AF_INET : AF_INET6;
	size_t n = fam == AF_INET ? 4 : 16;
	if ((t->type != 1 && t->type != 4 && t->type != 5 && t->type != 6) ||
	    t->len != (t->type == 4 || t->type == 6 ? 2 * n : n) ||
	    !inet_ntop(fam, t->data, a, sizeof(a)))
		return false;
	if (t->type == 4 || t->type == 6) {
		unsigned bits = 0;
		for (size_t i = 0; i < n; i++)
			bits += (unsigned)__builtin_popcount(t->data[n + i]);
		snprintf(out, len, "%s/%u", a, bits);
	} else {
		snprintf(out, len, "%s", a);
	}
	return true;
}

/* Its config's spelling; NULL for DSS, which the engine cannot sign with. */
static const char *self_auth(uint16_t a)
{
	return a == IKE_AUTH_DSS ? NULL : ike_auth_name(a);
}

/* "aes128-sha1", "aes256gcm16", "3des-md5" (ike_p2_parse's spelling). */
static bool self_esp(const struct ike_p2_xform *x, char *out, size_t len)
{
	const char *a = x->auth == IKE_EAUTH_MD5 ? "-md5" : x->auth == IKE_EAUTH_SHA1 ? "-sha1"
		      : x->auth == IKE_EAUTH_SHA256 ? "-sha256" : x->auth == IKE_EAUTH_SHA384 ? "-sha384"
		      : x->auth == IKE_EAUTH_SHA512 ? "-sha512" : x->auth ? NULL : "";
	unsigned bits = x->keylen ? x->keylen : 128;
	if (!a)
		return false;
	switch (x->transform) {
	case IKE_ESP_DES: snprintf(out, len, "des%s", a); return true;
	case IKE_ESP_3DES: snprintf(out, len, "3des%s", a); return true;
	case IKE_ESP_NULL: snprintf(out, len, "null%s", a); return true;
	case IKE_ESP_AES: snprintf(out, len, "aes%u%s", bits, a); return true;
	case IKE_ESP_AES_GCM_8: snprintf(out, len, "aes%ugcm8", bits); return true;
	case IKE_ESP_AES_GCM_12: snprintf(out, len, "aes%ugcm12", bits); return true;
	case IKE_ESP_AES_GCM_16: snprintf(out, len, "aes%ugcm16", bits); return true;
	default: return false;
	}
}

/* Who meets whom: role, exchange, authentication, PSKs and IDs, and how
 * strictly IDs are judged. */
static bool self_conf_identity(struct self_buf *b, const struct peer_case *c, const char *auth,
			       char *err, size_t errlen)
{
	self_put(b, "# case %s (generated by peers/self)\n", c->name);
	self_put(b, "role: %s\n", c->initiator ? "initiator" : "responder");
	self_put(b, "exchange: %s\n", c->exchange == WIRE_X_AGGR ? "aggressive" : "main");
	self_put(b, "auth: %s\n", auth);
	if (c->psk) {
		if (!self_psk_ok(c->psk))
			return self_conf_fail(err, errlen, "case %s: the PSK has a quote, backslash or "
					      "newline", c->name);
		self_put(b, "psk: \"%s\"\n", c->psk);
	}
	if (c->npsks > IKE_MAX_PSKS)
		return self_conf_fail(err, errlen, "case %s: more than %d PSKs", c->name, IKE_MAX_PSKS);
	if (c->npsks)
		self_put(b, "psks:\n");
	for (size_t i = 0; i < c->npsks; i++) {
		if (!c->psks[i].psk || !*c->psks[i].psk || !c->psks[i].id.type ||
		    !self_conf_id(b, "- id", &c->psks[i].id, "  "))
			return self_conf_fail(err, errlen, "case %s: PSK %zu needs an ID and a key",
					      c->name, i + 1);
		if (!self_psk_ok(c->psks[i].psk))
			return self_conf_fail(err, errlen, "case %s: PSK %zu has a quote, backslash or "
					      "newline", c->name, i + 1);
		self_put(b, "    psk: \"%s\"\n", c->psks[i].psk);
	}
	if (c->local_id.type && !self_conf_id(b, "local_id", &c->local_id, ""))
		return self_conf_fail(err, errlen, "case %s: local ID type %u cannot be written",
				      c->name, c->local_id.type);
	if (c->remote_id_any)
		self_put(b, "remote_id: \"%%any\"\n");
	else if (c->remote_id.type && !self_conf_id(b, "remote_id", &c->remote_id, ""))
		return self_conf_fail(err, errlen, "case %s: remote ID type %u cannot be written",
				      c->name, c->remote_id.type);
	if (c->id_checks_set)
		self_put(b, "id_checks: %s\n",
			 c->id_checks == IKE_ID_CHECKS_STRICT ? "strict" : "lenient");
	return true;
}

/* The phase-1 proposals and the SA's lifetime. */
static void self_conf_phase1(struct self_buf *b, const struct peer_case *c)
{
	char t1[600];
	self_put(b, "proposals:\n");
	for (size_t i = 0; i < c->np1; i++) {
		const struct ike_p1_xform *x = &c->p1[i];
		self_put(b, "  - \"%s\"\n", ike_p1_str(x, t1, sizeof(t1)));
	}
	if (c->p1[0].life_sec || c->p1[0].life_kb) {
		if (c->p1[0].life_sec && c->p1[0].life_kb)
			self_put(b, "ike_lifetime: [%" PRIu32 "s, %" PRIu32 "kb]\n", c->p1[0].life_sec,
				 c->p1[0].life_kb);
		else if (c->p1[0].life_sec)
			self_put(b, "ike_lifetime: %" PRIu32 "s\n", c->p1[0].life_sec);
		else
			self_put(b, "ike_lifetime: %" PRIu32 "kb\n", c->p1[0].life_kb);
	}
}

/* The ESP proposals, PFS, mode and child lifetime; the rekey margin. */
static bool self_conf_phase2(struct self_buf *b, const struct peer_case *c, char *err,
			     size_t errlen)
{
	char t1[600];
	if (c->np2) {
		self_put(b, "phase2:\n  esp: [");
		for (size_t i = 0; i < c->np2; i++) {
			if (!self_esp(&c->p2[i], t1, sizeof(t1)))
				return self_conf_fail(err, errlen, "case %s: ESP proposal %zu cannot be "
						      "written", c->name, i + 1);
			self_put(b, "%s\"%s\"", i ? ", " : "", t1);
		}
		self_put(b, "]\n");
		if (c->p2[0].group)
			self_put(b, "  pfs: %u\n", c->p2[0].group);
		self_put(b, "  mode: %s\n", c->transport_mode ? "transport" : "tunnel");
		if (c->p2[0].life_sec)
			self_put(b, "  lifetime: %" PRIu32 "s\n", c->p2[0].life_sec);
	}
	if (c->rekey_margin_ms)
		self_put(b, "rekey_margin: %" PRIu32 "ms\n", c->rekey_margin_ms);
	return true;
}

/* send_cert, send_cr: the engine's switch; false for a mode it lacks. */
static bool self_conf_send(struct self_buf *b, const char *key, enum peer_send v)
{
	if (v == PEER_SEND_IFASKED && strcmp(key, "send_cert") != 0)
		return false;
	if (v != PEER_SEND_DEFAULT)
		self_put(b, "%s: %s\n", key, v == PEER_SEND_ALWAYS ? "true"
					    : v == PEER_SEND_IFASKED ? "ifasked" : "false");
	return true;
}

/* The traffic selectors, the signature auth's PEM files (the CRL among
 * them) and which certificate payloads go out. */
static bool self_conf_selectors(struct self_buf *b, const struct peer_case *c, char *err,
				size_t errlen)
{
	char t1[600], t2[600];
	if (c->ts_local.set && c->ts_remote.set) {
		if (!self_ts(&c->ts_local, t1, sizeof(t1)) || !self_ts(&c->ts_remote, t2, sizeof(t2)))
			return self_conf_fail(err, errlen, "case %s: traffic selectors must be one "
					      "address or subnet each", c->name);
		self_put(b, "local_ts: %s\nremote_ts: %s\n", t1, t2);
	}
	const struct { const char *key, *path; } files[] = {
		{ "cert", c->cert_path }, { "key", c->key_path }, { "chain", c->chain_path },
		{ "ca", c->ca_path }, { "crl", c->crl_path },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!files[i].path)
			continue;
		self_put(b, "%s: ", files[i].key);
		self_quoted(b, files[i].path);
		self_put(b, "\n");
	}
	if (!self_conf_send(b, "send_cert", c->send_cert) || !self_conf_send(b, "send_cr", c->send_cr))
		return self_conf_fail(err, errlen, "case %s: the self peer cannot send CR payloads "
				      "only when asked (nobody asks for one)", c->name);
	return true;
}

/* Where it listens, NAT-T, the lifetime policy and, for an initiator,
 * whom it starts one exchange with. */
static void self_conf_network(struct self_buf *b, const struct peer_case *c)
{
	char t1[600], t2[600];
	struct netaddr l = c->local;
	l.port = 0;
	char *colon = strrchr(netaddr_str(&l, t1, sizeof(t1)), ':');
	if (colon)
		*colon = '\0';  /* the address alone: port is its own key */
	self_put(b, "listen: \"%s\"\nport: %u\nnatt_port: %u\n", t1,
		 c->local.port ? c->local.port : 500, IKE_NATT_PORT);
	self_natt(b, c);
	self_put(b, "natt_force: %s\n", c->force_encap ? "true" : "false");
	if (c->keepalive_ms)
		self_put(b, "natt_keepalive: %" PRIu32 "ms\n", c->keepalive_ms);
	if (c->life_policy_set)
		self_put(b, "lifetime_policy: %s\n", c->life_policy == IKE_LIFE_ACCEPT ? "accept"
			 : c->life_policy == IKE_LIFE_NOT_LONGER ? "not-longer" : "notify");
	if (c->initiator) {
		struct netaddr r = c->remote;
		if (!r.port)
			r.port = 500;
		self_put(b, "remote_address: \"%s\"\nexchanges: 1\n", netaddr_str(&r, t2, sizeof(t2)));
	}
}

bool self_peer_config(const struct peer_case *c, char *buf, size_t len, char *err,
		      size_t errlen)
{
	struct self_buf b = { buf, 0, len, false };
	const char *auth = self_auth(c->auth);
	buf[0] = '\0';
	if (!auth)
		return self_conf_fail(err, errlen, "case %s: auth method %u is not supported by the "
				      "self peer", c->name, c->auth);
	if (!c->np1)
		return self_conf_fail(err, errlen, "case %s: no phase-1 proposal", c->name);
	if (!self_conf_identity(&b, c, auth, err, errlen))
		return false;
	self_conf_phase1(&b, c);
	if (!self_conf_phase2(&b, c, err, errlen) || !self_conf_selectors(&b, c, err, errlen))
		return false;
	self_conf_network(&b, c);
	self_put(&b, "log_level: debug\n");
	if (b.overflow)
		return self_conf_fail(err, errlen, "case %s: the peer config does not fit in %zu bytes",
				      c->name, len);
	return true;
}
