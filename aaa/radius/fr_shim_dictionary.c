/* fr_shim_dictionary.c: the process-global dictionary (loaded once, warmed, looked up); see fr_shim.c. */
#include "aaa/radius/fr_shim_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

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

  if (!dir || !*dir) return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "dictionary folder is empty");
  if (strlen(dir) >= sizeof(dict_dir)) {
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "dictionary folder name is too long");
  }

  pthread_mutex_lock(&dict_mutex);
  if (atomic_load(&dict_is_loaded)) {
    if (strcmp(dict_dir, dir) != 0) {
      rc = shim_fail(err, errlen, FRS_ERR_STATE,
                "a dictionary is already loaded from %s; a process loads one (asked for %s)",
                dict_dir, dir);
    }
    goto out;
  }
  if (dict_was_freed) {
    /* dict_addvalue() caches the last attribute it saw in a static that dict_free() leaves
     * dangling; the next dict_init() reads through it (use after free, found with valgrind,
     * crashes at times). So a process loads its dictionary once. */
    rc = shim_fail(err, errlen, FRS_ERR_STATE,
              "libfreeradius %s cannot load a dictionary again after freeing one in the same "
              "process",
              RADIUSD_VERSION_STRING);
    goto out;
  }

  /* The headers we compiled against must describe the library we run with: struct layouts
   * (RADIUS_PACKET, VALUE_PAIR) differ between versions. */
  if (fr_check_lib_magic(RADIUSD_MAGIC_NUMBER) < 0) {
    rc = shim_fail(err, errlen, FRS_ERR_LIBRARY,
              "libfreeradius-radius does not match the headers we were built with (%s): %s",
              RADIUSD_VERSION_STRING, shim_lib_error());
    goto out;
  }

  if (dict_init(dir, "dictionary") < 0) {
    rc = shim_fail(err, errlen, FRS_ERR_LIBRARY, "loading %s/dictionary: %s", dir, shim_lib_error());
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

frs_type shim_map_type(PW_TYPE t) {
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

const char* shim_type_name(frs_type t) {
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
    return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "frs_attr_by_name: NULL argument");
  }
  if (!atomic_load(&dict_is_loaded)) {
    return shim_fail(err, errlen, FRS_ERR_STATE, "looking up %s: no dictionary loaded", name);
  }
  da = dict_attrbyname(name);
  if (!da) {
    return shim_fail(err, errlen, FRS_ERR_NOT_FOUND, "attribute %s is not in the dictionary (%s)", name,
                dict_dir);
  }
  *vendor = da->vendor;
  *attr = da->attr;
  *type = shim_map_type(da->type);
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
