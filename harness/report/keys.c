/* Wireshark key tables for IKEv1 and ESP. */
#include "report/keys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include "core/hex.h"

const char *keytab_esp_encr_name(const struct ike_p2_xform *x)
{
	switch (x->transform) {
	case IKE_ESP_DES: return "DES-CBC [RFC2405]";
	case IKE_ESP_3DES: return "TripleDES-CBC [RFC2451]";
	case IKE_ESP_AES: return "AES-CBC [RFC3602]";
	case IKE_ESP_NULL: return "NULL";
	case IKE_ESP_AES_GCM_8: return "AES-GCM with 8 octet ICV [RFC4106]";
	case IKE_ESP_AES_GCM_12: return "AES-GCM with 12 octet ICV [RFC4106]";
	case IKE_ESP_AES_GCM_16: return "AES-GCM with 16 octet ICV [RFC4106]";
	default: return NULL;
	}
}

const char *keytab_esp_auth_name(const struct ike_p2_xform *x)
{
	switch (x->auth) {
	case IKE_EAUTH_NONE: return "NULL";
	case IKE_EAUTH_MD5: return "HMAC-MD5-96 [RFC2403]";
	case IKE_EAUTH_SHA1: return "HMAC-SHA-1-96 [RFC2404]";
	case IKE_EAUTH_SHA256: return "HMAC-SHA-256-128 [RFC4868]";
	case IKE_EAUTH_SHA384: return "HMAC-SHA-384-192 [RFC4868]";
	case IKE_EAUTH_SHA512: return "HMAC-SHA-512-256 [RFC4868]";
	default: return NULL;
	}
}

bool keytab_ikev1_line(const struct ike_sa *sa, char *buf, size_t len)
{
	if (!sa->enc_key.len || len < 2 * 8 + 1 + 2 * sa->enc_key.len + 2)
		return false;
	hex_encode(sa->icookie, 8, buf);
	buf[16] = ',';
	hex_encode(sa->enc_key.ptr, sa->enc_key.len, buf + 17);
	strcat(buf, "\n");
	return true;
}

bool keytab_ikev1_write(FILE *f, const struct ike_sa *sa)
{
	char line[2 * 8 + 2 + 2 * 64 + 2];
	if (sa->enc_key.len > 64 || !keytab_ikev1_line(sa, line, sizeof(line)))
		return false;
	return fputs(line, f) >= 0;
}

/* "0x" and the hex of a key, or "" for none. */
static char *keytab_hex0x(chunk_t c)
{
	char *s = xmalloc(2 * c.len + 3);
	if (!c.len) {
		s[0] = '\0';
		return s;
	}
	s[0] = '0';
	s[1] = 'x';
	hex_encode(c.ptr, c.len, s + 2);
	return s;
}

bool keytab_esp_line(const struct ike_child *c, const struct netaddr *local,
		     const struct netaddr *peer, bool outbound, char *buf, size_t len)
{
	const char *encr = keytab_esp_encr_name(&c->xf), *auth = keytab_esp_auth_name(&c->xf);
	if (!encr || !auth || local->family != peer->family ||
	    (local->family != AF_INET && local->family != AF_INET6))
		return false;
	const struct netaddr *src = outbound ? local : peer, *dst = outbound ? peer : local;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	if (!inet_ntop(src->family, src->ip, s, sizeof(s)) ||
	    !inet_ntop(dst->family, dst->ip, d, sizeof(d)))
		return false;
	const uint8_t *spi = outbound ? c->spi_out : c->spi_in;
	char *ek = keytab_hex0x(outbound ? c->enc_out : c->enc_in);
	char *ak = keytab_hex0x(outbound ? c->int_out : c->int_in);
	int n = snprintf(buf, len, "\"%s\",\"%s\",\"%s\",\"0x%02x%02x%02x%02x\",\"%s\",\"%s\",\"%s\",\"%s\"\n",
			 local->family == AF_INET ? "IPv4" : "IPv6", s, d, spi[0], spi[1], spi[2],
			 spi[3], encr, ek, auth, ak);
	chunk_t e = CHUNK_FROM(ek, strlen(ek)), a = CHUNK_FROM(ak, strlen(ak));
	memset(e.ptr, 0, e.len);
	memset(a.ptr, 0, a.len);
	free(ek);
	free(ak);
	return n > 0 && (size_t)n < len;
}

size_t keytab_esp_write(FILE *f, const struct ike_sa *sa, bool live_only, size_t *bad)
{
	size_t lines = 0, nbad = 0;
	char line[1024];
	for (size_t i = 0; i < sa->nchild; i++) {
		const struct ike_child *c = &sa->child[i];
		if (live_only && c->deleted)
			continue;
		bool ok = true;
		for (int out = 1; out >= 0 && ok; out--) {
			ok = keytab_esp_line(c, &sa->local, &sa->peer, out, line, sizeof(line));
			if (ok && fputs(line, f) >= 0)
				lines++;
		}
		if (!ok)
			nbad++;
	}
	memset(line, 0, sizeof(line));
	if (bad)
		*bad = nbad;
	return lines;
}

static void keytab_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void keytab_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

bool keytab_write_dir(const char *dir, struct ike_sa *const *sas, size_t n, char *err,
		      size_t errlen)
{
	static const char *const names[2] = { KEYTAB_IKEV1_FILE, KEYTAB_ESP_FILE };
	for (int k = 0; k < 2; k++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
		FILE *f = fopen(path, "w");
		if (!f) {
			keytab_seterr(err, errlen, "%s: %s", path, strerror(errno));
			return false;
		}
		size_t bad = 0;
		for (size_t i = 0; i < n; i++) {
			if (!sas[i])
				continue;
			if (k == 0) {
				keytab_ikev1_write(f, sas[i]);
			} else {
				size_t b = 0;
				keytab_esp_write(f, sas[i], false, &b);
				bad += b;
			}
		}
		bool ok = !ferror(f);
		if (fclose(f) != 0)
			ok = false;
		if (!ok) {
			keytab_seterr(err, errlen, "%s: write failed", path);
			return false;
		}
		if (bad) {
			keytab_seterr(err, errlen, "%s: %zu child SA(s) use an algorithm Wireshark "
				      "has no name for", path, bad);
			return false;
		}
	}
	return true;
}
