/* What charon says it negotiated (`swanctl --list-sas --pretty`) in our
 * numbers, and attempt counting in its log for loop detection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cipher.h"
#include "peers/strongswan/strongswan.h"

#define SS_DEPTH 8
#define SS_WORD 64
#define SS_ID_TEXT 512        /* charon prints IDs into 512 bytes */

/* One IKE SA section while it is being read. */
struct ss_ike {
	char name[SS_WORD];
	bool established;
	struct peer_sa_view v;
	uint32_t established_s, reauth_s, rekey_s;
	char local_id[SS_ID_TEXT], remote_id[SS_ID_TEXT];
	bool have_child;
	/* the child section being read */
	bool c_installed;
	struct peer_child_view c;
	uint32_t c_life, c_install;
};

static uint64_t ss_num(const char *s)
{
	return strtoull(s, NULL, 10);
}

static void ss_spi(const char *s, uint8_t out[4])
{
	unsigned long v = strtoul(s, NULL, 16);
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void ss_ike_key(struct ss_ike *k, const char *key, const char *val, uint16_t *keysize)
{
	if (strcmp(key, "state") == 0)
		k->established = strcmp(val, "ESTABLISHED") == 0;
	else if (strcmp(key, "encr-alg") == 0)
		k->v.encr = strongswan_ike_encr_id(val);
	else if (strcmp(key, "encr-keysize") == 0)
		*keysize = (uint16_t)ss_num(val);
	else if (strcmp(key, "prf-alg") == 0)
		k->v.hash = strongswan_hash_id(val);
	else if (strcmp(key, "integ-alg") == 0 && !k->v.hash)
		k->v.hash = strongswan_hash_id(val);  /* the PRF wins when listed */
	else if (strcmp(key, "dh-group") == 0)
		k->v.group = strongswan_group_id(val);
	else if (strcmp(key, "established") == 0)
		k->established_s = (uint32_t)ss_num(val);
	else if (strcmp(key, "reauth-time") == 0)
		k->reauth_s = (uint32_t)ss_num(val);
	else if (strcmp(key, "rekey-time") == 0)
		k->rekey_s = (uint32_t)ss_num(val);
	else if (strcmp(key, "local-port") == 0)
		k->v.local_port = (uint16_t)ss_num(val);
	else if (strcmp(key, "remote-port") == 0)
		k->v.remote_port = (uint16_t)ss_num(val);
	else if (strcmp(key, "nat-local") == 0)
		k->v.nat_local = strcmp(val, "yes") == 0;
	else if (strcmp(key, "nat-remote") == 0)
		k->v.nat_remote = strcmp(val, "yes") == 0;
	else if (strcmp(key, "nat-fake") == 0)
		k->v.nat_fake = strcmp(val, "yes") == 0;
	else if (strcmp(key, "local-id") == 0)
		snprintf(k->local_id, sizeof(k->local_id), "%s", val);
	else if (strcmp(key, "remote-id") == 0)
		snprintf(k->remote_id, sizeof(k->remote_id), "%s", val);
}

static void ss_child_key(struct ss_ike *k, const char *key, const char *val)
{
	struct peer_child_view *c = &k->c;
	if (strcmp(key, "state") == 0)
		k->c_installed = strcmp(val, "INSTALLED") == 0;
	else if (strcmp(key, "encap") == 0)
		c->encap = strcmp(val, "yes") == 0;
	else if (strcmp(key, "spi-in") == 0)
		ss_spi(val, c->spi_in);
	else if (strcmp(key, "spi-out") == 0)
		ss_spi(val, c->spi_out);
	else if (strcmp(key, "encr-alg") == 0)
		c->transform = strongswan_esp_encr_id(val);
	else if (strcmp(key, "encr-keysize") == 0)
		c->keylen = (uint16_t)ss_num(val);
	else if (strcmp(key, "integ-alg") == 0)
		c->auth = strongswan_esp_auth_id(val);
	else if (strcmp(key, "dh-group") == 0)
		c->group = strongswan_group_id(val);
	else if (strcmp(key, "bytes-in") == 0)
		c->bytes_in = ss_num(val);
	else if (strcmp(key, "bytes-out") == 0)
		c->bytes_out = ss_num(val);
	else if (strcmp(key, "packets-in") == 0)
		c->packets_in = ss_num(val);
	else if (strcmp(key, "packets-out") == 0)
		c->packets_out = ss_num(val);
	else if (strcmp(key, "life-time") == 0)
		k->c_life = (uint32_t)ss_num(val);
	else if (strcmp(key, "install-time") == 0)
		k->c_install = (uint32_t)ss_num(val);
}

/* Copy a trimmed word (bounded). */
static void ss_word(char *dst, const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n >= SS_WORD)
		n = SS_WORD - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The reader's place in list-sas text: the open sections, the IKE SA
 * being read, and the first match found so far. */
struct ss_parse {
	const char *name;             /* the connection asked for (NULL: any) */
	uint8_t local_hint, remote_hint;  /* ID types expected (0: none) */
	struct peer_sa_view *out;
	char stack[SS_DEPTH][SS_WORD];
	int depth;
	bool in_list;                 /* inside "key = [ ... ]" */
	bool in_ike, found;
	struct ss_ike k;
	uint16_t keysize;
};

/* "NAME {": an IKE SA right under "list-sa event", or a child of it. */
static bool ss_parse_open(struct ss_parse *ps, const char *s, size_t n, char *err, size_t errlen)
{
	if (ps->depth == SS_DEPTH) {
		snprintf(err, errlen, "list-sas output nested deeper than %d", SS_DEPTH);
		return false;
	}
	ss_word(ps->stack[ps->depth], s, n - 1);
	/* an IKE SA: a section right under "list-sa event" */
	if (ps->depth == 1 && strcmp(ps->stack[0], "list-sa event") == 0) {
		memset(&ps->k, 0, sizeof(ps->k));
		snprintf(ps->k.name, sizeof(ps->k.name), "%s", ps->stack[1]);
		ps->keysize = 0;
		ps->in_ike = true;
	}
	if (ps->in_ike && ps->depth == 3 && strcmp(ps->stack[2], "child-sas") == 0) {
		memset(&ps->k.c, 0, sizeof(ps->k.c));
		ps->k.c_installed = false;
		ps->k.c_life = ps->k.c_install = 0;
	}
	ps->depth++;
	return true;
}

/* The end of an IKE SA: the first established one of the name is the
 * view (the raw text stays). */
static void ss_parse_ike_end(struct ss_parse *ps)
{
	struct peer_sa_view *out = ps->out;
	const struct ss_ike *k = &ps->k;
	ps->in_ike = false;
	bool match = !ps->name || strcmp(k->name, ps->name) == 0;
	if (!match || !k->established || ps->found)
		return;
	ps->found = true;
	char raw[sizeof(out->raw)];
	memcpy(raw, out->raw, sizeof(raw));
	*out = k->v;
	memcpy(out->raw, raw, sizeof(raw));
	out->present = true;
	out->nat_known = true;
	/* fixed-size ciphers carry no Key Length */
	out->keylen = (out->encr == CIPHER_DES || out->encr == CIPHER_3DES) ? 0 : ps->keysize;
	out->life_sec = k->established_s + (k->reauth_s ? k->reauth_s : k->rekey_s);
	char e[160];
	out->ids_known = k->local_id[0] && k->remote_id[0] &&
			 strongswan_parse_id(k->local_id, ps->local_hint, &out->local_id, e,
					     sizeof(e)) &&
			 strongswan_parse_id(k->remote_id, ps->remote_hint, &out->remote_id, e,
					     sizeof(e));
	if (!out->ids_known) {
		memset(&out->local_id, 0, sizeof(out->local_id));
		memset(&out->remote_id, 0, sizeof(out->remote_id));
	}
}

/* "}": the end of a child (the first INSTALLED one is kept) or of an IKE SA. */
static bool ss_parse_close(struct ss_parse *ps, char *err, size_t errlen)
{
	if (ps->depth == 0) {
		snprintf(err, errlen, "list-sas output: unbalanced '}'");
		return false;
	}
	ps->depth--;
	struct ss_ike *k = &ps->k;
	if (ps->in_ike && ps->depth == 3 && strcmp(ps->stack[2], "child-sas") == 0 &&
	    k->c_installed && !k->have_child) {
		k->have_child = true;
		k->v.child = k->c;
		k->v.child.present = true;
		k->v.child.life_sec = k->c_life + k->c_install;
		/* ESP is the only protocol our cases negotiate */
	}
	if (ps->in_ike && ps->depth == 1)
		ss_parse_ike_end(ps);
	return true;
}

/* "key = value" of the IKE SA or its child; "key = [" opens a list. */
static void ss_parse_pair(struct ss_parse *ps, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	if (!eq || eq == s)
		return;
	char key[SS_WORD], val[SS_ID_TEXT];
	ss_word(key, s, (size_t)(eq - s));
	const char *v = eq + 1;
	size_t vn = n - (size_t)(v - s);
	while (vn && *v == ' ') {
		v++;
		vn--;
	}
	if (vn == 1 && v[0] == '[') {
		ps->in_list = true;
		return;
	}
	if (vn >= sizeof(val))
		vn = sizeof(val) - 1;
	memcpy(val, v, vn);
	val[vn] = '\0';
	if (ps->in_ike && ps->depth == 2)
		ss_ike_key(&ps->k, key, val, &ps->keysize);
	else if (ps->in_ike && ps->depth == 4 && strcmp(ps->stack[2], "child-sas") == 0)
		ss_child_key(&ps->k, key, val);
}

/* One trimmed, non-empty line. */
static bool ss_parse_line(struct ss_parse *ps, const char *s, size_t n, char *err, size_t errlen)
{
	if (ps->in_list) {
		if (s[0] == ']')
			ps->in_list = false;
		return true;
	}
	if (s[n - 1] == '{')
		return ss_parse_open(ps, s, n, err, errlen);
	if (s[0] == '}')
		return ss_parse_close(ps, err, errlen);
	ss_parse_pair(ps, s, n);
	return true;
}

bool strongswan_parse_sas(const char *text, const char *name, struct peer_sa_view *out,
			  char *err, size_t errlen)
{
	return strongswan_parse_sas_hinted(text, name, 0, 0, out, err, errlen);
}

bool strongswan_parse_sas_hinted(const char *text, const char *name, uint8_t local_hint,
				 uint8_t remote_hint, struct peer_sa_view *out, char *err,
				 size_t errlen)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->raw, sizeof(out->raw), "%s", text ? text : "");
	if (!text || !strstr(text, "list-sa")) {
		snprintf(err, errlen, "not swanctl --list-sas output: '%.60s'", text ? text : "");
		return false;
	}
	struct ss_parse ps;
	memset(&ps, 0, sizeof(ps));
	ps.name = name;
	ps.local_hint = local_hint;
	ps.remote_hint = remote_hint;
	ps.out = out;
	const char *line = text;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *s = line;
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
			n--;
		line = nl ? nl + 1 : line + strlen(line);
		if (n && !ss_parse_line(&ps, s, n, err, errlen))
			return false;
	}
	if (ps.depth != 0) {
		snprintf(err, errlen, "list-sas output: %d unclosed section(s)", ps.depth);
		return false;
	}
	return true;
}

size_t strongswan_parse_ike_ids(const char *text, uint32_t *ids, size_t max)
{
	size_t n = 0;
	int depth = 0;
	const char *line = text ? text : "";
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *s = line;
		line = nl ? nl + 1 : line + len;
		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		/* lists ("local-ts = [") open and close like sections */
		if (s[len - 1] == '{' || s[len - 1] == '[') {
			depth++;
			continue;
		}
		if (s[0] == '}' || s[0] == ']') {
			depth -= depth > 0;
			continue;
		}
		/* "list-sa event { NAME { uniqueid = N": an IKE SA's, not a child's */
		if (depth == 2 && len > 11 && strncmp(s, "uniqueid = ", 11) == 0 && n < max) {
			char *end;
			unsigned long v = strtoul(s + 11, &end, 10);
			if (end != s + 11 && v && v <= UINT32_MAX)
				ids[n++] = (uint32_t)v;
		}
	}
	return n;
}

/* Log lines that mark one IKE_SA or CHILD_SA attempt. */
static const char *const ss_markers[] = {
	"initiating Main Mode IKE_SA",
	"initiating Aggressive Mode IKE_SA",
	"is initiating a Main Mode IKE_SA",
	"is initiating a Aggressive Mode IKE_SA",
	"is initiating an Aggressive Mode IKE_SA",
	"reauthenticating IKE_SA",
	"state change: CREATED => INSTALLING",     /* every CHILD_SA install */
	"state change: INSTALLED => REKEYING",
};

/* Whether a line belongs to connection name: "<name|N>", or "<N>" (an SA
 * not yet matched to a config; with one case at a time, it is this one). */
static bool ss_line_is(const char *s, size_t n, const char *name)
{
	if (!name)
		return true;
	const char *lt = memchr(s, '<', n);
	if (!lt)
		return false;
	size_t rest = n - (size_t)(lt - s), nl = strlen(name);
	if (rest > nl + 1 && memcmp(lt + 1, name, nl) == 0 && lt[1 + nl] == '|')
		return true;
	size_t i = 1;
	while (i < rest && lt[i] >= '0' && lt[i] <= '9')
		i++;
	return i > 1 && i < rest && lt[i] == '>';
}

static bool ss_has(const char *s, size_t n, const char *m)
{
	size_t ml = strlen(m);
	for (size_t i = 0; i + ml <= n; i++)
		if (memcmp(s + i, m, ml) == 0)
			return true;
	return false;
}

size_t strongswan_count_attempts(const char *log, size_t len, const char *name)
{
	size_t count = 0, off = 0;
	while (off < len) {
		const char *s = log + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		off += n + 1;
		for (size_t i = 0; i < sizeof(ss_markers) / sizeof(ss_markers[0]); i++) {
			if (ss_has(s, n, ss_markers[i])) {
				if (ss_line_is(s, n, name))
					count++;
				break;
			}
		}
	}
	return count;
}
