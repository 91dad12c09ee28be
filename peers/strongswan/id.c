/* IDs as charon prints them (identification.c's printf hook: the text of
 * the ID without its type) back into struct ike_id, for the view's IDs. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pki/pki.h"
#include "peers/strongswan/strongswan.h"

/* charon's RDN names (its OID table) that OpenSSL spells otherwise; the
 * rest (C, ST, L, O, OU, CN, DC, UID, dnQualifier, ...) are the same. */
static const struct {
	const char *swan, *openssl;
} ss_rdn_names[] = {
	{ "S", "SN" },                  /* surname: OpenSSL's SN */
	{ "SN", "serialNumber" },
	{ "E", "emailAddress" },
	{ "T", "title" },
	{ "D", "description" },
	{ "N", "name" },
	{ "G", "GN" },
	{ "I", "initials" },
	{ "ID", "x500UniqueIdentifier" },
	{ "UN", "unstructuredName" },
	{ "UA", "unstructuredAddress" },
};

/* "C=CH, O=x, CN=y" in charon's names into OpenSSL's, into buf. False
 * when it does not fit or an RDN has no '='. */
static bool ss_id_dn_text(const char *text, char *buf, size_t len)
{
	size_t off = 0;
	const char *s = text;
	while (*s) {
		while (*s == ' ')
			s++;
		const char *eq = strchr(s, '='), *comma = strchr(s, ',');
		if (!eq || (comma && comma < eq) || eq == s)
			return false;
		size_t nl = (size_t)(eq - s);
		const char *name = NULL;
		for (size_t i = 0; i < sizeof(ss_rdn_names) / sizeof(ss_rdn_names[0]); i++)
			if (strlen(ss_rdn_names[i].swan) == nl &&
			    strncmp(s, ss_rdn_names[i].swan, nl) == 0)
				name = ss_rdn_names[i].openssl;
		size_t vl = comma ? (size_t)(comma - eq - 1) : strlen(eq + 1);
		int n = snprintf(buf + off, len - off, "%s%.*s=%.*s", off ? ", " : "",
				 name ? (int)strlen(name) : (int)nl, name ? name : s, (int)vl, eq + 1);
		if (n < 0 || (size_t)n >= len - off)
			return false;
		off += (size_t)n;
		s = comma ? comma + 1 : eq + 1 + vl;
	}
	return off > 0;
}

static bool ss_id_dn(const char *text, struct ike_id *out)
{
	char dn[1024];
	chunk_t der = CHUNK_EMPTY;
	struct pki_err pe;
	if (!strchr(text, '=') || !ss_id_dn_text(text, dn, sizeof(dn)) ||
	    !pki_dn_from_string(dn, &der, &pe))
		return false;
	bool ok = der.len <= IKE_MAX_ID;
	if (ok) {
		out->type = 9;
		memcpy(out->data, der.ptr, der.len);
		out->len = der.len;
	}
	chunk_free(&der);
	return ok;
}

/* "0a:1b:..." (charon's %#B) into bytes; false when text is not that. */
static bool ss_id_colon_hex(const char *text, struct ike_id *out)
{
	size_t n = strlen(text), len = 0;
	if (n < 2 || (n + 1) % 3 != 0 || (n + 1) / 3 > IKE_MAX_ID)
		return false;
	for (size_t i = 0; i < n; i += 3) {
		if (!isxdigit((unsigned char)text[i]) || !isxdigit((unsigned char)text[i + 1]) ||
		    (i + 2 < n && text[i + 2] != ':'))
			return false;
		char pair[3] = { text[i], text[i + 1], '\0' };
		out->data[len++] = (uint8_t)strtoul(pair, NULL, 16);
	}
	out->type = 11;
	out->len = len;
	return true;
}

static bool ss_id_addr(const char *text, int family, struct ike_id *out)
{
	if (inet_pton(family, text, out->data) != 1)
		return false;
	out->type = family == AF_INET ? 1 : 5;
	out->len = family == AF_INET ? 4 : 16;
	return true;
}

static bool ss_id_text(const char *text, uint8_t type, struct ike_id *out)
{
	size_t n = strlen(text);
	if (!n || n > IKE_MAX_ID)
		return false;
	out->type = type;
	memcpy(out->data, text, n);
	out->len = n;
	return true;
}

/* The type the text can be, by the hint. */
static bool ss_id_hinted(const char *text, uint8_t hint, struct ike_id *out)
{
	bool dn_like = strchr(text, '=') != NULL;
	switch (hint) {
	case 1: return ss_id_addr(text, AF_INET, out);
	case 5: return ss_id_addr(text, AF_INET6, out);
	case 2: case 3: return !dn_like && ss_id_text(text, hint, out);
	case 9: return ss_id_dn(text, out);
	case 11: return ss_id_colon_hex(text, out) || (!dn_like && ss_id_text(text, 11, out));
	}
	return false;
}

bool strongswan_parse_id(const char *text, uint8_t hint, struct ike_id *out, char *err,
			 size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!text || !*text) {
		snprintf(err, errlen, "empty ID");
		return false;
	}
	if (strcmp(text, "%any") == 0)
		return true;
	if (ss_id_hinted(text, hint, out))
		return true;
	memset(out, 0, sizeof(*out));
	/* the form decides, in the order of charon's own parser */
	bool ok;
	if (strchr(text, '='))
		ok = ss_id_dn(text, out);
	else if (strchr(text, '@'))
		ok = ss_id_text(text, 3, out);
	else
		ok = ss_id_addr(text, AF_INET, out) || ss_id_addr(text, AF_INET6, out) ||
		     ss_id_colon_hex(text, out) || ss_id_text(text, 2, out);
	if (!ok)
		snprintf(err, errlen, "ID '%.80s': not an address, name, DN (with attributes "
			 "OpenSSL names) or key ID that fits %d bytes", text, IKE_MAX_ID);
	return ok;
}
