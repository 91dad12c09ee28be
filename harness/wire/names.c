/* One table of IKEv1 names (see registries.md for the sources). */
#include "wire/names.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct names_entry {
	uint8_t space;
	bool alias;          /* accepted by lookup, never printed */
	uint32_t value;
	const char *name;
};

#define E(s, v, n) { NAMES_##s, false, v, n }
#define A(s, v, n) { NAMES_##s, true, v, n }

static const struct names_entry names_table[] = {
	E(EXCHANGE, 0, "NONE"),
	E(EXCHANGE, 1, "Base"),
	E(EXCHANGE, 2, "Identity Protection (Main Mode)"),
	E(EXCHANGE, 3, "Authentication Only"),
	E(EXCHANGE, 4, "Aggressive"),
	E(EXCHANGE, 5, "Informational"),
	E(EXCHANGE, 6, "Transaction (Mode-Config)"),
	E(EXCHANGE, 32, "Quick Mode"),
	E(EXCHANGE, 33, "New Group Mode"),
	A(EXCHANGE, 2, "MAIN"), A(EXCHANGE, 2, "IDENTITY-PROTECTION"),
	A(EXCHANGE, 2, "MAIN-MODE"), A(EXCHANGE, 4, "AGGRESSIVE-MODE"),
	A(EXCHANGE, 4, "AGGR"), A(EXCHANGE, 5, "INFO"),
	A(EXCHANGE, 6, "TRANSACTION"), A(EXCHANGE, 6, "MODECFG"),
	A(EXCHANGE, 32, "QUICK"), A(EXCHANGE, 33, "NEW-GROUP"),
	A(EXCHANGE, 3, "AUTH-ONLY"),

	E(PAYLOAD, 0, "NONE"),
	E(PAYLOAD, 1, "Security Association"),
	E(PAYLOAD, 2, "Proposal"),
	E(PAYLOAD, 3, "Transform"),
	E(PAYLOAD, 4, "Key Exchange"),
	E(PAYLOAD, 5, "Identification"),
	E(PAYLOAD, 6, "Certificate"),
	E(PAYLOAD, 7, "Certificate Request"),
	E(PAYLOAD, 8, "Hash"),
	E(PAYLOAD, 9, "Signature"),
	E(PAYLOAD, 10, "Nonce"),
	E(PAYLOAD, 11, "Notification"),
	E(PAYLOAD, 12, "Delete"),
	E(PAYLOAD, 13, "Vendor ID"),
	E(PAYLOAD, 14, "Attribute (Mode-Config)"),
	E(PAYLOAD, 15, "SA KEK"),
	E(PAYLOAD, 16, "SA TEK"),
	E(PAYLOAD, 17, "Key Download"),
	E(PAYLOAD, 18, "Sequence Number"),
	E(PAYLOAD, 19, "Proof of Possession"),
	E(PAYLOAD, 20, "NAT-D"),
	E(PAYLOAD, 21, "NAT-OA"),
	E(PAYLOAD, 22, "Group Associated Policy"),
	E(PAYLOAD, 130, "NAT-D (draft)"),
	E(PAYLOAD, 131, "NAT-OA (draft)"),
	E(PAYLOAD, 132, "Fragmentation (Cisco)"),
	A(PAYLOAD, 1, "SA"), A(PAYLOAD, 2, "P"), A(PAYLOAD, 3, "T"),
	A(PAYLOAD, 4, "KE"), A(PAYLOAD, 5, "ID"), A(PAYLOAD, 6, "CERT"),
	A(PAYLOAD, 7, "CR"), A(PAYLOAD, 8, "HASH"), A(PAYLOAD, 9, "SIG"),
	A(PAYLOAD, 10, "NONCE"), A(PAYLOAD, 11, "N"), A(PAYLOAD, 11, "NOTIFY"),
	A(PAYLOAD, 12, "D"), A(PAYLOAD, 13, "VID"), A(PAYLOAD, 14, "ATTR"),
	A(PAYLOAD, 14, "MODECFG"), A(PAYLOAD, 20, "NATD"), A(PAYLOAD, 21, "NATOA"),
	A(PAYLOAD, 130, "NAT-D-DRAFT"), A(PAYLOAD, 131, "NAT-OA-DRAFT"),
	A(PAYLOAD, 132, "FRAG"),

	/* RFC 2408 3.14.1 spelling. */
	E(NOTIFY, 1, "INVALID-PAYLOAD-TYPE"),
	E(NOTIFY, 2, "DOI-NOT-SUPPORTED"),
	E(NOTIFY, 3, "SITUATION-NOT-SUPPORTED"),
	E(NOTIFY, 4, "INVALID-COOKIE"),
	E(NOTIFY, 5, "INVALID-MAJOR-VERSION"),
	E(NOTIFY, 6, "INVALID-MINOR-VERSION"),
	E(NOTIFY, 7, "INVALID-EXCHANGE-TYPE"),
	E(NOTIFY, 8, "INVALID-FLAGS"),
	E(NOTIFY, 9, "INVALID-MESSAGE-ID"),
	E(NOTIFY, 10, "INVALID-PROTOCOL-ID"),
	E(NOTIFY, 11, "INVALID-SPI"),
	E(NOTIFY, 12, "INVALID-TRANSFORM-ID"),
	E(NOTIFY, 13, "ATTRIBUTES-NOT-SUPPORTED"),
	E(NOTIFY, 14, "NO-PROPOSAL-CHOSEN"),
	E(NOTIFY, 15, "BAD-PROPOSAL-SYNTAX"),
	E(NOTIFY, 16, "PAYLOAD-MALFORMED"),
	E(NOTIFY, 17, "INVALID-KEY-INFORMATION"),
	E(NOTIFY, 18, "INVALID-ID-INFORMATION"),
	E(NOTIFY, 19, "INVALID-CERT-ENCODING"),
	E(NOTIFY, 20, "INVALID-CERTIFICATE"),
	E(NOTIFY, 21, "CERT-TYPE-UNSUPPORTED"),
	E(NOTIFY, 22, "INVALID-CERT-AUTHORITY"),
	E(NOTIFY, 23, "INVALID-HASH-INFORMATION"),
	E(NOTIFY, 24, "AUTHENTICATION-FAILED"),
	E(NOTIFY, 25, "INVALID-SIGNATURE"),
	E(NOTIFY, 26, "ADDRESS-NOTIFICATION"),
	E(NOTIFY, 27, "NOTIFY-SA-LIFETIME"),
	E(NOTIFY, 28, "CERTIFICATE-UNAVAILABLE"),
	E(NOTIFY, 29, "UNSUPPORTED-EXCHANGE-TYPE"),
	E(NOTIFY, 30, "UNEQUAL-PAYLOAD-LENGTHS"),
	E(NOTIFY, 16384, "CONNECTED"),
	E(NOTIFY, 24576, "RESPONDER-LIFETIME"),
	E(NOTIFY, 24577, "REPLAY-STATUS"),
	E(NOTIFY, 24578, "INITIAL-CONTACT"),
	E(NOTIFY, 36136, "R-U-THERE"),
	E(NOTIFY, 36137, "R-U-THERE-ACK"),
	A(NOTIFY, 36136, "DPD"), A(NOTIFY, 36137, "DPD-ACK"),

	E(P1_ATTR, 1, "Encryption Algorithm"),
	E(P1_ATTR, 2, "Hash Algorithm"),
	E(P1_ATTR, 3, "Authentication Method"),
	E(P1_ATTR, 4, "Group Description"),
	E(P1_ATTR, 5, "Group Type"),
	E(P1_ATTR, 6, "Group Prime/Irreducible Polynomial"),
	E(P1_ATTR, 7, "Group Generator One"),
	E(P1_ATTR, 8, "Group Generator Two"),
	E(P1_ATTR, 9, "Group Curve A"),
	E(P1_ATTR, 10, "Group Curve B"),
	E(P1_ATTR, 11, "Life Type"),
	E(P1_ATTR, 12, "Life Duration"),
	E(P1_ATTR, 13, "PRF"),
	E(P1_ATTR, 14, "Key Length"),
	E(P1_ATTR, 15, "Field Size"),
	E(P1_ATTR, 16, "Group Order"),
	A(P1_ATTR, 1, "ENCRYPTION"), A(P1_ATTR, 2, "HASH"), A(P1_ATTR, 3, "AUTH"),
	A(P1_ATTR, 4, "GROUP"), A(P1_ATTR, 11, "LIFE-TYPE"),
	A(P1_ATTR, 12, "LIFETIME"), A(P1_ATTR, 14, "KEYLEN"),

	E(P1_ENCR, 1, "DES-CBC"),
	E(P1_ENCR, 2, "IDEA-CBC"),
	E(P1_ENCR, 3, "Blowfish-CBC"),
	E(P1_ENCR, 4, "RC5-R16-B64-CBC"),
	E(P1_ENCR, 5, "3DES-CBC"),
	E(P1_ENCR, 6, "CAST-CBC"),
	E(P1_ENCR, 7, "AES-CBC"),
	E(P1_ENCR, 8, "CAMELLIA-CBC"),
	A(P1_ENCR, 1, "DES"), A(P1_ENCR, 5, "3DES"), A(P1_ENCR, 7, "AES"),
	A(P1_ENCR, 3, "BLOWFISH"), A(P1_ENCR, 6, "CAST"), A(P1_ENCR, 6, "CAST128"),
	A(P1_ENCR, 8, "CAMELLIA"),

	E(P1_HASH, 1, "MD5"),
	E(P1_HASH, 2, "SHA"),
	E(P1_HASH, 3, "Tiger"),
	E(P1_HASH, 4, "SHA2-256"),
	E(P1_HASH, 5, "SHA2-384"),
	E(P1_HASH, 6, "SHA2-512"),
	A(P1_HASH, 2, "SHA1"), A(P1_HASH, 4, "SHA256"), A(P1_HASH, 5, "SHA384"),
	A(P1_HASH, 6, "SHA512"),

	E(P1_AUTH, 1, "Pre-Shared Key"),
	E(P1_AUTH, 2, "DSS Signatures"),
	E(P1_AUTH, 3, "RSA Signatures"),
	E(P1_AUTH, 4, "Encryption with RSA"),
	E(P1_AUTH, 5, "Revised Encryption with RSA"),
	E(P1_AUTH, 6, "Reserved (was Encryption with El-Gamal)"),
	E(P1_AUTH, 7, "Reserved (was Revised Encryption with El-Gamal)"),
	E(P1_AUTH, 8, "Reserved (was ECDSA Signatures)"),
	E(P1_AUTH, 9, "ECDSA-SHA256-P256"),
	E(P1_AUTH, 10, "ECDSA-SHA384-P384"),
	E(P1_AUTH, 11, "ECDSA-SHA512-P521"),
	E(P1_AUTH, 64221, "HybridInitRSA"),
	E(P1_AUTH, 64222, "HybridRespRSA"),
	E(P1_AUTH, 64223, "HybridInitDSS"),
	E(P1_AUTH, 64224, "HybridRespDSS"),
	E(P1_AUTH, 65001, "XAUTHInitPreShared"),
	E(P1_AUTH, 65002, "XAUTHRespPreShared"),
	E(P1_AUTH, 65003, "XAUTHInitDSS"),
	E(P1_AUTH, 65004, "XAUTHRespDSS"),
	E(P1_AUTH, 65005, "XAUTHInitRSA"),
	E(P1_AUTH, 65006, "XAUTHRespRSA"),
	E(P1_AUTH, 65007, "XAUTHInitRSAEncryption"),
	E(P1_AUTH, 65008, "XAUTHRespRSAEncryption"),
	E(P1_AUTH, 65009, "XAUTHInitRSARevisedEncryption"),
	E(P1_AUTH, 65010, "XAUTHRespRSARevisedEncryption"),
	A(P1_AUTH, 1, "PSK"), A(P1_AUTH, 2, "DSS"), A(P1_AUTH, 3, "RSA"),
	A(P1_AUTH, 3, "RSA-SIG"), A(P1_AUTH, 4, "RSA-ENC"),
	A(P1_AUTH, 5, "RSA-REVISED-ENC"), A(P1_AUTH, 9, "ECDSA256"),
	A(P1_AUTH, 10, "ECDSA384"), A(P1_AUTH, 11, "ECDSA521"),

	E(GROUP, 1, "768-bit MODP"),
	E(GROUP, 2, "1024-bit MODP"),
	E(GROUP, 3, "EC2N GF(2^155)"),
	E(GROUP, 4, "EC2N GF(2^185)"),
	E(GROUP, 5, "1536-bit MODP"),
	E(GROUP, 6, "EC2N GF(2^163) (draft)"),
	E(GROUP, 7, "EC2N GF(2^163) (draft)"),
	E(GROUP, 8, "EC2N GF(2^283) (draft)"),
	E(GROUP, 9, "EC2N GF(2^283) (draft)"),
	E(GROUP, 10, "EC2N GF(2^409) (draft)"),
	E(GROUP, 11, "EC2N GF(2^409) (draft)"),
	E(GROUP, 12, "EC2N GF(2^571) (draft)"),
	E(GROUP, 13, "EC2N GF(2^571) (draft)"),
	E(GROUP, 14, "2048-bit MODP"),
	E(GROUP, 15, "3072-bit MODP"),
	E(GROUP, 16, "4096-bit MODP"),
	E(GROUP, 17, "6144-bit MODP"),
	E(GROUP, 18, "8192-bit MODP"),
	E(GROUP, 19, "256-bit random ECP"),
	E(GROUP, 20, "384-bit random ECP"),
	E(GROUP, 21, "521-bit random ECP"),
	E(GROUP, 22, "1024-bit MODP with 160-bit prime order subgroup"),
	E(GROUP, 23, "2048-bit MODP with 224-bit prime order subgroup"),
	E(GROUP, 24, "2048-bit MODP with 256-bit prime order subgroup"),
	E(GROUP, 25, "192-bit random ECP"),
	E(GROUP, 26, "224-bit random ECP"),
	E(GROUP, 27, "brainpoolP224r1"),
	E(GROUP, 28, "brainpoolP256r1"),
	E(GROUP, 29, "brainpoolP384r1"),
	E(GROUP, 30, "brainpoolP512r1"),
	A(GROUP, 1, "MODP768"), A(GROUP, 2, "MODP1024"), A(GROUP, 5, "MODP1536"),
	A(GROUP, 14, "MODP2048"), A(GROUP, 15, "MODP3072"), A(GROUP, 16, "MODP4096"),
	A(GROUP, 17, "MODP6144"), A(GROUP, 18, "MODP8192"), A(GROUP, 19, "ECP256"),
	A(GROUP, 20, "ECP384"), A(GROUP, 21, "ECP521"), A(GROUP, 25, "ECP192"),
	A(GROUP, 26, "ECP224"),

	E(GROUP_TYPE, 1, "MODP"),
	E(GROUP_TYPE, 2, "ECP"),
	E(GROUP_TYPE, 3, "EC2N"),

	E(LIFE_TYPE, 1, "Seconds"),
	E(LIFE_TYPE, 2, "Kilobytes"),

	E(DOI, 0, "ISAKMP"),
	E(DOI, 1, "IPSEC"),
	E(DOI, 2, "GDOI"),

	E(SITUATION, 1, "SIT_IDENTITY_ONLY"),
	E(SITUATION, 2, "SIT_SECRECY"),
	E(SITUATION, 4, "SIT_INTEGRITY"),

	E(PROTOCOL, 1, "PROTO_ISAKMP"),
	E(PROTOCOL, 2, "PROTO_IPSEC_AH"),
	E(PROTOCOL, 3, "PROTO_IPSEC_ESP"),
	E(PROTOCOL, 4, "PROTO_IPCOMP"),
	A(PROTOCOL, 1, "ISAKMP"), A(PROTOCOL, 2, "AH"), A(PROTOCOL, 3, "ESP"),
	A(PROTOCOL, 4, "IPCOMP"),

	E(ISAKMP_TRANSFORM, 1, "KEY_IKE"),

	E(ESP_TRANSFORM, 1, "ESP_DES_IV64"),
	E(ESP_TRANSFORM, 2, "ESP_DES"),
	E(ESP_TRANSFORM, 3, "ESP_3DES"),
	E(ESP_TRANSFORM, 4, "ESP_RC5"),
	E(ESP_TRANSFORM, 5, "ESP_IDEA"),
	E(ESP_TRANSFORM, 6, "ESP_CAST"),
	E(ESP_TRANSFORM, 7, "ESP_BLOWFISH"),
	E(ESP_TRANSFORM, 8, "ESP_3IDEA"),
	E(ESP_TRANSFORM, 9, "ESP_DES_IV32"),
	E(ESP_TRANSFORM, 10, "ESP_RC4"),
	E(ESP_TRANSFORM, 11, "ESP_NULL"),
	E(ESP_TRANSFORM, 12, "ESP_AES"),
	E(ESP_TRANSFORM, 13, "ESP_AES-CTR"),
	E(ESP_TRANSFORM, 14, "ESP_AES-CCM_8"),
	E(ESP_TRANSFORM, 15, "ESP_AES-CCM_12"),
	E(ESP_TRANSFORM, 16, "ESP_AES-CCM_16"),
	E(ESP_TRANSFORM, 18, "ESP_AES-GCM_8"),
	E(ESP_TRANSFORM, 19, "ESP_AES-GCM_12"),
	E(ESP_TRANSFORM, 20, "ESP_AES-GCM_16"),
	E(ESP_TRANSFORM, 21, "ESP_SEED_CBC"),
	E(ESP_TRANSFORM, 22, "ESP_CAMELLIA"),
	E(ESP_TRANSFORM, 23, "ESP_NULL_AUTH_AES-GMAC"),
	A(ESP_TRANSFORM, 2, "DES"), A(ESP_TRANSFORM, 3, "3DES"),
	A(ESP_TRANSFORM, 12, "AES"), A(ESP_TRANSFORM, 11, "NULL"),

	E(AH_TRANSFORM, 2, "AH_MD5"),
	E(AH_TRANSFORM, 3, "AH_SHA"),
	E(AH_TRANSFORM, 4, "AH_DES"),
	E(AH_TRANSFORM, 5, "AH_SHA2-256"),
	E(AH_TRANSFORM, 6, "AH_SHA2-384"),
	E(AH_TRANSFORM, 7, "AH_SHA2-512"),
	E(AH_TRANSFORM, 8, "AH_RIPEMD"),
	E(AH_TRANSFORM, 9, "AH_AES-XCBC-MAC"),
	E(AH_TRANSFORM, 10, "AH_RSA"),
	E(AH_TRANSFORM, 11, "AH_AES-128-GMAC"),
	E(AH_TRANSFORM, 12, "AH_AES-192-GMAC"),
	E(AH_TRANSFORM, 13, "AH_AES-256-GMAC"),

	E(IPCOMP_TRANSFORM, 1, "IPCOMP_OUI"),
	E(IPCOMP_TRANSFORM, 2, "IPCOMP_DEFLATE"),
	E(IPCOMP_TRANSFORM, 3, "IPCOMP_LZS"),
	E(IPCOMP_TRANSFORM, 4, "IPCOMP_LZJH"),

	E(IPSEC_ATTR, 1, "SA Life Type"),
	E(IPSEC_ATTR, 2, "SA Life Duration"),
	E(IPSEC_ATTR, 3, "Group Description"),
	E(IPSEC_ATTR, 4, "Encapsulation Mode"),
	E(IPSEC_ATTR, 5, "Authentication Algorithm"),
	E(IPSEC_ATTR, 6, "Key Length"),
	E(IPSEC_ATTR, 7, "Key Rounds"),
	E(IPSEC_ATTR, 8, "Compress Dictionary Size"),
	E(IPSEC_ATTR, 9, "Compress Private Algorithm"),
	E(IPSEC_ATTR, 10, "ECN Tunnel"),
	E(IPSEC_ATTR, 11, "Extended Sequence Number"),
	E(IPSEC_ATTR, 13, "Signature Encoding Algorithm"),
	E(IPSEC_ATTR, 14, "Address Preservation"),
	E(IPSEC_ATTR, 15, "SA Direction"),
	A(IPSEC_ATTR, 1, "LIFE-TYPE"), A(IPSEC_ATTR, 2, "LIFETIME"),
	A(IPSEC_ATTR, 3, "GROUP"), A(IPSEC_ATTR, 3, "PFS"), A(IPSEC_ATTR, 4, "MODE"),
	A(IPSEC_ATTR, 5, "AUTH"), A(IPSEC_ATTR, 6, "KEYLEN"), A(IPSEC_ATTR, 11, "ESN"),

	E(ENCAP_MODE, 1, "Tunnel"),
	E(ENCAP_MODE, 2, "Transport"),
	E(ENCAP_MODE, 3, "UDP-Encapsulated-Tunnel"),
	E(ENCAP_MODE, 4, "UDP-Encapsulated-Transport"),
	E(ENCAP_MODE, 61443, "UDP-Encapsulated-Tunnel (draft)"),
	E(ENCAP_MODE, 61444, "UDP-Encapsulated-Transport (draft)"),

	E(AUTH_ALG, 1, "HMAC-MD5"),
	E(AUTH_ALG, 2, "HMAC-SHA"),
	E(AUTH_ALG, 3, "DES-MAC"),
	E(AUTH_ALG, 4, "KPDK"),
	E(AUTH_ALG, 5, "HMAC-SHA2-256"),
	E(AUTH_ALG, 6, "HMAC-SHA2-384"),
	E(AUTH_ALG, 7, "HMAC-SHA2-512"),
	E(AUTH_ALG, 8, "HMAC-RIPEMD"),
	E(AUTH_ALG, 9, "AES-XCBC-MAC"),
	E(AUTH_ALG, 10, "SIG-RSA"),
	E(AUTH_ALG, 11, "AES-128-GMAC"),
	E(AUTH_ALG, 12, "AES-192-GMAC"),
	E(AUTH_ALG, 13, "AES-256-GMAC"),
	A(AUTH_ALG, 1, "MD5"), A(AUTH_ALG, 2, "SHA1"), A(AUTH_ALG, 5, "SHA256"),
	A(AUTH_ALG, 6, "SHA384"), A(AUTH_ALG, 7, "SHA512"),

	E(ID_TYPE, 1, "ID_IPV4_ADDR"),
	E(ID_TYPE, 2, "ID_FQDN"),
	E(ID_TYPE, 3, "ID_USER_FQDN"),
	E(ID_TYPE, 4, "ID_IPV4_ADDR_SUBNET"),
	E(ID_TYPE, 5, "ID_IPV6_ADDR"),
	E(ID_TYPE, 6, "ID_IPV6_ADDR_SUBNET"),
	E(ID_TYPE, 7, "ID_IPV4_ADDR_RANGE"),
	E(ID_TYPE, 8, "ID_IPV6_ADDR_RANGE"),
	E(ID_TYPE, 9, "ID_DER_ASN1_DN"),
	E(ID_TYPE, 10, "ID_DER_ASN1_GN"),
	E(ID_TYPE, 11, "ID_KEY_ID"),
	E(ID_TYPE, 12, "ID_LIST"),
	A(ID_TYPE, 1, "IPV4"), A(ID_TYPE, 2, "FQDN"), A(ID_TYPE, 3, "USER-FQDN"),
	A(ID_TYPE, 3, "EMAIL"), A(ID_TYPE, 5, "IPV6"), A(ID_TYPE, 9, "DN"),
	A(ID_TYPE, 11, "KEY-ID"),

	E(CERT_ENCODING, 1, "PKCS #7 wrapped X.509 certificate"),
	E(CERT_ENCODING, 2, "PGP Certificate"),
	E(CERT_ENCODING, 3, "DNS Signed Key"),
	E(CERT_ENCODING, 4, "X.509 Certificate - Signature"),
	E(CERT_ENCODING, 5, "X.509 Certificate - Key Exchange"),
	E(CERT_ENCODING, 6, "Kerberos Tokens"),
	E(CERT_ENCODING, 7, "Certificate Revocation List (CRL)"),
	E(CERT_ENCODING, 8, "Authority Revocation List (ARL)"),
	E(CERT_ENCODING, 9, "SPKI Certificate"),
	E(CERT_ENCODING, 10, "X.509 Certificate - Attribute"),
	A(CERT_ENCODING, 1, "PKCS7"), A(CERT_ENCODING, 4, "X509-SIG"),
	A(CERT_ENCODING, 4, "X509"), A(CERT_ENCODING, 7, "CRL"),

	E(FLAGS, 1, "Encryption"),
	E(FLAGS, 2, "Commit"),
	E(FLAGS, 4, "Authentication Only"),
	A(FLAGS, 1, "E"), A(FLAGS, 2, "C"), A(FLAGS, 4, "A"),

	E(CFG_TYPE, 1, "ISAKMP_CFG_REQUEST"),
	E(CFG_TYPE, 2, "ISAKMP_CFG_REPLY"),
	E(CFG_TYPE, 3, "ISAKMP_CFG_SET"),
	E(CFG_TYPE, 4, "ISAKMP_CFG_ACK"),
	A(CFG_TYPE, 1, "REQUEST"), A(CFG_TYPE, 2, "REPLY"), A(CFG_TYPE, 3, "SET"),
	A(CFG_TYPE, 4, "ACK"),

	E(CFG_ATTR, 1, "INTERNAL_IP4_ADDRESS"),
	E(CFG_ATTR, 2, "INTERNAL_IP4_NETMASK"),
	E(CFG_ATTR, 3, "INTERNAL_IP4_DNS"),
	E(CFG_ATTR, 4, "INTERNAL_IP4_NBNS"),
	E(CFG_ATTR, 5, "INTERNAL_ADDRESS_EXPIRY"),
	E(CFG_ATTR, 6, "INTERNAL_IP4_DHCP"),
	E(CFG_ATTR, 7, "APPLICATION_VERSION"),
	E(CFG_ATTR, 8, "INTERNAL_IP6_ADDRESS"),
	E(CFG_ATTR, 9, "INTERNAL_IP6_NETMASK"),
	E(CFG_ATTR, 10, "INTERNAL_IP6_DNS"),
	E(CFG_ATTR, 11, "INTERNAL_IP6_NBNS"),
	E(CFG_ATTR, 12, "INTERNAL_IP6_DHCP"),
	E(CFG_ATTR, 13, "INTERNAL_IP4_SUBNET"),
	E(CFG_ATTR, 14, "SUPPORTED_ATTRIBUTES"),
	E(CFG_ATTR, 15, "INTERNAL_IP6_SUBNET"),
	E(CFG_ATTR, 16, "MIP6_HOME_PREFIX"),
	E(CFG_ATTR, 17, "INTERNAL_IP6_LINK"),
	E(CFG_ATTR, 18, "INTERNAL_IP6_PREFIX"),
	E(CFG_ATTR, 19, "HOME_AGENT_ADDRESS"),
	E(CFG_ATTR, 16520, "XAUTH-TYPE"),
	E(CFG_ATTR, 16521, "XAUTH-USER-NAME"),
	E(CFG_ATTR, 16522, "XAUTH-USER-PASSWORD"),
	E(CFG_ATTR, 16523, "XAUTH-PASSCODE"),
	E(CFG_ATTR, 16524, "XAUTH-MESSAGE"),
	E(CFG_ATTR, 16525, "XAUTH-CHALLENGE"),
	E(CFG_ATTR, 16526, "XAUTH-DOMAIN"),
	E(CFG_ATTR, 16527, "XAUTH-STATUS"),
	E(CFG_ATTR, 16528, "XAUTH-NEXT-PIN"),
	E(CFG_ATTR, 16529, "XAUTH-ANSWER"),

	E(XAUTH_TYPE, 0, "Generic"),
	E(XAUTH_TYPE, 1, "RADIUS-CHAP"),
	E(XAUTH_TYPE, 2, "OTP"),
	E(XAUTH_TYPE, 3, "S/KEY"),
};

#undef E
#undef A

/* Ranges give "private use (243)" instead of "unknown (243)". */
static const struct {
	uint8_t space;
	uint32_t lo, hi;
	const char *label;
} names_ranges[] = {
	{ NAMES_EXCHANGE, 6, 31, "ISAKMP future use" },
	{ NAMES_EXCHANGE, 34, 239, "DOI specific" },
	{ NAMES_EXCHANGE, 240, 255, "private use" },
	{ NAMES_PAYLOAD, 23, 127, "unassigned" },
	{ NAMES_PAYLOAD, 128, 255, "private use" },
	{ NAMES_NOTIFY, 31, 8191, "reserved error" },
	{ NAMES_NOTIFY, 8192, 16383, "private use" },
	{ NAMES_NOTIFY, 16385, 24575, "reserved status" },
	{ NAMES_NOTIFY, 24579, 32767, "DOI specific status" },
	{ NAMES_NOTIFY, 32768, 40959, "private use" },
	{ NAMES_NOTIFY, 40960, 65535, "reserved status" },
	{ NAMES_P1_ATTR, 17, 16383, "reserved" },
	{ NAMES_P1_ATTR, 16384, 32767, "private use" },
	{ NAMES_P1_ENCR, 65001, 65535, "private use" },
	{ NAMES_P1_HASH, 65001, 65535, "private use" },
	{ NAMES_P1_AUTH, 65001, 65535, "private use" },
	{ NAMES_GROUP, 32768, 65535, "private use" },
	{ NAMES_IPSEC_ATTR, 16384, 32767, "private use" },
	{ NAMES_ESP_TRANSFORM, 249, 255, "private use" },
	{ NAMES_AH_TRANSFORM, 249, 255, "private use" },
	{ NAMES_IPCOMP_TRANSFORM, 48, 63, "private use" },
	{ NAMES_ID_TYPE, 249, 255, "private use" },
	{ NAMES_CERT_ENCODING, 201, 255, "private use" },
	{ NAMES_DOI, 2, 0xffffffffu, "unknown" },
};

static const char *const names_spaces[NAMES_COUNT] = {
	[NAMES_NONE] = "number",
	[NAMES_EXCHANGE] = "exchange type",
	[NAMES_PAYLOAD] = "payload type",
	[NAMES_NOTIFY] = "notify type",
	[NAMES_P1_ATTR] = "phase-1 attribute",
	[NAMES_P1_ENCR] = "encryption algorithm",
	[NAMES_P1_HASH] = "hash algorithm",
	[NAMES_P1_AUTH] = "authentication method",
	[NAMES_GROUP] = "group description",
	[NAMES_GROUP_TYPE] = "group type",
	[NAMES_LIFE_TYPE] = "life type",
	[NAMES_DOI] = "DOI",
	[NAMES_SITUATION] = "situation",
	[NAMES_PROTOCOL] = "protocol ID",
	[NAMES_ISAKMP_TRANSFORM] = "ISAKMP transform ID",
	[NAMES_ESP_TRANSFORM] = "ESP transform ID",
	[NAMES_AH_TRANSFORM] = "AH transform ID",
	[NAMES_IPCOMP_TRANSFORM] = "IPCOMP transform ID",
	[NAMES_IPSEC_ATTR] = "IPsec attribute",
	[NAMES_ENCAP_MODE] = "encapsulation mode",
	[NAMES_AUTH_ALG] = "authentication algorithm",
	[NAMES_ID_TYPE] = "ID type",
	[NAMES_CERT_ENCODING] = "certificate encoding",
	[NAMES_FLAGS] = "flags",
	[NAMES_CFG_TYPE] = "Mode-Config type",
	[NAMES_CFG_ATTR] = "Mode-Config attribute",
	[NAMES_XAUTH_TYPE] = "XAUTH type",
};

const char *names_get(enum names_space space, uint32_t value)
{
	for (size_t i = 0; i < sizeof(names_table) / sizeof(names_table[0]); i++)
		if (names_table[i].space == space && names_table[i].value == value &&
		    !names_table[i].alias)
			return names_table[i].name;
	return NULL;
}

const char *names_fmt(enum names_space space, uint32_t value, char *buf, size_t len)
{
	const char *n = names_get(space, value);
	if (!n) {
		n = "unknown";
		for (size_t i = 0; i < sizeof(names_ranges) / sizeof(names_ranges[0]); i++)
			if (names_ranges[i].space == space && value >= names_ranges[i].lo &&
			    value <= names_ranges[i].hi) {
				n = names_ranges[i].label;
				break;
			}
		if (space == NAMES_NONE) {
			snprintf(buf, len, "%u", value);
			return buf;
		}
	}
	snprintf(buf, len, "%s (%u)", n, value);
	return buf;
}

const char *names_bits(enum names_space space, uint32_t value, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (unsigned bit = 0; bit < 32; bit++) {
		uint32_t m = 1u << bit;
		if (!(value & m))
			continue;
		const char *n = names_get(space, m);
		char tmp[16];
		if (!n) {
			snprintf(tmp, sizeof(tmp), "0x%x", m);
			n = tmp;
		}
		int w = snprintf(buf + off, len > off ? len - off : 0, "%s%s",
				 off ? ", " : "", n);
		if (w > 0)
			off += (size_t)w;
		if (off >= len)
			break;
	}
	snprintf(buf + (off < len ? off : len - 1), off < len ? len - off : 1,
		 "%s(0x%02x)", off ? " " : "none ", value);
	return buf;
}

/* Case-insensitive, with '-', '_' and ' ' the same. */
static bool names_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca == '_' || ca == ' ')
			ca = '-';
		if (cb == '_' || cb == ' ')
			cb = '-';
		if (tolower(ca) != tolower(cb))
			return false;
		if (!ca)
			return true;
	}
}

bool names_lookup(enum names_space space, const char *name, uint32_t *value)
{
	if (!name || !*name)
		return false;
	for (size_t i = 0; i < sizeof(names_table) / sizeof(names_table[0]); i++)
		if (names_table[i].space == space && names_equal(names_table[i].name, name)) {
			*value = names_table[i].value;
			return true;
		}
	/* A number is always accepted, so suites can name what has no name. */
	char *end;
	unsigned long long v = strtoull(name, &end, 0);
	if (isdigit((unsigned char)name[0]) && *end == '\0' && v <= 0xffffffffull) {
		*value = (uint32_t)v;
		return true;
	}
	return false;
}

const char *names_space_name(enum names_space space)
{
	return (unsigned)space < NAMES_COUNT ? names_spaces[space] : "?";
}

enum names_space names_attr_values(bool phase1, uint16_t attr_class)
{
	if (phase1) {
		switch (attr_class) {
		case 1: return NAMES_P1_ENCR;
		case 2: return NAMES_P1_HASH;
		case 3: return NAMES_P1_AUTH;
		case 4: return NAMES_GROUP;
		case 5: return NAMES_GROUP_TYPE;
		case 11: return NAMES_LIFE_TYPE;
		default: return NAMES_NONE;
		}
	}
	switch (attr_class) {
	case 1: return NAMES_LIFE_TYPE;
	case 3: return NAMES_GROUP;
	case 4: return NAMES_ENCAP_MODE;
	case 5: return NAMES_AUTH_ALG;
	default: return NAMES_NONE;
	}
}

enum names_space names_transform_space(uint8_t protocol)
{
	switch (protocol) {
	case 1: return NAMES_ISAKMP_TRANSFORM;
	case 2: return NAMES_AH_TRANSFORM;
	case 3: return NAMES_ESP_TRANSFORM;
	case 4: return NAMES_IPCOMP_TRANSFORM;
	default: return NAMES_NONE;
	}
}

/* Vendor IDs. The MD5-derived ones were checked by hashing their source
 * strings; the others are taken from captures (ike-scan's tests). */
static const struct {
	const char *hex;
	bool prefix;           /* the rest carries versions or flags */
	const char *name;
} names_vids[] = {
	{ "4a131c81070358455c5728f20e95452f", false, "RFC 3947 (NAT-T)" },
	{ "4485152d18b6bbcd0be8a8469579ddcc", false, "draft-ietf-ipsec-nat-t-ike-00" },
	{ "16f6ca16e4a4066d83821a0f0aeaa862", false, "draft-ietf-ipsec-nat-t-ike-01" },
	{ "cd60464335df21f87cfdb2fc68b6a448", false, "draft-ietf-ipsec-nat-t-ike-02" },
	{ "90cb80913ebb696e086381b5ec427b1f", false, "draft-ietf-ipsec-nat-t-ike-02\\n" },
	{ "7d9419a65310ca6f2c179d9215529d56", false, "draft-ietf-ipsec-nat-t-ike-03" },
	{ "afcad71368a1f1c96b8696fc7757", true, "Dead Peer Detection (RFC 3706)" },
	{ "09002689dfd6b712", true, "XAUTH" },
	{ "12f5f28c457168a9702d9fe274cc", true, "Cisco Unity" },
	{ "882fe56d6fd20dbc2251613b2ebe5beb", false, "strongSwan" },
	{ "4048b7d56ebce88525e7de7f00d6c2d3", true, "IKE Fragmentation (Cisco)" },
	{ "f4ed19e0c114eb516faaac0ee37daf2807b4381f", true, "Check Point Firewall-1" },
	{ "4865617274426561745f4e6f74696679", true, "HeartBeat_Notify (NetScreen)" },
	{ "166f932d55eb64d8e4df4fd37e2313f0d0fd8451", true, "NetScreen" },
};

const char *names_vendor_id(const uint8_t *p, size_t len)
{
	static const char hexd[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof(names_vids) / sizeof(names_vids[0]); i++) {
		const char *h = names_vids[i].hex;
		size_t n = strlen(h) / 2;
		if (len < n || (!names_vids[i].prefix && len != n))
			continue;
		size_t j = 0;
		for (; j < n; j++)
			if (h[2 * j] != hexd[p[j] >> 4] || h[2 * j + 1] != hexd[p[j] & 15])
				break;
		if (j == n)
			return names_vids[i].name;
	}
	return NULL;
}

bool names_entry(size_t n, enum names_space *space, uint32_t *value,
		 const char **name, bool *alias)
{
	if (n >= sizeof(names_table) / sizeof(names_table[0]))
		return false;
	*space = (enum names_space)names_table[n].space;
	*value = names_table[n].value;
	*name = names_table[n].name;
	*alias = names_table[n].alias;
	return true;
}
