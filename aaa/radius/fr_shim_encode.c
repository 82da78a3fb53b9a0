/* fr_shim_encode.c: packets out (frs_encode): values checked against their attributes, the
 * expected wire length computed before rad_encode() (which truncates silently), then signed. */
#include "aaa/radius/fr_shim_internal.h"

#include <arpa/inet.h>
#include <string.h>

/* ---- encode ---- */

/* Octets an attribute takes on the wire around a payload of `payload` octets, and the largest
 * payload one attribute can carry. Only layouts we can predict exactly are accepted, so that the
 * post-encode length check below catches every silent truncation. */
static int wire_layout(DICT_ATTR const* da, size_t payload, size_t* overhead, char* err,
                       size_t errlen) {
  if (da->vendor == 0) {
    if (da->attr == 0 || da->attr > 255) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s is an internal attribute, not a wire one",
                  da->name);
    }
    if (da->attr == 92) {
      /* NAS-Filter-Rule (RFC 4849): the library joins consecutive values into NUL-separated runs
       * (and its decoder splits them at NULs), so the wire length depends on the neighbours; found
       * by tests/fuzz/radius_codec_fuzz.cpp as a kInternal length mismatch. We never send it. */
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s: the encoder does not support it yet (the library joins several into one "
                  "NUL-separated value)",
                  da->name);
    }
    if (payload > FRS_MAX_ATTR_PAYLOAD) {
      if (!da->flags.concat) {
        return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
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
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: RFC 6929 extended attributes are not supported by the encoder yet", da->name);
  }
  if (da->flags.wimax || da->flags.is_tlv) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: WiMAX and TLV attributes are not supported by the encoder yet", da->name);
  }
  {
    DICT_VENDOR const* dv = dict_vendorbyvalue((int)da->vendor);
    size_t header;
    if (!dv) {
      return shim_fail(err, errlen, FRS_ERR_NOT_FOUND, "%s: vendor %u is not in the dictionary",
                  da->name, da->vendor);
    }
    /* Vendor-Specific (RFC 2865 section 5.26): type 26, length, Vendor-Id, then the vendor's own
     * type and length fields (1/1 octets for most vendors, see the dictionary's format=). The
     * library puts each VSA in its own Vendor-Specific. */
    header = 2 + 4 + dv->type + dv->length;
    if (payload + header > 255) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
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
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: value %llu does not fit in a %s", da->name,
                (unsigned long long)v->num, shim_type_name(v->type));
  }
  return FRS_OK;
}

static int check_bytes(DICT_ATTR const* da, const frs_value* v, size_t min, size_t max, char* err,
                       size_t errlen) {
  if (v->len < min || v->len > max) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: a %s value is %zu..%zu octets, got %zu",
                da->name, shim_type_name(v->type), min, max, v->len);
  }
  if (v->len > 0 && !v->data) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: value data is NULL", da->name);
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
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: an encrypted value is a 2-octet salt and a multiple of 16 octets (RFC 2868 "
                "section 3.5, RFC 2548 section 2.4.2), got %zu octets",
                da->name, v->data ? v->len : (size_t)0);
  }
  if ((v->data[0] & 0x80) == 0) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: the salt's high bit must be set (RFC 2868 section 3.5, RFC 2548 section 2.4.2)",
                da->name);
  }
  payload = tag_len + v->len;
  if ((rc = wire_layout(da, payload, &overhead, err, errlen)) != FRS_OK) return rc;

  /* Allocates in ctx; its only dictionary access is a vendor lookup (warmed, read-only). */
  raw = dict_unknown_afrom_fields(ctx, da->attr, da->vendor);
  if (!raw) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
  vp = fr_pair_afrom_da(ctx, raw);
  if (!vp) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
  buf = talloc_array(vp, uint8_t, payload);
  if (!buf) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
  if (tag_len) buf[0] = v->tag; /* 0 when untagged: the octet is always there (RFC 2868 3.5) */
  memcpy(buf + tag_len, v->data, v->len);
  fr_pair_value_memcpy(vp, buf, payload);
  talloc_free(buf);
  if (vp->vp_length != payload) {
    return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
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
    return shim_fail(err, errlen, FRS_ERR_NOT_FOUND,
                "attribute (vendor %u, attr %u) is not in the dictionary", v->vendor, v->attr);
  }
  if (shim_map_type(da->type) != v->type || v->type == FRS_TYPE_OTHER) {
    if (v->type == FRS_TYPE_OTHER || shim_map_type(da->type) == FRS_TYPE_OTHER) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s: the encoder does not support this attribute's type yet", da->name);
    }
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s is %s in the dictionary, the value is %s",
                da->name, shim_type_name(shim_map_type(da->type)), shim_type_name(v->type));
  }
  if (v->tag != 0) {
    if (!da->flags.has_tag) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s is not a tagged attribute (tag %u given)",
                  da->name, v->tag);
    }
    if (!TAG_VALID(v->tag)) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: tag %u is outside 1..31 (RFC 2868 section 3)",
                  da->name, v->tag);
    }
  } else if (da->flags.has_tag && da->type == PW_TYPE_STRING && !(v->flags & FRS_VALUE_ENCRYPTED) &&
             v->data && v->len > 0 && v->data[0] <= 0x1F) {
    /* RFC 2868 section 3: a first octet of 0x00..0x1F is the tag, so an untagged value cannot start
     * with one; the receiver would drop it (found by tests/fuzz/radius_codec_fuzz.cpp). */
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: an untagged value cannot start with octet 0x%02x (it reads as a tag, RFC 2868 "
                "section 3); give a tag",
                da->name, v->data[0]);
  }
  if (v->flags & ~FRS_VALUE_ENCRYPTED) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: unknown value flags 0x%x", da->name,
                (unsigned)v->flags);
  }
  if (da->flags.encrypt == FLAG_ENCRYPT_TUNNEL_PASSWORD) {
    /* The library would salt it with its unlocked global RNG and counter: the caller encrypts. */
    if (!(v->flags & FRS_VALUE_ENCRYPTED)) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s has Tunnel-Password style encryption: the value must come encrypted by the "
                  "caller (FRS_VALUE_ENCRYPTED)",
                  da->name);
    }
    if (!in_reply) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s: encrypted values are encoded in replies only (they are encrypted with the "
                  "request's authenticator)",
                  da->name);
    }
    return make_encrypted_pair(ctx, da, v, out, wire, err, errlen);
  }
  if (v->flags & FRS_VALUE_ENCRYPTED) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s has no Tunnel-Password style encryption in the dictionary; an encrypted value "
                "does not apply",
                da->name);
  }
  if (da->flags.encrypt != FLAG_ENCRYPT_NONE && da->flags.encrypt != FLAG_ENCRYPT_USER_PASSWORD) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: this attribute's encryption (Ascend secret) is not supported by the encoder",
                da->name);
  }
  if (da->flags.encrypt == FLAG_ENCRYPT_USER_PASSWORD && (da->vendor != 0 || da->attr != PW_USER_PASSWORD)) {
    /* MS-CHAP-MPPE-Keys: 3.2.1 encrypts it in a reply with the wrong vector (not the request's
     * authenticator, RFC 2548 section 2.4.1), so a receiver decrypts its first block into garbage
     * (found by tests/fuzz/radius_codec_fuzz.cpp). MS-CHAPv1 is not offered; refuse it. */
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                "%s: User-Password style encryption outside User-Password is not supported by the "
                "encoder",
                da->name);
  }

  vp = fr_pair_afrom_da(ctx, da);
  if (!vp) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "%s: out of memory", da->name);
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
          return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: a tagged integer holds 24 bits, got %llu",
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
          return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: value %lld does not fit in a signed",
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
          return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: prefix length %u is above 128", da->name,
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
        return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: unsupported type", da->name);
    }
    vp->vp_length = payload;
  }

  if (da->flags.encrypt == FLAG_ENCRYPT_USER_PASSWORD) {
    /* RFC 2865 section 5.2: at most 128 octets, padded with zeros to a multiple of 16. */
    if (payload > FRS_MAX_PASSWORD_LEN) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s: %zu octets, at most %d are allowed", da->name,
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
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "frs_encode: NULL argument");
  }
  *out_len = 0;
  if (!secret || !*secret) return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "shared secret is empty");
  if (!frs_dict_loaded()) {
    return shim_fail(err, errlen, FRS_ERR_STATE, "encoding: no dictionary loaded");
  }
  if (!shim_is_supported_code(code)) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "packet code %u (%s) is not supported", code,
                shim_code_name(code));
  }
  if (own_vector && !vector) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%s needs a Request Authenticator", shim_code_name(code));
  }
  if (shim_request_code_for(code) != 0) {
    if (!request_vector) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s is a reply: the request's authenticator is needed to sign it (RFC 2865 "
                  "section 3)",
                  shim_code_name(code));
    }
    if ((rc = shim_resolve_request_code(code, request_code, &original_code, err, errlen)) != FRS_OK) {
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
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "%d Message-Authenticators given, a packet carries at most one",
                  mas);
    }
  }
  if (code == PW_CODE_STATUS_SERVER) {
    int signed_ = 0;
    for (i = 0; i < count; i++) {
      if (values[i].vendor == 0 && values[i].attr == PW_MESSAGE_AUTHENTICATOR) signed_ = 1;
    }
    if (!signed_) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
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
        return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "User-Password belongs in an Access-Request only, not in %s",
                    shim_code_name(code));
      }
    }
  }

  ctx = talloc_new(NULL);
  if (!ctx) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  packet = rad_alloc(ctx, false); /* false: no random vector, so no call into the global RNG */
  if (!packet) {
    rc = shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  packet->code = code;
  packet->id = id;
  if (own_vector) memcpy(packet->vector, vector, FRS_VECTOR_LEN);

  if (original_code != 0) {
    original = rad_alloc(ctx, false);
    if (!original) {
      rc = shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
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
      rc = shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                "the attributes need more than %d octets, the RADIUS maximum (RFC 2865 section 3)",
                FRS_MAX_PACKET_LEN);
      goto done;
    }
  }

  if (rad_encode(packet, original, secret) < 0) {
    rc = shim_fail(err, errlen, FRS_ERR_ENCODE, "encoding %s: %s", shim_code_name(code), shim_lib_error());
    goto done;
  }
  if (packet->data_len != expected) {
    /* rad_encode() drops or truncates attributes that do not fit without an error. */
    rc = shim_fail(err, errlen, FRS_ERR_ENCODE,
              "encoding %s: the library produced %zu octets, %zu were expected; an attribute was "
              "truncated or dropped",
              shim_code_name(code), packet->data_len, expected);
    goto done;
  }
  if (rad_sign(packet, original, secret) < 0) {
    rc = shim_fail(err, errlen, FRS_ERR_ENCODE, "signing %s: %s", shim_code_name(code), shim_lib_error());
    goto done;
  }
  if (shim_is_dynauth_reply(code)) {
    rc = shim_resign_dynauth_reply(ctx, packet->data, packet->data_len, secret, request_vector, err,
                              errlen);
    if (rc != FRS_OK) goto done;
  }
  if (packet->data_len > out_cap) {
    rc = shim_fail(err, errlen, FRS_ERR_BUFFER, "output buffer holds %zu octets, the packet is %zu",
              out_cap, packet->data_len);
    goto done;
  }
  memcpy(out, packet->data, packet->data_len);
  *out_len = packet->data_len;

done:
  talloc_free(ctx);
  return rc;
}
