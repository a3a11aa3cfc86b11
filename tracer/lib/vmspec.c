/* Parsing --vm specs, sizes and counts. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tracer/lib/vmspec.h"

int hs_parse_uint(const char *what, const char *s, unsigned long min, unsigned long max,
	       unsigned long *out, struct hs_err *err)
{
	/* "vcpus=9" reads better than "vcpus= 9"; "--cpus 7" keeps its space. */
	const char *sep = what[0] && what[strlen(what) - 1] == '=' ? "" : " ";
	unsigned long v = 0;
	const char *p;

	if (!*s)
		return hs_errf(err, -EINVAL, "%s needs a value (a number from %lu to %lu)", what,
			       min, max);
	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return hs_errf(err, -EINVAL, "%s%s'%s' is not a number: use %lu to %lu",
				       what, sep, s, min, max);
		if (v > (max - (unsigned long)(*p - '0')) / 10)
			return hs_errf(err, -ERANGE, "%s%s%s is out of range: use %lu to %lu", what,
				       sep, s, min, max);
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < min || v > max)
		return hs_errf(err, -ERANGE, "%s%s%s is out of range: use %lu to %lu", what, sep, s,
			       min, max);
	*out = v;
	return 0;
}

int hs_parse_size(const char *what, const char *s, uint64_t *out, struct hs_err *err)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			goto range;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		p++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		p++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		p++;
		break;
	default:
		goto bad;
	}
	if (*p)
		goto bad;
	if (shift && v > (UINT64_MAX >> shift))
		goto range;
	*out = v << shift;
	return 0;
bad:
	return hs_errf(err, -EINVAL,
		       "%s '%s' is not a size: use a number with an optional K, M or G suffix, "
		       "e.g. 64M",
		       what, s);
range:
	return hs_errf(err, -ERANGE, "%s '%s' is too large", what, s);
}

static bool name_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* basename without its last extension, unsafe characters made '_', then the index */
static void default_name(const char *image, unsigned int index, char *name)
{
	const char *base = strrchr(image, '/');
	char suffix[16];
	size_t len, room, i;
	const char *dot;

	base = base ? base + 1 : image;
	dot = strrchr(base, '.');
	len = (dot && dot != base) ? (size_t)(dot - base) : strlen(base);
	snprintf(suffix, sizeof(suffix), "%u", index);
	room = HYPCFG_NAME_LEN - 1 - strlen(suffix);
	if (len > room)
		len = room;
	if (len == 0) {
		base = "vm";
		len = 2;
	}
	for (i = 0; i < len; i++)
		name[i] = name_char_ok(base[i]) ? base[i] : '_';
	strcpy(name + len, suffix);
}

static int copy_value(const char *key, const char *val, size_t vlen, char *dst, size_t dstlen,
		      struct hs_err *err)
{
	if (vlen >= dstlen)
		return hs_errf(err, -ENAMETOOLONG, "%s= is too long: at most %zu characters", key,
			       dstlen - 1);
	memcpy(dst, val, vlen);
	dst[vlen] = '\0';
	return 0;
}

static int check_name(const char *name, struct hs_err *err)
{
	const char *p;

	for (p = name; *p; p++) {
		if (!name_char_ok(*p))
			return hs_errf(err, -EINVAL,
				       "name=%s: use only letters, digits, '_', '-' and '.'",
				       name);
	}
	return 0;
}

/* One KEY=VALUE; @vlen bounds the value, which is not NUL-terminated. */
static int apply_option(struct vmspec *vm, const char *key, const char *val, size_t vlen,
			struct hs_err *err)
{
	char buf[64];
	unsigned long n;
	int ret;

	if (vlen == 0)
		return hs_errf(err, -EINVAL, "%s= needs a value", key);
	if (!strcmp(key, "initrd"))
		return copy_value(key, val, vlen, vm->initrd, sizeof(vm->initrd), err);
	if (!strcmp(key, "cmdline"))
		return copy_value(key, val, vlen, vm->cmdline, sizeof(vm->cmdline), err);
	if (!strcmp(key, "name")) {
		ret = copy_value(key, val, vlen, vm->name, sizeof(vm->name), err);
		return ret ? ret : check_name(vm->name, err);
	}

	/* the rest are numbers and sizes: short */
	if (vlen >= sizeof(buf))
		return hs_errf(err, -EINVAL, "%s= value is too long", key);
	memcpy(buf, val, vlen);
	buf[vlen] = '\0';

	if (!strcmp(key, "sdei")) {
		if (!strcmp(buf, "off"))
			vm->flags |= HYPCFG_VM_F_NO_SDEI;
		else if (!strcmp(buf, "on"))
			vm->flags &= ~HYPCFG_VM_F_NO_SDEI;
		else
			return hs_errf(err, -EINVAL, "sdei=%s: use sdei=on or sdei=off", buf);
		return 0;
	}
	if (!strcmp(key, "el2")) {
		if (!strcmp(buf, "on"))
			vm->flags |= HYPCFG_VM_F_EL2;
		else if (!strcmp(buf, "off"))
			vm->flags &= ~HYPCFG_VM_F_EL2;
		else
			return hs_errf(err, -EINVAL, "el2=%s: use el2=on or el2=off", buf);
		return 0;
	}
	if (!strcmp(key, "vcpus")) {
		ret = hs_parse_uint("vcpus=", buf, 1, HYPCFG_MAX_VCPUS, &n, err);
		if (!ret)
			vm->nr_vcpus = (uint32_t)n;
		return ret;
	}
	if (!strcmp(key, "instances")) {
		ret = hs_parse_uint("instances=", buf, 1, VMSPEC_INSTANCES_MAX, &n, err);
		if (!ret)
			vm->instances = (uint32_t)n;
		return ret;
	}
	if (!strcmp(key, "mem")) {
		ret = hs_parse_size("mem=", buf, &vm->mem_size, err);
		if (ret)
			return ret;
		if (vm->mem_size < VMSPEC_MEM_ALIGN && !strpbrk(buf, "kKmMgG"))
			return hs_errf(err, -EINVAL,
				       "mem=%s is %s bytes, too small: at least 2M "
				       "(did you mean %sM?)",
				       buf, buf, buf);
		if (vm->mem_size < VMSPEC_MEM_ALIGN)
			return hs_errf(err, -EINVAL, "mem=%s is too small: at least 2M", buf);
		if (vm->mem_size % VMSPEC_MEM_ALIGN)
			return hs_errf(err, -EINVAL, "mem=%s must be a multiple of 2 MiB, e.g. 64M",
				       buf);
		if (vm->mem_size > VMSPEC_MEM_MAX)
			return hs_errf(err, -ERANGE, "mem=%s is too large: at most 4G", buf);
		return 0;
	}
	return hs_errf(err, -EINVAL,
		       "unknown --vm option '%s': use vcpus, mem, initrd, instances, name, sdei, el2, "
		       "cmdline",
		       key);
}

/* The ':' that starts the options: the first one followed by a KEY=. */
static const char *find_options(const char *spec)
{
	const char *c, *p;

	for (c = strchr(spec, ':'); c; c = strchr(c + 1, ':')) {
		/* A key starts with a letter; digits may follow (el2). */
		for (p = c + 1; isalpha((unsigned char)*p) || *p == '_' ||
				(p > c + 1 && isdigit((unsigned char)*p));
		     p++)
			;
		if (p > c + 1 && *p == '=')
			return c;
	}
	return NULL;
}

int vmspec_parse(const char *spec, unsigned int index, struct vmspec *vm, struct hs_err *err)
{
	const char *colon = find_options(spec);
	size_t ilen = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned int seen = 0;
	const char *p;
	int ret;

	static const char *const keys[] = { "vcpus", "mem", "initrd", "cmdline", "instances",
					    "name", "sdei", "el2" };

	memset(vm, 0, sizeof(*vm));
	vm->mem_size = VMSPEC_MEM_DEFAULT;
	vm->nr_vcpus = 1;
	vm->instances = 1;

	if (ilen == 0)
		return hs_errf(err, -EINVAL, "--vm '%s' names no image: use --vm IMAGE[:OPTIONS]",
			       spec);
	if (ilen >= sizeof(vm->image))
		return hs_errf(err, -ENAMETOOLONG, "--vm image path is too long");
	memcpy(vm->image, spec, ilen);
	vm->image[ilen] = '\0';

	for (p = colon ? colon + 1 : NULL; p && *p;) {
		const char *eq = strchr(p, '=');
		const char *comma = strchr(p, ',');
		char key[16];
		size_t klen, vlen, k;

		if (!eq || (comma && comma < eq)) {
			klen = comma ? (size_t)(comma - p) : strlen(p);
			return hs_errf(err, -EINVAL, "--vm option '%.*s' needs KEY=VALUE",
				       (int)klen, p);
		}
		klen = (size_t)(eq - p);
		if (klen == 0 || klen >= sizeof(key))
			return hs_errf(err, -EINVAL, "--vm option '%.*s' is not a known KEY=",
				       (int)(eq - p + 1), p);
		memcpy(key, p, klen);
		key[klen] = '\0';

		/* cmdline= swallows the rest so kernel arguments may hold commas */
		if (!strcmp(key, "cmdline"))
			comma = NULL;
		vlen = comma ? (size_t)(comma - eq - 1) : strlen(eq + 1);

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (strcmp(key, keys[k]))
				continue;
			if (seen & (1u << k))
				return hs_errf(err, -EINVAL, "--vm option %s= is given twice", key);
			seen |= 1u << k;
		}
		ret = apply_option(vm, key, eq + 1, vlen, err);
		if (ret)
			return ret;
		p = comma ? comma + 1 : NULL;
	}

	if (!vm->name[0])
		default_name(vm->image, index, vm->name);
	return 0;
}

int vmspec_check_all(const struct vmspec *vms, size_t n, struct hs_err *err)
{
	size_t i, j;

	if (n == 0)
		return hs_errf(err, -EINVAL, "no VM to run: give at least one --vm IMAGE");
	if (n > HYPCFG_MAX_VMS)
		return hs_errf(err, -E2BIG, "%zu VMs given: at most %u --vm options", n,
			       HYPCFG_MAX_VMS);
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (!strcmp(vms[i].name, vms[j].name))
				return hs_errf(err, -EINVAL,
					       "two VMs are named '%s': give each a distinct name=",
					       vms[i].name);
		}
	}
	return 0;
}
