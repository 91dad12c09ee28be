/* ID data by type: addresses, subnets, ranges, names, DNs, ID lists. */
#include "wire/id.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

enum {
	ID_IPV4 = 1, ID_FQDN = 2, ID_USER_FQDN = 3, ID_IPV4_SUBNET = 4, ID_IPV6 = 5,
	ID_IPV6_SUBNET = 6, ID_IPV4_RANGE = 7, ID_IPV6_RANGE = 8, ID_DN = 9,
	ID_GN = 10, ID_KEY_ID = 11, ID_LIST = 12,
};

static size_t wire_id_fixed(uint8_t t)
{
	switch (t) {
	case ID_IPV4: return 4;
	case ID_IPV4_SUBNET: case ID_IPV4_RANGE: return 8;
	case ID_IPV6: return 16;
	case ID_IPV6_SUBNET: case ID_IPV6_RANGE: return 32;
	default: return 0;
	}
}

static bool wire_id_dn_ok(chunk_t d)
{
	const unsigned char *p = d.ptr;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)d.len);
	bool ok = n && p == d.ptr + d.len;
	X509_NAME_free(n);
	return ok;
}

/* FQDN and USER_FQDN text (RFC 2407 4.6.2.3, 4.6.2.4): the strict
 * checks only; the RFC defines the string by example. */
static const char *wire_id_name_strict(uint8_t t, chunk_t d)
{
	if (d.len == 0)
		return "empty name";
	for (size_t i = 0; i < d.len; i++) {
		if (d.ptr[i] == 0 || d.ptr[i] == '\r' || d.ptr[i] == '\n')
			return "name has a terminator (NUL, CR or LF)";
		if (!isprint(d.ptr[i]))
			return "name has a non-printable character";
	}
	if (t == ID_USER_FQDN && !memchr(d.ptr, '@', d.len))
		return "USER_FQDN without '@'";
	return NULL;
}

/* A list of ID payloads, each with a generic header (our reading of RFC
 * 3554 5); nested lists are refused. */
static const char *wire_id_list(chunk_t d, bool strict)
{
	size_t off = 0;
	if (d.len == 0)
		return "empty ID list";
	while (off < d.len) {
		if (d.len - off < 8)
			return "ID list entry shorter than 8 bytes";
		size_t len = (size_t)d.ptr[off + 2] << 8 | d.ptr[off + 3];
		if (len < 8 || len > d.len - off)
			return "ID list entry length out of bounds";
		uint8_t et = d.ptr[off + 4];
		if (et == ID_LIST)
			return "nested ID list";
		if (wire_id_check_as(et, CHUNK_FROM(d.ptr + off + 8, len - 8), strict))
			return "bad ID list entry";
		off += len;
	}
	return NULL;
}

static bool wire_id_gn_ok(chunk_t d)
{
	const unsigned char *p = d.ptr;
	GENERAL_NAME *g = d.len ? d2i_GENERAL_NAME(NULL, &p, (long)d.len) : NULL;
	bool ok = g && p == d.ptr + d.len;
	GENERAL_NAME_free(g);
	return ok;
}

const char *wire_id_check_as(uint8_t t, chunk_t d, bool strict)
{
	static char why[96];
	size_t fixed = wire_id_fixed(t);
	if (fixed) {
		if (d.len != fixed) {
			snprintf(why, sizeof(why), "ID type %u needs %zu bytes of data, got %zu",
				 t, fixed, d.len);
			return why;
		}
		return NULL;
	}
	switch (t) {
	case ID_FQDN: case ID_USER_FQDN:
		return strict ? wire_id_name_strict(t, d) : NULL;
	case ID_DN:
		return wire_id_dn_ok(d) ? NULL : "data is not a DER Name";
	case ID_GN:
		return wire_id_gn_ok(d) ? NULL : "data is not a DER GeneralName";
	case ID_KEY_ID:
		return strict && !d.len ? "empty key ID" : NULL;
	case ID_LIST:
		return wire_id_list(d, strict);
	default:
		snprintf(why, sizeof(why), "unknown ID type %u", t);
		return why;
	}
}

const char *wire_id_check(uint8_t t, chunk_t d)
{
	return wire_id_check_as(t, d, false);
}

static const char *wire_id_hex(chunk_t d, char *buf, size_t len, const char *label)
{
	size_t n = d.len > 64 ? 64 : d.len;
	char *h = hex_string(d.ptr, n);
	snprintf(buf, len, "%s (%zu bytes): %s%s", label, d.len, h, n < d.len ? "..." : "");
	free(h);
	return buf;
}

const char *wire_id_str(uint8_t t, chunk_t d, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool name = t == ID_FQDN || t == ID_USER_FQDN;
	/* names print as text only when they are printable */
	if ((wire_id_check(t, d) && t != ID_LIST) ||
	    (name && wire_id_name_strict(ID_FQDN, d)))
		return wire_id_hex(d, buf, len, "Identification data");
	switch (t) {
	case ID_IPV4:
		inet_ntop(AF_INET, d.ptr, a, sizeof(a));
		snprintf(buf, len, "IPv4 address: %s", a);
		break;
	case ID_IPV6:
		inet_ntop(AF_INET6, d.ptr, a, sizeof(a));
		snprintf(buf, len, "IPv6 address: %s", a);
		break;
	case ID_IPV4_SUBNET: case ID_IPV4_RANGE:
		inet_ntop(AF_INET, d.ptr, a, sizeof(a));
		inet_ntop(AF_INET, d.ptr + 4, b, sizeof(b));
		snprintf(buf, len, t == ID_IPV4_SUBNET ? "IPv4 subnet: %s/%s" : "IPv4 range: %s - %s",
			 a, b);
		break;
	case ID_IPV6_SUBNET: case ID_IPV6_RANGE:
		inet_ntop(AF_INET6, d.ptr, a, sizeof(a));
		inet_ntop(AF_INET6, d.ptr + 16, b, sizeof(b));
		snprintf(buf, len, t == ID_IPV6_SUBNET ? "IPv6 subnet: %s/%s" : "IPv6 range: %s - %s",
			 a, b);
		break;
	case ID_FQDN: case ID_USER_FQDN:
		snprintf(buf, len, "%s: %.*s", t == ID_FQDN ? "FQDN" : "User FQDN", (int)d.len,
			 (const char *)d.ptr);
		break;
	case ID_DN: {
		const unsigned char *p = d.ptr;
		X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)d.len);
		BIO *bio = BIO_new(BIO_s_mem());
		X509_NAME_print_ex(bio, n, 0, XN_FLAG_RFC2253);
		char *s;
		long sl = BIO_get_mem_data(bio, &s);
		snprintf(buf, len, "Distinguished name: %.*s", (int)sl, s);
		BIO_free(bio);
		X509_NAME_free(n);
		break;
	}
	case ID_LIST: {
		size_t off = 0, w = (size_t)snprintf(buf, len, "ID list:");
		while (off + 8 <= d.len && w < len) {
			size_t el = (size_t)d.ptr[off + 2] << 8 | d.ptr[off + 3];
			if (el < 8 || el > d.len - off)
				break;
			char one[160];
			wire_id_str(d.ptr[off + 4], CHUNK_FROM(d.ptr + off + 8, el - 8), one,
				    sizeof(one));
			w += (size_t)snprintf(buf + w, len - w, " [%s]", one);
			off += el;
		}
		break;
	}
	default:
		return wire_id_hex(d, buf, len, t == ID_KEY_ID ? "Key ID" : "Identification data");
	}
	return buf;
}
