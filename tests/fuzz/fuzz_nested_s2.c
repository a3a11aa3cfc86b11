/*
 * The shadow stage 2 (hyp/core/nested_s2.c) against a guest hypervisor that
 * writes anything into its stage-2 tables: a VM made by vm_create() on the
 * host, whose RAM holds L1's tables (well-formed at first, then any
 * descriptors: into RAM, at devices, anywhere), any VTCR_EL2 and VTTBR_EL2,
 * L2 aborts of any syndrome and address, L1's TLBIs of any encoding, vCPUs
 * entering and leaving L2, on a pool of a 2 MiB chunk as the hypervisor gives
 * it. Whatever L1 wrote, a filled shadow page must point into the VM's own
 * RAM (no other memory is reachable from L2), and the pool never grows past
 * its chunk.
 */
#include "hyp/include/nested_s2.h"
#include "hyp/include/stage2.h"
#include "hyp/include/vmid.h"
#include "tests/fuzz/fuzz_vms.h"

#define MAX_OPS 256
#define TABLES  0x10000u /* where L1's table pointers go: the first 64 KiB of its RAM */

/* A descriptor as L1 might write it. */
static uint64_t descriptor(struct fz *f)
{
	uint64_t attrs = (uint64_t)fz_u16(f) << 2 & 0xffc;

	switch (fz_u8(f) & 3) {
	case 0: return (GUEST_RAM_IPA + (fz_u16(f) & (TABLES - 1) & ~0xfffu)) | 3;
	case 1: return (GUEST_RAM_IPA + (fz_u32(f) & 0x1ff000)) | attrs | (fz_u8(f) & 3);
	case 2: return (fz_u32(f) & 0x3ffff000ull) | attrs | (fz_u8(f) & 3); /* devices, holes */
	default: return fz_u64(f);
	}
}

/*
 * A well-formed start the input then damages: for VTCR_4K below, a root at
 * the start of RAM, a level-2 table, and a level-3 table whose pages map RAM
 * (read-write, read-only, no access flag) and the UART; a 2 MiB block of RAM
 * after it.
 */
#define VTCR_4K (25 | 1ull << 6 | 2ull << 16)
#define RW      (0xfull << 2 | 3ull << 6 | 3ull << 8 | 1ull << 10)

static void l1_tables(uint64_t *ram)
{
	memset(ram, 0, 3 * 4096);
	ram[0] = (GUEST_RAM_IPA + 0x1000) | 3;
	ram[512] = (GUEST_RAM_IPA + 0x2000) | 3;
	ram[512 + 1] = GUEST_RAM_IPA | RW | 1;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t out = GUEST_RAM_IPA + (uint64_t)(i & 0x1ff) * 0x1000;

		switch (i % 4) {
		case 0: ram[1024 + i] = out | RW | 3; break;
		case 1: ram[1024 + i] = out | (RW & ~(2ull << 6)) | 3; break;
		case 2: ram[1024 + i] = GUEST_UART_IPA | RW | 3; break;
		default: ram[1024 + i] = out | (RW & ~(1ull << 10)) | 3; break;
		}
	}
}

static uint64_t vtcr(struct fz *f)
{
	static const uint64_t common[] = {
		25 | 1ull << 6 | 2ull << 16,               /* 4K, 39 bits, level 1 */
		24 | 2ull << 6 | 2ull << 16,               /* 4K, 40 bits, level 0 */
		24 | 1ull << 6 | 2ull << 16,               /* 4K, 40 bits, level 1: 2 tables */
		22 | 1ull << 6 | 1ull << 14 | 2ull << 16,  /* 64K, 42 bits */
		28 | 1ull << 6 | 2ull << 14 | 2ull << 16,  /* 16K, 36 bits */
	};

	switch (fz_u8(f) & 3) {
	case 0: return common[fz_below(f, 5)];
	case 1: return fz_u64(f);
	default: return VTCR_4K;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct vm *vm = &vms[0];
	struct vmid_allocator vmids;
	struct nested_s2 ns;
	struct ns2_l0 l0;
	struct fuzz_vms b;
	uint64_t pool_pa, *ram;

	fuzz_vms_create(&b);
	if (chunk_pool_alloc(&guest_pool, CHUNK_SIZE, &pool_pa))
		abort();
	vmid_allocator_init(&vmids, 8);
	nested_s2_vm_l0(vm, &l0);
	if (nested_s2_init(&ns, pool_pa, CHUNK_SIZE, 40, &l0))
		abort();
	ram = phys_to_virt(vm->ram_pa);
	l1_tables(ram);

	for (unsigned ops = 0; ops < MAX_OPS && f.n; ops++) {
		const struct vcpu *v = &vm->vcpus[fz_below(&f, vm->nr_vcpus)];
		uint64_t root = fz_u8(&f) & 3 ? 0 : (fz_u8(&f) & 0xf) * 0x1000ull;
		uint64_t vttbr = (GUEST_RAM_IPA + root) | (uint64_t)(fz_u8(&f) & 3) << 48;

		switch (fz_u8(&f) % 6) {
		case 0:
		case 1: /* L1 writes a descriptor */
			ram[(fz_u16(&f) % (3 * 4096)) / 8] = descriptor(&f);
			break;
		case 2: { /* L2 aborts */
			struct ns2_fault_info fi;
			uint64_t esr = (fz_bool(&f) ? 0x24ull : 0x20ull) << 26 | 1ull << 25 |
				       (fz_u32(&f) & 0x1ffffff);
			uint64_t ipa = fz_u8(&f) & 3 ? (uint64_t)(fz_u16(&f) & 0x3ff) << 4 :
				       fz_bool(&f) ? (uint64_t)fz_u32(&f) << 4 : fz_u64(&f);
			uint64_t t = vtcr(&f);

			if (fz_u8(&f) == 0)
				esr = fz_u64(&f);
			if (nested_s2_fault(&ns, v, t, vttbr, esr, fz_u64(&f), ipa, &fi))
				break;
			if (fi.result == NS2_FILLED) {
				struct ns2_shadow *sh = nested_s2_enter(&ns, v, vttbr, t);
				uint64_t pa, d;

				/* Isolation: the page is the VM's own. */
				if (nested_s2_lookup(sh, fi.l2_ipa, &pa, &d) || pa < vm->ram_pa ||
				    pa >= vm->ram_pa + vm->ram_size)
					abort();
				nested_s2_vttbr(sh, &vmids, v->pcpu);
			}
			break;
		}
		case 3: { /* L1 runs a TLBI */
			enum ns2_tlbi_op op;
			uint64_t ipa, sz;

			if (ns2_tlbi_decode(fz_u8(&f) & 7, 8 + (fz_u8(&f) & 1), fz_u8(&f) & 7,
					    fz_u8(&f) & 7, fz_u64(&f), &op, &ipa, &sz))
				nested_s2_tlbi(&ns, v, op, vttbr, ipa, sz);
			else
				nested_s2_tlbi(&ns, v, (enum ns2_tlbi_op)(fz_u8(&f) & 3), vttbr,
					       fz_u64(&f), fz_u64(&f));
			break;
		}
		case 4:
			nested_s2_enter(&ns, v, vttbr, vtcr(&f));
			break;
		default:
			nested_s2_leave(&ns, v);
			break;
		}
		if (ns.pool.bump > ns.pool.end)
			abort();
	}
	nested_s2_destroy(&ns, &vmids);
	chunk_pool_free(&guest_pool, pool_pa, CHUNK_SIZE);
	fuzz_vms_check(&b);
	return 0;
}
