/* Mutations at the three depths of the design: on the payload list
 * (before HASH and encryption), on the plaintext (before encryption), on
 * the datagram as sent. */
#include "ike/engine_internal.h"

#include <stdio.h>
#include <string.h>

bool ike_apply_payload_muts(struct wire_msg *m, const struct ike_step *s,
			    bool *keep_hash, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->nmut; i++) {
		const struct ike_mutation *mu = &s->mut[i];
		long idx;
		switch (mu->op) {
		case IKE_MUT_SET:
			if (!wire_set(m, mu->path, mu->value, err, errlen))
				return false;
			if (strncmp(mu->path, "hash", 4) == 0 || strncmp(mu->path, "sig", 3) == 0)
				*keep_hash = true;
			break;
		case IKE_MUT_SET_BYTES:
			if (!wire_set_bytes(m, mu->path, mu->bytes.ptr, mu->bytes.len, err, errlen))
				return false;
			if (strncmp(mu->path, "hash", 4) == 0 || strncmp(mu->path, "sig", 3) == 0)
				*keep_hash = true;
			break;
		case IKE_MUT_REMOVE:
		case IKE_MUT_DUPLICATE:
			idx = wire_index(m, mu->payload, mu->nth);
			if (idx < 0) {
				snprintf(err, errlen, "no payload of type %u #%zu to %s", mu->payload,
					 mu->nth, mu->op == IKE_MUT_REMOVE ? "remove" : "duplicate");
				return false;
			}
			/* a HASH or SIG removed leaves nothing for finalize to fill */
			if (mu->op == IKE_MUT_REMOVE &&
			    (mu->payload == WIRE_PL_HASH || mu->payload == WIRE_PL_SIG))
				*keep_hash = true;
			if (mu->op == IKE_MUT_REMOVE)
				wire_remove(m, (size_t)idx);
			else
				wire_duplicate(m, (size_t)idx);
			break;
		case IKE_MUT_REMOVE_ATTR:
			if (!wire_remove_attr(m, mu->path, err, errlen))
				return false;
			break;
		case IKE_MUT_UNKNOWN: {
			struct wire_node *n = wire_node_new(m, mu->payload);
			wire_set_data(m, n, mu->bytes.ptr, mu->bytes.len);
			if (!wire_insert(m, mu->nth < m->npl ? mu->nth : m->npl, n)) {
				snprintf(err, errlen, "cannot insert at %zu", mu->nth);
				return false;
			}
			break;
		}
		default:
			break;
		}
	}
	return true;
}

void ike_apply_byte_muts(chunk_t *c, const struct ike_step *s, bool plain)
{
	for (size_t i = 0; s && i < s->nmut; i++) {
		const struct ike_mutation *mu = &s->mut[i];
		enum ike_mut_op trunc = plain ? IKE_MUT_PLAIN_TRUNCATE : IKE_MUT_DGRAM_TRUNCATE;
		enum ike_mut_op x = plain ? IKE_MUT_PLAIN_XOR : IKE_MUT_DGRAM_XOR;
		if (mu->op == trunc && mu->value < c->len)
			c->len = mu->value;
		else if (mu->op == x && mu->offset < c->len)
			c->ptr[mu->offset] ^= (uint8_t)mu->value;
		else if (!plain && mu->op == IKE_MUT_DGRAM_CHOP && mu->value < c->len &&
			 c->len - mu->value >= WIRE_HDR_LEN) {
			c->len -= mu->value;
			uint32_t n = (uint32_t)c->len;  /* the header's length, bytes 24-27 */
			c->ptr[24] = (uint8_t)(n >> 24);
			c->ptr[25] = (uint8_t)(n >> 16);
			c->ptr[26] = (uint8_t)(n >> 8);
			c->ptr[27] = (uint8_t)n;
		} else if (!plain && mu->op == IKE_MUT_DGRAM_APPEND) {
			chunk_t parts[2] = { *c, mu->bytes };
			chunk_t n = chunk_cat(2, parts);
			chunk_free(c);
			*c = n;
		}
	}
}

const struct ike_mutation *ike_mut_find(const struct ike_step *s, enum ike_mut_op op)
{
	for (size_t i = 0; s && i < s->nmut; i++)
		if (s->mut[i].op == op)
			return &s->mut[i];
	return NULL;
}
