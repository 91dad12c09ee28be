/* swanctl.conf and strongswan.conf generation: pure functions into a
 * caller's buffer, one `key = value` per line (strongswan.conf's parser
 * rejects several settings on one line). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pki/pki.h"
#include "peers/strongswan/strongswan.h"
#include "wire/msg.h"

/* A bounded text builder: the first overflow sticks, and the caller turns
 * it into an error naming the file being built. */
struct ss_out {
	char *buf;
	size_t len, off;
	int depth;            /* tabs before the next line */
	bool full;
};

__attribute__((format(printf, 2, 3)))
static void ss_line(struct ss_out *o, const char *fmt, ...)
{
	if (o->full)
		return;
	for (int i = 0; i < o->depth; i++) {
		if (o->off + 1 >= o->len) {
			o->full = true;
			return;
		}
		o->buf[o->off++] = '\t';
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= o->len - o->off) {
		o->full = true;
		return;
	}
	o->off += (size_t)n;
	o->buf[o->off++] = '\n';
	o->buf[o->off] = '\0';
}

static void ss_open(struct ss_out *o, const char *name)
{
	ss_line(o, "%s {", name);
	o->depth++;
}

static void ss_close(struct ss_out *o)
{
	o->depth--;
	ss_line(o, "}");
}

static bool ss_done(struct ss_out *o, const char *what, char *err, size_t errlen)
{
	if (o->full) {
		snprintf(err, errlen, "%s: buffer of %zu bytes too small", what, o->len);
		return false;
	}
	return true;
}

/* Text that can sit between double quotes in strongSwan's settings files
 * without escapes: printable ASCII other than '"' and '\'. */
static bool ss_quotable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
			return false;
	return true;
}

/* A connection name as DESIGN asks: [a-z0-9-], so it is also safe as a
 * section name and in "ike-<name>". */
static bool ss_name_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static bool ss_addr_str(const struct netaddr *a, char *buf, size_t len)
{
	return a->family && inet_ntop(a->family, a->ip, buf, (socklen_t)len);
}

/* prefix then "#" and the bytes in hex: strongSwan's identity syntax for
 * exact bytes of a typed ID (identification.c takes "<prefix>:#hex"). */
static bool ss_id_hex(const char *prefix, const struct ike_id *id, char *buf, size_t len,
		      const char *which, char *err, size_t errlen)
{
	int n = snprintf(buf, len, "%s#", prefix);
	size_t off = n < 0 ? len : (size_t)n;
	for (size_t i = 0; i < id->len && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%02x", id->data[i]);
	if (!id->len || off + 1 >= len) {
		snprintf(err, errlen, "%s ID: %s empty or too long", which, prefix);
		return false;
	}
	return true;
}

/* An ike_id as strongSwan's identity syntax, typed so that charon never
 * guesses: addresses bare (charon reads "ipv4:..." as the text's own
 * bytes), "fqdn:" and "email:" text (a leading '*' stays a pattern:
 * charon matches "*.example.org" as a suffix), "keyid:#hex", and a DN as
 * "asn1dn:#hex", the case's DER itself: charon's DN text parser would
 * re-encode every RDN as PrintableString (UTF8String when not printable)
 * and knows neither multi-valued RDNs nor other OIDs, so the ID payload
 * it sends would not be the case's bytes. */
static bool ss_id_str(const struct ike_id *id, const struct netaddr *addr, char *buf,
		      size_t len, const char *which, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN];
	switch (id->type) {
	case 0:
		if (!ss_addr_str(addr, a, sizeof(a))) {
			snprintf(err, errlen, "%s ID: no IKE address to use", which);
			return false;
		}
		snprintf(buf, len, "%s", a);
		return true;
	case 1: case 5:
		if (id->len != (id->type == 1 ? 4u : 16u) ||
		    !inet_ntop(id->type == 1 ? AF_INET : AF_INET6, id->data, a, sizeof(a))) {
			snprintf(err, errlen, "%s ID: bad address length %zu", which, id->len);
			return false;
		}
		snprintf(buf, len, "%s", a);
		return true;
	case 2: case 3: {
		const char *pfx = id->type == 2 ? "fqdn:" : "email:";
		if (!ss_quotable(id->data, id->len))
			return ss_id_hex(pfx, id, buf, len, which, err, errlen);
		if (!id->len || id->len + 8 > len) {
			snprintf(err, errlen, "%s ID: %s empty or too long", which,
				 id->type == 2 ? "FQDN" : "user FQDN");
			return false;
		}
		snprintf(buf, len, "%s%.*s", pfx, (int)id->len, (const char *)id->data);
		return true;
	}
	case 9:
		return ss_id_hex("asn1dn:", id, buf, len, which, err, errlen);
	case 11:
		return ss_id_hex("keyid:", id, buf, len, which, err, errlen);
	}
	snprintf(err, errlen, "%s ID: type %u is not supported for strongSwan (phase 1 IDs: "
		 "addresses, FQDN, user FQDN, DN, key ID)", which, id->type);
	return false;
}

/* A Quick Mode client ID as a swanctl traffic selector. */
static bool ss_ts_str(const struct ike_ts *ts, char *buf, size_t len, const char *which,
		      char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool v6 = ts->type == 5 || ts->type == 6 || ts->type == 8;
	int fam = v6 ? AF_INET6 : AF_INET;
	size_t l = v6 ? 16 : 4;
	int n;
	switch (ts->type) {
	case 1: case 5:
		if (ts->len != l || !inet_ntop(fam, ts->data, a, sizeof(a)))
			goto bad;
		n = snprintf(buf, len, "%s/%zu", a, l * 8);
		break;
	case 4: case 6: {
		if (ts->len != 2 * l || !inet_ntop(fam, ts->data, a, sizeof(a)))
			goto bad;
		/* the mask must be a prefix */
		size_t bits = 0;
		bool ended = false;
		for (size_t i = 0; i < l * 8; i++) {
			bool set = ts->data[l + i / 8] & (0x80 >> (i % 8));
			if (set && ended) {
				snprintf(err, errlen, "%s traffic selector: mask is not a prefix", which);
				return false;
			}
			if (set)
				bits++;
			else
				ended = true;
		}
		n = snprintf(buf, len, "%s/%zu", a, bits);
		break;
	}
	case 7: case 8:
		if (ts->len != 2 * l || !inet_ntop(fam, ts->data, a, sizeof(a)) ||
		    !inet_ntop(fam, ts->data + l, b, sizeof(b)))
			goto bad;
		n = snprintf(buf, len, "%s-%s", a, b);
		break;
	default:
		snprintf(err, errlen, "%s traffic selector: ID type %u not supported", which,
			 ts->type);
		return false;
	}
	if (n < 0 || (size_t)n >= len)
		goto bad;
	if (ts->proto || ts->port) {
		if (!ts->proto) {
			snprintf(err, errlen, "%s traffic selector: a port needs a protocol", which);
			return false;
		}
		size_t off = (size_t)n;
		n = ts->port ? snprintf(buf + off, len - off, "[%u/%u]", ts->proto, ts->port)
			     : snprintf(buf + off, len - off, "[%u]", ts->proto);
		if (n < 0 || (size_t)n >= len - off)
			goto bad;
	}
	return true;
bad:
	snprintf(err, errlen, "%s traffic selector: bad data for ID type %u", which, ts->type);
	return false;
}

uint32_t strongswan_over_time(uint32_t life_sec)
{
	return life_sec / 10;
}

/* The PSK as a settings value: quoted text, or 0x hex for anything else. */
static void ss_secret_line(struct ss_out *o, const char *psk)
{
	size_t n = strlen(psk);
	if (ss_quotable((const uint8_t *)psk, n)) {
		ss_line(o, "secret = \"%s\"", psk);
		return;
	}
	char hex[2 * 256 + 3] = "0x";
	if (n > 256) {
		o->full = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", (uint8_t)psk[i]);
	ss_line(o, "secret = %s", hex);
}

static bool ss_path_ok(const char *p)
{
	return p && p[0] == '/' && ss_quotable((const uint8_t *)p, strlen(p));
}

/* The rest of what swanctl.conf cannot say: ports, lifetimes, ID checks,
 * CR policy, the extra PSKs. */
static bool ss_conf_check_more(const struct peer_case *c, char *err, size_t errlen)
{
	if (c->local.port && c->local.port != 500) {
		snprintf(err, errlen, "%s: local port %u: charon listens on 500/4500 only", c->name,
			 c->local.port);
		return false;
	}
	if (c->np1 && c->p1[0].life_kb) {
		snprintf(err, errlen, "%s: strongSwan has no kilobyte lifetime for IKE SAs",
			 c->name);
		return false;
	}
	if (c->id_checks_set) {
		snprintf(err, errlen, "%s: strongSwan has no setting for ID checks (it takes any "
			 "ID the RFCs' syntax allows and matches it against its config; id_checks "
			 "is for the self peer)", c->name);
		return false;
	}
	if (c->send_cr == PEER_SEND_IFASKED) {
		snprintf(err, errlen, "%s: send_cr ifasked: strongSwan sends certificate "
			 "requests or not (send_certreq yes|no), never only when asked", c->name);
		return false;
	}
	if (c->npsks > IKE_MAX_PSKS) {
		snprintf(err, errlen, "%s: %zu PSKs, at most %d", c->name, c->npsks, IKE_MAX_PSKS);
		return false;
	}
	for (size_t i = 0; i < c->npsks; i++) {
		if (!c->psks[i].psk || !*c->psks[i].psk || !c->psks[i].id.type) {
			snprintf(err, errlen, "%s: PSK %zu needs a secret and the harness ID it is "
				 "for", c->name, i + 1);
			return false;
		}
	}
	return true;
}

/* What swanctl.conf cannot say for the case: refused before anything is
 * made of it. *sig: signature auth (else PSK). */
static bool ss_conf_check(const struct peer_case *c, bool *sig, char *err, size_t errlen)
{
	if (!ss_name_ok(c->name)) {
		snprintf(err, errlen, "case name '%s': strongSwan connection names here are "
			 "[a-z0-9-], 1-64 characters", c->name ? c->name : "(null)");
		return false;
	}
	if (c->exchange != WIRE_X_MAIN && c->exchange != WIRE_X_AGGR) {
		snprintf(err, errlen, "%s: exchange %u: strongSwan does Main or Aggressive Mode",
			 c->name, c->exchange);
		return false;
	}
	bool psk = c->auth == IKE_AUTH_PSK;
	*sig = c->auth == IKE_AUTH_RSA || c->auth == IKE_AUTH_ECDSA_256 ||
	       c->auth == IKE_AUTH_ECDSA_384 || c->auth == IKE_AUTH_ECDSA_521;
	if (!psk && !*sig) {
		snprintf(err, errlen, "%s: auth method %u not supported for strongSwan", c->name,
			 c->auth);
		return false;
	}
	if (psk && (!c->psk || !*c->psk) && !c->npsks) {
		snprintf(err, errlen, "%s: PSK authentication without a PSK", c->name);
		return false;
	}
	if (*sig && (!ss_path_ok(c->cert_path) || !ss_path_ok(c->key_path) ||
		     (c->ca_path && !ss_path_ok(c->ca_path)) ||
		     (c->chain_path && !ss_path_ok(c->chain_path)) ||
		     (c->crl_path && !ss_path_ok(c->crl_path)))) {
		snprintf(err, errlen, "%s: signature auth needs absolute, quotable key, "
			 "certificate, CA, chain and CRL paths", c->name);
		return false;
	}
	return ss_conf_check_more(c, err, errlen);
}

/* The case's values in strongSwan's spelling, the file's words. */
struct ss_conf_words {
	bool psk, sig;
	char props[1024], esp[1024];
	char lid[2 * IKE_MAX_ID + 16], rid[2 * IKE_MAX_ID + 16];
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	char lts[128], rts[128];      /* "" when the case has none */
};

static bool ss_conf_spell(const struct peer_case *c, struct ss_conf_words *w, char *err,
			  size_t errlen)
{
	w->psk = c->auth == IKE_AUTH_PSK;
	w->lts[0] = w->rts[0] = '\0';
	if (!strongswan_ike_proposals(c->p1, c->np1, w->props, sizeof(w->props), err, errlen) ||
	    !strongswan_esp_proposals(c->p2, c->np2, w->esp, sizeof(w->esp), err, errlen) ||
	    !ss_id_str(&c->local_id, &c->local, w->lid, sizeof(w->lid), "local", err, errlen) ||
	    (!c->remote_id_any &&
	     !ss_id_str(&c->remote_id, &c->remote, w->rid, sizeof(w->rid), "remote", err, errlen)))
		return false;
	if (c->remote_id_any)
		snprintf(w->rid, sizeof(w->rid), "%%any");
	if (!ss_addr_str(&c->local, w->la, sizeof(w->la)) ||
	    !ss_addr_str(&c->remote, w->ra, sizeof(w->ra))) {
		snprintf(err, errlen, "%s: local and remote IKE addresses are required", c->name);
		return false;
	}
	if ((c->ts_local.set &&
	     !ss_ts_str(&c->ts_local, w->lts, sizeof(w->lts), "local", err, errlen)) ||
	    (c->ts_remote.set &&
	     !ss_ts_str(&c->ts_remote, w->rts, sizeof(w->rts), "remote", err, errlen)))
		return false;
	return true;
}

/* connections.NAME: the IKE SA's addresses, proposals, lifetimes and the
 * two ends' authentication (left open for its children). */
static void ss_conf_ike(struct ss_out *o, const struct peer_case *c,
			const struct ss_conf_words *w)
{
	ss_line(o, "version = 1");
	if (c->exchange == WIRE_X_AGGR)
		ss_line(o, "aggressive = yes");
	ss_line(o, "local_addrs = %s", w->la);
	ss_line(o, "remote_addrs = %s", w->ra);
	ss_line(o, "proposals = %s", w->props);
	uint32_t life = c->np1 ? c->p1[0].life_sec : 0;
	if (life) {
		/* strongSwan's Main/Aggressive Mode initiator proposes
		 * reauth_time (rekey_time when that is 0) + over_time as the SA
		 * lifetime (main_mode.c, aggressive_mode.c build_i), and
		 * keeps the SA until reauth + over_time. So the case's
		 * lifetime L is sent exactly with reauth = L - L/10 and
		 * over = L/10; no rekey_time (IKEv1 reauthenticates) and no
		 * random jitter, so the numbers are the same every run. */
		uint32_t over = strongswan_over_time(life);
		ss_line(o, "reauth_time = %us", life - over);
		ss_line(o, "rekey_time = 0s");
		ss_line(o, "over_time = %us", over);
		ss_line(o, "rand_time = 0s");
	}
	ss_line(o, "dpd_delay = 0s");
	if (c->force_encap)
		ss_line(o, "encap = yes");
	/* connection-wide in swanctl.conf (peer_cfg's cert policy, which
	   isakmp_cert_post.c reads for the CERT payloads) */
	static const char *const send[] = { NULL, "always", "never", "ifasked" };
	if (c->send_cert != PEER_SEND_DEFAULT && (unsigned)c->send_cert < 4)
		ss_line(o, "send_cert = %s", send[c->send_cert]);
	if (c->send_cr != PEER_SEND_DEFAULT)
		ss_line(o, "send_certreq = %s", c->send_cr == PEER_SEND_NEVER ? "no" : "yes");
	ss_open(o, "local");
	ss_line(o, "auth = %s", w->psk ? "psk" : "pubkey");
	ss_line(o, "id = \"%s\"", w->lid);
	if (w->sig)
		ss_line(o, "certs = %s", c->cert_path);
	ss_close(o);
	ss_open(o, "remote");
	ss_line(o, "auth = %s", w->psk ? "psk" : "pubkey");
	ss_line(o, "id = \"%s\"", w->rid);
	/* no cacerts: swanctl loads one certificate per file, so a bundle
	   there would constrain the chain to its first CA; the bundle goes to
	   x509ca/ instead, every CA of it a trust anchor (and named in CRs) */
	ss_close(o);
}

/* children.NAME: selectors, ESP proposals, mode and the child's life. */
static void ss_conf_child(struct ss_out *o, const struct peer_case *c,
			  const struct ss_conf_words *w)
{
	ss_open(o, "children");
	ss_open(o, c->name);
	if (*w->lts)
		ss_line(o, "local_ts = %s", w->lts);
	if (*w->rts)
		ss_line(o, "remote_ts = %s", w->rts);
	ss_line(o, "esp_proposals = %s", w->esp);
	ss_line(o, "mode = %s", c->transport_mode ? "transport" : "tunnel");
	uint32_t clife = c->p2[0].life_sec;
	if (clife) {
		/* Quick Mode proposes life_time (quick_mode.c get_lifetimes) */
		ss_line(o, "life_time = %us", clife);
		/* charon rekeys a child at rekey_time (minus up to rand_time,
		   0 here so the moment is the same every run), whichever side
		   initiated it; a margin asks for an earlier rekey */
		uint32_t margin = (c->rekey_margin_ms + 999) / 1000;
		ss_line(o, "rekey_time = %us",
			margin && margin < clife ? clife - margin : clife - clife / 10);
		ss_line(o, "rand_time = 0s");
	}
	if (c->p2[0].life_kb)
		ss_line(o, "life_bytes = %llu", (unsigned long long)c->p2[0].life_kb * 1024);
	ss_line(o, "start_action = none");
	ss_close(o);
	ss_close(o);
}

/* secrets: the PSK for the two IDs, the PSKs by harness ID, or a pointer
 * to private/. charon picks the secret whose owners match the other
 * side's ID best, then its own (credential_manager.c get_shared): a PSK
 * owned by the harness's exact ID beats the case's PSK when that one is
 * for %any, so an Aggressive Mode responder picks it by the ID in am1. */
static bool ss_conf_secrets(struct ss_out *o, const struct peer_case *c,
			    const struct ss_conf_words *w, char *err, size_t errlen)
{
	char sec[80];
	ss_open(o, "secrets");
	if (w->psk && c->psk && *c->psk) {
		snprintf(sec, sizeof(sec), "ike-%s", c->name);
		ss_open(o, sec);
		ss_secret_line(o, c->psk);
		ss_line(o, "id-1 = \"%s\"", w->lid);
		ss_line(o, "id-2 = \"%s\"", w->rid);
		ss_close(o);
	}
	for (size_t i = 0; i < c->npsks; i++) {
		char id[sizeof(w->rid)];
		if (!ss_id_str(&c->psks[i].id, &c->remote, id, sizeof(id), "PSK", err, errlen))
			return false;
		snprintf(sec, sizeof(sec), "ike-%s-%zu", c->name, i + 1);
		ss_open(o, sec);
		ss_secret_line(o, c->psks[i].psk);
		ss_line(o, "id-1 = \"%s\"", id);
		ss_close(o);
	}
	/* swanctl reads private keys only from the private/ folder beside
	 * this file (a secrets section would just hold a passphrase) */
	if (!w->psk)
		ss_line(o, "# private key: private/ beside this file");
	ss_close(o);
	return true;
}

bool strongswan_swanctl_conf(const struct peer_case *c, char *buf, size_t len,
			     char *err, size_t errlen)
{
	struct ss_conf_words w;
	if (!ss_conf_check(c, &w.sig, err, errlen) || !ss_conf_spell(c, &w, err, errlen))
		return false;
	struct ss_out o = { buf, len, 0, 0, len == 0 };
	if (len)
		buf[0] = '\0';
	ss_line(&o, "# ike-conform case %s (generated)", c->name);
	ss_open(&o, "connections");
	ss_open(&o, c->name);
	ss_conf_ike(&o, c, &w);
	ss_conf_child(&o, c, &w);
	ss_close(&o);
	ss_close(&o);
	if (!ss_conf_secrets(&o, c, &w, err, errlen))
		return false;
	return ss_done(&o, "swanctl.conf", err, errlen);
}

bool strongswan_charon_conf(const char *dir, bool libipsec, uint32_t keepalive_s, char *buf,
			    size_t len, char *err, size_t errlen)
{
	/* unquoted values: keep the path plain; a unix socket path has 108
	 * bytes at most */
	if (!ss_path_ok(dir) || strpbrk(dir, " #{}=\t")) {
		snprintf(err, errlen, "charon directory '%s': must be absolute, without spaces "
			 "or any of #{}=", dir ? dir : "(null)");
		return false;
	}
	if (strlen(dir) + sizeof("/vici") > 100) {
		snprintf(err, errlen, "charon directory too long for a unix socket path: '%.60s...'",
			 dir);
		return false;
	}
	struct ss_out o = { buf, len, 0, 0, len == 0 };
	if (len)
		buf[0] = '\0';
	ss_line(&o, "# ike-conform: one charon, working in %s (generated)", dir);
	ss_open(&o, "charon");
	/* kernel-libipsec does ESP in user space (over UDP only) when the
	 * kernel has none; kernel-netlink still handles addresses and routes */
	ss_line(&o, "load = random nonce openssl aes sha1 sha2 md5 hmac gcm gmp pem pkcs1 pkcs8 "
		"x509 pubkey revocation constraints %ssocket-default vici updown",
		libipsec ? "kernel-libipsec kernel-netlink " : "kernel-netlink ");
	ss_line(&o, "port = 500");
	ss_line(&o, "port_nat_t = 4500");
	if (keepalive_s)
		ss_line(&o, "keep_alive = %us", keepalive_s);
	/* cases test Aggressive Mode PSK as responder too */
	ss_line(&o, "i_dont_care_about_security_and_use_aggressive_mode_psk = yes");
	ss_open(&o, "filelog");
	ss_open(&o, "ikec");
	ss_line(&o, "path = %s/charon.log", dir);
	ss_line(&o, "time_format = %%b %%e %%T");
	/* "<name|id>" on every line: loop counting per connection */
	ss_line(&o, "ike_name = yes");
	ss_line(&o, "flush_line = yes");
	ss_line(&o, "default = 2");
	ss_line(&o, "ike = 2");
	ss_line(&o, "cfg = 1");
	/* job at 2 logs every worker wake-up and buries the rest */
	ss_line(&o, "job = 1");
	ss_close(&o);
	ss_close(&o);
	ss_open(&o, "plugins");
	ss_open(&o, "vici");
	ss_line(&o, "socket = unix://%s/vici", dir);
	ss_close(&o);
	ss_close(&o);
	ss_close(&o);
	ss_open(&o, "swanctl");
	ss_line(&o, "socket = unix://%s/vici", dir);
	ss_close(&o);
	return ss_done(&o, "strongswan.conf", err, errlen);
}
