/*
 * The test VMM's guest (tests/kvm/kvm_vmm.c copies it into each VM's RAM):
 * position-independent EL1 code, MMU off. The VMM sets
 *   x19  N, the count of each kind of exit (>= 1)
 *   x21  the IPA of the MMIO register (outside every memory slot)
 *   x22  iterations of the busy loop (0: none)
 * and the guest makes N hypercalls, N system register reads, spins, then N
 * MMIO stores; the VMM stops running the vCPU after the Nth store.
 */
	.section .rodata.kvm_guest, "a"
	.balign 4
	.globl	kvm_guest_start
	.globl	kvm_guest_end
kvm_guest_start:
	/* N HVCs of SMCCC_VERSION (0x80000000), answered by KVM in the kernel */
	mov	x20, x19
1:	movz	w0, #0x8000, lsl #16
	hvc	#0
	subs	x20, x20, #1
	b.ne	1b

	/* N reads of ID_AA64PFR0_EL1: trapped (HCR_EL2.TID3), emulated by KVM */
	mov	x20, x19
2:	mrs	x1, id_aa64pfr0_el1
	subs	x20, x20, #1
	b.ne	2b

	/* busy in the guest, so host interrupts arrive while it runs: IRQ exits */
	mov	x20, x22
	cbz	x20, 4f
3:	subs	x20, x20, #1
	b.ne	3b

	/* N 32-bit stores of the countdown to the MMIO register: each goes to the VMM */
4:	mov	x20, x19
5:	str	w20, [x21]
	subs	x20, x20, #1
	b.ne	5b
6:	wfi
	b	6b
kvm_guest_end:

	.section .note.GNU-stack, "", %progbits
