/* Engine configuration: defaults and the small name parsers tests use. */
#include "ike/config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "crypto/cipher.h"
#include "crypto/dh.h"
#include "crypto/prf.h"
#include "pki/pki.h"

void ike_config_init(struct ike_config *c)
{
	memset(c, 0, sizeof(*c));
	c->role = IKE_INITIATOR;
	c->exchange = 2; /* WIRE_X_MAIN */
	c->retrans_ms = 500;
	c->retrans_max_ms = 4000;
	c->retrans_tries = 5;
	c->notify_errors = true;
	c->nonce_len = 32;
	c->life_policy = IKE_LIFE_ACCEPT;
	c->send_cert = c->send_chain = c->send_cr = true;
	if (RAND_bytes(c->cookie_secret, sizeof(c->cookie_secret)) != 1)
		abort(); /* no randomness: nothing we do would be safe */
}

void ike_config_clear(struct ike_config *c)
{
	if (!c->owns_creds)
		return;
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	X509_free(c->peer_cert);
	pki_certs_free(c->chain);
	pki_certs_free(c->trusted);
	sk_X509_CRL_pop_free(c->crls, X509_CRL_free);
	c->crls = NULL;
	c->key = NULL;
	c->cert = c->peer_cert = NULL;
	c->chain = c->trusted = NULL;
	c->owns_creds = false;
}

bool ike_config_load_creds(struct ike_config *c, const char *key_path, const char *cert_path,
			   const char *chain_path, const char *ca_path, char *err, size_t errlen)
{
	struct pki_err pe;
	if (!c->owns_creds) {
		/* from now on everything here is ours */
		c->key = NULL;
		c->cert = c->peer_cert = NULL;
		c->chain = c->trusted = NULL;
		c->owns_creds = true;
	}
	if (key_path) {
		EVP_PKEY_free(c->key);
		if (!(c->key = pki_load_key(key_path, &pe)))
			goto fail;
	}
	if (cert_path) {
		X509_free(c->cert);
		if (!(c->cert = pki_load_cert(cert_path, &pe)))
			goto fail;
	}
	if (chain_path) {
		pki_certs_free(c->chain);
		if (!(c->chain = pki_load_certs(chain_path, &pe)))
			goto fail;
		if (c->cert && sk_X509_num(c->chain) > 0 &&
		    X509_cmp(sk_X509_value(c->chain, 0), c->cert) == 0)
			X509_free(sk_X509_shift(c->chain));
	}
	if (ca_path) {
		pki_certs_free(c->trusted);
		if (!(c->trusted = pki_load_certs(ca_path, &pe)))
			goto fail;
	}
	return true;
fail:
	snprintf(err, errlen, "%s", pe.msg);
	return false;
}

bool ike_auth_is_sig(uint16_t method)
{
	return pki_auth_sig_kind(method, NULL) != PKI_SIG_NONE;
}

bool ike_config_add_p1(struct ike_config *c, struct ike_p1_xform x)
{
	if (c->np1 >= IKE_MAX_PROPOSALS)
		return false;
	c->p1[c->np1++] = x;
	return true;
}

bool ike_config_add_p2(struct ike_config *c, struct ike_p2_xform x)
{
	if (c->np2 >= IKE_MAX_PROPOSALS)
		return false;
	c->p2[c->np2++] = x;
	return true;
}

/* Split s at '-' into at most n parts in buf. */
static size_t ike_split(const char *s, char *buf, size_t buflen, char **parts, size_t n)
{
	snprintf(buf, buflen, "%s", s);
	size_t k = 0;
	for (char *save = NULL, *t = strtok_r(buf, "-", &save); t && k < n;
	     t = strtok_r(NULL, "-", &save))
		parts[k++] = t;
	return k;
}

static bool ike_group_parse(const char *s, uint16_t *group)
{
	const struct dh_group *g = dh_group_by_name(s);
	if (!g) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (*end || !(g = dh_group_get((uint16_t)v)))
			return false;
	}
	*group = g->id;
	return true;
}

/* The config spelling of each method; aliases after the name it prints as. */
static const struct { const char *name; uint16_t id; } ike_auths[] = {
	{ "psk", IKE_AUTH_PSK }, { "dss", IKE_AUTH_DSS }, { "rsa", IKE_AUTH_RSA },
	{ "rsasig", IKE_AUTH_RSA }, { "ecdsa256", IKE_AUTH_ECDSA_256 },
	{ "ecdsa384", IKE_AUTH_ECDSA_384 }, { "ecdsa521", IKE_AUTH_ECDSA_521 },
};

const char *ike_auth_name(uint16_t method)
{
	for (size_t i = 0; i < sizeof(ike_auths) / sizeof(ike_auths[0]); i++)
		if (ike_auths[i].id == method)
			return ike_auths[i].name;
	return NULL;
}

bool ike_p1_parse(const char *s, struct ike_p1_xform *out, char *err, size_t errlen)
{
	char buf[128], *p[4];
	size_t n = ike_split(s, buf, sizeof(buf), p, 4);
	memset(out, 0, sizeof(*out));
	if (n != 3 && n != 4) {
		snprintf(err, errlen, "'%s': expected encryption-hash-group[-auth]", s);
		return false;
	}
	uint16_t auth = IKE_AUTH_PSK;
	if (n == 4) {
		size_t i = 0, na = sizeof(ike_auths) / sizeof(ike_auths[0]);
		/* DSS has a name but no signer here */
		while (i < na && (strcmp(ike_auths[i].name, p[3]) != 0 ||
				  ike_auths[i].id == IKE_AUTH_DSS))
			i++;
		if (i == na) {
			snprintf(err, errlen, "'%s': unknown auth '%s' (psk, rsa, ecdsa256/384/521)",
				 s, p[3]);
			return false;
		}
		auth = ike_auths[i].id;
	}
	unsigned bits = 0;
	char name[32];
	snprintf(name, sizeof(name), "%s", p[0]);
	size_t l = strlen(name);
	while (l && name[l - 1] >= '0' && name[l - 1] <= '9')
		l--;
	if (!cipher_by_name(name) && l >= 3 && l < strlen(name)) {
		bits = (unsigned)atoi(name + l);
		name[l] = '\0';
	}
	const struct cipher_info *c = cipher_by_name(name);
	if (!c) {
		snprintf(err, errlen, "'%s': unknown encryption '%s'", s, p[0]);
		return false;
	}
	const struct prf_info *h = prf_by_name(p[1]);
	if (!h) {
		snprintf(err, errlen, "'%s': unknown hash '%s'", s, p[1]);
		return false;
	}
	if (!ike_group_parse(p[2], &out->group)) {
		snprintf(err, errlen, "'%s': unknown group '%s'", s, p[2]);
		return false;
	}
	out->encr = c->id;
	out->keylen = (uint16_t)(bits ? bits : (c->keylen_required ? 128 : 0));
	out->hash = h->id;
	out->auth = auth;
	return true;
}

bool ike_p2_parse(const char *s, struct ike_p2_xform *out, char *err, size_t errlen)
{
	char buf[128], *p[4];
	size_t n = ike_split(s, buf, sizeof(buf), p, 4);
	memset(out, 0, sizeof(*out));
	out->encap = IKE_ENCAP_TUNNEL;
	if (n < 1) {
		snprintf(err, errlen, "'%s': empty ESP proposal", s);
		return false;
	}
	static const struct { const char *name; uint16_t id, bits; bool aead; } encs[] = {
		{ "des", IKE_ESP_DES, 0, false }, { "3des", IKE_ESP_3DES, 0, false },
		{ "null", IKE_ESP_NULL, 0, false }, { "aes128", IKE_ESP_AES, 128, false },
		{ "aes192", IKE_ESP_AES, 192, false }, { "aes256", IKE_ESP_AES, 256, false },
		{ "aes", IKE_ESP_AES, 128, false },
		{ "aes128gcm8", IKE_ESP_AES_GCM_8, 128, true },
		{ "aes128gcm12", IKE_ESP_AES_GCM_12, 128, true },
		{ "aes128gcm16", IKE_ESP_AES_GCM_16, 128, true },
		{ "aes256gcm8", IKE_ESP_AES_GCM_8, 256, true },
		{ "aes256gcm12", IKE_ESP_AES_GCM_12, 256, true },
		{ "aes256gcm16", IKE_ESP_AES_GCM_16, 256, true },
	};
	static const struct { const char *name; uint16_t id; } auths[] = {
		{ "md5", IKE_EAUTH_MD5 }, { "sha1", IKE_EAUTH_SHA1 },
		{ "sha256", IKE_EAUTH_SHA256 }, { "sha384", IKE_EAUTH_SHA384 },
		{ "sha512", IKE_EAUTH_SHA512 },
	};
	size_t i, k = 0;
	for (i = 0; i < sizeof(encs) / sizeof(encs[0]); i++)
		if (strcmp(encs[i].name, p[0]) == 0)
			break;
	if (i == sizeof(encs) / sizeof(encs[0])) {
		snprintf(err, errlen, "'%s': unknown ESP encryption '%s'", s, p[0]);
		return false;
	}
	out->transform = encs[i].id;
	out->keylen = encs[i].bits;
	k = 1;
	if (!encs[i].aead) {
		if (k >= n) {
			snprintf(err, errlen, "'%s': needs an integrity algorithm", s);
			return false;
		}
		size_t j;
		for (j = 0; j < sizeof(auths) / sizeof(auths[0]); j++)
			if (strcmp(auths[j].name, p[k]) == 0)
				break;
		if (j == sizeof(auths) / sizeof(auths[0])) {
			snprintf(err, errlen, "'%s': unknown integrity '%s'", s, p[k]);
			return false;
		}
		out->auth = auths[j].id;
		k++;
	}
	if (k < n && !ike_group_parse(p[k++], &out->group)) {
		snprintf(err, errlen, "'%s': unknown PFS group '%s'", s, p[k - 1]);
		return false;
	}
	if (k < n) {
		snprintf(err, errlen, "'%s': unexpected '%s'", s, p[k]);
		return false;
	}
	return true;
}

static int ike_ip_parse(const char *s, uint8_t *out)
{
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 16;
	return 0;
}

bool ike_ts_parse(const char *s, struct ike_ts *out, char *err, size_t errlen)
{
	char buf[160];
	snprintf(buf, sizeof(buf), "%s", s);
	memset(out, 0, sizeof(*out));
	char *sp = strchr(buf, ' ');
	if (sp) {
		*sp++ = '\0';
		unsigned proto = 0, port = 0;
		if (sscanf(sp, "%u/%u", &proto, &port) < 1 || proto > 255 || port > 65535) {
			snprintf(err, errlen, "'%s': expected 'proto/port' after the address", s);
			return false;
		}
		out->proto = (uint8_t)proto;
		out->port = (uint16_t)port;
	}
	char *slash = strchr(buf, '/'), *dash = strchr(buf, '-');
	int l;
	if (slash) {
		*slash++ = '\0';
		l = ike_ip_parse(buf, out->data);
		char *end;
		long bits = strtol(slash, &end, 10);
		if (!l || *end || bits < 0 || bits > l * 8) {
			snprintf(err, errlen, "'%s': bad subnet", s);
			return false;
		}
		/* the mask follows the address */
		for (int i = 0; i < l; i++) {
			long b = bits - i * 8;
			out->data[l + i] = b >= 8 ? 0xff : b <= 0 ? 0 : (uint8_t)(0xff << (8 - b));
			out->data[i] &= out->data[l + i];
		}
		out->type = l == 4 ? 4 : 6;
		out->len = (size_t)l * 2;
	} else if (dash) {
		*dash++ = '\0';
		l = ike_ip_parse(buf, out->data);
		if (!l || ike_ip_parse(dash, out->data + l) != l) {
			snprintf(err, errlen, "'%s': bad range", s);
			return false;
		}
		out->type = l == 4 ? 7 : 8;
		out->len = (size_t)l * 2;
	} else {
		l = ike_ip_parse(buf, out->data);
		if (!l) {
			snprintf(err, errlen, "'%s': not an address, subnet or range", s);
			return false;
		}
		out->type = l == 4 ? 1 : 5;
		out->len = (size_t)l;
	}
	out->set = true;
	return true;
}

bool ike_encap_is_udp(uint16_t encap)
{
	return encap == IKE_ENCAP_UDP_TUNNEL || encap == IKE_ENCAP_UDP_TRANSPORT ||
	       encap == IKE_ENCAP_UDP_TUNNEL_DRAFT || encap == IKE_ENCAP_UDP_TRANSPORT_DRAFT;
}

uint16_t ike_p1_keybits(const struct ike_p1_xform *x)
{
	const struct cipher_info *c = cipher_get(x->encr);
	return x->keylen ? x->keylen : c ? (uint16_t)c->key_default : 0;
}

uint16_t ike_p2_keybits(const struct ike_p2_xform *x)
{
	bool aes = x->transform == IKE_ESP_AES ||
		   (x->transform >= IKE_ESP_AES_GCM_8 && x->transform <= IKE_ESP_AES_GCM_16);
	return x->keylen ? x->keylen : aes ? 128 : 0;
}

size_t ike_esp_enc_len(const struct ike_p2_xform *x)
{
	switch (x->transform) {
	case IKE_ESP_DES: return 8;
	case IKE_ESP_3DES: return 24;
	case IKE_ESP_NULL: return 0;
	case IKE_ESP_AES: return (x->keylen ? x->keylen : 128) / 8;
	case IKE_ESP_AES_GCM_8: case IKE_ESP_AES_GCM_12: case IKE_ESP_AES_GCM_16:
		return (x->keylen ? x->keylen : 128) / 8 + 4; /* RFC 4106 8.1: salt */
	}
	return 0;
}

size_t ike_esp_int_len(const struct ike_p2_xform *x)
{
	switch (x->auth) {
	case IKE_EAUTH_MD5: return 16;
	case IKE_EAUTH_SHA1: return 20;
	case IKE_EAUTH_SHA256: return 32;
	case IKE_EAUTH_SHA384: return 48;
	case IKE_EAUTH_SHA512: return 64;
	}
	return 0;
}

const char *ike_p1_str(const struct ike_p1_xform *x, char *buf, size_t len)
{
	const struct cipher_info *c = cipher_get(x->encr);
	const struct prf_info *h = prf_get(x->hash);
	const struct dh_group *g = dh_group_get(x->group);
	char enc[24];
	if (c && x->keylen)
		snprintf(enc, sizeof(enc), "%s%u", c->name, x->keylen);
	else
		snprintf(enc, sizeof(enc), "%s", c ? c->name : "?");
	snprintf(buf, len, "%s-%s-%s", enc, h ? h->name : "?", g ? g->name : "?");
	return buf;
}

const char *ike_p2_str(const struct ike_p2_xform *x, char *buf, size_t len)
{
	const char *e = x->transform == IKE_ESP_DES ? "des" : x->transform == IKE_ESP_3DES ? "3des"
		      : x->transform == IKE_ESP_NULL ? "null" : x->transform == IKE_ESP_AES ? "aes"
		      : x->transform == IKE_ESP_AES_GCM_8 ? "aesgcm8"
		      : x->transform == IKE_ESP_AES_GCM_12 ? "aesgcm12"
		      : x->transform == IKE_ESP_AES_GCM_16 ? "aesgcm16" : "?";
	const char *a = x->auth == IKE_EAUTH_MD5 ? "-md5" : x->auth == IKE_EAUTH_SHA1 ? "-sha1"
		      : x->auth == IKE_EAUTH_SHA256 ? "-sha256" : x->auth == IKE_EAUTH_SHA384 ? "-sha384"
		      : x->auth == IKE_EAUTH_SHA512 ? "-sha512" : "";
	const struct dh_group *g = x->group ? dh_group_get(x->group) : NULL;
	char kl[8] = "";
	if (x->keylen)
		snprintf(kl, sizeof(kl), "%u", x->keylen);
	snprintf(buf, len, "%s%s%s%s%s", e, kl, a, g ? "-" : "", g ? g->name : "");
	return buf;
}
