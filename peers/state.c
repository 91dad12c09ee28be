/* Reading key=value state lines (peers/peer.h): the self peer's --state
 * file and a device's sa_state output share the form. */
#include <inttypes.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/hex.h"
#include "peers/peer.h"
#include "suite/peercfg.h"

unsigned long peer_state_field(const char *line, const char *key)
{
	char pat[40];
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *q = strstr(line, pat);
	return q ? strtoul(q + strlen(pat), NULL, 10) : 0;
}

void peer_state_spi(const char *line, const char *key, uint8_t out[4])
{
	char pat[40];
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *q = strstr(line, pat);
	chunk_t c = CHUNK_EMPTY;
	memset(out, 0, 4);
	if (q && strlen(q + strlen(pat)) >= 8 && hex_decode(q + strlen(pat), 8, &c) && c.len == 4)
		memcpy(out, c.ptr, 4);
	chunk_free(&c);
}

bool peer_state_has(const char *line, const char *key)
{
	char pat[40];
	snprintf(pat, sizeof(pat), " %s=", key);
	return strstr(line, pat) != NULL;
}

const char *peer_state_line(const char *line, char *one, size_t len)
{
	if (!line || !*line)
		return NULL;
	const char *nl = strchr(line, '\n');
	size_t l = nl ? (size_t)(nl - line) : strlen(line);
	snprintf(one, len, "%.*s", (int)(l < len ? l : len - 1), line);
	return nl ? nl + 1 : line + l;
}

/* " key=WORD" as an ID (peercfg_id_text's form); false when absent or
 * not one. */
static bool peer_state_id(const char *line, const char *key, struct ike_id *id)
{
	char pat[40], word[2 * IKE_MAX_ID + 32], err[200];
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *q = strstr(line, pat);
	if (!q)
		return false;
	q += strlen(pat);
	size_t l = strcspn(q, " \t\r\n");
	if (!l || l >= sizeof(word))
		return false;
	memcpy(word, q, l);
	word[l] = '\0';
	return peercfg_id_read(word, id, err, sizeof(err));
}

/* The IDs an sa line carries: known when both are there and readable. */
static void peer_state_ids(const char *one, struct peer_sa_view *out)
{
	out->ids_known = peer_state_id(one, "local_id", &out->local_id) &&
			 peer_state_id(one, "remote_id", &out->remote_id);
	if (!out->ids_known) {
		memset(&out->local_id, 0, sizeof(out->local_id));
		memset(&out->remote_id, 0, sizeof(out->remote_id));
	}
}

void peer_state_sa(const char *one, struct peer_sa_view *out)
{
	out->present = true;
	out->encr = (uint16_t)peer_state_field(one, "encr");
	out->keylen = (uint16_t)peer_state_field(one, "keylen");
	out->hash = (uint16_t)peer_state_field(one, "hash");
	out->group = (uint16_t)peer_state_field(one, "group");
	out->life_sec = (uint32_t)peer_state_field(one, "life_sec");
	peer_state_ids(one, out);
}

void peer_state_child(const char *one, struct peer_child_view *ch)
{
	ch->present = true;
	ch->transform = (uint16_t)peer_state_field(one, "transform");
	ch->keylen = (uint16_t)peer_state_field(one, "keylen");
	ch->auth = (uint16_t)peer_state_field(one, "auth");
	ch->group = (uint16_t)peer_state_field(one, "group");
	ch->life_sec = (uint32_t)peer_state_field(one, "life_sec");
	peer_state_spi(one, "spi_in", ch->spi_in);
	peer_state_spi(one, "spi_out", ch->spi_out);
	ch->packets_in = peer_state_field(one, "packets_in");
	ch->packets_out = peer_state_field(one, "packets_out");
	ch->bytes_in = peer_state_field(one, "bytes_in");
	ch->bytes_out = peer_state_field(one, "bytes_out");
}

/* Appends to buf; false once it no longer fits. */
static bool peer_state_add(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool peer_state_add(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = *used < len ? vsnprintf(buf + *used, len - *used, fmt, ap) : -1;
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *used)
		return false;
	*used += (size_t)n;
	return true;
}

bool peer_state_format(const struct peer_sa_view *v, char *buf, size_t len)
{
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	if (!v->present)
		return len > 0;
	bool ok = peer_state_add(buf, len, &used, "sa state=established encr=%u keylen=%u hash=%u "
				 "group=%u", v->encr, v->keylen, v->hash, v->group);
	if (ok && v->life_sec)
		ok = peer_state_add(buf, len, &used, " life_sec=%" PRIu32, v->life_sec);
	if (ok && v->nat_known)
		ok = peer_state_add(buf, len, &used, " nat_device=%d nat_harness=%d nat_fake=%d port=%u",
				    v->nat_local, v->nat_remote, v->nat_fake, v->local_port);
	char lid[2 * IKE_MAX_ID + 16], rid[2 * IKE_MAX_ID + 16];
	if (ok && v->ids_known)
		ok = peercfg_id_text(&v->local_id, lid, sizeof(lid)) &&
		     peercfg_id_text(&v->remote_id, rid, sizeof(rid)) &&
		     peer_state_add(buf, len, &used, " local_id=%s remote_id=%s", lid, rid);
	ok = ok && peer_state_add(buf, len, &used, "\n");
	const struct peer_child_view *c = &v->child;
	if (ok && c->present) {
		char in[9], out[9];
		hex_encode(c->spi_in, 4, in);
		hex_encode(c->spi_out, 4, out);
		ok = peer_state_add(buf, len, &used, "child transform=%u keylen=%u auth=%u group=%u "
				    "encap=%d", c->transform, c->keylen, c->auth, c->group, c->encap);
		if (ok && c->life_sec)
			ok = peer_state_add(buf, len, &used, " life_sec=%" PRIu32, c->life_sec);
		ok = ok && peer_state_add(buf, len, &used, " spi_in=%s spi_out=%s", in, out);
		if (ok && !c->counters_unknown)
			ok = peer_state_add(buf, len, &used, " packets_in=%" PRIu64 " packets_out=%" PRIu64
					    " bytes_in=%" PRIu64 " bytes_out=%" PRIu64, c->packets_in,
					    c->packets_out, c->bytes_in, c->bytes_out);
		if (ok && c->natoa_known)
			ok = peer_state_add(buf, len, &used, " natoa=%d", c->natoa);
		ok = ok && peer_state_add(buf, len, &used, "\n");
	}
	return ok;
}
