/* ipsec.conf and ipsec.secrets for libreswan's pluto: pure functions into
 * a caller's buffer. The conn is also an artifact: with the setup section
 * before it, `ipsec addconn --config FILE NAME` loads it by hand. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/chunk.h"
#include "peers/libreswan/libreswan.h"
#include "pki/pki.h"
#include "wire/msg.h"

/* pluto caps both lifetimes at a day (ipsec.conf(5)): more is refused,
 * not silently shortened. */
#define LSW_LIFE_MAX 86400u

/* A bounded text builder: the first overflow sticks. */
struct lsw_out {
	char *buf;
	size_t len, off;
	bool full;
};

__attribute__((format(printf, 2, 3)))
static void lsw_line(struct lsw_out *o, const char *fmt, ...)
{
	if (o->full)
		return;
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

static bool lsw_done(const struct lsw_out *o, const char *what, char *err, size_t errlen)
{
	if (!o->full)
		return true;
	snprintf(err, errlen, "%s: buffer of %zu bytes too small", what, o->len);
	return false;
}

/* A value pluto's config parser reads as one word: no blanks, quotes,
 * comment or escape characters. */
static bool lsw_word_ok(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= ' ' || ch >= 0x7f || ch == '"' || ch == '#' || ch == '\\' || ch == '\'')
			return false;
	}
	return true;
}

bool libreswan_setup_conf(const char *dir, char *buf, size_t len, char *err, size_t errlen)
{
	if (!dir || dir[0] != '/' || !lsw_word_ok(dir, strlen(dir))) {
		snprintf(err, errlen, "pluto's directory '%s': not absolute, or with blanks or "
			 "quotes", dir ? dir : "(null)");
		return false;
	}
	struct lsw_out o = { buf, len, 0, len == 0 };
	if (len)
		buf[0] = '\0';
	lsw_line(&o, "# pluto's own settings (ike-conform's libreswan driver)");
	lsw_line(&o, "config setup");
	lsw_line(&o, "\tlogfile=%s/pluto.log", dir);
	lsw_line(&o, "\tlogappend=yes");
	lsw_line(&o, "\tplutodebug=none");
	lsw_line(&o, "\tnssdir=%s/nss", dir);
	lsw_line(&o, "\tipsecdir=%s/ipsec.d", dir);
	lsw_line(&o, "\tsecretsfile=%s/ipsec.secrets", dir);
	lsw_line(&o, "\tdumpdir=%s/run", dir);
	/* the harness may come back with a new SA before the old one is gone */
	lsw_line(&o, "\tuniqueids=no");
	lsw_line(&o, "\tikev1-policy=accept");
	return lsw_done(&o, "ipsec.conf setup", err, errlen);
}

/* An address as text; false for a family that is neither. */
static bool lsw_addr_str(const struct netaddr *a, char *buf, size_t len)
{
	return (a->family == AF_INET || a->family == AF_INET6) &&
	       inet_ntop(a->family, a->ip, buf, (socklen_t)len);
}

/* "@#" and the bytes in hex (a key ID). */
static bool lsw_id_hex(const char *prefix, const struct ike_id *id, char *buf, size_t len,
		       char *err, size_t errlen)
{
	int n = snprintf(buf, len, "%s", prefix);
	size_t off = n < 0 ? len : (size_t)n;
	for (size_t i = 0; i < id->len && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%02x", id->data[i]);
	if (!id->len || off + 1 >= len) {
		snprintf(err, errlen, "ID %s: empty or too long", prefix);
		return false;
	}
	return true;
}

/* FQDN and user FQDN text: pluto's atoid reads the form, so an FQDN may
 * hold no '=' (a DN) and a user FQDN needs its '@' and no '=' or leading
 * "@#", "@~", "@[" (other types). */
static bool lsw_id_name(const struct ike_id *id, char *buf, size_t len, char *err,
			size_t errlen)
{
	const char *s = (const char *)id->data;
	bool user = id->type == 3;
	if (id->len && s[0] == '*') {
		snprintf(err, errlen, "%s ID '%.*s': pluto matches wildcards only in a DN's RDN "
			 "values, not in names", user ? "user FQDN" : "FQDN", (int)id->len, s);
		return false;
	}
	if (!lsw_word_ok(s, id->len) || memchr(s, '=', id->len) ||
	    (user && (!memchr(s, '@', id->len) || s[0] == '@')) || id->len + 2 > len) {
		snprintf(err, errlen, "%s ID '%.*s': pluto's ID syntax cannot say it (blanks, "
			 "quotes or '='%s)", user ? "user FQDN" : "FQDN", (int)id->len, s,
			 user ? ", or no '@' or a leading '@'" : "");
		return false;
	}
	snprintf(buf, len, "%s%.*s", user ? "" : "@", (int)id->len, s);
	return true;
}

/* A DN as its text, quoted: pluto 4.10 took "@~0x<DER>" for no DN (it
 * sent its address instead), and re-encodes the text's RDNs its own way
 * (PrintableString where it can), which DN matching by canonical form
 * (RFC 4945 3.1.5, ours and pluto's) does not mind. */
static bool lsw_id_dn(const struct ike_id *id, char *buf, size_t len, char *err, size_t errlen)
{
	char text[2 * IKE_MAX_ID + 8];
	pki_dn_str(CHUNK_FROM(id->data, id->len), text, sizeof(text));
	size_t n = strlen(text);
	bool bad = !n || !strcmp(text, "(invalid DN)") || strpbrk(text, "\"\\#\n") ||
		   n + 3 > len;
	for (size_t i = 0; !bad && i < n; i++)
		bad = (unsigned char)text[i] < ' ' || (unsigned char)text[i] >= 0x7f;
	if (bad) {
		snprintf(err, errlen, "DN ID '%s': not text pluto's ipsec.conf can hold", text);
		return false;
	}
	snprintf(buf, len, "\"%s\"", text);
	return true;
}

bool libreswan_id_str(const struct ike_id *id, const struct netaddr *addr, char *buf, size_t len,
		      char *err, size_t errlen)
{
	switch (id->type) {
	case 0:
		if (!lsw_addr_str(addr, buf, len)) {
			snprintf(err, errlen, "ID: no IKE address to use");
			return false;
		}
		return true;
	case 1: case 5:
		if (id->len != (id->type == 1 ? 4u : 16u) ||
		    !inet_ntop(id->type == 1 ? AF_INET : AF_INET6, id->data, buf, (socklen_t)len)) {
			snprintf(err, errlen, "ID: bad address length %zu", id->len);
			return false;
		}
		return true;
	case 2: case 3:
		return lsw_id_name(id, buf, len, err, errlen);
	case 9:
		return lsw_id_dn(id, buf, len, err, errlen);
	case 11:
		return lsw_id_hex("@#", id, buf, len, err, errlen);
	}
	snprintf(err, errlen, "ID type %u: pluto's IDs are addresses, FQDN, user FQDN, DN and "
		 "key ID", id->type);
	return false;
}

/* A Quick Mode client ID as a subnet ("10.1.0.0/16"); ranges refused. */
static bool lsw_ts_str(const struct ike_ts *ts, char *buf, size_t len, const char *which,
		       char *err, size_t errlen)
{
	bool v6 = ts->type == 5 || ts->type == 6 || ts->type == 8;
	size_t l = v6 ? 16 : 4;
	char a[INET6_ADDRSTRLEN];
	size_t bits = l * 8;
	if (ts->type == 7 || ts->type == 8) {
		snprintf(err, errlen, "%s traffic selector: an address range; pluto's subnets are "
			 "prefixes", which);
		return false;
	}
	if (ts->type != 1 && ts->type != 4 && ts->type != 5 && ts->type != 6) {
		snprintf(err, errlen, "%s traffic selector: ID type %u not supported", which,
			 ts->type);
		return false;
	}
	bool subnet = ts->type == 4 || ts->type == 6;
	if (ts->len != (subnet ? 2 * l : l) ||
	    !inet_ntop(v6 ? AF_INET6 : AF_INET, ts->data, a, sizeof(a))) {
		snprintf(err, errlen, "%s traffic selector: bad data for ID type %u", which,
			 ts->type);
		return false;
	}
	if (subnet) {
		bits = 0;
		bool ended = false;
		for (size_t i = 0; i < l * 8; i++) {
			bool set = ts->data[l + i / 8] & (0x80 >> (i % 8));
			if (set && ended) {
				snprintf(err, errlen, "%s traffic selector: mask is not a prefix", which);
				return false;
			}
			bits += set;
			ended = !set;
		}
	}
	int n = snprintf(buf, len, "%s/%zu", a, bits);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "%s traffic selector: too long", which);
		return false;
	}
	return true;
}

/* What pluto has no setting for: refused with the reason. */
static bool lsw_conf_refuse(const struct peer_case *c, char *err, size_t errlen)
{
	const char *why = NULL;
	if (c->auth == IKE_AUTH_ECDSA_256 || c->auth == IKE_AUTH_ECDSA_384 ||
	    c->auth == IKE_AUTH_ECDSA_521)
		why = "ECDSA: libreswan 4.10's IKEv1 signs with RSA only (authby=rsasig)";
	else if (c->auth != IKE_AUTH_PSK && c->auth != IKE_AUTH_RSA)
		why = "auth method: pluto's IKEv1 does PSK (secret) and RSA (rsasig) only, no DSS";
	else if (c->exchange != WIRE_X_MAIN && c->exchange != WIRE_X_AGGR)
		why = "exchange: pluto does Main or Aggressive Mode only";
	else if (c->np1 && c->p1[0].life_kb)
		why = "an IKE lifetime in kilobytes: pluto has none";
	else if (c->np2 && c->p2[0].life_kb)
		why = "an IPsec lifetime in kilobytes: not set (pluto counts bytes, not the "
		      "kilobytes the case would propose)";
	else if (c->life_policy_set)
		why = "lifetime_policy: pluto has no setting for how a responder treats "
		      "proposed lifetimes";
	else if (c->id_checks_set)
		why = "id_checks: pluto has no setting for how strictly it judges IDs";
	else if (c->send_cr != PEER_SEND_DEFAULT)
		why = "send_cr: pluto's IKEv1 has no setting for certificate requests";
	else if (c->keepalive_ms)
		why = "keepalive: pluto's NAT keepalive interval is pluto-wide (config setup "
		      "keep-alive), kept at its default 20 s";
	else if (c->local.port && c->local.port != 500)
		why = "a local port other than 500: pluto listens on 500/4500";
	else if (c->np1 && c->p1[0].life_sec > LSW_LIFE_MAX)
		why = "an IKE lifetime over a day: pluto caps ikelifetime at 24 h";
	else if (c->np2 && c->p2[0].life_sec > LSW_LIFE_MAX)
		why = "an IPsec lifetime over a day: pluto caps salifetime at 24 h";
	for (size_t i = 0; !why && i < c->np1; i++)
		if (c->p1[i].auth && c->p1[i].auth != c->auth)
			why = "proposals with several auth methods: authby is one per conn";
	if (!why && (c->natt & IKE_NATT_BIT(IKE_NATT_DRAFT_02)) !=
			    (c->natt & IKE_NATT_BIT(IKE_NATT_DRAFT_03)) >> 1)
		why = "one NAT-T draft without the other: pluto's nat-ikev1-method announces "
		      "both drafts or none";
	if (!why)
		return true;
	snprintf(err, errlen, "%s: %s", c->name, why);
	return false;
}

/* nat-ikev1-method: what NAT-T versions pluto announces. */
static const char *lsw_natt_method(const struct peer_case *c)
{
	if (c->no_natt)
		return "none";
	bool rfc = c->natt & IKE_NATT_BIT(IKE_NATT_RFC3947);
	bool drafts = c->natt & IKE_NATT_BIT(IKE_NATT_DRAFT_03);
	if (!c->natt || (rfc && drafts))
		return "both";
	return rfc ? "rfc" : "drafts";
}

static const char *lsw_send_word(enum peer_send s)
{
	return s == PEER_SEND_ALWAYS ? "always" : s == PEER_SEND_NEVER ? "never" : "sendifasked";
}

/* The IDs, addresses and subnets of both ends. */
static bool lsw_conn_ends(struct lsw_out *o, const struct peer_case *c, char *err,
			  size_t errlen)
{
	char a[INET6_ADDRSTRLEN], id[2 * IKE_MAX_ID + 8], e[200];
	if (!lsw_addr_str(&c->local, a, sizeof(a))) {
		snprintf(err, errlen, "%s: no local IKE address", c->name);
		return false;
	}
	lsw_line(o, "\tleft=%s", a);
	if (!libreswan_id_str(&c->local_id, &c->local, id, sizeof(id), e, sizeof(e))) {
		snprintf(err, errlen, "%s: local %s", c->name, e);
		return false;
	}
	lsw_line(o, "\tleftid=%s", id);
	if (!lsw_addr_str(&c->remote, a, sizeof(a))) {
		snprintf(err, errlen, "%s: no remote IKE address", c->name);
		return false;
	}
	/* pluto makes rightid=%any the right= address's ID: any ID only
	   from any address, and only as a Main Mode responder (which moves
	   to another instance when the ID is not the address; its
	   Aggressive Mode responder does not: "Peer ID mismatched") */
	if (c->remote_id_any && (c->initiator || c->exchange == WIRE_X_AGGR)) {
		snprintf(err, errlen, "%s: any ID from the harness %s: pluto 4.10 turns "
			 "rightid=%%any into right='s address; it takes any ID only as a Main Mode "
			 "responder with right=%%any", c->name,
			 c->initiator ? "while the peer initiates" : "in Aggressive Mode");
		return false;
	}
	lsw_line(o, "\tright=%s", c->remote_id_any ? "%any" : a);
	if (c->remote_id_any)
		snprintf(id, sizeof(id), "%%any");
	else if (!libreswan_id_str(&c->remote_id, &c->remote, id, sizeof(id), e, sizeof(e))) {
		snprintf(err, errlen, "%s: remote %s", c->name, e);
		return false;
	}
	lsw_line(o, "\trightid=%s", id);
	const struct ike_ts *ts[2] = { &c->ts_local, &c->ts_remote };
	for (int i = 0; i < 2; i++) {
		const char *side = i ? "right" : "left";
		if (!ts[i]->set)
			continue;
		char sub[80];
		if (!lsw_ts_str(ts[i], sub, sizeof(sub), i ? "remote" : "local", e, sizeof(e))) {
			snprintf(err, errlen, "%s: %s", c->name, e);
			return false;
		}
		lsw_line(o, "\t%ssubnet=%s", side, sub);
		/* updown routes the remote subnet only with a source address:
		   our single-host subnet is on lo, so it is the source */
		char *slash = strrchr(sub, '/');
		if (!i && slash && (!strcmp(slash, "/32") || !strcmp(slash, "/128"))) {
			*slash = 0;
			lsw_line(o, "\tleftsourceip=%s", sub);
		}
		if (ts[i]->proto)
			lsw_line(o, "\t%sprotoport=%u/%u", side, ts[i]->proto, ts[i]->port);
		else if (ts[i]->port) {
			snprintf(err, errlen, "%s: %s traffic selector: a port needs a protocol",
				 c->name, i ? "remote" : "local");
			return false;
		}
	}
	return true;
}

/* Proposals, PFS, lifetimes and rekeying. */
static bool lsw_conn_algs(struct lsw_out *o, const struct peer_case *c, char *err,
			  size_t errlen)
{
	char p[1600], e[256];
	if (!libreswan_ike_proposals(c->p1, c->np1, p, sizeof(p), e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", c->name, e);
		return false;
	}
	lsw_line(o, "\tike=%s", p);
	if (c->np2) {
		if (!libreswan_esp_proposals(c->p2, c->np2, p, sizeof(p), e, sizeof(e))) {
			snprintf(err, errlen, "%s: %s", c->name, e);
			return false;
		}
		lsw_line(o, "\tphase2=esp");
		lsw_line(o, "\tphase2alg=%s", p);
		lsw_line(o, "\tpfs=%s", c->p2[0].group ? "yes" : "no");
	} else
		lsw_line(o, "\tpfs=no");
	if (c->np1 && c->p1[0].life_sec)
		lsw_line(o, "\tikelifetime=%us", (unsigned)c->p1[0].life_sec);
	if (c->np2 && c->p2[0].life_sec)
		lsw_line(o, "\tsalifetime=%us", (unsigned)c->p2[0].life_sec);
	if (c->rekey_margin_ms) {
		lsw_line(o, "\trekeymargin=%us", (unsigned)((c->rekey_margin_ms + 999) / 1000));
		lsw_line(o, "\trekeyfuzz=0%%");
	}
	return true;
}

bool libreswan_conn_conf(const struct peer_case *c, const char *nickname, char *buf, size_t len,
			 char *err, size_t errlen)
{
	if (len)
		buf[0] = '\0';
	if (!c->name || !lsw_word_ok(c->name, strlen(c->name)) || strlen(c->name) > 64) {
		snprintf(err, errlen, "case name '%s': not a conn name", c->name ? c->name : "(null)");
		return false;
	}
	if (!lsw_conf_refuse(c, err, errlen))
		return false;
	bool sig = c->auth == IKE_AUTH_RSA;
	if (!sig && (!c->psk || !*c->psk) && !c->npsks) {
		snprintf(err, errlen, "%s: PSK authentication without a PSK", c->name);
		return false;
	}
	if (sig && (!nickname || !lsw_word_ok(nickname, strlen(nickname)))) {
		snprintf(err, errlen, "%s: RSA without a certificate nickname", c->name);
		return false;
	}
	struct lsw_out o = { buf, len, 0, len == 0 };
	lsw_line(&o, "conn %s", c->name);
	lsw_line(&o, "\tikev2=no");
	lsw_line(&o, "\tauthby=%s", sig ? "rsasig" : "secret");
	if (!lsw_conn_ends(&o, c, err, errlen) || !lsw_conn_algs(&o, c, err, errlen))
		return false;
	lsw_line(&o, "\taggressive=%s", c->exchange == WIRE_X_AGGR ? "yes" : "no");
	lsw_line(&o, "\ttype=%s", c->transport_mode ? "transport" : "tunnel");
	lsw_line(&o, "\tencapsulation=%s", c->force_encap ? "yes" : "auto");
	lsw_line(&o, "\tnat-ikev1-method=%s", lsw_natt_method(c));
	if (sig) {
		lsw_line(&o, "\tleftcert=%s", nickname);
		lsw_line(&o, "\tleftsendcert=%s", lsw_send_word(c->send_cert));
	}
	/* one try: a refused initiation is the case's result, not a loop */
	lsw_line(&o, "\tkeyingtries=1");
	/* pluto's own updown routes the remote subnet with our subnet as
	   source, as on a gateway; the tree's libexec is bound over
	   /usr/libexec in pluto's mount namespace, so this path is the
	   unpacked script (the system has no `ipsec` command) */
	lsw_line(&o, "\tleftupdown=/usr/libexec/ipsec/_updown");
	lsw_line(&o, "\tauto=add");
	return lsw_done(&o, "ipsec.conf conn", err, errlen);
}

/* One "selectors : PSK 0x..." line. */
static void lsw_secret_line(struct lsw_out *o, const char *who, const char *psk)
{
	size_t n = strlen(psk);
	char hex[2 * 256 + 3] = "0x";
	if (n > 256) {
		o->full = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", (uint8_t)psk[i]);
	lsw_line(o, "%s : PSK %s", who, hex);
}

bool libreswan_secrets(const struct peer_case *c, char *buf, size_t len, char *err,
		       size_t errlen)
{
	struct lsw_out o = { buf, len, 0, len == 0 };
	if (len)
		buf[0] = '\0';
	lsw_line(&o, "# %s (ike-conform): PSKs in hex", c->name ? c->name : "case");
	if (c->auth != IKE_AUTH_PSK)
		return lsw_done(&o, "ipsec.secrets", err, errlen);
	char id[2 * IKE_MAX_ID + 8], who[2 * IKE_MAX_ID + 16], e[200];
	for (size_t i = 0; i < c->npsks && i < IKE_MAX_PSKS; i++) {
		if (!c->psks[i].psk || !*c->psks[i].psk || !c->psks[i].id.type) {
			snprintf(err, errlen, "%s: PSK %zu needs a secret and the harness ID it is "
				 "for", c->name, i + 1);
			return false;
		}
		if (!libreswan_id_str(&c->psks[i].id, &c->remote, id, sizeof(id), e, sizeof(e))) {
			snprintf(err, errlen, "%s: PSK %zu: %s", c->name, i + 1, e);
			return false;
		}
		snprintf(who, sizeof(who), "%%any %s", id);
		lsw_secret_line(&o, who, c->psks[i].psk);
	}
	if (c->psk && *c->psk)
		lsw_secret_line(&o, "%any %any", c->psk);
	return lsw_done(&o, "ipsec.secrets", err, errlen);
}
