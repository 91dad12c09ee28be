/* Phase-1 IDs as text (ike_id_parse, ike_id_format) and the match of a
 * received ID against the one configured (ike_id_match). */
#include "ike/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "pki/pki.h"

enum {
	IKE_ID_IPV4 = 1, IKE_ID_FQDN = 2, IKE_ID_UFQDN = 3, IKE_ID_IPV4_NET = 4, IKE_ID_IPV6 = 5,
	IKE_ID_IPV6_NET = 6, IKE_ID_IPV4_RANGE = 7, IKE_ID_IPV6_RANGE = 8, IKE_ID_DN = 9,
	IKE_ID_KEY_ID = 11,
};

/* The text prefixes; the string types may carry "#hex" instead of text. */
static const struct { const char *pfx; uint8_t type; } ike_id_kinds[] = {
	{ "fqdn:", IKE_ID_FQDN }, { "ufqdn:", IKE_ID_UFQDN }, { "keyid:", IKE_ID_KEY_ID },
};

static int ike_id_ip(const char *s, uint8_t *out)
{
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 16;
	return 0;
}

/* "#hex" into out (any length, empty too); false with err. */
static bool ike_id_hex(const char *s, const char *all, struct ike_id *out, char *err,
		       size_t errlen)
{
	chunk_t d = CHUNK_EMPTY;
	if (!hex_decode(s + 1, strlen(s + 1), &d) || d.len > IKE_MAX_ID) {
		chunk_free(&d);
		snprintf(err, errlen, "'%s': '#' must be followed by at most %d bytes in hex", all,
			 IKE_MAX_ID);
		return false;
	}
	if (d.len)
		memcpy(out->data, d.ptr, d.len);
	out->len = d.len;
	chunk_free(&d);
	return true;
}

/* "subnet:ADDR/MASK" and "range:FIRST-LAST", both addresses of one family. */
static bool ike_id_pair(const char *s, bool subnet, struct ike_id *out, char *err,
			size_t errlen)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", strchr(s, ':') + 1);
	char *sep = strchr(buf, subnet ? '/' : '-');
	int a = 0, b = 0;
	if (sep) {
		*sep = '\0';
		a = ike_id_ip(buf, out->data);
		b = a ? ike_id_ip(sep + 1, out->data + a) : 0;
	}
	if (!a || a != b) {
		snprintf(err, errlen, "'%s': expected %s of one address family", s,
			 subnet ? "ADDRESS/MASK" : "FIRST-LAST");
		return false;
	}
	out->type = (uint8_t)(subnet ? (a == 4 ? IKE_ID_IPV4_NET : IKE_ID_IPV6_NET)
				     : (a == 4 ? IKE_ID_IPV4_RANGE : IKE_ID_IPV6_RANGE));
	out->len = (size_t)a * 2;
	return true;
}

/* "dn:TEXT" (pki_dn_from_string) or "dn:#hex" (DER as it is). */
static bool ike_id_dn(const char *s, struct ike_id *out, char *err, size_t errlen)
{
	out->type = IKE_ID_DN;
	if (s[3] == '#')
		return ike_id_hex(s + 3, s, out, err, errlen);
	chunk_t der = CHUNK_EMPTY;
	struct pki_err pe;
	if (!pki_dn_from_string(s + 3, &der, &pe)) {
		snprintf(err, errlen, "'%s': %s", s, pe.msg);
		return false;
	}
	bool fits = der.len <= IKE_MAX_ID;
	if (fits) {
		memcpy(out->data, der.ptr, der.len);
		out->len = der.len;
	} else {
		snprintf(err, errlen, "'%s': DN too long (%zu bytes, at most %d)", s, der.len,
			 IKE_MAX_ID);
	}
	chunk_free(&der);
	return fits;
}

/* "id:TYPE:#hex": any type, the data as it is. */
static bool ike_id_generic(const char *s, struct ike_id *out, char *err, size_t errlen)
{
	char *end;
	unsigned long t = strtoul(s + 3, &end, 10);
	if (end == s + 3 || t < 1 || t > 255 || *end != ':' || end[1] != '#') {
		snprintf(err, errlen, "'%s': expected id:TYPE:#hex (TYPE 1 to 255)", s);
		return false;
	}
	out->type = (uint8_t)t;
	return ike_id_hex(end + 1, s, out, err, errlen);
}

bool ike_id_parse(const char *s, struct ike_id *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(s, "%any") == 0)
		return true;
	for (size_t i = 0; i < sizeof(ike_id_kinds) / sizeof(ike_id_kinds[0]); i++) {
		size_t pl = strlen(ike_id_kinds[i].pfx);
		if (strncmp(s, ike_id_kinds[i].pfx, pl) != 0)
			continue;
		out->type = ike_id_kinds[i].type;
		if (s[pl] == '#')
			return ike_id_hex(s + pl, s, out, err, errlen);
		size_t l = strlen(s + pl);
		if (l == 0 || l > IKE_MAX_ID) {
			snprintf(err, errlen, "'%s': empty or longer than %d bytes", s, IKE_MAX_ID);
			return false;
		}
		memcpy(out->data, s + pl, l);
		out->len = l;
		return true;
	}
	if (strncmp(s, "dn:", 3) == 0)
		return ike_id_dn(s, out, err, errlen);
	if (strncmp(s, "subnet:", 7) == 0 || strncmp(s, "range:", 6) == 0)
		return ike_id_pair(s, s[0] == 's', out, err, errlen);
	if (strncmp(s, "id:", 3) == 0)
		return ike_id_generic(s, out, err, errlen);
	const char *a = s;
	if (strncmp(a, "ipv4:", 5) == 0 || strncmp(a, "ipv6:", 5) == 0)
		a += 5;
	int l = ike_id_ip(a, out->data);
	if (!l || (a != s && (l == 4) != (s[3] == '4'))) {
		snprintf(err, errlen, "'%s': not an address or a typed ID (fqdn:, ufqdn:, keyid:, "
			 "dn:, ipv4:, ipv6:, subnet:, range:, id:, %%any)", s);
		return false;
	}
	out->type = (uint8_t)(l == 4 ? IKE_ID_IPV4 : IKE_ID_IPV6);
	out->len = (size_t)l;
	return true;
}

/* Text a string type can carry as it is: printable, no leading '#'. */
static bool ike_id_plain(const uint8_t *p, size_t n)
{
	if (n == 0 || p[0] == '#')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isprint(p[i]))
			return false;
	return true;
}

/* PFX then "#hex" of the data. */
static bool ike_id_put_hex(const struct ike_id *id, const char *pfx, char *buf, size_t len)
{
	char h[2 * IKE_MAX_ID + 1];
	hex_encode(id->data, id->len, h);
	int n = snprintf(buf, len, "%s#%s", pfx, h);
	return n >= 0 && (size_t)n < len;
}

/* A DN as text when that text parses back to the same name (RDN by RDN),
 * else as "dn:#hex". */
static bool ike_id_put_dn(const struct ike_id *id, char *buf, size_t len)
{
	char text[1024], err[160];
	struct ike_id back;
	X509_NAME *want = NULL, *got = NULL;
	bool same = false;
	pki_dn_str(CHUNK_FROM(id->data, id->len), text + 3, sizeof(text) - 3);
	memcpy(text, "dn:", 3);
	if (ike_id_parse(text, &back, err, sizeof(err))) {
		const unsigned char *p = id->data, *q = back.data;
		want = d2i_X509_NAME(NULL, &p, (long)id->len);
		got = d2i_X509_NAME(NULL, &q, (long)back.len);
		same = want && got && p == id->data + id->len && X509_NAME_cmp(want, got) == 0;
	}
	X509_NAME_free(want);
	X509_NAME_free(got);
	if (!same)
		return ike_id_put_hex(id, "dn:", buf, len);
	int n = snprintf(buf, len, "%s", text);
	return n >= 0 && (size_t)n < len;
}

bool ike_id_format(const struct ike_id *id, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pfx[16];
	int n = -1;
	size_t half = id->len / 2;
	int af = id->len == 4 || id->len == 8 ? AF_INET : AF_INET6;
	switch (id->type) {
	case 0:
		n = snprintf(buf, len, "%%any");
		break;
	case IKE_ID_IPV4: case IKE_ID_IPV6:
		if (id->len != (id->type == IKE_ID_IPV4 ? 4u : 16u))
			break;
		inet_ntop(af, id->data, a, sizeof(a));
		n = snprintf(buf, len, "%s:%s", id->type == IKE_ID_IPV4 ? "ipv4" : "ipv6", a);
		break;
	case IKE_ID_IPV4_NET: case IKE_ID_IPV6_NET: case IKE_ID_IPV4_RANGE: case IKE_ID_IPV6_RANGE:
		if (id->len != ((id->type == IKE_ID_IPV4_NET || id->type == IKE_ID_IPV4_RANGE)
				? 8u : 32u))
			break;
		inet_ntop(af, id->data, a, sizeof(a));
		inet_ntop(af, id->data + half, b, sizeof(b));
		n = id->type == IKE_ID_IPV4_NET || id->type == IKE_ID_IPV6_NET
		    ? snprintf(buf, len, "subnet:%s/%s", a, b) : snprintf(buf, len, "range:%s-%s", a, b);
		break;
	case IKE_ID_FQDN: case IKE_ID_UFQDN: case IKE_ID_KEY_ID: {
		const char *p = id->type == IKE_ID_FQDN ? "fqdn:" : id->type == IKE_ID_UFQDN ? "ufqdn:"
			      : "keyid:";
		if (!ike_id_plain(id->data, id->len))
			return ike_id_put_hex(id, p, buf, len);
		n = snprintf(buf, len, "%s%.*s", p, (int)id->len, (const char *)id->data);
		break;
	}
	case IKE_ID_DN:
		return ike_id_put_dn(id, buf, len);
	}
	if (n < 0) {
		/* no text of its own, or data that does not fit the type */
		snprintf(pfx, sizeof(pfx), "id:%u:", id->type);
		return ike_id_put_hex(id, pfx, buf, len);
	}
	return (size_t)n < len;
}

/* Case-insensitive equality of two byte strings (ASCII letters only). */
static bool ike_id_caseeq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	return true;
}

/* FQDN and USER_FQDN: without case; a leading '*' in want matches any
 * prefix (a lone '*' any name); lenient checks ignore one trailing '.' (the
 * root label) on either side. */
static bool ike_id_name_match(const struct ike_id *want, chunk_t got,
			      enum ike_id_checks checks)
{
	size_t wl = want->len, gl = got.len;
	if (checks == IKE_ID_CHECKS_LENIENT) {
		if (wl && want->data[wl - 1] == '.')
			wl--;
		if (gl && got.ptr[gl - 1] == '.')
			gl--;
	}
	if (wl && want->data[0] == '*') {
		size_t tail = wl - 1;
		return gl >= tail && ike_id_caseeq(want->data + 1, got.ptr + gl - tail, tail);
	}
	return wl == gl && ike_id_caseeq(want->data, got.ptr, gl);
}

/* Two DNs: the same bytes, or the same RDNs in the same order
 * (X509_NAME_cmp compares OpenSSL's canonical form: string types and
 * letter case aside). */
static bool ike_id_dn_match(const struct ike_id *want, chunk_t got)
{
	if (want->len == got.len && memcmp(want->data, got.ptr, got.len) == 0)
		return true;
	const unsigned char *p = want->data, *q = got.ptr;
	X509_NAME *a = d2i_X509_NAME(NULL, &p, (long)want->len);
	X509_NAME *b = got.len ? d2i_X509_NAME(NULL, &q, (long)got.len) : NULL;
	bool same = a && b && q == got.ptr + got.len && X509_NAME_cmp(a, b) == 0;
	X509_NAME_free(a);
	X509_NAME_free(b);
	return same;
}

bool ike_id_match(const struct ike_id *want, uint8_t type, chunk_t data,
		  enum ike_id_checks checks, char *why, size_t len)
{
	char w[600], g[600];
	struct ike_id got = { .type = type };
	if (!want->type)
		return true;
	bool ok = false;
	if (type == want->type) {
		switch (type) {
		case IKE_ID_FQDN: case IKE_ID_UFQDN:
			ok = ike_id_name_match(want, data, checks);
			break;
		case IKE_ID_DN:
			ok = ike_id_dn_match(want, data);
			break;
		default:
			ok = want->len == data.len && memcmp(want->data, data.ptr, data.len) == 0;
			break;
		}
	}
	if (ok)
		return true;
	got.len = data.len > IKE_MAX_ID ? IKE_MAX_ID : data.len;
	if (got.len)
		memcpy(got.data, data.ptr, got.len);
	if (!ike_id_format(want, w, sizeof(w)))
		snprintf(w, sizeof(w), "(type %u, %zu bytes)", want->type, want->len);
	if (!ike_id_format(&got, g, sizeof(g)))
		snprintf(g, sizeof(g), "(type %u, %zu bytes)", type, data.len);
	snprintf(why, len, "%s is not the ID we expect, %s%s", g, w,
		 type != want->type ? " (another ID type)" : "");
	return false;
}
