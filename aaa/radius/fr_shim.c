/* fr_shim.c: the one translation unit that includes FreeRADIUS headers (see fr_shim.h).
 *
 * Library facts this file relies on, checked against Debian 12's libfreeradius-radius 3.2.1:
 *   - <freeradius/build.h> must come first; autoconf.h includes <freeradius/automask.h>, which the
 *     package does not ship (our empty stand-in lives in compat/, visible to this file only).
 *   - rad_packet_ok() checks structure only; it does not fill packet->code/id/vector (we do).
 *   - rad_verify() checks the Request/Response Authenticator and, when present, the
 *     Message-Authenticator HMAC; it never requires one on Access-Request (pre-BlastRADIUS).
 *   - rad_sign() computes the Message-Authenticator of CoA/Disconnect ACK/NAK with a zero
 *     Authenticator field, against RFC 5176 section 3.4 and against its own rad_verify(); we redo
 *     it (resign_dynauth_reply).
 *   - rad_encode() silently truncates a value longer than its attribute can hold and silently
 *     stops at 4096 octets; we compute the expected wire length first and compare afterwards.
 *   - rad_encode() salts Tunnel-Password style values (encrypt=2) with fr_rand() and a static
 *     counter, both unlocked globals: the caller encrypts those values (FRS_VALUE_ENCRYPTED) and we
 *     hand the library an "unknown" (raw octets) twin of the attribute, which it copies as is.
 *   - rad_sign()/rad_verify() compute the Message-Authenticator of an Accounting-Response with the
 *     request's authenticator when the request was a Status-Server (RFC 5997), with zeros
 *     otherwise: the `original` packet we build carries the real request code.
 *   - Dictionary hash tables fill buckets lazily on lookup; frs_dict_init() warms them.
 *   - dict_free() followed by dict_init() reads freed memory (a static cache in dict_addvalue()):
 *     one dictionary load per process.
 *   - Decoding bugs found with valgrind and libFuzzer, worked around in frs_decode():
 *     rad_tunnel_pwdecode() leaks on malformed input (we decrypt ourselves); rad_attr2vp() reads a
 *     few octets past the end of the packet.
 */
#include <freeradius/build.h>
#include <freeradius/libradius.h>
#include <freeradius/md5.h> /* fr_hmac_md5, fr_md5_calc */

#include "aaa/radius/fr_shim.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define FRS_HEADER_LEN 20
#define FRS_VECTOR_LEN 16
#define FRS_MAX_ATTR_PAYLOAD 253 /* 255 minus type and length octets (RFC 2865 section 5) */
#define FRS_MAX_PASSWORD_LEN 128 /* RFC 2865 section 5.2 */
#define FRS_DECODE_SLACK 64      /* zero octets after each received packet, see frs_decode() */

/* ---- errors ---- */

static int fail(char* err, size_t errlen, int code, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char* err, size_t errlen, int code, const char* fmt, ...) {
  if (err && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* The library's last error for this thread (thread-local in 3.2.1), never NULL. */
static const char* lib_error(void) {
  const char* e = fr_strerror();
  return (e && *e) ? e : "no detail from libfreeradius";
}

/* ---- dictionary ---- */

/* Guards init/free against each other only; lookups do not take it (see fr_shim.h). */
static pthread_mutex_t dict_mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int dict_is_loaded;
static int dict_was_freed; /* under dict_mutex */
static char dict_dir[1024];

/* dict_walk() walks the by-name table with fr_hash_table_walk(), which goes from the highest bucket
 * down and fills each empty bucket before walking it (checked in the 3.2.1 binary), so after one
 * pass every bucket of that table is initialised and later by-name lookups only read. */
static int warm_noop(void* ctx, void* data) {
  (void)data;
  ++*(size_t*)ctx;
  return 0;
}

/* Second pass: look every attribute and vendor up by number and name, which initialises the
 * buckets of the by-value tables that rad_decode()/rad_encode() use. Each lookup of a key that
 * exists fills its bucket; afterwards a lookup of a missing key can only store the same
 * "empty bucket" marker, never move entries between chains. */
static int warm_lookups(void* ctx, void* data) {
  DICT_ATTR const* da = (DICT_ATTR const*)data;
  (void)ctx;
  (void)dict_attrbyname(da->name);
  (void)dict_attrbyvalue(da->attr, da->vendor);
  if (da->type == PW_TYPE_COMBO_IP_ADDR) {
    (void)dict_attrbytype(da->attr, da->vendor, PW_TYPE_IPV4_ADDR);
    (void)dict_attrbytype(da->attr, da->vendor, PW_TYPE_IPV6_ADDR);
  }
  if (da->vendor != 0 && da->vendor < FR_MAX_VENDOR) {
    DICT_VENDOR const* dv = dict_vendorbyvalue((int)da->vendor);
    if (dv) (void)dict_vendorbyname(dv->name);
  }
  return 0;
}

int frs_dict_init(const char* dir, char* err, size_t errlen) {
  int rc = FRS_OK;
  size_t walked = 0;

  if (!dir || !*dir) return fail(err, errlen, FRS_ERR_ARGUMENT, "dictionary folder is empty");
  if (strlen(dir) >= sizeof(dict_dir)) {
    return fail(err, errlen, FRS_ERR_ARGUMENT, "dictionary folder name is too long");
  }

  pthread_mutex_lock(&dict_mutex);
  if (atomic_load(&dict_is_loaded)) {
    if (strcmp(dict_dir, dir) != 0) {
      rc = fail(err, errlen, FRS_ERR_STATE,
                "a dictionary is already loaded from %s; a process loads one (asked for %s)",
                dict_dir, dir);
    }
    goto out;
  }
  if (dict_was_freed) {
    /* dict_addvalue() caches the last attribute it saw in a static that dict_free() leaves
     * dangling; the next dict_init() reads through it (use after free, found with valgrind,
     * crashes at times). So a process loads its dictionary once. */
    rc = fail(err, errlen, FRS_ERR_STATE,
              "libfreeradius %s cannot load a dictionary again after freeing one in the same "
              "process",
              RADIUSD_VERSION_STRING);
    goto out;
  }

  /* The headers we compiled against must describe the library we run with: struct layouts
   * (RADIUS_PACKET, VALUE_PAIR) differ between versions. */
  if (fr_check_lib_magic(RADIUSD_MAGIC_NUMBER) < 0) {
    rc = fail(err, errlen, FRS_ERR_LIBRARY,
              "libfreeradius-radius does not match the headers we were built with (%s): %s",
              RADIUSD_VERSION_STRING, lib_error());
    goto out;
  }

  if (dict_init(dir, "dictionary") < 0) {
    rc = fail(err, errlen, FRS_ERR_LIBRARY, "loading %s/dictionary: %s", dir, lib_error());
    goto out;
  }

  (void)dict_walk(warm_noop, &walked);
  (void)dict_walk(warm_lookups, NULL);

  strcpy(dict_dir, dir);
  atomic_store(&dict_is_loaded, 1);

out:
  pthread_mutex_unlock(&dict_mutex);
  return rc;
}

void frs_dict_free(void) {
  pthread_mutex_lock(&dict_mutex);
  if (atomic_load(&dict_is_loaded)) {
    dict_free();
    dict_was_freed = 1;
    dict_dir[0] = '\0';
    atomic_store(&dict_is_loaded, 0);
  }
  pthread_mutex_unlock(&dict_mutex);
}

int frs_dict_loaded(void) { return atomic_load(&dict_is_loaded) ? 1 : 0; }

static frs_type map_type(PW_TYPE t) {
  switch (t) {
    case PW_TYPE_STRING: return FRS_TYPE_STRING;
    case PW_TYPE_OCTETS: return FRS_TYPE_OCTETS;
    case PW_TYPE_INTEGER: return FRS_TYPE_INTEGER;
    case PW_TYPE_BYTE: return FRS_TYPE_BYTE;
    case PW_TYPE_SHORT: return FRS_TYPE_SHORT;
    case PW_TYPE_DATE: return FRS_TYPE_DATE;
    case PW_TYPE_IPV4_ADDR: return FRS_TYPE_IPADDR;
    case PW_TYPE_IPV6_ADDR: return FRS_TYPE_IPV6ADDR;
    case PW_TYPE_IPV6_PREFIX: return FRS_TYPE_IPV6PREFIX;
    case PW_TYPE_IPV4_PREFIX: return FRS_TYPE_IPV4PREFIX;
    case PW_TYPE_INTEGER64: return FRS_TYPE_INTEGER64;
    case PW_TYPE_ETHERNET: return FRS_TYPE_ETHER;
    case PW_TYPE_SIGNED: return FRS_TYPE_SIGNED;
    default: return FRS_TYPE_OTHER;
  }
}

static const char* type_name(frs_type t) {
  switch (t) {
    case FRS_TYPE_STRING: return "string";
    case FRS_TYPE_OCTETS: return "octets";
    case FRS_TYPE_INTEGER: return "integer";
    case FRS_TYPE_BYTE: return "byte";
    case FRS_TYPE_SHORT: return "short";
    case FRS_TYPE_DATE: return "date";
    case FRS_TYPE_IPADDR: return "ipaddr";
    case FRS_TYPE_IPV6ADDR: return "ipv6addr";
    case FRS_TYPE_IPV6PREFIX: return "ipv6prefix";
    case FRS_TYPE_IPV4PREFIX: return "ipv4prefix";
    case FRS_TYPE_INTEGER64: return "integer64";
    case FRS_TYPE_ETHER: return "ether";
    case FRS_TYPE_SIGNED: return "signed";
    case FRS_TYPE_OTHER: return "other";
  }
  return "invalid";
}

int frs_attr_by_name(const char* name, uint32_t* vendor, uint32_t* attr, frs_type* type, char* err,
                     size_t errlen) {
  DICT_ATTR const* da;
  if (!name || !vendor || !attr || !type) {
    return fail(err, errlen, FRS_ERR_ARGUMENT, "frs_attr_by_name: NULL argument");
  }
  if (!atomic_load(&dict_is_loaded)) {
    return fail(err, errlen, FRS_ERR_STATE, "looking up %s: no dictionary loaded", name);
  }
  da = dict_attrbyname(name);
  if (!da) {
    return fail(err, errlen, FRS_ERR_NOT_FOUND, "attribute %s is not in the dictionary (%s)", name,
                dict_dir);
  }
  *vendor = da->vendor;
  *attr = da->attr;
  *type = map_type(da->type);
  return FRS_OK;
}

int frs_attr_encryption(uint32_t vendor, uint32_t attr, frs_encryption* out) {
  DICT_ATTR const* da;
  if (!out) return FRS_ERR_ARGUMENT;
  *out = FRS_ENCRYPT_NONE;
  if (!atomic_load(&dict_is_loaded)) return FRS_ERR_STATE;
  da = dict_attrbyvalue(attr, vendor);
  if (!da) return FRS_ERR_NOT_FOUND;
  switch (da->flags.encrypt) {
    case FLAG_ENCRYPT_NONE: *out = FRS_ENCRYPT_NONE; break;
    case FLAG_ENCRYPT_USER_PASSWORD: *out = FRS_ENCRYPT_USER_PASSWORD; break;
    case FLAG_ENCRYPT_TUNNEL_PASSWORD: *out = FRS_ENCRYPT_TUNNEL_PASSWORD; break;
    default: *out = FRS_ENCRYPT_ASCEND_SECRET; break;
  }
  return FRS_OK;
}

int frs_attr_name(uint32_t vendor, uint32_t attr, char* name, size_t namelen) {
  DICT_ATTR const* da;
  size_t n;
  if (!name || namelen == 0) return FRS_ERR_ARGUMENT;
  name[0] = '\0';
  if (!atomic_load(&dict_is_loaded)) return FRS_ERR_STATE;
  da = dict_attrbyvalue(attr, vendor);
  if (!da) return FRS_ERR_NOT_FOUND;
  n = strlen(da->name);
  if (n >= namelen) return FRS_ERR_BUFFER;
  memcpy(name, da->name, n + 1);
  return FRS_OK;
}

/* ---- packet codes ---- */

static int is_supported_code(unsigned code) {
  switch (code) {
    case PW_CODE_ACCESS_REQUEST:
    case PW_CODE_ACCESS_ACCEPT:
    case PW_CODE_ACCESS_REJECT:
    case PW_CODE_ACCOUNTING_REQUEST:
    case PW_CODE_ACCOUNTING_RESPONSE:
    case PW_CODE_ACCESS_CHALLENGE:
    case PW_CODE_STATUS_SERVER:
    case PW_CODE_DISCONNECT_REQUEST:
    case PW_CODE_DISCONNECT_ACK:
    case PW_CODE_DISCONNECT_NAK:
    case PW_CODE_COA_REQUEST:
    case PW_CODE_COA_ACK:
    case PW_CODE_COA_NAK:
      return 1;
    default:
      return 0;
  }
}

/* For a reply code, the code of the request it answers; 0 for requests. */
static unsigned request_code_for(unsigned code) {
  switch (code) {
    case PW_CODE_ACCESS_ACCEPT:
    case PW_CODE_ACCESS_REJECT:
    case PW_CODE_ACCESS_CHALLENGE:
      return PW_CODE_ACCESS_REQUEST;
    case PW_CODE_ACCOUNTING_RESPONSE:
      return PW_CODE_ACCOUNTING_REQUEST;
    case PW_CODE_DISCONNECT_ACK:
    case PW_CODE_DISCONNECT_NAK:
      return PW_CODE_DISCONNECT_REQUEST;
    case PW_CODE_COA_ACK:
    case PW_CODE_COA_NAK:
      return PW_CODE_COA_REQUEST;
    default:
      return 0;
  }
}

static const char* code_name(unsigned code) {
  if (code > 0 && code < FR_MAX_PACKET_CODE && fr_packet_codes[code]) return fr_packet_codes[code];
  return "unknown";
}

/* The code of the request a reply answers: the usual one when `request_code` is 0 (or names it),
 * Status-Server for the two answers RFC 5997 section 3 defines (Access-Accept on the
 * authentication port, Accounting-Response on the accounting port). */
static int resolve_request_code(unsigned code, unsigned request_code, unsigned* out, char* err,
                                size_t errlen) {
  unsigned usual = request_code_for(code);
  if (request_code == 0 || request_code == usual) {
    *out = usual;
    return FRS_OK;
  }
  if (request_code == PW_CODE_STATUS_SERVER &&
      (code == PW_CODE_ACCESS_ACCEPT || code == PW_CODE_ACCOUNTING_RESPONSE)) {
    *out = request_code;
    return FRS_OK;
  }
  return fail(err, errlen, FRS_ERR_ARGUMENT,
              "%s does not answer a %s (code %u); a Status-Server is answered with Access-Accept or "
              "Accounting-Response (RFC 5997 section 3)",
              code_name(code), code_name(request_code), request_code);
}

/* How many Message-Authenticators the attributes of a packet that passed rad_packet_ok() hold. */
static int count_message_authenticators(const uint8_t* data, size_t len) {
  size_t pos = FRS_HEADER_LEN;
  int n = 0;
  while (pos + 2 <= len && data[pos + 1] >= 2) {
    if (data[pos] == PW_MESSAGE_AUTHENTICATOR) n++;
    pos += data[pos + 1];
  }
  return n;
}

static int has_message_authenticator(const uint8_t* data, size_t len) {
  return count_message_authenticators(data, len) > 0;
}

/* ---- encode ---- */

/* Octets an attribute takes on the wire around a payload of `payload` octets, and the largest
 * payload one attribute can carry. Only layouts we can predict exactly are accepted, so that the
 * post-encode length check below catches every silent truncation. */
static int wire_layout(DICT_ATTR const* da, size_t payload, size_t* overhead, char* err,
                       size_t errlen) {
  if (da->vendor == 0) {
    if (da->attr == 0 || da->attr > 255) {
      return fail(err, errlen, FRS_ERR_ARGUMENT, "%s is an internal attribute, not a wire one",
                  da->name);
    }
    if (da->attr == 92) {
      /* NAS-Filter-Rule (RFC 4849): the library joins consecutive values into NUL-separated runs
       * (and its decoder splits them at NULs), so the wire length depends on the neighbours; found
       * by tests/fuzz/radius_codec_fuzz.cpp as a kInternal length mismatch. We never send it. */
      return fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s: the encoder does not support it yet (the library joins several into one "
                  "NUL-separated value)",
                  da->name);
    }
    if (payload > FRS_MAX_ATTR_PAYLOAD) {
      if (!da->flags.concat) {
        return fail(err, errlen, FRS_ERR_ARGUMENT,
                    "%s: value is %zu octets, an attribute holds at most %d (RFC 2865 section 5)",
                    da->name, payload, FRS_MAX_ATTR_PAYLOAD);
      }
      /* EAP-Message and friends are split over consecutive attributes (RFC 3579 section 3.1). */
      *overhead = 2 * ((payload + FRS_MAX_ATTR_PAYLOAD - 1) / FRS_MAX_ATTR_PAYLOAD);
      return FRS_OK;
    }
    *overhead = 2;
    return FRS_OK;
  }
  if (da->vendor >= FR_MAX_VENDOR || da->flags.extended || da->flags.long_extended ||
      da->flags.evs) {
    return fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: RFC 6929 extended attributes are not supported by the encoder yet", da->name);
  }
  if (da->flags.wimax || da->flags.is_tlv) {
    return fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: WiMAX and TLV attributes are not supported by the encoder yet", da->name);
  }
  {
    DICT_VENDOR const* dv = dict_vendorbyvalue((int)da->vendor);
    size_t header;
    if (!dv) {
      return fail(err, errlen, FRS_ERR_NOT_FOUND, "%s: vendor %u is not in the dictionary",
                  da->name, da->vendor);
    }
    /* Vendor-Specific (RFC 2865 section 5.26): type 26, length, Vendor-Id, then the vendor's own
     * type and length fields (1/1 octets for most vendors, see the dictionary's format=). The
     * library puts each VSA in its own Vendor-Specific. */
    header = 2 + 4 + dv->type + dv->length;
    if (payload + header > 255) {
      return fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s: value is %zu octets, this vendor attribute holds at most %zu", da->name,
                  payload, 255 - header);
    }
    *overhead = header;
    return FRS_OK;
  }
}

static int check_num(DICT_ATTR const* da, const frs_value* v, uint64_t max, char* err,
                     size_t errlen) {
  if (v->num > max) {
    return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: value %llu does not fit in a %s", da->name,
                (unsigned long long)v->num, type_name(v->type));
  }
  return FRS_OK;
}

static int check_bytes(DICT_ATTR const* da, const frs_value* v, size_t min, size_t max, char* err,
                       size_t errlen) {
  if (v->len < min || v->len > max) {
    return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: a %s value is %zu..%zu octets, got %zu",
                da->name, type_name(v->type), min, max, v->len);
  }
  if (v->len > 0 && !v->data) {
    return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: value data is NULL", da->name);
  }
  return FRS_OK;
}

/* A value the caller encrypted (FRS_VALUE_ENCRYPTED, see fr_shim.h): Salt + encrypted String,
 * behind the tag octet for tagged attributes (RFC 2868 section 3.5, RFC 2548 section 2.4.2).
 * rad_encode() would encrypt a value of `da` again, salting it with fr_rand() and its static salt
 * counter (unlocked globals, see fr_shim.h). So the pair gets an "unknown" twin of `da` instead:
 * same vendor and number, hence the same wire header, type octets and no flags, which rad_encode()
 * copies verbatim. The layout and size checks are ours. */
static int make_encrypted_pair(TALLOC_CTX* ctx, DICT_ATTR const* da, const frs_value* v,
                               VALUE_PAIR** out, size_t* wire, char* err, size_t errlen) {
  size_t tag_len = da->flags.has_tag ? 1 : 0;
  size_t payload;
  size_t overhead = 0;
  DICT_ATTR const* raw;
  VALUE_PAIR* vp;
  uint8_t* buf;
  int rc;

  if (!v->data || v->len < 2 + FRS_VECTOR_LEN || (v->len - 2) % FRS_VECTOR_LEN != 0) {
    return fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: an encrypted value is a 2-octet salt and a multiple of 16 octets (RFC 2868 "
                "section 3.5, RFC 2548 section 2.4.2), got %zu octets",
                da->name, v->data ? v->len : (size_t)0);
  }
  if ((v->data[0] & 0x80) == 0) {
    return fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: the salt's high bit must be set (RFC 2868 section 3.5, RFC 2548 section 2.4.2)",
                da->name);
  }
  payload = tag_len + v->len;
  if ((rc = wire_layout(da, payload, &overhead, err, errlen)) != FRS_OK) return rc;

  /* Allocates in ctx; its only dictionary access is a vendor lookup (warmed, read-only). */
  raw = dict_unknown_afrom_fields(ctx, da->attr, da->vendor);
  if (!raw) return fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
  vp = fr_pair_afrom_da(ctx, raw);
  if (!vp) return fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
  buf = talloc_array(vp, uint8_t, payload);
  if (!buf) return fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
  if (tag_len) buf[0] = v->tag; /* 0 when untagged: the octet is always there (RFC 2868 3.5) */
  memcpy(buf + tag_len, v->data, v->len);
  fr_pair_value_memcpy(vp, buf, payload);
  talloc_free(buf);
  if (vp->vp_length != payload) {
    return fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
  }
  *out = vp;
  *wire = overhead + payload;
  return FRS_OK;
}

/* Builds one VALUE_PAIR from `v` and returns the octets it will occupy on the wire in *wire.
 * `in_reply`: the packet is a reply (encrypted values are allowed). */
static int make_pair(TALLOC_CTX* ctx, const frs_value* v, int in_reply, VALUE_PAIR** out,
                     size_t* wire, char* err, size_t errlen) {
  DICT_ATTR const* da = dict_attrbyvalue(v->attr, v->vendor);
  VALUE_PAIR* vp;
  size_t payload = 0;
  size_t overhead = 0;
  int rc;

  if (!da) {
    return fail(err, errlen, FRS_ERR_NOT_FOUND,
                "attribute (vendor %u, attr %u) is not in the dictionary", v->vendor, v->attr);
  }
  if (map_type(da->type) != v->type || v->type == FRS_TYPE_OTHER) {
    if (v->type == FRS_TYPE_OTHER || map_type(da->type) == FRS_TYPE_OTHER) {
      return fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s: the encoder does not support this attribute's type yet", da->name);
    }
    return fail(err, errlen, FRS_ERR_ARGUMENT, "%s is %s in the dictionary, the value is %s",
                da->name, type_name(map_type(da->type)), type_name(v->type));
  }
  if (v->tag != 0) {
    if (!da->flags.has_tag) {
      return fail(err, errlen, FRS_ERR_ARGUMENT, "%s is not a tagged attribute (tag %u given)",
                  da->name, v->tag);
    }
    if (!TAG_VALID(v->tag)) {
      return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: tag %u is outside 1..31 (RFC 2868 section 3)",
                  da->name, v->tag);
    }
  } else if (da->flags.has_tag && da->type == PW_TYPE_STRING && !(v->flags & FRS_VALUE_ENCRYPTED) &&
             v->data && v->len > 0 && v->data[0] <= 0x1F) {
    /* RFC 2868 section 3: a first octet of 0x00..0x1F is the tag, so an untagged value cannot start
     * with one; the receiver would drop it (found by tests/fuzz/radius_codec_fuzz.cpp). */
    return fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: an untagged value cannot start with octet 0x%02x (it reads as a tag, RFC 2868 "
                "section 3); give a tag",
                da->name, v->data[0]);
  }
  if (v->flags & ~FRS_VALUE_ENCRYPTED) {
    return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: unknown value flags 0x%x", da->name,
                (unsigned)v->flags);
  }
  if (da->flags.encrypt == FLAG_ENCRYPT_TUNNEL_PASSWORD) {
    /* The library would salt it with its unlocked global RNG and counter: the caller encrypts. */
    if (!(v->flags & FRS_VALUE_ENCRYPTED)) {
      return fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s has Tunnel-Password style encryption: the value must come encrypted by the "
                  "caller (FRS_VALUE_ENCRYPTED)",
                  da->name);
    }
    if (!in_reply) {
      return fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s: encrypted values are encoded in replies only (they are encrypted with the "
                  "request's authenticator)",
                  da->name);
    }
    return make_encrypted_pair(ctx, da, v, out, wire, err, errlen);
  }
  if (v->flags & FRS_VALUE_ENCRYPTED) {
    return fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s has no Tunnel-Password style encryption in the dictionary; an encrypted value "
                "does not apply",
                da->name);
  }
  if (da->flags.encrypt != FLAG_ENCRYPT_NONE && da->flags.encrypt != FLAG_ENCRYPT_USER_PASSWORD) {
    return fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: this attribute's encryption (Ascend secret) is not supported by the encoder",
                da->name);
  }
  if (da->flags.encrypt == FLAG_ENCRYPT_USER_PASSWORD && (da->vendor != 0 || da->attr != PW_USER_PASSWORD)) {
    /* MS-CHAP-MPPE-Keys: 3.2.1 encrypts it in a reply with the wrong vector (not the request's
     * authenticator, RFC 2548 section 2.4.1), so a receiver decrypts its first block into garbage
     * (found by tests/fuzz/radius_codec_fuzz.cpp). MS-CHAPv1 is not offered; refuse it. */
    return fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: User-Password style encryption outside User-Password is not supported by the "
                "encoder",
                da->name);
  }

  vp = fr_pair_afrom_da(ctx, da);
  if (!vp) return fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
  vp->tag = v->tag ? (int8_t)v->tag : TAG_ANY;

  if (da->vendor == 0 && da->attr == PW_MESSAGE_AUTHENTICATOR) {
    /* The library writes zeros and rad_sign() computes the HMAC; the caller's bytes don't matter. */
    static const uint8_t zeros[FRS_VECTOR_LEN] = {0};
    fr_pair_value_memcpy(vp, zeros, sizeof(zeros));
    payload = FRS_VECTOR_LEN;
  } else {
    /* RFC 2865 section 5: string and text values are 1..253 octets. The library skips an empty
     * one without telling, even User-Password (which 5.2 would pad to one 16-octet block). */
    const size_t min_len = 1;
    switch (v->type) {
      case FRS_TYPE_STRING:
        if ((rc = check_bytes(da, v, min_len, SIZE_MAX, err, errlen)) != FRS_OK) return rc;
        fr_pair_value_bstrncpy(vp, v->data ? (const void*)v->data : (const void*)"", v->len);
        payload = v->len;
        break;
      case FRS_TYPE_OCTETS:
        if ((rc = check_bytes(da, v, min_len, SIZE_MAX, err, errlen)) != FRS_OK) return rc;
        fr_pair_value_memcpy(vp, v->data, v->len);
        payload = v->len;
        break;
      case FRS_TYPE_INTEGER:
        if ((rc = check_num(da, v, UINT32_MAX, err, errlen)) != FRS_OK) return rc;
        if (da->flags.has_tag && v->tag != 0 && v->num > 0xFFFFFF) {
          /* The tag replaces the value's first octet (RFC 2868 section 3.1). */
          return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: a tagged integer holds 24 bits, got %llu",
                      da->name, (unsigned long long)v->num);
        }
        vp->vp_integer = (uint32_t)v->num;
        payload = 4;
        break;
      case FRS_TYPE_DATE:
        if ((rc = check_num(da, v, UINT32_MAX, err, errlen)) != FRS_OK) return rc;
        vp->vp_date = (uint32_t)v->num;
        payload = 4;
        break;
      case FRS_TYPE_BYTE:
        if ((rc = check_num(da, v, UINT8_MAX, err, errlen)) != FRS_OK) return rc;
        vp->vp_byte = (uint8_t)v->num;
        payload = 1;
        break;
      case FRS_TYPE_SHORT:
        if ((rc = check_num(da, v, UINT16_MAX, err, errlen)) != FRS_OK) return rc;
        vp->vp_short = (uint16_t)v->num;
        payload = 2;
        break;
      case FRS_TYPE_SIGNED: {
        int64_t s = (int64_t)v->num;
        if (s < INT32_MIN || s > INT32_MAX) {
          return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: value %lld does not fit in a signed",
                      da->name, (long long)s);
        }
        vp->vp_signed = (int32_t)s;
        payload = 4;
        break;
      }
      case FRS_TYPE_INTEGER64:
        vp->vp_integer64 = v->num;
        payload = 8;
        break;
      case FRS_TYPE_IPADDR:
        if ((rc = check_num(da, v, UINT32_MAX, err, errlen)) != FRS_OK) return rc;
        vp->vp_ipaddr = htonl((uint32_t)v->num);
        payload = 4;
        break;
      case FRS_TYPE_IPV6ADDR:
        if ((rc = check_bytes(da, v, 16, 16, err, errlen)) != FRS_OK) return rc;
        memcpy(&vp->vp_ipv6addr, v->data, 16);
        payload = 16;
        break;
      case FRS_TYPE_IPV6PREFIX:
        /* reserved octet, prefix length, then up to 16 prefix octets (RFC 3162 section 2.3) */
        if ((rc = check_bytes(da, v, 2, 18, err, errlen)) != FRS_OK) return rc;
        if (v->data[1] > 128) {
          return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: prefix length %u is above 128", da->name,
                      v->data[1]);
        }
        memcpy(vp->vp_ipv6prefix, v->data, v->len);
        payload = v->len;
        break;
      case FRS_TYPE_IPV4PREFIX:
        if ((rc = check_bytes(da, v, 6, 6, err, errlen)) != FRS_OK) return rc;
        memcpy(vp->vp_ipv4prefix, v->data, 6);
        payload = 6;
        break;
      case FRS_TYPE_ETHER:
        if ((rc = check_bytes(da, v, 6, 6, err, errlen)) != FRS_OK) return rc;
        memcpy(vp->vp_ether, v->data, 6);
        payload = 6;
        break;
      case FRS_TYPE_OTHER:
        return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: unsupported type", da->name);
    }
    vp->vp_length = payload;
  }

  if (da->flags.encrypt == FLAG_ENCRYPT_USER_PASSWORD) {
    /* RFC 2865 section 5.2: at most 128 octets, padded with zeros to a multiple of 16. */
    if (payload > FRS_MAX_PASSWORD_LEN) {
      return fail(err, errlen, FRS_ERR_ARGUMENT, "%s: %zu octets, at most %d are allowed", da->name,
                  payload, FRS_MAX_PASSWORD_LEN);
    }
    payload = (payload + 15) & ~(size_t)15;
  } else if (da->flags.has_tag && v->tag != 0 && da->type == PW_TYPE_STRING) {
    payload += 1; /* the tag octet in front of the string (RFC 2868 section 3) */
  }

  if ((rc = wire_layout(da, payload, &overhead, err, errlen)) != FRS_OK) return rc;
  *out = vp;
  *wire = overhead + payload;
  return FRS_OK;
}

static int is_dynauth_reply(unsigned code) {
  return code == PW_CODE_DISCONNECT_ACK || code == PW_CODE_DISCONNECT_NAK ||
         code == PW_CODE_COA_ACK || code == PW_CODE_COA_NAK;
}

/* RFC 5176 section 3.4: the Message-Authenticator of a CoA/Disconnect ACK or NAK is computed with
 * the Request Authenticator of the CoA/Disconnect-Request in the Authenticator field, then the
 * Response Authenticator over the result. 3.2.1's rad_sign() uses 16 zero octets instead (while its
 * own rad_verify() expects the request's authenticator, so it cannot even check its own output).
 * Redo both steps when the packet carries a Message-Authenticator. */
static int resign_dynauth_reply(TALLOC_CTX* ctx, uint8_t* data, size_t len, const char* secret,
                                const uint8_t* request_vector, char* err, size_t errlen) {
  size_t pos = FRS_HEADER_LEN;
  size_t ma = 0;
  size_t secret_len = strlen(secret);
  uint8_t* buf;

  while (pos + 2 <= len && data[pos + 1] >= 2) {
    if (data[pos] == PW_MESSAGE_AUTHENTICATOR && data[pos + 1] == 2 + FRS_VECTOR_LEN) ma = pos;
    pos += data[pos + 1];
  }
  if (ma == 0) return FRS_OK; /* nothing to fix: the Response Authenticator from rad_sign() is right */

  memcpy(data + 4, request_vector, FRS_VECTOR_LEN);
  memset(data + ma + 2, 0, FRS_VECTOR_LEN);
  fr_hmac_md5(data + ma + 2, data, len, (const uint8_t*)secret, secret_len);

  /* Response Authenticator = MD5(Code+Identifier+Length+Request Authenticator+Attributes+Secret)
   * (RFC 5176 section 3, as RFC 2866 section 3 for Accounting-Response). */
  buf = talloc_array(ctx, uint8_t, len + secret_len);
  if (!buf) return fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  memcpy(buf, data, len);
  memcpy(buf + len, secret, secret_len);
  fr_md5_calc(data + 4, buf, len + secret_len);
  return FRS_OK;
}

int frs_encode(unsigned code, uint8_t id, const uint8_t* vector, const frs_value* values,
               size_t count, const char* secret, const uint8_t* request_vector,
               unsigned request_code, uint8_t* out, size_t out_cap, size_t* out_len, char* err,
               size_t errlen) {
  TALLOC_CTX* ctx;
  RADIUS_PACKET* packet;
  RADIUS_PACKET* original = NULL;
  VALUE_PAIR** tail;
  size_t expected = FRS_HEADER_LEN;
  size_t i;
  unsigned original_code = 0;
  int own_vector = code == PW_CODE_ACCESS_REQUEST || code == PW_CODE_STATUS_SERVER;
  int rc = FRS_OK;

  if (!out || !out_len || (count > 0 && !values)) {
    return fail(err, errlen, FRS_ERR_ARGUMENT, "frs_encode: NULL argument");
  }
  *out_len = 0;
  if (!secret || !*secret) return fail(err, errlen, FRS_ERR_ARGUMENT, "shared secret is empty");
  if (!atomic_load(&dict_is_loaded)) {
    return fail(err, errlen, FRS_ERR_STATE, "encoding: no dictionary loaded");
  }
  if (!is_supported_code(code)) {
    return fail(err, errlen, FRS_ERR_ARGUMENT, "packet code %u (%s) is not supported", code,
                code_name(code));
  }
  if (own_vector && !vector) {
    return fail(err, errlen, FRS_ERR_ARGUMENT, "%s needs a Request Authenticator", code_name(code));
  }
  if (request_code_for(code) != 0) {
    if (!request_vector) {
      return fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s is a reply: the request's authenticator is needed to sign it (RFC 2865 "
                  "section 3)",
                  code_name(code));
    }
    if ((rc = resolve_request_code(code, request_code, &original_code, err, errlen)) != FRS_OK) {
      return rc;
    }
  }
  {
    /* RFC 3579 section 3.2 / RFC 2869 section 5.19: at most one. With two, the library fills in one
     * and the packet fails every check (found by tests/fuzz/radius_codec_fuzz.cpp). */
    int mas = 0;
    for (i = 0; i < count; i++) {
      if (values[i].vendor == 0 && values[i].attr == PW_MESSAGE_AUTHENTICATOR) mas++;
    }
    if (mas > 1) {
      return fail(err, errlen, FRS_ERR_ARGUMENT, "%d Message-Authenticators given, a packet carries at most one",
                  mas);
    }
  }
  if (code == PW_CODE_STATUS_SERVER) {
    int signed_ = 0;
    for (i = 0; i < count; i++) {
      if (values[i].vendor == 0 && values[i].attr == PW_MESSAGE_AUTHENTICATOR) signed_ = 1;
    }
    if (!signed_) {
      return fail(err, errlen, FRS_ERR_ARGUMENT,
                  "Status-Server needs a Message-Authenticator in its attributes (RFC 5997 "
                  "section 3)");
    }
  }

  if (code != PW_CODE_ACCESS_REQUEST) {
    /* Encrypted with the Request Authenticator (RFC 2865 section 5.2), which other requests compute
     * over their attributes: a receiver cannot decrypt it. RFC 2866 section 5 and RFC 5176 section 3
     * forbid it there (found by tests/fuzz/radius_codec_fuzz.cpp: the round trip garbled it). */
    for (i = 0; i < count; i++) {
      if (values[i].vendor == 0 && values[i].attr == PW_USER_PASSWORD) {
        return fail(err, errlen, FRS_ERR_ARGUMENT, "User-Password belongs in an Access-Request only, not in %s",
                    code_name(code));
      }
    }
  }

  ctx = talloc_new(NULL);
  if (!ctx) return fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  packet = rad_alloc(ctx, false); /* false: no random vector, so no call into the global RNG */
  if (!packet) {
    rc = fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  packet->code = code;
  packet->id = id;
  if (own_vector) memcpy(packet->vector, vector, FRS_VECTOR_LEN);

  if (original_code != 0) {
    original = rad_alloc(ctx, false);
    if (!original) {
      rc = fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    original->code = original_code;
    original->id = id;
    memcpy(original->vector, request_vector, FRS_VECTOR_LEN);
  }

  tail = &packet->vps;
  for (i = 0; i < count; i++) {
    VALUE_PAIR* vp = NULL;
    size_t wire = 0;
    rc = make_pair(packet, &values[i], original != NULL, &vp, &wire, err, errlen);
    if (rc != FRS_OK) goto done;
    vp->next = NULL;
    *tail = vp;
    tail = &vp->next;
    expected += wire;
    if (expected > FRS_MAX_PACKET_LEN) {
      rc = fail(err, errlen, FRS_ERR_ARGUMENT,
                "the attributes need more than %d octets, the RADIUS maximum (RFC 2865 section 3)",
                FRS_MAX_PACKET_LEN);
      goto done;
    }
  }

  if (rad_encode(packet, original, secret) < 0) {
    rc = fail(err, errlen, FRS_ERR_ENCODE, "encoding %s: %s", code_name(code), lib_error());
    goto done;
  }
  if (packet->data_len != expected) {
    /* rad_encode() drops or truncates attributes that do not fit without an error. */
    rc = fail(err, errlen, FRS_ERR_ENCODE,
              "encoding %s: the library produced %zu octets, %zu were expected; an attribute was "
              "truncated or dropped",
              code_name(code), packet->data_len, expected);
    goto done;
  }
  if (rad_sign(packet, original, secret) < 0) {
    rc = fail(err, errlen, FRS_ERR_ENCODE, "signing %s: %s", code_name(code), lib_error());
    goto done;
  }
  if (is_dynauth_reply(code)) {
    rc = resign_dynauth_reply(ctx, packet->data, packet->data_len, secret, request_vector, err,
                              errlen);
    if (rc != FRS_OK) goto done;
  }
  if (packet->data_len > out_cap) {
    rc = fail(err, errlen, FRS_ERR_BUFFER, "output buffer holds %zu octets, the packet is %zu",
              out_cap, packet->data_len);
    goto done;
  }
  memcpy(out, packet->data, packet->data_len);
  *out_len = packet->data_len;

done:
  talloc_free(ctx);
  return rc;
}

/* ---- decode ---- */

struct frs_decoded {
  unsigned code;
  uint8_t id;
  uint8_t vector[FRS_VECTOR_LEN];
  frs_value* values;
  size_t count;
};

static const char* decode_fail_text(decode_fail_t reason) {
  switch (reason) {
    case DECODE_FAIL_NONE: return "no failure";
    case DECODE_FAIL_MIN_LENGTH_PACKET: return "shorter than the 20-octet header (RFC 2865 section 3)";
    case DECODE_FAIL_MIN_LENGTH_FIELD: return "Length field below 20 or above 4096 (RFC 2865 section 3)";
    case DECODE_FAIL_MIN_LENGTH_MISMATCH: return "Length field larger than the data received (RFC 2865 section 3)";
    case DECODE_FAIL_HEADER_OVERFLOW: return "an attribute header runs past the end of the packet";
    case DECODE_FAIL_UNKNOWN_PACKET_CODE: return "unknown packet code";
    case DECODE_FAIL_INVALID_ATTRIBUTE: return "attribute type 0 is invalid";
    case DECODE_FAIL_ATTRIBUTE_TOO_SHORT: return "an attribute length is below 2 (RFC 2865 section 5)";
    case DECODE_FAIL_ATTRIBUTE_OVERFLOW: return "an attribute runs past the end of the packet";
    case DECODE_FAIL_MA_INVALID_LENGTH: return "Message-Authenticator is not 18 octets (RFC 3579 section 3.2)";
    case DECODE_FAIL_ATTRIBUTE_UNDERFLOW: return "attributes do not fill the packet exactly";
    case DECODE_FAIL_TOO_MANY_ATTRIBUTES: return "too many attributes";
    case DECODE_FAIL_MA_MISSING: return "EAP-Message without Message-Authenticator (RFC 3579 section 3.3)";
    case DECODE_FAIL_TOO_MANY_AUTH: return "more than one authentication attribute";
    default: return "malformed packet";
  }
}

/* Points `out` at the value held by `vp` (memory owned by the decoded packet). */
static void export_value(VALUE_PAIR const* vp, frs_value* out) {
  DICT_ATTR const* da = vp->da;
  memset(out, 0, sizeof(*out));
  out->vendor = da->vendor;
  out->attr = da->attr;
  out->type = map_type(da->type);
  out->tag = (da->flags.has_tag && TAG_VALID(vp->tag)) ? (uint8_t)vp->tag : 0;
  switch (out->type) {
    case FRS_TYPE_STRING:
      out->data = (const uint8_t*)vp->vp_strvalue;
      out->len = vp->vp_length;
      break;
    case FRS_TYPE_OCTETS:
      out->data = vp->vp_octets;
      out->len = vp->vp_length;
      break;
    case FRS_TYPE_INTEGER: out->num = vp->vp_integer; break;
    case FRS_TYPE_DATE: out->num = vp->vp_date; break;
    case FRS_TYPE_BYTE: out->num = vp->vp_byte; break;
    case FRS_TYPE_SHORT: out->num = vp->vp_short; break;
    case FRS_TYPE_SIGNED: out->num = (uint64_t)(int64_t)vp->vp_signed; break;
    case FRS_TYPE_INTEGER64: out->num = vp->vp_integer64; break;
    case FRS_TYPE_IPADDR: out->num = ntohl(vp->vp_ipaddr); break;
    case FRS_TYPE_IPV6ADDR:
      out->data = (const uint8_t*)&vp->vp_ipv6addr;
      out->len = 16;
      break;
    case FRS_TYPE_IPV6PREFIX:
      out->data = vp->vp_ipv6prefix;
      out->len = vp->vp_length <= sizeof(vp->vp_ipv6prefix) ? vp->vp_length : sizeof(vp->vp_ipv6prefix);
      break;
    case FRS_TYPE_IPV4PREFIX:
      out->data = vp->vp_ipv4prefix;
      out->len = sizeof(vp->vp_ipv4prefix);
      break;
    case FRS_TYPE_ETHER:
      out->data = vp->vp_ether;
      out->len = sizeof(vp->vp_ether);
      break;
    case FRS_TYPE_OTHER:
      if (da->flags.is_pointer) {
        out->data = (const uint8_t*)vp->data.ptr;
        out->len = vp->vp_length;
      } else {
        out->data = (const uint8_t*)&vp->data;
        out->len = vp->vp_length <= sizeof(vp->data) ? vp->vp_length : sizeof(vp->data);
      }
      break;
  }
}

/* RFC 2865 section 5.2: p(i) = c(i) XOR MD5(S + c(i-1)), c(0) being the Request Authenticator;
 * the clear text ends at the first NUL (padding), as the library's rad_pwdecode() does. */
static int decrypt_user_password(TALLOC_CTX* ctx, VALUE_PAIR* vp, const char* secret,
                                 const uint8_t* vector, char* err, size_t errlen) {
  size_t len = vp->vp_length;
  size_t secret_len = strlen(secret);
  const uint8_t* cipher = (const uint8_t*)vp->vp_strvalue;
  uint8_t plain[FRS_MAX_PASSWORD_LEN];
  uint8_t digest[FRS_VECTOR_LEN];
  uint8_t* buf;
  size_t i;
  size_t n;

  if (len > FRS_MAX_PASSWORD_LEN) {
    return fail(err, errlen, FRS_ERR_MALFORMED,
                "User-Password is %zu octets, at most %d are allowed (RFC 2865 section 5.2)", len,
                FRS_MAX_PASSWORD_LEN);
  }
  buf = talloc_array(ctx, uint8_t, secret_len + FRS_VECTOR_LEN);
  if (!buf) return fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  memcpy(buf, secret, secret_len);
  for (i = 0; i < len; i += FRS_VECTOR_LEN) {
    size_t k;
    size_t block = len - i < FRS_VECTOR_LEN ? len - i : FRS_VECTOR_LEN;
    memcpy(buf + secret_len, i == 0 ? vector : cipher + i - FRS_VECTOR_LEN, FRS_VECTOR_LEN);
    fr_md5_calc(digest, buf, secret_len + FRS_VECTOR_LEN);
    for (k = 0; k < block; k++) plain[i + k] = cipher[i + k] ^ digest[k];
  }
  explicit_bzero(buf, secret_len);
  talloc_free(buf);
  for (n = 0; n < len && plain[n] != 0; n++) {
  }
  fr_pair_value_bstrncpy(vp, plain, n);
  explicit_bzero(plain, sizeof(plain));
  explicit_bzero(digest, sizeof(digest));
  return FRS_OK;
}

/* RFC 2868 section 3.5 / RFC 2548 section 2.4.2, for Tunnel-Password style values (encrypt=2) of
 * replies: the value is Salt (2 octets) + C, a multiple of 16 octets; b(1) = MD5(S + R + Salt),
 * b(i) = MD5(S + c(i-1)), p = c XOR b, and p's first octet is the length of the clear text after
 * it. The library's rad_tunnel_pwdecode() does the same but leaks two OpenSSL digest contexts
 * whenever that length octet is too large (found by tests/fuzz/radius_codec_fuzz.cpp), so the
 * library never decrypts for us. A malformed value is refused, not returned as garbage. */
static int decrypt_salted_value(TALLOC_CTX* ctx, VALUE_PAIR* vp, const char* secret,
                                const uint8_t* vector, char* err, size_t errlen) {
  const bool is_string = vp->da->type == PW_TYPE_STRING;
  const uint8_t* value = is_string ? (const uint8_t*)vp->vp_strvalue : vp->vp_octets;
  size_t len = vp->vp_length;
  size_t secret_len = strlen(secret);
  uint8_t plain[FRS_MAX_ATTR_PAYLOAD];
  uint8_t digest[FRS_VECTOR_LEN];
  uint8_t* buf;
  size_t i;
  size_t clear_len;

  if (len < 2 + FRS_VECTOR_LEN || (len - 2) % FRS_VECTOR_LEN != 0 || len - 2 > sizeof(plain)) {
    return fail(err, errlen, FRS_ERR_MALFORMED,
                "%s is %zu octets: a salted value is a 2-octet Salt and a multiple of 16 octets "
                "(RFC 2868 section 3.5, RFC 2548 section 2.4.2)",
                vp->da->name, len);
  }
  buf = talloc_array(ctx, uint8_t, secret_len + FRS_VECTOR_LEN + 2);
  if (!buf) return fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  memcpy(buf, secret, secret_len);
  for (i = 0; i < len - 2; i += FRS_VECTOR_LEN) {
    size_t k;
    if (i == 0) {
      memcpy(buf + secret_len, vector, FRS_VECTOR_LEN);
      memcpy(buf + secret_len + FRS_VECTOR_LEN, value, 2);
      fr_md5_calc(digest, buf, secret_len + FRS_VECTOR_LEN + 2);
    } else {
      memcpy(buf + secret_len, value + 2 + i - FRS_VECTOR_LEN, FRS_VECTOR_LEN);
      fr_md5_calc(digest, buf, secret_len + FRS_VECTOR_LEN);
    }
    for (k = 0; k < FRS_VECTOR_LEN; k++) plain[i + k] = value[2 + i + k] ^ digest[k];
  }
  explicit_bzero(buf, secret_len);
  talloc_free(buf);
  clear_len = plain[0];
  if (clear_len > len - 3) {
    explicit_bzero(plain, sizeof(plain));
    return fail(err, errlen, FRS_ERR_MALFORMED,
                "%s: the encrypted length octet says %zu, more than the value holds: wrong shared "
                "secret or altered value (RFC 2868 section 3.5)",
                vp->da->name, clear_len);
  }
  if (is_string) {
    fr_pair_value_bstrncpy(vp, plain + 1, clear_len);
  } else {
    fr_pair_value_memcpy(vp, plain + 1, clear_len);
  }
  explicit_bzero(plain, sizeof(plain));
  explicit_bzero(digest, sizeof(digest));
  return FRS_OK;
}

/* User-Password style values (encrypt=1) of replies: MS-CHAP-MPPE-Keys (RFC 2548 section 2.4.1) is
 * the one the dictionaries define. RFC 2865 section 5.2 with the request's authenticator; as the
 * library did: cut to the dictionary's fixed length when it has one, else trailing zeros go. */
static int decrypt_reply_password_style(TALLOC_CTX* ctx, VALUE_PAIR* vp, const char* secret,
                                        const uint8_t* vector, char* err, size_t errlen) {
  const bool is_string = vp->da->type == PW_TYPE_STRING;
  const uint8_t* cipher = is_string ? (const uint8_t*)vp->vp_strvalue : vp->vp_octets;
  size_t len = vp->vp_length;
  size_t secret_len = strlen(secret);
  uint8_t plain[FRS_MAX_PASSWORD_LEN];
  uint8_t digest[FRS_VECTOR_LEN];
  uint8_t* buf;
  size_t i;

  if (len == 0 || len % FRS_VECTOR_LEN != 0 || len > FRS_MAX_PASSWORD_LEN) {
    return fail(err, errlen, FRS_ERR_MALFORMED,
                "%s is %zu octets: a User-Password style value is a multiple of 16 octets, at most "
                "%d (RFC 2865 section 5.2)",
                vp->da->name, len, FRS_MAX_PASSWORD_LEN);
  }
  buf = talloc_array(ctx, uint8_t, secret_len + FRS_VECTOR_LEN);
  if (!buf) return fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  memcpy(buf, secret, secret_len);
  for (i = 0; i < len; i += FRS_VECTOR_LEN) {
    size_t k;
    memcpy(buf + secret_len, i == 0 ? vector : cipher + i - FRS_VECTOR_LEN, FRS_VECTOR_LEN);
    fr_md5_calc(digest, buf, secret_len + FRS_VECTOR_LEN);
    for (k = 0; k < FRS_VECTOR_LEN; k++) plain[i + k] = cipher[i + k] ^ digest[k];
  }
  explicit_bzero(buf, secret_len);
  talloc_free(buf);
  if (vp->da->flags.length) {
    if (len > vp->da->flags.length) len = vp->da->flags.length;
  } else {
    while (len > 0 && plain[len - 1] == 0) len--;
  }
  if (is_string) {
    fr_pair_value_bstrncpy(vp, plain, len);
  } else {
    fr_pair_value_memcpy(vp, plain, len);
  }
  explicit_bzero(plain, sizeof(plain));
  explicit_bzero(digest, sizeof(digest));
  return FRS_OK;
}

int frs_decode(const uint8_t* data, size_t len, const char* secret, const uint8_t* request_vector,
               unsigned request_code, frs_decoded** out, char* err, size_t errlen) {
  frs_decoded* d;
  RADIUS_PACKET* packet;
  RADIUS_PACKET* original = NULL;
  decode_fail_t reason = DECODE_FAIL_NONE;
  VALUE_PAIR const* vp;
  size_t total;
  size_t n;
  unsigned code;
  unsigned original_code = 0;
  bool packet_ok;
  int rc = FRS_OK;

  if (!out || (!data && len > 0)) return fail(err, errlen, FRS_ERR_ARGUMENT, "frs_decode: NULL argument");
  *out = NULL;
  if (!secret || !*secret) return fail(err, errlen, FRS_ERR_ARGUMENT, "shared secret is empty");
  if (!atomic_load(&dict_is_loaded)) {
    return fail(err, errlen, FRS_ERR_STATE, "decoding: no dictionary loaded");
  }

  /* Header checks of our own first, for precise messages (RFC 2865 section 3). */
  if (len < FRS_HEADER_LEN) {
    return fail(err, errlen, FRS_ERR_MALFORMED,
                "packet is %zu octets, shorter than the 20-octet RADIUS header", len);
  }
  total = ((size_t)data[2] << 8) | data[3];
  if (total < FRS_HEADER_LEN || total > FRS_MAX_PACKET_LEN) {
    return fail(err, errlen, FRS_ERR_MALFORMED,
                "Length field is %zu, outside 20..4096 (RFC 2865 section 3)", total);
  }
  if (total > len) {
    return fail(err, errlen, FRS_ERR_MALFORMED,
                "Length field says %zu octets but only %zu were received", total, len);
  }
  code = data[0];
  if (!is_supported_code(code)) {
    return fail(err, errlen, FRS_ERR_MALFORMED, "packet code %u (%s) is not supported", code,
                code_name(code));
  }
  if (request_code_for(code) != 0) {
    if (!request_vector) {
      return fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s is a reply: the request's authenticator is needed to verify it",
                  code_name(code));
    }
    if ((rc = resolve_request_code(code, request_code, &original_code, err, errlen)) != FRS_OK) {
      return rc;
    }
  }

  d = talloc_zero(NULL, frs_decoded);
  if (!d) return fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  packet = rad_alloc(d, false);
  if (!packet) {
    rc = fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  /* Octets past Length are padding (RFC 2865 section 3): copy only the packet proper. The library
   * writes into this copy (rad_verify zeroes the authenticator field), never into `data`. The copy
   * has FRS_DECODE_SLACK zero octets after it: 3.2.1's rad_attr2vp() reads past the end of the
   * packet for some inputs (found by valgrind: a zero-length NAS-Filter-Rule as the last
   * attribute), and those reads must land in memory we own. */
  packet->data = talloc_zero_array(packet, uint8_t, total + FRS_DECODE_SLACK);
  if (!packet->data) {
    rc = fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  memcpy(packet->data, data, total);
  packet->data_len = total;
  packet->src_ipaddr.af = AF_INET;
  packet->dst_ipaddr.af = AF_INET;

  packet_ok = rad_packet_ok(packet, 0, &reason);
  /* RFC 5997 section 3: a Status-Server without Message-Authenticator is discarded. The library
   * may flag it as DECODE_FAIL_MA_MISSING (whose text is about EAP) or not at all: check it here. */
  if (code == PW_CODE_STATUS_SERVER &&
      (packet_ok ? !has_message_authenticator(packet->data, total)
                 : reason == DECODE_FAIL_MA_MISSING)) {
    rc = fail(err, errlen, FRS_ERR_MALFORMED,
              "malformed Status-Server: no Message-Authenticator (RFC 5997 section 3 requires one; "
              "an unsigned Status-Server is not supported)");
    goto done;
  }
  if (!packet_ok) {
    rc = fail(err, errlen, FRS_ERR_MALFORMED, "malformed %s: %s", code_name(code),
              decode_fail_text(reason));
    goto done;
  }
  /* RFC 3579 section 3.2: at most one Message-Authenticator. 3.2.1 checks the first and accepts a
   * second one whatever it holds (found by tests/fuzz/radius_codec_fuzz.cpp); our other checkers
   * (the auth fast path, verifyMessageAuthenticator) refuse such a packet, so does this one. */
  if (count_message_authenticators(packet->data, total) > 1) {
    rc = fail(err, errlen, FRS_ERR_MALFORMED,
              "malformed %s: more than one Message-Authenticator (RFC 3579 section 3.2)", code_name(code));
    goto done;
  }
  /* 3.2.1's rad_packet_ok() leaves these to rad_recv(), which we do not use. */
  packet->code = code;
  packet->id = data[1];
  memcpy(packet->vector, data + 4, FRS_VECTOR_LEN);
  d->code = code;
  d->id = data[1];
  memcpy(d->vector, data + 4, FRS_VECTOR_LEN);

  if (original_code != 0) {
    original = rad_alloc(d, false);
    if (!original) {
      rc = fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    original->code = original_code;
    original->id = data[1];
    memcpy(original->vector, request_vector, FRS_VECTOR_LEN);
  }

  if (rad_verify(packet, original, secret) < 0) {
    const char* why = lib_error();
    if (strstr(why, "Message-Authenticator")) {
      rc = fail(err, errlen, FRS_ERR_AUTHENTICATOR,
                "%s: Message-Authenticator does not match (RFC 3579 section 3.2): wrong shared "
                "secret or altered packet",
                code_name(code));
    } else if (original) {
      rc = fail(err, errlen, FRS_ERR_AUTHENTICATOR,
                "%s: Response Authenticator does not match (RFC 2865 section 3): wrong shared "
                "secret, altered packet, or not the reply to this request",
                code_name(code));
    } else {
      rc = fail(err, errlen, FRS_ERR_AUTHENTICATOR,
                "%s: Request Authenticator does not match (RFC 2866 section 3, RFC 5176 section "
                "3): wrong shared secret or altered packet",
                code_name(code));
    }
    goto done;
  }

  /* Packets are decoded WITHOUT the secret, so the library decrypts nothing: 3.2.1's
   * rad_tunnel_pwdecode() leaks two OpenSSL digest contexts whenever a Tunnel-Password style
   * attribute (Tunnel-Password, MS-MPPE keys, many vendor keys) fails its length check. In a
   * request anyone can send that at will (valgrind); in a reply, a peer holding the secret (a NAS
   * answering CoA/Disconnect) could, once per reply (tests/fuzz/radius_codec_fuzz.cpp). We decrypt
   * ourselves what each kind carries: User-Password in requests; Tunnel-Password style values and
   * User-Password style ones (MS-CHAP-MPPE-Keys) in replies (they have no business in requests, RFC 2868 section 3.5, RFC 2548, and come back
   * there as received). User-Password is decrypted in Access-Request only: elsewhere it is
   * forbidden and undecryptable (its Request Authenticator is a hash) and comes back as received. */
  if (rad_decode(packet, original, NULL) < 0) {
    rc = fail(err, errlen, FRS_ERR_MALFORMED, "decoding %s: %s", code_name(code), lib_error());
    goto done;
  }
  {
    VALUE_PAIR* ev;
    for (ev = packet->vps; ev; ev = ev->next) {
      if (code == PW_CODE_ACCESS_REQUEST && ev->da->vendor == 0 && ev->da->attr == PW_USER_PASSWORD) {
        rc = decrypt_user_password(d, ev, secret, packet->vector, err, errlen);
      } else if (original && ev->da->flags.encrypt == FLAG_ENCRYPT_TUNNEL_PASSWORD) {
        rc = decrypt_salted_value(d, ev, secret, original->vector, err, errlen);
      } else if (original && ev->da->flags.encrypt == FLAG_ENCRYPT_USER_PASSWORD) {
        rc = decrypt_reply_password_style(d, ev, secret, original->vector, err, errlen);
      }
      if (rc != FRS_OK) goto done;
    }
  }

  n = 0;
  for (vp = packet->vps; vp; vp = vp->next) n++;
  d->count = n;
  if (n > 0) {
    size_t i = 0;
    d->values = talloc_array(d, frs_value, n);
    if (!d->values) {
      rc = fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    for (vp = packet->vps; vp; vp = vp->next) export_value(vp, &d->values[i++]);
  }

done:
  if (rc != FRS_OK) {
    talloc_free(d);
    return rc;
  }
  *out = d;
  return FRS_OK;
}

unsigned frs_decoded_code(const frs_decoded* d) { return d ? d->code : 0; }
uint8_t frs_decoded_id(const frs_decoded* d) { return d ? d->id : 0; }
const uint8_t* frs_decoded_vector(const frs_decoded* d) { return d ? d->vector : NULL; }
size_t frs_decoded_count(const frs_decoded* d) { return d ? d->count : 0; }
const frs_value* frs_decoded_values(const frs_decoded* d) { return d ? d->values : NULL; }
void frs_decoded_free(frs_decoded* d) { talloc_free(d); }
