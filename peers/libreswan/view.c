/* pluto's account of its SAs: `whack --showstates` says which states of a
 * conn are established, pluto's log says what they negotiated (whack
 * prints no algorithms for IKEv1 states), `whack --trafficstatus` the
 * byte counters. Pure functions over the texts. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/hex.h"
#include "peers/libreswan/libreswan.h"
#include "pki/pki.h"

/* One line of text at p (end at end): its length without the newline. */
static size_t lsw_line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return (size_t)((nl ? nl : end) - p);
}

/* whack's numbered prefix ("000 ", "006 ") skipped. */
static const char *lsw_skip_code(const char *p, const char *end)
{
	if (end - p >= 4 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
	    p[2] >= '0' && p[2] <= '9' && p[3] == ' ')
		return p + 4;
	return p;
}

/* "#N: "NAME"..." at p (a whack state line): N, and whether the conn is
 * name (any when NULL); the text after the name's closing quote. */
static bool lsw_state_head(const char *p, const char *end, const char *name, unsigned long *serial,
			   const char **rest)
{
	if (p >= end || *p != '#')
		return false;
	char *q;
	unsigned long n = strtoul(p + 1, &q, 10);
	if (q == p + 1 || q + 3 > end || q[0] != ':' || q[1] != ' ' || q[2] != '"')
		return false;
	const char *nm = q + 3;
	const char *close = memchr(nm, '"', (size_t)(end - nm));
	if (!close)
		return false;
	if (name && (strlen(name) != (size_t)(close - nm) || memcmp(nm, name, strlen(name))))
		return false;
	*serial = n;
	*rest = close + 1;
	return true;
}

/* Whether [p, end) holds word. */
static bool lsw_has(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	for (; p + n <= end; p++)
		if (*p == *word && memcmp(p, word, n) == 0)
			return true;
	return false;
}

static const char *lsw_find(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	for (; p + n <= end; p++)
		if (*p == *word && memcmp(p, word, n) == 0)
			return p;
	return NULL;
}

/* The newest established ISAKMP and IPsec states of name in showstates. */
static void lsw_states(const char *text, const char *name, unsigned long *ike,
		       unsigned long *ipsec)
{
	static const char *const ike_states[] = { " STATE_MAIN_I4 ", " STATE_MAIN_R3 ",
						  " STATE_AGGR_I2 ", " STATE_AGGR_R2 " };
	static const char *const ipsec_states[] = { " STATE_QUICK_I2 ", " STATE_QUICK_R2 " };
	const char *end = text + strlen(text);
	*ike = *ipsec = 0;
	for (const char *p = text; p < end;) {
		size_t n = lsw_line_len(p, end);
		const char *le = p + n, *rest;
		const char *s = lsw_skip_code(p, le);
		unsigned long serial;
		if (lsw_state_head(s, le, name, &serial, &rest)) {
			for (size_t i = 0; i < 4; i++)
				if (lsw_has(rest, le, ike_states[i]) && serial > *ike)
					*ike = serial;
			for (size_t i = 0; i < 2; i++)
				if (lsw_has(rest, le, ipsec_states[i]) && serial > *ipsec)
					*ipsec = serial;
		}
		p = le + (le < end);
	}
}

/* The last log line of state serial (`"NAME"... #N: `) holding word; NULL
 * when none. *lenp: its length. */
static const char *lsw_log_line(const char *log, size_t len, const char *name,
				unsigned long serial, const char *word, size_t *lenp)
{
	char tag[32], quoted[80];
	snprintf(tag, sizeof(tag), " #%lu: ", serial);
	snprintf(quoted, sizeof(quoted), "\"%s\"", name ? name : "");
	const char *end = log + len, *found = NULL;
	for (const char *p = log; p < end;) {
		size_t n = lsw_line_len(p, end);
		const char *le = p + n;
		const char *t = lsw_find(p, le, tag);
		if (t && lsw_find(t, le, word) && (!name || lsw_find(p, t, quoted))) {
			found = p;
			*lenp = n;
		}
		p = le + (le < end);
	}
	return found;
}

/* The value of " key=" up to a blank or '}' in [p, end); false when absent. */
static bool lsw_field(const char *p, const char *end, const char *key, const char **v,
		      size_t *vn)
{
	char k[32];
	snprintf(k, sizeof(k), "%s=", key);
	const char *f = lsw_find(p, end, k);
	if (!f)
		return false;
	*v = f + strlen(k);
	const char *e = *v;
	while (e < end && *e != ' ' && *e != '}' && *e != ';')
		e++;
	*vn = (size_t)(e - *v);
	return true;
}

/* "Peer ID is ID_FQDN: '@moon'" into an ike_id. */
static bool lsw_peer_id(const char *p, const char *end, struct ike_id *id)
{
	static const struct { const char *kind; uint8_t type; } kinds[] = {
		{ "ID_IPV4_ADDR: '", 1 }, { "ID_IPV6_ADDR: '", 5 }, { "ID_FQDN: '", 2 },
		{ "ID_USER_FQDN: '", 3 }, { "ID_DER_ASN1_DN: '", 9 }, { "ID_KEY_ID: '", 11 },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *f = lsw_find(p, end, kinds[i].kind);
		if (!f)
			continue;
		const char *v = f + strlen(kinds[i].kind);
		const char *q = end;
		while (q > v && q[-1] != '\'')
			q--;
		if (q <= v)
			return false;
		char text[2 * IKE_MAX_ID + 8];
		size_t n = (size_t)(q - 1 - v);
		if (n >= sizeof(text))
			return false;
		memcpy(text, v, n);
		text[n] = '\0';
		memset(id, 0, sizeof(*id));
		id->type = kinds[i].type;
		switch (id->type) {
		case 1: case 5:
			id->len = id->type == 1 ? 4 : 16;
			return inet_pton(id->type == 1 ? AF_INET : AF_INET6, text, id->data) == 1;
		case 2: case 3: {
			const char *s = text + (id->type == 2 && text[0] == '@');
			id->len = strlen(s);
			if (!id->len || id->len > IKE_MAX_ID)
				return false;
			memcpy(id->data, s, id->len);
			return true;
		}
		case 9: {
			chunk_t der = { 0 };
			struct pki_err pe;
			bool ok = pki_dn_from_string(text, &der, &pe) && der.len <= IKE_MAX_ID;
			if (ok) {
				memcpy(id->data, der.ptr, der.len);
				id->len = der.len;
			}
			chunk_free(&der);
			return ok;
		}
		default: {  /* "@#0x0011..." */
			const char *h = strncmp(text, "@#0x", 4) == 0 ? text + 4 : text;
			chunk_t b = { 0 };
			bool ok = hex_decode(h, strlen(h), &b) && b.len && b.len <= IKE_MAX_ID;
			if (ok) {
				memcpy(id->data, b.ptr, b.len);
				id->len = b.len;
			}
			chunk_free(&b);
			return ok;
		}
		}
	}
	return false;
}

/* "IKE SA established {auth=... cipher=AES_CBC_128 integ=HMAC_SHA2_256
 * group=MODP2048}" into the view's phase-1 fields. */
static void lsw_view_ike(const char *p, size_t n, struct peer_sa_view *out)
{
	const char *end = p + n, *v;
	size_t vn;
	if (lsw_field(p, end, "cipher", &v, &vn))
		out->encr = libreswan_ike_encr_id(v, vn, &out->keylen);
	if (lsw_field(p, end, "integ", &v, &vn))
		out->hash = libreswan_hash_id(v, vn);
	if (lsw_field(p, end, "group", &v, &vn))
		out->group = libreswan_group_id(v, vn);
}

/* A "0x<8 hex>" SPI after marker; false when absent. */
static bool lsw_spi(const char *p, const char *end, const char *marker, uint8_t spi[4])
{
	const char *f = lsw_find(p, end, marker);
	if (!f)
		return false;
	f += strlen(marker);
	if (end - f < 10 || f[0] != '0' || f[1] != 'x')
		return false;
	chunk_t b = { 0 };
	bool ok = hex_decode(f + 2, 8, &b) && b.len == 4;
	if (ok)
		memcpy(spi, b.ptr, 4);
	chunk_free(&b);
	return ok;
}

/* "IPsec SA established tunnel mode {ESP/NAT=>0x... <0x... xfrm=ENC-INTEG
 * ...}" into the child view. */
static void lsw_view_child(const char *p, size_t n, struct peer_child_view *ch)
{
	const char *end = p + n, *v;
	size_t vn;
	ch->encap = lsw_has(p, end, "ESP/NAT=>");
	lsw_spi(p, end, "=>", ch->spi_out);
	lsw_spi(p, end, " <", ch->spi_in);
	if (lsw_field(p, end, "xfrm", &v, &vn)) {
		const char *dash = memchr(v, '-', vn);
		size_t en = dash ? (size_t)(dash - v) : vn;
		ch->transform = libreswan_esp_encr_id(v, en, &ch->keylen);
		if (dash) {
			const char *a = dash + 1, *ae = v + vn;
			const char *d2 = memchr(a, '-', (size_t)(ae - a));
			ch->auth = libreswan_esp_auth_id(a, (size_t)((d2 ? d2 : ae) - a));
			if (d2)
				ch->group = libreswan_group_id(d2 + 1, (size_t)(ae - d2 - 1));
		}
	}
}

/* inBytes=/outBytes= of state serial in trafficstatus. */
static void lsw_view_traffic(const char *text, unsigned long serial, struct peer_child_view *ch)
{
	const char *end = text + strlen(text);
	for (const char *p = text; p < end;) {
		size_t n = lsw_line_len(p, end);
		const char *le = p + n, *s = lsw_skip_code(p, le), *rest, *v;
		unsigned long sn;
		size_t vn;
		if (lsw_state_head(s, le, NULL, &sn, &rest) && sn == serial) {
			if (lsw_field(rest, le, "inBytes", &v, &vn))
				ch->bytes_in = strtoull(v, NULL, 10);
			if (lsw_field(rest, le, "outBytes", &v, &vn))
				ch->bytes_out = strtoull(v, NULL, 10);
		}
		p = le + (le < end);
	}
}

/* The PFS group of a Quick Mode pluto initiated ("pfsgroup=MODP2048",
 * "pfsgroup=no-pfs"); dflt when it logged none (it responded). */
static uint16_t lsw_pfs(const char *log, size_t len, const char *name, unsigned long serial,
			uint16_t dflt)
{
	size_t n = 0;
	const char *l = lsw_log_line(log, len, name, serial, "pfsgroup=", &n);
	const char *v;
	size_t vn;
	if (!l || !lsw_field(l, l + n, "pfsgroup", &v, &vn))
		return dflt;
	return libreswan_group_id(v, vn);
}

bool libreswan_parse_view(const char *states, const char *traffic, const char *log, size_t len,
			  const char *name, uint16_t pfs_group, struct peer_sa_view *out,
			  char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!states) {
		snprintf(err, errlen, "no showstates text");
		return false;
	}
	snprintf(out->raw, sizeof(out->raw), "%s%s", states, traffic ? traffic : "");
	const char *end = states + strlen(states);
	for (const char *p = states; p < end;) {
		size_t n = lsw_line_len(p, end);
		const char *s = lsw_skip_code(p, p + n);
		if (n && *s != '#' && s == p) {
			snprintf(err, errlen, "not whack --showstates output: '%.60s'", p);
			return false;
		}
		p += n + (p + n < end);
	}
	unsigned long ike, ipsec;
	lsw_states(states, name, &ike, &ipsec);
	const char *l;
	size_t ln = 0;
	if (ike) {
		out->present = true;
		l = lsw_log_line(log, len, name, ike, "SA established {", &ln);
		if (l)
			lsw_view_ike(l, ln, out);
		l = lsw_log_line(log, len, name, ike, "Peer ID is ", &ln);
		out->ids_known = l && lsw_peer_id(l, l + ln, &out->remote_id);
	}
	if (ipsec) {
		struct peer_child_view *ch = &out->child;
		ch->present = true;
		ch->counters_unknown = true;  /* trafficstatus has bytes, no packets */
		l = lsw_log_line(log, len, name, ipsec, "IPsec SA established", &ln);
		/* a responder logs the same {ESP=>...} with its reply, while the
		   outbound SA may still be going in (seconds under qemu) */
		if (!l)
			l = lsw_log_line(log, len, name, ipsec, "inbound IPsec SA installed", &ln);
		if (l)
			lsw_view_child(l, ln, ch);
		if (!ch->group)
			ch->group = lsw_pfs(log, len, name, ipsec, pfs_group);
		if (traffic)
			lsw_view_traffic(traffic, ipsec, ch);
	}
	return true;
}

/* Log words that start or answer an ISAKMP or IPsec SA. */
static const char *const lsw_attempt_words[] = {
	": initiating IKEv1 Main Mode", ": initiating IKEv1 Aggressive Mode",
	": responding to Main Mode", ": responding to Aggressive Mode",
	": initiating Quick Mode", ": responding to Quick Mode",
};

size_t libreswan_count_attempts(const char *log, size_t len, const char *name)
{
	char quoted[80];
	snprintf(quoted, sizeof(quoted), "\"%s\"", name ? name : "");
	const char *end = log + len;
	size_t k = 0;
	for (const char *p = log; p < end;) {
		size_t n = lsw_line_len(p, end);
		const char *le = p + n;
		if (!name || lsw_find(p, le, quoted))
			for (size_t i = 0; i < sizeof(lsw_attempt_words) / sizeof(lsw_attempt_words[0]); i++)
				if (lsw_find(p, le, lsw_attempt_words[i])) {
					k++;
					break;
				}
		p = le + (le < end);
	}
	return k;
}
